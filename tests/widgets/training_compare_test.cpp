// Comparing training runs (issue 24 part 4) on a workspace with stored runs and metrics: the runs
// of one method (demo-x, demo-x-seed2, ...) ticked together, overlaid one graph per run or grouped
// as their mean with a min/max band, every curve's value read at a step under a vertical cursor
// (also from a mouse move), the log scale, and the recipe form folding away for the chart.
#include "core/store/runs.h"
#include "core/store/workspace.h"
#include "core/store/raw_db.h"
#include "support/test_support.h"
#include "widgets/job_manager.h"
#include "widgets/plot_curves.h"
#include "widgets/training_form.h"
#include "widgets/training_panel.h"
#include "widgets_test_support.h"

#include "widgets/plot_qcp.h"

#include <catch2/catch.hpp>

#include <QMouseEvent>

#include <cmath>
#include <string>
#include <vector>

using namespace genra;

namespace {

double baseLoss(double step) { return 2.0 / (1.0 + step / 10.0); }

// Runs storing loss = factor * baseLoss(step) at steps 0, 10, ..., 100.
void addRun(store::Workspace& ws, const std::string& name, double factor) {
    const auto id = store::createRun(ws, name, "pretrain", nlohmann::json::object(), "cpu", 100);
    auto s = rawDb(ws).prepare("INSERT INTO metrics (run_id, name, step, value) VALUES (?, 'loss', ?, ?)");
    for (int step = 0; step <= 100; step += 10) {
        s.reset();
        s.bind(1, id).bind(2, static_cast<std::int64_t>(step)).bind(3, factor * baseLoss(step)).run();
    }
    store::finishRun(ws, id, "finished");
}

}  // namespace

