// The run driver on its own, with a one-parameter loop: the run's row through create, stop, claim,
// cancel and failure, checkpoints and bit-exact resume, and the learning rate it sets.
#include <catch2/catch.hpp>

#include "core/store/runs.h"
#include "core/store/workspace.h"
#include "core/train/checkpoint.h"
#include "core/train/run_driver.h"
#include "core/util/error.h"
#include "support/test_context.h"
#include "support/test_support.h"

#include <torch/torch.h>

#include <algorithm>
#include <filesystem>

using namespace genra;
using genra::store::Workspace;

namespace {

constexpr std::int64_t kSteps = 6;

train::ScheduleOptions schedule() {
    train::ScheduleOptions s;
    s.baseLearningRate = 0.1;
    s.warmupSteps = 2;
    s.restartPeriod = 4;
    return s;
}

// Fits w to 3 with AdamW and noisy targets, so the result depends on every step's RNG draw, the
// optimiser state and the learning rate.
struct ToyRun {
    torch::Tensor w = torch::zeros({1}, torch::kDouble).set_requires_grad(true);
    torch::optim::AdamW optimizer{std::vector<torch::Tensor>{w}, torch::optim::AdamWOptions(0.1)};
    std::vector<double> learningRates;

    train::RunOutcome run(train::RunDriver& driver, std::optional<std::int64_t> stopAfter, std::int64_t failAt = -1) {
        train::TrainingLoop loop;
        loop.optimizer = &optimizer;
        loop.schedule = schedule();
        loop.checkpointEvery = 2;
        loop.stopAfterSteps = stopAfter;
        loop.resumeHint = "resume with `toy --resume`";
        loop.step = [&](std::int64_t step, double lr) -> train::StepResult {
            if (step == failAt) throw Error("boom at " + std::to_string(step));
            learningRates.push_back(lr);
            CHECK(optimizer.param_groups()[0].options().get_lr() == lr);
            const auto target = 3.0 + 0.1 * torch::randn({1}, torch::kDouble);
            const auto loss = (w - target).pow(2).sum();
            optimizer.zero_grad();
            loss.backward();
            optimizer.step();
            return {loss.item<double>(), {{"loss", loss.item<double>()}, {"lr", lr}}};
        };
        loop.save = [&](const std::filesystem::path& path, std::int64_t step) {
            torch::serialize::OutputArchive archive;
            archive.write("step", torch::tensor(step));
            archive.write("w", w.detach());
            train::writeTrainingState(archive, optimizer);
            train::saveArchiveAtomically(archive, path);
        };
        loop.load = [&](const std::filesystem::path& path) {
            torch::serialize::InputArchive archive;
            archive.load_from(path.string());
            torch::Tensor step;
            torch::Tensor value;
            archive.read("step", step);
            archive.read("w", value);
            torch::NoGradGuard noGrad;
            w.copy_(value);
            train::readTrainingState(archive, optimizer);
            return step.item<std::int64_t>();
        };
        return {driver.loop(loop), std::nullopt};
    }
};

train::RunSpec spec(const std::string& name, std::optional<std::int64_t> resume = std::nullopt) {
    return {name, "toy", nlohmann::json{{"steps", kSteps}}, "cpu", kSteps, resume};
}

}  // namespace

