// A core job's progress and log reach the Jobs panel through a real worker thread; cancel works.
#include "core/jobs/job.h"
#include "core/util/error.h"
#include "widgets/job_manager.h"
#include "widgets/jobs_panel.h"

#include <catch2/catch.hpp>

#include <QApplication>
#include "widgets_test_support.h"
#include <QElapsedTimer>

#include <atomic>
#include <chrono>
#include <thread>

using namespace genra;

namespace {

// Reports progress in ten steps, logging each; waits for `release` before each step so the test
// controls the pace; optionally fails at step 5.
class SteppingJob : public jobs::Job {
public:
    SteppingJob(std::atomic<int>* release, bool fail) : release_(release), fail_(fail) {}
    std::string name() const override { return "stepping job"; }
    bool run(jobs::JobContext& context) override {
        workerThread = std::this_thread::get_id();
        for (int i = 1; i <= 10; ++i) {
            while (release_->load() < i) {
                context.checkCancelled();
                std::this_thread::sleep_for(std::chrono::milliseconds(2));
            }
            if (fail_ && i == 5) throw Error("step 5 failed: the test said so");
            context.log(jobs::LogLevel::Info, "step " + std::to_string(i));
            context.metric(i, "loss", 1.0 / i);
            context.progress(i / 10.0, "step " + std::to_string(i));
        }
        return true;
    }
    static inline std::thread::id workerThread;

private:
    std::atomic<int>* release_;
    bool fail_;
};

template <typename Pred>
bool spinUntil(Pred pred, int timeoutMs = 10000) {
    QElapsedTimer t;
    t.start();
    while (!pred()) {
        if (t.elapsed() > timeoutMs) return false;
        QCoreApplication::processEvents(QEventLoop::AllEvents, 5);
    }
    return true;
}
}  // namespace

TEST_CASE("job progress, log and metrics reach the jobs panel from a worker thread", "[widgets][jobs]") {
    test::app();
    widgets::JobManager manager;
    widgets::JobsPanel panel(&manager);
    std::atomic<int> release{0};
    int metrics = 0;
    QObject::connect(&manager, &widgets::JobManager::jobMetric, [&](int, qint64, const QString& name, double) {
        CHECK(name == QStringLiteral("loss"));
        ++metrics;
    });
    const int id = manager.start(std::make_unique<SteppingJob>(&release, false));
    REQUIRE(manager.runningCount() == 1);
    CHECK(panel.selectedJob() == id);

    release = 3;
    REQUIRE(spinUntil([&] { return manager.record(id)->fraction >= 0.3 - 1e-9; }));
    CHECK(manager.record(id)->message == QStringLiteral("step 3"));
    CHECK(manager.data(manager.index(0, widgets::JobManager::Progress)).toInt() == 30);
    CHECK(panel.logText().contains(QStringLiteral("step 3")));
    CHECK(SteppingJob::workerThread != std::this_thread::get_id());

    release = 10;
    REQUIRE(spinUntil([&] { return manager.record(id)->state == widgets::JobRecord::State::Succeeded; }));
    CHECK(metrics == 10);
    CHECK(manager.runningCount() == 0);
    CHECK(manager.data(manager.index(0, widgets::JobManager::State)).toString() == QStringLiteral("done"));
}

TEST_CASE("jobs can be cancelled and failures show their error", "[widgets][jobs]") {
    test::app();
    widgets::JobManager manager;
    widgets::JobsPanel panel(&manager);
    std::atomic<int> release{2};
    SECTION("cancel") {
        const int id = manager.start(std::make_unique<SteppingJob>(&release, false));
        REQUIRE(spinUntil([&] { return manager.record(id)->fraction >= 0.2 - 1e-9; }));
        manager.cancel(id);
        REQUIRE(spinUntil([&] { return manager.record(id)->state == widgets::JobRecord::State::Cancelled; }));
        CHECK(manager.record(id)->fraction < 0.3);
    }
    SECTION("failure") {
        release = 10;
        const int id = manager.start(std::make_unique<SteppingJob>(&release, true));
        REQUIRE(spinUntil([&] { return manager.record(id)->state == widgets::JobRecord::State::Failed; }));
        CHECK(manager.record(id)->error.contains(QStringLiteral("step 5 failed")));
        panel.selectJob(id);
        CHECK(panel.logText().contains(QStringLiteral("step 5 failed")));
        CHECK(manager.data(manager.index(0, widgets::JobManager::Message)).toString().contains(QStringLiteral("step 5")));
    }
}

TEST_CASE("the job queue runs at most maxRunning jobs, in order, drops cancelled queued ones and hands jobs back",
          "[widgets][jobs]") {
    test::app();
    widgets::JobManager manager;
    REQUIRE(manager.maxRunning() == widgets::JobManager::kDefaultMaxRunning);
    manager.setMaxRunning(1);
    std::atomic<int> releaseA{0}, releaseB{0}, releaseC{0};
    std::vector<int> started;
    std::vector<std::pair<int, bool>> finished;
    QObject::connect(&manager, &widgets::JobManager::jobStarted, [&](int id) { started.push_back(id); });
    QObject::connect(&manager, &widgets::JobManager::jobFinished, [&](int id, bool ok) { finished.emplace_back(id, ok); });
    auto jobA = std::make_shared<SteppingJob>(&releaseA, false);
    const int a = manager.start(jobA, {QStringLiteral("a note before the run")});
    const int b = manager.start(std::make_unique<SteppingJob>(&releaseB, false));
    const int c = manager.start(std::make_unique<SteppingJob>(&releaseC, false));
    CHECK(manager.runningCount() == 1);
    CHECK(manager.queuedCount() == 2);
    CHECK(manager.unfinishedCount() == 3);
    CHECK(manager.record(b)->state == widgets::JobRecord::State::Queued);
    CHECK(manager.data(manager.index(1, widgets::JobManager::State)).toString() == QStringLiteral("queued"));
    CHECK(manager.record(a)->log.value(0).contains(QStringLiteral("a note before the run")));

    // A queued job that is cancelled never runs.
    manager.cancel(c);
    CHECK(manager.record(c)->state == widgets::JobRecord::State::Cancelled);
    REQUIRE(finished.size() == 1);
    CHECK(finished[0] == std::make_pair(c, false));

    // The first finishes, then the next queued one starts; never two at once.
    releaseA = 10;
    REQUIRE(spinUntil([&] { return manager.record(a)->state == widgets::JobRecord::State::Succeeded; }));
    REQUIRE(spinUntil([&] { return manager.record(b)->state == widgets::JobRecord::State::Running; }));
    CHECK(manager.runningCount() == 1);
    CHECK(manager.job(a) == jobA);  // handed back after the run
    CHECK(manager.job(12345) == nullptr);
    releaseB = 10;
    REQUIRE(spinUntil([&] { return manager.unfinishedCount() == 0; }));
    CHECK(started == std::vector<int>{a, b});
    CHECK(releaseC.load() == 0);

    // Raising the limit starts queued jobs at once.
    std::atomic<int> releaseD{0}, releaseE{0};
    const int d = manager.start(std::make_unique<SteppingJob>(&releaseD, false));
    const int e = manager.start(std::make_unique<SteppingJob>(&releaseE, false));
    CHECK(manager.record(e)->state == widgets::JobRecord::State::Queued);
    manager.setMaxRunning(2);
    CHECK(manager.runningCount() == 2);
    releaseD = 10;
    releaseE = 10;
    REQUIRE(spinUntil([&] { return manager.unfinishedCount() == 0; }));
    CHECK(manager.record(d)->state == widgets::JobRecord::State::Succeeded);
}