TEST_CASE("runs of one method overlay as one graph each or as a mean with a min-max band, read at a step",
          "[widgets][train][compare]") {
    test::app();
    test::TempDir tmp{"genra-training-compare"};
    auto ws = store::Workspace::create(tmp / "ws");
    addRun(ws, "demo-a", 1.0);
    addRun(ws, "demo-a-seed2", 1.2);
    addRun(ws, "demo-a-seed3", 0.8);
    addRun(ws, "demo-b", 0.5);
    addRun(ws, "demo-c", 0.3);
    widgets::JobManager jobs;
    widgets::TrainingPanel panel(&jobs);
    panel.setWorkspace(&ws);
    auto* curves = panel.curves();
    // Five runs: none ticked at first.
    CHECK(panel.shownRuns().isEmpty());
    CHECK(widgets::CurvePlot::groupOf(QStringLiteral("demo-a-seed12")) == QStringLiteral("demo-a"));
    CHECK(widgets::CurvePlot::groupOf(QStringLiteral("demo-seedling")) == QStringLiteral("demo-seedling"));

    // As --select runs=NAME does; an unknown run is refused.
    CHECK_FALSE(panel.select(QStringLiteral("runs"), QStringLiteral("demo-z")));
    CHECK_FALSE(panel.select(QStringLiteral("group-seeds"), QStringLiteral("yes")));
    REQUIRE(panel.select(QStringLiteral("runs"), QStringLiteral("demo-a-seed2")));
    const QStringList seeds{QStringLiteral("demo-a"), QStringLiteral("demo-a-seed2"), QStringLiteral("demo-a-seed3")};
    CHECK(panel.shownRuns() == seeds);
    curves->redraw();
    // One graph per chosen run.
    CHECK(curves->legendNames() == seeds);
    CHECK(curves->bandNames().isEmpty());

    // Grouped: one mean line with its band; with another method beside it.
    panel.setGroupSeeds(true);
    CHECK(curves->legendNames() == QStringList{QStringLiteral("demo-a (3 runs, min–max)")});
    REQUIRE(curves->bandNames() == QStringList{QStringLiteral("demo-a")});
    for (double step : {0.0, 50.0, 55.0, 100.0}) {
        INFO("step " << step);
        const auto band = curves->bandAt(QStringLiteral("demo-a"), QStringLiteral("loss"), step);
        // Between stored steps each run is interpolated linearly.
        const double lower = std::floor(step / 10) * 10;
        const double upper = std::min(100.0, lower + 10);
        const double t = upper > lower ? (step - lower) / (upper - lower) : 0.0;
        const double base = baseLoss(lower) + t * (baseLoss(upper) - baseLoss(lower));
        CHECK(band.runs == 3);
        CHECK(band.low == Approx(0.8 * base));
        CHECK(band.mean == Approx(base));
        CHECK(band.high == Approx(1.2 * base));
    }
    CHECK(std::isnan(curves->bandAt(QStringLiteral("demo-a"), QStringLiteral("loss"), 150).mean));
    // The band is drawn: a graph filled towards another, with the group's lowest and highest runs.
    int filled = 0;
    for (int i = 0; i < curves->plot()->graphCount(); ++i) {
        auto* graph = curves->plot()->graph(i);
        if (!graph->visible() || !graph->channelFillGraph()) continue;
        ++filled;
        CHECK(graph->brush().color().alpha() > 0);
        CHECK(graph->data()->size() == 11);
        CHECK(graph->data()->at(5)->value == Approx(1.2 * baseLoss(50)));
        CHECK(graph->channelFillGraph()->data()->at(5)->value == Approx(0.8 * baseLoss(50)));
    }
    CHECK(filled == 1);

    panel.setRunShown(QStringLiteral("demo-b"), true);
    curves->redraw();
    CHECK(curves->legendNames() == (QStringList{QStringLiteral("demo-a (3 runs, min–max)"), QStringLiteral("demo-b")}));

    SECTION("a vertical cursor reads every curve at a step") {
        curves->setCursorStep(50);
        const auto values = curves->valuesAt(50);
        REQUIRE(values.size() == 2);
        CHECK(values[0].first == QStringLiteral("demo-b"));
        CHECK(values[0].second == Approx(0.5 * baseLoss(50)));
        CHECK(values[1].first == QStringLiteral("demo-a"));
        CHECK(values[1].second == Approx(baseLoss(50)));
        const QString text = curves->readoutText();
        CHECK(text.startsWith(QStringLiteral("step 50: ")));
        CHECK(text.contains(QStringLiteral("[%1, %2]").arg(0.8 * baseLoss(50), 0, 'g', 4).arg(1.2 * baseLoss(50), 0, 'g', 4)));
        // Ungrouped, each run is read on its own.
        panel.setGroupSeeds(false);
        CHECK(curves->valuesAt(50).size() == 4);

        // The mouse moves the cursor.
        panel.resize(1280, 800);
        panel.show();
        QCoreApplication::processEvents();
        curves->plot()->replot(QCustomPlot::rpImmediateRefresh);
        const QPoint at(qRound(curves->plot()->xAxis->coordToPixel(30)), curves->plot()->axisRect()->center().y());
        QMouseEvent move(QEvent::MouseMove, QPointF(at), QPointF(curves->plot()->mapToGlobal(at)), Qt::NoButton,
                         Qt::NoButton, Qt::NoModifier);
        QCoreApplication::sendEvent(curves->plot(), &move);
        CHECK(curves->cursorStep() == Approx(30).margin(0.5));
        CHECK(curves->readoutText().contains(QStringLiteral("demo-a-seed3 %1").arg(0.8 * baseLoss(curves->cursorStep()), 0, 'g', 4)));
    }
    SECTION("log scale") {
        CHECK_FALSE(panel.select(QStringLiteral("smoothing"), QStringLiteral("1.5")));
        REQUIRE(panel.select(QStringLiteral("smoothing"), QStringLiteral("0.5")));
        CHECK(curves->smoothing() == Approx(0.5));
        REQUIRE(panel.select(QStringLiteral("smoothing"), QStringLiteral("0")));
        REQUIRE(panel.select(QStringLiteral("log-scale"), QStringLiteral("on")));
        curves->redraw();
        CHECK(curves->plot()->yAxis->scaleType() == QCPAxis::stLogarithmic);
        CHECK(curves->plot()->yAxis->range().lower > 0);
        CHECK(curves->plot()->yAxis->range().lower <= 0.5 * baseLoss(100));  // demo-b's last value
    }
    SECTION("the recipe form folds away and the chart takes most of the view") {
        panel.resize(1280, 800);
        panel.show();
        QCoreApplication::processEvents();
        CHECK_FALSE(panel.recipeCollapsed());
        CHECK(panel.form()->isVisible());
        REQUIRE(panel.select(QStringLiteral("recipe"), QStringLiteral("hidden")));
        QCoreApplication::processEvents();
        CHECK(panel.recipeCollapsed());
        CHECK_FALSE(panel.form()->isVisible());
        CHECK(curves->plot()->width() * 2 > panel.width());
        CHECK(curves->plot()->height() * 2 > panel.height());
        panel.setRecipeCollapsed(false);
        CHECK(panel.form()->isVisibleTo(&panel));
    }
}
