// The Training panel's "Processes" setting: above 1, Start runs `genra train --nproc N` (the real
// program, c10d Gloo over loopback) and follows it from the workspace like any run: its curve,
// progress and log; Stop makes the ranks write a checkpoint and the run resumes; a missing genra
// program is named in a clear message.
#include "core/store/runs.h"
#include "core/store/workspace.h"
#include "core/train/distributed.h"
#include "core/train/recipe.h"
#include "embedding_world.h"
#include "support/test_support.h"
#include "widgets/job_manager.h"
#include "widgets/plot_curves.h"
#include "widgets/training_form.h"
#include "widgets/training_panel.h"
#include "widgets_test_support.h"

#include <catch2/catch.hpp>

using namespace genra;

namespace {

// GenRA on the tiny workspace's 8 captions, 4 a batch (2 a process).
nlohmann::json genraRecipe(int steps) {
    auto j = train::toJson(train::parseRecipe(nlohmann::json{{"dataset", "tiny"}, {"base_model", "base"}}));
    j.update({{"batch_size", 4}, {"steps", steps}, {"lr", 1e-3}, {"checkpoint_every", 0}, {"workers", 1}, {"device", "cpu"}});
    return j;
}

}  // namespace

TEST_CASE("the Training panel runs a recipe on 2 processes through genra train --nproc", "[widgets][train][dist]") {
    if (!train::haveGloo()) {
        test::skip("this build has no c10d Gloo");
        return;
    }
    test::app();
    test::TempDir tmp{"genra-training-processes"};
    test::makeTinyClipWorkspace(tmp / "ws", tmp.path());
    auto ws = store::Workspace::open(tmp / "ws");
    widgets::JobManager jobs;
    widgets::TrainingPanel panel(&jobs);
    panel.resize(1280, 800);
    panel.setWorkspace(&ws);
    CHECK(panel.processes() == 1);  // one process unless asked
    const test::ScopedEnv cli("GENRA_CLI", GENRA_CLI);
    panel.setProcesses(2);
    auto* curves = panel.curves();

    SECTION("the run finishes with its curve, progress and log from the workspace") {
        panel.form()->setRecipeJson(genraRecipe(6));
        const int id = panel.startRun(QStringLiteral("two"));
        INFO(panel.lastError().toStdString());
        REQUIRE(id != 0);
        REQUIRE(test::waitFor([&] { return panel.liveJob() == 0; }, 180000));
        INFO(panel.logText().toStdString());
        REQUIRE(jobs.record(id)->state == widgets::JobRecord::State::Succeeded);
        CHECK(panel.logText().contains(QStringLiteral("--nproc 2")));
        CHECK(panel.logText().contains(QStringLiteral("data-parallel over 2 processes")));
        CHECK(jobs.record(id)->message.contains(QStringLiteral("step 6/6")));
        CHECK(panel.statusText().contains(QStringLiteral("finished")));
        CHECK(store::requireRun(ws, "two").status == "finished");
        CHECK(curves->storedPoints(QStringLiteral("two"), QStringLiteral("loss")) == 6);
    }
    SECTION("Stop makes the processes write a checkpoint; the run resumes on 2 processes") {
        panel.form()->setRecipeJson(genraRecipe(3000));
        const int id = panel.startRun(QStringLiteral("long"));
        INFO(panel.lastError().toStdString());
        REQUIRE(id != 0);
        REQUIRE(test::waitFor([&] { return curves->storedPoints(QStringLiteral("long"), QStringLiteral("loss")) >= 2; },
                              180000));
        panel.stopRun();
        REQUIRE(test::waitFor([&] { return panel.liveJob() == 0; }, 120000));
        INFO(panel.logText().toStdString());
        CHECK(jobs.record(id)->state == widgets::JobRecord::State::Cancelled);
        const auto stopped = store::requireRun(ws, "long");
        CHECK(stopped.status == "cancelled");
        CHECK_FALSE(stopped.checkpoint.empty());
        CHECK(stopped.step < 3000);
        CHECK(panel.statusText().contains(QStringLiteral("cancelled")));
        // Resume goes to 2 processes as well, from the checkpoint.
        const int resumed = panel.resumeRun(QStringLiteral("long"));
        INFO(panel.lastError().toStdString());
        REQUIRE(resumed != 0);
        REQUIRE(test::waitFor([&] { return panel.logText().contains(QStringLiteral("resumed from step")); }, 180000));
        panel.stopRun();
        REQUIRE(test::waitFor([&] { return panel.liveJob() == 0; }, 120000));
        CHECK(panel.logText().contains(QStringLiteral("--resume long --nproc 2")));
        CHECK(store::requireRun(ws, "long").status == "cancelled");
    }
    SECTION("a batch that does not split, and a missing genra program, are refused with a message") {
        auto odd = genraRecipe(4);
        odd["batch_size"] = 3;
        panel.form()->setRecipeJson(odd);
        CHECK(panel.startRun(QStringLiteral("odd")) == 0);
        CHECK(panel.lastError().contains(QStringLiteral("batch_size 3 does not split evenly across 2 processes")));
        panel.form()->setRecipeJson(genraRecipe(4));
        const test::ScopedEnv missing("GENRA_CLI", (tmp / "no-such-genra").string());
        const test::ScopedEnv path("PATH", tmp.path().string());
        CHECK(panel.startRun(QStringLiteral("nowhere")) == 0);
        CHECK(panel.lastError().contains(QStringLiteral("genra program was not found")));
        CHECK(panel.lastError().contains(QString::fromStdString((tmp / "no-such-genra").string())));
        CHECK(panel.statusText() == panel.lastError());
        CHECK_FALSE(store::findRun(ws, "nowhere").has_value());
    }
}