TEST_CASE("the run driver: row, checkpoints, stop and bit-exact resume, cancel, failure", "[train]") {
    test::TempDir tmp;
    auto ws = Workspace::create(tmp / "ws");
    test::TestContext context;

    torch::manual_seed(7);
    ToyRun straight;
    {
        train::RunDriver driver(ws, context, spec("straight"));
        CHECK(store::requireRun(ws, "straight").status == "running");
        CHECK(driver.checkpointPath() == ws.checkpointsDir() / ("run-" + std::to_string(driver.runId())) / "last.pt");
        CHECK(driver.run([&] { return straight.run(driver, std::nullopt); }));
        CHECK(driver.step() == kSteps);
    }
    const auto done = store::requireRun(ws, "straight");
    CHECK(done.status == "finished");
    CHECK(done.step == kSteps);
    CHECK(done.totalSteps == kSteps);
    CHECK(done.checkpoint == "checkpoints/run-" + std::to_string(done.id) + "/last.pt");
    CHECK(store::runMetricSeries(ws, "straight", "loss").size() == static_cast<std::size_t>(kSteps));
    for (std::size_t i = 0; i < straight.learningRates.size(); ++i) {
        CHECK(straight.learningRates[i] == train::learningRateAt(schedule(), static_cast<long long>(i)));
    }

    SECTION("stopped as if killed, claimed again, resumed from the last checkpoint: the same weights") {
        torch::manual_seed(7);
        ToyRun first;
        std::int64_t id = 0;
        {
            train::RunDriver driver(ws, context, spec("split"));
            id = driver.runId();
            CHECK(driver.run([&] { return first.run(driver, 3); }));
        }
        auto stopped = store::requireRun(ws, "split");
        CHECK(stopped.status == "running");  // nothing more written: the owner is this live process
        CHECK(stopped.step == 3);
        CHECK(stopped.checkpoint.find("last.pt") != std::string::npos);
        CHECK_THROWS_WITH(train::requireResumableRun(ws, "split"), Catch::Contains("still running in another process"));
        store::finishRun(ws, id, "failed", "killed");  // as if its process had died

        CHECK(train::requireResumableRun(ws, "split", "toy", "toy").id == id);
        CHECK_THROWS_WITH(train::requireResumableRun(ws, "split", "caption", "captioner"),
                          Catch::Contains("is a toy run, not a captioner run"));
        CHECK_THROWS_WITH(train::requireResumableRun(ws, "straight"), Catch::Contains("already finished"));

        torch::manual_seed(12345);  // the checkpoint's RNG state replaces it
        ToyRun resumed;
        train::RunDriver driver(ws, context, spec("split", id));
        CHECK(driver.run([&] { return resumed.run(driver, std::nullopt); }));
        CHECK(driver.resumedFromStep() == 2);
        CHECK(std::find(context.logs.begin(), context.logs.end(),
                        "resumed from step 2 (" + driver.checkpointPath().string() + ")") != context.logs.end());
        CHECK(torch::equal(resumed.w, straight.w));
        CHECK(store::requireRun(ws, "split").status == "finished");
    }

    SECTION("a cancel writes a checkpoint and ends the run 'cancelled'") {
        test::TestContext cancelling;
        cancelling.cancelAtStep = 3;
        ToyRun toy;
        train::RunDriver driver(ws, cancelling, spec("cancelled"));
        CHECK_FALSE(driver.run([&] { return toy.run(driver, std::nullopt); }));
        const auto run = store::requireRun(ws, "cancelled");
        CHECK(run.status == "cancelled");
        CHECK(run.step == 3);
        CHECK(std::filesystem::exists(driver.checkpointPath()));
        CHECK(cancelling.logs.back() == "cancelled at step 3; checkpoint written, resume with `toy --resume`");
    }

    SECTION("a failure is stored with its message and rethrown naming the run") {
        ToyRun toy;
        auto failSpec = spec("failing");
        failSpec.label = "toy run";
        train::RunDriver driver(ws, context, failSpec);
        CHECK_THROWS_WITH(driver.run([&] { return toy.run(driver, std::nullopt, 1); }), "toy run failing: boom at 1");
        const auto run = store::requireRun(ws, "failing");
        CHECK(run.status == "failed");
        CHECK(run.error == "boom at 1");
    }

    SECTION("a run of a taken name is refused before anything is written") {
        CHECK_THROWS_WITH(train::RunDriver(ws, context, spec("straight")), Catch::Contains("already has a run named"));
    }
}
