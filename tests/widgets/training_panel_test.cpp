// The Training panel on a real tiny workspace: the recipe form follows the trainer's field table
// and rejects bad values by key; a real TrainJob on a worker thread feeds the live curves; two
// runs overlay in distinct colours; Stop checkpoints and Resume finishes the run.
#include "core/store/workspace.h"
#include "core/train/recipe.h"
#include "core/store/runs.h"
#include "embedding_world.h"
#include "support/test_support.h"
#include "widgets/job_manager.h"
#include "widgets/plot_curves.h"
#include "widgets/training_form.h"
#include "widgets/training_panel.h"
#include "widgets_test_support.h"

#include <catch2/catch.hpp>

#include <QApplication>
#include <QComboBox>
#include <QLineEdit>

using namespace genra;
namespace fs = std::filesystem;

namespace {

nlohmann::json tinyRecipe(int steps, double learningRate) {
    auto j = train::toJson(train::parseRecipe(nlohmann::json{{"dataset", "tiny"}, {"base_model", "base"}}));
    j["batch_size"] = 4;
    j["steps"] = steps;
    j["lr"] = learningRate;
    j["checkpoint_every"] = 2;
    j["workers"] = 1;
    j["device"] = "cpu";
    return j;
}

}  // namespace

TEST_CASE("the recipe form is driven by the trainer's field table and validates by key", "[widgets][train]") {
    test::app();
    widgets::RecipeForm form;
    for (const auto& f : train::recipeFields()) {
        INFO(f.key);
        auto* editor = form.editor(f.key);
        REQUIRE(editor != nullptr);
        CHECK(editor->toolTip().contains(QString::fromStdString(f.help)));
    }
    // The defaults round-trip through the editors to the trainer's own defaults.
    form.setRecipeJson({{"base_model", "clip"}, {"dataset", "coco"}});
    CHECK(form.validate().isEmpty());
    CHECK(form.recipeJson() == train::toJson(train::parseRecipe(form.recipeJson())));
    CHECK(form.recipeJson()["lora_rank"] == 4);

    SECTION("the loss weights and inference encoder follow the method and reading, as the trainer's defaults") {
        CHECK(form.recipeJson()["w_gen"] == 0.0);   // genra, App. A reading
        CHECK(form.recipeJson()["w_real"] == 1.0);
        auto choose = [&](const char* key, const char* text) {
            auto* combo = qobject_cast<QComboBox*>(form.editor(key));
            REQUIRE(combo != nullptr);
            combo->setCurrentText(QString::fromLatin1(text));
            Q_EMIT combo->textActivated(QString::fromLatin1(text));  // as a user's choice
        };
        choose("method", "lora-gen");
        CHECK(form.recipeJson()["w_gen"] == 1.0);
        CHECK(form.recipeJson()["w_real"] == 1.0);
        choose("method", "genra");
        choose("reading", "algorithm-1");
        CHECK(form.recipeJson()["w_real"] == 0.0);
        CHECK(form.recipeJson()["inference_encoder"] == "frozen-real");
        CHECK(form.validate().isEmpty());
        // A loaded recipe keeps the weights it states.
        form.setRecipeJson({{"base_model", "clip"}, {"dataset", "coco"}, {"method", "genra"}, {"w_gen", 0.5}});
        CHECK(form.recipeJson()["w_gen"] == 0.5);
        CHECK(form.recipeJson()["w_real"] == 1.0);
    }
    SECTION("bad values are reported by key") {
        qobject_cast<QLineEdit*>(form.editor("batch_size"))->setText(QStringLiteral("-3"));
        CHECK(form.validate().contains(QStringLiteral("batch_size")));
        qobject_cast<QLineEdit*>(form.editor("batch_size"))->setText(QStringLiteral("8"));
        qobject_cast<QLineEdit*>(form.editor("lr"))->setText(QStringLiteral("fast"));
        CHECK(form.validate().contains(QStringLiteral("lr")));
    }
    SECTION("recipe files load, save, and a bad file changes nothing") {
        test::TempDir tmp;
        auto recipe = tinyRecipe(7, 0.002);
        test::writeFile(tmp / "good.json", recipe.dump());
        form.loadFile(QString::fromStdString((tmp / "good.json").string()));
        CHECK(form.recipeJson()["steps"] == 7);
        CHECK(form.recipeJson()["lr"].get<double>() == Approx(0.002));
        recipe["not_a_field"] = 1;
        test::writeFile(tmp / "bad.json", recipe.dump());
        try {
            form.loadFile(QString::fromStdString((tmp / "bad.json").string()));
            FAIL("an unknown key was accepted");
        } catch (const std::exception& e) {
            CHECK_THAT(e.what(), Catch::Contains("bad.json") && Catch::Contains("not_a_field"));
        }
        CHECK(form.recipeJson()["steps"] == 7);
        form.saveFile(QString::fromStdString((tmp / "saved.json").string()));
        CHECK(nlohmann::json::parse(test::readFile(tmp / "saved.json")) == form.recipeJson());
    }
}

