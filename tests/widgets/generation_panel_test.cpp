// The Generation panel on a Shapes workspace with a real external generator (the protocol test
// script tests/data/generators/answer.py started by core's GenerateJob on a JobManager worker
// thread): a split, resume skipping what is there, the browser's selection, and a form that cannot
// start.
#include "core/store/workspace.h"
#include "core/store/raw_db.h"
#include "support/shapes_workspace.h"
#include "support/test_support.h"
#include "widgets/caption_browser.h"
#include "widgets/caption_list_model.h"
#include "widgets/generation_panel.h"
#include "widgets/job_manager.h"
#include "widgets_test_support.h"

#include <catch2/catch.hpp>

#include <QComboBox>
#include <QSpinBox>

using namespace genra;

namespace {

std::int64_t count(store::Workspace& ws, const std::string& sql) {
    auto s = rawDb(ws).prepare(sql);
    REQUIRE(s.step());
    return s.columnInt(0);
}

}  // namespace

TEST_CASE("the generation panel runs an external generator through the job manager", "[widgets][gen]") {
    test::app();
    test::TempDir tmp;
    const auto wsDir = test::makeShapesWorkspace(tmp.path(), 10);
    const std::string script = std::string(GENRA_TEST_SOURCE_DIR) + "/tests/data/generators/answer.py";
    test::writeFile(wsDir / "generators.json",
                    "{\"answer\": {\"command\": [\"" + std::string(GENRA_TEST_PYTHON) + "\", \"" + script + "\"], \"timeout_s\": 60}}");
    auto ws = store::Workspace::open(wsDir);
    widgets::JobManager jobs;
    widgets::GenerationPanel panel(&jobs);
    QStringList asked;  // the commands the panel asked to confirm
    bool confirm = true;
    panel.setCommandConfirmation([&](const QString& name, const QString& commandLine) {
        asked << name + QStringLiteral(": ") + commandLine;
        return confirm;
    });
    panel.setWorkspace(&ws);
    const QString generator = QStringLiteral("external:answer");
    const auto generated = [&] {
        return count(ws, "SELECT COUNT(*) FROM generations WHERE generator = 'external:answer'");
    };

    SECTION("a split: progress reaches the jobs model, images are recorded and shown; resume skips them") {
        REQUIRE(panel.select(QStringLiteral("generator"), generator));
        REQUIRE(panel.select(QStringLiteral("dataset"), QStringLiteral("shapes")));
        REQUIRE(panel.splitBox()->count() > 0);
        REQUIRE(panel.select(QStringLiteral("per-caption"), QStringLiteral("2")));
        REQUIRE(panel.select(QStringLiteral("max-captions"), QStringLiteral("3")));
        REQUIRE(panel.select(QStringLiteral("seed"), QStringLiteral("7")));
        CHECK(panel.guidanceBox()->value() == Approx(7.5));  // the external generator's default
        std::vector<bool> finished;
        QObject::connect(&panel, &widgets::GenerationPanel::generationFinished, [&](bool ok) { finished.push_back(ok); });
        int progress = 0;
        QObject::connect(&jobs, &widgets::JobManager::jobProgress, [&] { ++progress; });
        REQUIRE(panel.start());
        CHECK(panel.isRunning());
        REQUIRE(test::waitFor([&] { return finished.size() == 1; }, 60000));
        INFO(panel.statusText().toStdString());
        CHECK(finished.at(0));
        REQUIRE(jobs.rowCount() == 1);
        CHECK(jobs.recordAt(0).state == widgets::JobRecord::State::Succeeded);
        CHECK(jobs.recordAt(0).fraction == Approx(1.0));
        CHECK(progress > 0);
        CHECK(generated() == 6);
        // Two images of each of three captions, at the seeds the panel asked for.
        CHECK(count(ws, "SELECT COUNT(DISTINCT caption_id) FROM generations") == 3);
        CHECK(count(ws, "SELECT COUNT(*) FROM generations WHERE params LIKE '%\"base_seed\":7%'") == 6);
        // The newest images appear, decoded.
        REQUIRE(panel.newestImages().size() == 6);
        REQUIRE(test::waitFor([&] { return !panel.isBusy(); }));
        for (auto* tile : panel.newestTiles()) CHECK_FALSE(tile->isBroken());

        REQUIRE(panel.resume());
        REQUIRE(test::waitFor([&] { return finished.size() == 2; }, 60000));
        CHECK(finished.at(1));
        CHECK(generated() == 6);
        CHECK(jobs.rowCount() == 2);
    }
    SECTION("the browser's selected caption") {
        widgets::CaptionBrowser browser;
        browser.setWorkspace(&ws);
        REQUIRE(test::waitFor([&] { return !browser.model()->isLoading() && browser.currentCaption() != 0; }));
        const std::int64_t last = count(ws, "SELECT MAX(id) FROM captions");
        REQUIRE(browser.showCaption(last));
        panel.setSelectedCaptions({browser.currentCaption()});
        REQUIRE(panel.select(QStringLiteral("source"), QStringLiteral("selection")));
        REQUIRE(panel.select(QStringLiteral("generator"), generator));
        REQUIRE(panel.select(QStringLiteral("per-caption"), QStringLiteral("3")));
        const auto planned = panel.plan();
        REQUIRE(planned.size() == 1);
        CHECK(planned[0].dataset == "shapes");
        // The request carries the caption ids themselves: no captions file on disk.
        CHECK(planned[0].captionsFile.empty());
        CHECK(planned[0].captionIds == std::vector<std::int64_t>{browser.currentCaption()});
        std::vector<bool> finished;
        QObject::connect(&panel, &widgets::GenerationPanel::generationFinished, [&](bool ok) { finished.push_back(ok); });
        REQUIRE(panel.start());
        REQUIRE(test::waitFor([&] { return finished.size() == 1; }, 60000));
        INFO(panel.statusText().toStdString());
        CHECK(finished.at(0));
        CHECK(generated() == 3);
        CHECK(count(ws, "SELECT COUNT(*) FROM generations WHERE caption_id = " + std::to_string(last)) == 3);
        // The browser shows them once refreshed.
        browser.refresh();
        REQUIRE(test::waitFor([&] { return !browser.model()->isLoading() && browser.tiles().size() == 4; }));
    }
    SECTION("a workspace's external command runs only once confirmed, and is asked for once") {
        REQUIRE(panel.select(QStringLiteral("generator"), generator));
        REQUIRE(panel.select(QStringLiteral("dataset"), QStringLiteral("shapes")));
        REQUIRE(panel.select(QStringLiteral("per-caption"), QStringLiteral("1")));
        REQUIRE(panel.select(QStringLiteral("max-captions"), QStringLiteral("1")));
        confirm = false;
        CHECK_FALSE(panel.start());
        CHECK(panel.errorText().contains(QStringLiteral("not confirmed")));
        REQUIRE(asked.size() == 1);
        CHECK(asked[0].startsWith(QStringLiteral("answer: ")));
        CHECK(asked[0].contains(QString::fromStdString(script)));
        CHECK(jobs.rowCount() == 0);
        confirm = true;
        std::vector<bool> finished;
        QObject::connect(&panel, &widgets::GenerationPanel::generationFinished, [&](bool ok) { finished.push_back(ok); });
        REQUIRE(panel.start());
        REQUIRE(test::waitFor([&] { return finished.size() == 1; }, 60000));
        CHECK(generated() == 1);
        REQUIRE(panel.select(QStringLiteral("per-caption"), QStringLiteral("2")));
        REQUIRE(panel.start());
        REQUIRE(test::waitFor([&] { return finished.size() == 2; }, 60000));
        CHECK(asked.size() == 2);  // the refusal and the one confirmation; not again
    }
    SECTION("a form that cannot start says why and starts nothing") {
        REQUIRE(panel.select(QStringLiteral("source"), QStringLiteral("selection")));
        REQUIRE(panel.select(QStringLiteral("generator"), generator));
        CHECK_FALSE(panel.start());
        CHECK(panel.errorText().contains(QStringLiteral("selected")));
        CHECK_FALSE(panel.select(QStringLiteral("start"), QStringLiteral("1")));
        CHECK_FALSE(panel.isBusy());
        CHECK_FALSE(panel.select(QStringLiteral("generator"), QStringLiteral("external:nonexistent")));
        CHECK(jobs.rowCount() == 0);
        CHECK(generated() == 0);
    }
}