TEST_CASE("live curves follow a real training job, overlay runs, and stop/resume works", "[widgets][train]") {
    test::app();
    test::TempDir tmp{"genra-training-panel"};
    test::makeTinyClipWorkspace(tmp / "ws", tmp.path());
    auto ws = store::Workspace::open(tmp / "ws");
    widgets::JobManager jobs;
    widgets::TrainingPanel panel(&jobs);
    panel.resize(1200, 800);
    panel.setWorkspace(&ws);
    panel.form()->setRecipeJson(tinyRecipe(6, 0.003));

    const int redrawsBefore = panel.curves()->redrawCount();
    const int first = panel.startRun(QStringLiteral("run-a"));
    INFO(panel.lastError().toStdString());
    REQUIRE(first != 0);
    REQUIRE(test::waitFor([&] { return panel.liveJob() == 0; }, 60000));
    INFO(panel.logText().toStdString());
    REQUIRE(jobs.record(first)->state == widgets::JobRecord::State::Succeeded);
    auto* curves = panel.curves();
    // Every step's loss arrived through the worker thread's queued signals and was drawn.
    CHECK(curves->storedPoints(QStringLiteral("run-a"), QStringLiteral("loss")) == 6);
    CHECK(curves->storedPoints(QStringLiteral("run-a"), QStringLiteral("grad_norm")) == 6);
    curves->redraw();
    CHECK(curves->redrawCount() > redrawsBefore);
    CHECK(curves->drawnPoints(QStringLiteral("run-a"), QStringLiteral("loss")) == 6);
    // Only "loss" is shown by default, the other metrics are offered.
    CHECK(curves->graphCount() == 1);
    CHECK(curves->metrics().contains(QStringLiteral("lr")));
    CHECK(curves->metrics().contains(QStringLiteral("images_per_s")));

    SECTION("a second run overlays in another colour; stored curves reload from the workspace") {
        panel.form()->setRecipeJson(tinyRecipe(4, 0.0005));
        REQUIRE(panel.startRun(QStringLiteral("run-b")) != 0);
        REQUIRE(test::waitFor([&] { return panel.liveJob() == 0; }, 60000));
        panel.setRunShown(QStringLiteral("run-a"), true);
        curves->redraw();
        CHECK(curves->graphCount() == 2);
        CHECK(curves->legendNames().contains(QStringLiteral("run-a")));
        CHECK(curves->legendNames().contains(QStringLiteral("run-b")));
        CHECK(curves->colourOf(QStringLiteral("run-a"), QStringLiteral("loss")) !=
              curves->colourOf(QStringLiteral("run-b"), QStringLiteral("loss")));
        // A fresh panel shows the finished runs from the metrics table alone.
        widgets::TrainingPanel reopened(&jobs);
        reopened.setWorkspace(&ws);
        CHECK(reopened.curves()->storedPoints(QStringLiteral("run-a"), QStringLiteral("loss")) == 6);
        CHECK(reopened.curves()->storedPoints(QStringLiteral("run-b"), QStringLiteral("loss")) == 4);
        reopened.curves()->setSmoothing(0.9);
        CHECK(reopened.curves()->drawnPoints(QStringLiteral("run-a"), QStringLiteral("loss")) == 6);
    }
    SECTION("Stop checkpoints a run, Resume continues it") {
        panel.form()->setRecipeJson(tinyRecipe(400, 0.001));
        const int id = panel.startRun(QStringLiteral("run-long"));
        REQUIRE(id != 0);
        REQUIRE(test::waitFor([&] { return curves->storedPoints(QStringLiteral("run-long"), QStringLiteral("loss")) >= 2; }));
        panel.stopRun();
        REQUIRE(test::waitFor([&] { return panel.liveJob() == 0; }, 60000));
        CHECK(jobs.record(id)->state == widgets::JobRecord::State::Cancelled);
        const auto stopped = store::requireRun(ws, "run-long");
        CHECK(stopped.status == "cancelled");
        CHECK_FALSE(stopped.checkpoint.empty());
        CHECK(stopped.step < 400);
        CHECK(panel.statusText().contains(QString::fromStdString(stopped.checkpoint)));
        // A finished run cannot be resumed; the stopped one continues from its checkpoint.
        CHECK(panel.resumeRun(QStringLiteral("run-a")) == 0);
        CHECK(panel.lastError().contains(QStringLiteral("already finished")));
        const int resumed = panel.resumeRun(QStringLiteral("run-long"));
        REQUIRE(resumed != 0);
        REQUIRE(test::waitFor([&] {
            return curves->storedPoints(QStringLiteral("run-long"), QStringLiteral("loss")) >
                   static_cast<std::size_t>(stopped.step + 1);
        }));
        panel.stopRun();
        REQUIRE(test::waitFor([&] { return panel.liveJob() == 0; }, 60000));
        CHECK(panel.logText().contains(QStringLiteral("resumed from step")));
        CHECK(curves->storedPoints(QStringLiteral("run-long"), QStringLiteral("loss")) > static_cast<std::size_t>(stopped.step));
    }
}
