// The main window's layout and the analysis views' readability: views in central tabs and the
// browser, datasets and jobs in docks; the layout saved, restored and reset; the Report view
// rendering exports/report.md with its figures; and, for every view at 1280x800 and 1920x1080 on
// a workspace built here (long model names, twenty metrics, runs with curves, two t-SNE maps),
// geometry checks: legends inside their axis rects, no two tick labels overlapping, no comparison
// column narrower than its header, and each view's main chart at least half of the view.
#include "app/gui/main_window.h"
#include "core/store/runs.h"
#include "core/store/workspace.h"
#include "core/store/raw_db.h"
#include "embedding_world.h"
#include "support/test_support.h"
#include "widgets/comparison_model.h"
#include "widgets/embeddings_data.h"
#include "widgets/embeddings_panel.h"
#include "widgets/embeddings_scatter.h"
#include "widgets/plot_curves.h"
#include "widgets/plot_qcp.h"
#include "widgets/report_view.h"
#include "widgets/results_panel.h"
#include "widgets/settings.h"
#include "widgets/similarity_panel.h"
#include "widgets/training_panel.h"
#include "widgets_test_support.h"

#include <catch2/catch.hpp>

#include <QDockWidget>
#include <QHeaderView>
#include <QImage>
#include <QTabWidget>
#include <QTableView>

using namespace genra;

namespace {

using test::clearLayoutSettings;
using test::settle;

// Models with long names that differ only at the end, twenty-odd metrics each, two runs with loss
// curves, two stored t-SNE maps.
void buildWorkspace(store::Workspace& ws) {
    const std::string a = "genra-lora-rank4-with-alignment-and-gallery-seed1";
    const std::string b = "genra-lora-rank4-with-alignment-and-gallery-seed2";
    const auto world = test::makeEmbeddingWorld(ws, 40, {{a, 1.0}, {b, 0.2}});
    const std::vector<std::string> metrics = {
        "i2t_R@1",          "i2t_R@5",          "i2t_R@10",       "t2i_R@1",          "t2i_R@5",
        "t2i_R@10",         "zs_shape_top1",    "zs_shape_top5",  "zs_color_top1",    "zs_color_top5",
        "sim_pair_cosine",  "sim_unmatched",    "sim_margin",     "sim_centred",      "gap_centroid_distance",
        "gap_centroid_cos", "gap_probe_acc",    "gap_frechet",    "gen2real_R@1",     "gen2real_R@5",
        "align_loss",       "eq1_pair_cosine"};
    int k = 0;
    for (const auto& model : {a, b}) {
        auto find = rawDb(ws).prepare("SELECT id FROM models WHERE name = ?");
        find.bind(1, model);
        REQUIRE(find.step());
        const auto modelId = find.columnInt(0);
        for (const auto& metric : metrics) {
            auto s = rawDb(ws).prepare(
                "INSERT INTO eval_results (model_id, task, split, metric, value) VALUES (?, 'retrieval', 'test', ?, ?)");
            s.bind(1, modelId).bind(2, metric).bind(3, 10.0 + (k++ % 17) * 3.7).run();
        }
    }
    for (const auto& run : {a, b}) {
        const auto id = store::createRun(ws, run + "-run", "genra", nlohmann::json::object(), "cpu", 500,
                                         store::RunNameUse::LabelOnly);
        for (int step = 1; step <= 500; step += 7) {
            auto s = rawDb(ws).prepare("INSERT INTO metrics (run_id, name, step, value) VALUES (?, 'loss', ?, ?)");
            s.bind(1, id).bind(2, step).bind(3, 4.0 / (1.0 + step * 0.01) + (run == a ? 0.1 : 0.0)).run();
        }
        store::finishRun(ws, id, "finished");
    }
    for (int model = 0; model < 2; ++model) {
        std::vector<widgets::ProjectionPoint> points;
        for (std::size_t i = 0; i < world.realIds.size(); ++i) {
            const double x = double(i) * 12.5 - 250.0;
            points.push_back({widgets::PointKind::Real, world.realIds[i], 0, x, model ? 3.0 : -3.0, -1});
            points.push_back({widgets::PointKind::Generated, world.generatedIds[i], 0, x, model ? -3.0 : 3.0, -1});
        }
        widgets::storeProjection(ws, model ? "map with alignment" : "map without alignment", model + 1, "{}", points);
    }
}

// Label rectangles of an axis's ticks as QCustomPlot draws them (centred on the tick, one line).
std::vector<QRectF> tickLabelRects(QCPAxis* axis) {
    std::vector<QRectF> rects;
    const QFontMetricsF metrics(axis->tickLabelFont());
    const auto ticks = axis->tickVector();
    const auto labels = axis->tickVectorLabels();
    for (int i = 0; i < ticks.size() && i < labels.size(); ++i) {
        const double at = axis->coordToPixel(ticks[i]);
        const double w = metrics.horizontalAdvance(labels[i]);
        const double h = metrics.height();
        rects.push_back(axis->orientation() == Qt::Horizontal ? QRectF(at - w / 2, 0, w, h) : QRectF(0, at - h / 2, w, h));
    }
    return rects;
}

void checkPlotReadable(QCustomPlot* plot, const QString& where) {
    INFO(where.toStdString());
    plot->replot();
    settle();
    plot->replot();
    QCPAxisRect* rect = plot->axisRect();
    REQUIRE(rect);
    if (plot->legend && plot->legend->visible() && plot->legend->itemCount() > 0) {
        const QRect legend = plot->legend->outerRect();
        INFO("legend " << legend.x() << "," << legend.y() << " " << legend.width() << "x" << legend.height() << " in "
                       << rect->rect().width() << "x" << rect->rect().height());
        CHECK(rect->rect().contains(legend));
        // Every entry visible: its name is drawn whole or elided, never cut by the rect.
        for (int i = 0; i < plot->legend->itemCount(); ++i) CHECK(rect->rect().contains(plot->legend->item(i)->outerRect()));
    }
    for (QCPAxis* axis : rect->axes()) {
        if (!axis->visible() || !axis->tickLabels()) continue;
        const auto rects = tickLabelRects(axis);
        for (std::size_t i = 1; i < rects.size(); ++i) {
            INFO("axis " << int(axis->axisType()) << " labels " << axis->tickVectorLabels()[int(i) - 1].toStdString() << " / "
                         << axis->tickVectorLabels()[int(i)].toStdString());
            CHECK_FALSE(rects[i - 1].intersects(rects[i]));
        }
    }
}

// The part of `view` covered by `chart` in each direction.
std::pair<double, double> share(QWidget* chart, QWidget* view) {
    return {double(chart->width()) / view->width(), double(chart->height()) / view->height()};
}

void checkMainChart(QWidget* chart, QWidget* view, const QString& where) {
    INFO(where.toStdString() << ": chart " << chart->width() << "x" << chart->height() << " of " << view->width() << "x"
                             << view->height());
    const auto [w, h] = share(chart, view);
    CHECK(w >= 0.5);
    CHECK(h >= 0.5);
}

void checkColumnsFitHeaders(QTableView* table, const QString& where) {
    const QHeaderView* header = table->horizontalHeader();
    const QFontMetrics metrics(header->font());
    for (int c = 0; c < header->count(); ++c) {
        if (header->isSectionHidden(c)) continue;
        const QString text = table->model()->headerData(c, Qt::Horizontal).toString();
        INFO(where.toStdString() << " column " << c << " \"" << text.toStdString() << "\"");
        CHECK(header->sectionSize(c) >= metrics.horizontalAdvance(text));
    }
}

}  // namespace

TEST_CASE("views are central tabs, browser, datasets and jobs are docks, the layout persists and resets",
          "[widgets][gui]") {
    test::app();
    clearLayoutSettings();
    {
        gui::MainWindow window;
        REQUIRE(window.views());
        QStringList tabs;
        for (int i = 0; i < window.views()->count(); ++i) tabs << window.views()->tabText(i);
        CHECK(tabs == (QStringList{QStringLiteral("Training"), QStringLiteral("Embeddings"), QStringLiteral("Similarity"),
                                   QStringLiteral("Results"), QStringLiteral("Generation"), QStringLiteral("Report")}));
        for (const char* name : {"browser", "datasets", "jobs"}) CHECK(window.dock(QLatin1String(name)));
        for (const char* name : {"training", "embeddings", "similarity", "results", "generation", "report"}) {
            CHECK_FALSE(window.dock(QLatin1String(name)));
            REQUIRE(window.raisePanel(QLatin1String(name)));
            CHECK(window.currentView() == QLatin1String(name));
        }
        CHECK_FALSE(window.raisePanel(QStringLiteral("nonsense")));
        // A panel name shows its dock.
        window.dock(QStringLiteral("jobs"))->hide();
        REQUIRE(window.raisePanel(QStringLiteral("jobs")));
        CHECK_FALSE(window.dock(QStringLiteral("jobs"))->isHidden());

        window.raisePanel(QStringLiteral("similarity"));
        window.dock(QStringLiteral("jobs"))->hide();
        window.saveLayout();
    }
    SECTION("a new window restores the saved layout; Reset Layout brings the default back") {
        gui::MainWindow window;
        CHECK(window.currentView() == QStringLiteral("similarity"));
        CHECK(window.dock(QStringLiteral("jobs"))->isHidden());
        CHECK_FALSE(window.dock(QStringLiteral("browser"))->isHidden());
        auto* reset = window.findChild<QAction*>(QStringLiteral("resetLayout"));
        REQUIRE(reset);
        CHECK(reset->text() == QStringLiteral("Reset Layout"));
        reset->trigger();
        CHECK(window.currentView() == QStringLiteral("training"));
        CHECK_FALSE(window.dock(QStringLiteral("jobs"))->isHidden());
        CHECK_FALSE(window.dock(QStringLiteral("browser"))->isHidden());
    }
    SECTION("a layout saved under another version is ignored") {
        {
            gui::MainWindow window;
            widgets::settings::windowState.set(window.saveState(gui::kLayoutVersion - 1));
        }
        gui::MainWindow window;
        CHECK_FALSE(window.restoreLayout());
        CHECK_FALSE(window.dock(QStringLiteral("jobs"))->isHidden());
        CHECK(window.currentView() == QStringLiteral("training"));
    }
    clearLayoutSettings();
}

TEST_CASE("the Report view renders exports/report.md with its headings and figures", "[widgets][gui]") {
    test::app();
    test::TempDir tmp;
    auto ws = store::Workspace::create(tmp / "ws");
    widgets::ReportView view;
    view.resize(900, 700);
    view.setWorkspace(&ws);
    CHECK_FALSE(view.hasReport());

    std::filesystem::create_directories(ws.exportsDir() / "figures");
    QImage wide(2400, 600, QImage::Format_RGB32);
    wide.fill(Qt::darkCyan);
    REQUIRE(wide.save(QString::fromStdString((ws.exportsDir() / "figures" / "curves.png").string())));
    QImage small(64, 48, QImage::Format_RGB32);
    small.fill(Qt::red);
    REQUIRE(small.save(QString::fromStdString((ws.exportsDir() / "figures" / "tile.png").string())));
    test::writeFile(ws.exportsDir() / "report.md",
                    "# GenRA on Shapes\n\nIntro text.\n\n## Retrieval\n\n| Model | R@1 |\n|---|---|\n| clip | 30.1 |\n\n"
                    "![loss curves](figures/curves.png)\n\n### Figures\n\n![tile](figures/tile.png)\n");
    view.show();
    REQUIRE(view.reload());
    settle();
    CHECK(view.headings() ==
          (QStringList{QStringLiteral("GenRA on Shapes"), QStringLiteral("Retrieval"), QStringLiteral("Figures")}));
    CHECK(view.imageNames() == (QStringList{QStringLiteral("figures/curves.png"), QStringLiteral("figures/tile.png")}));
    CHECK(view.loadedImageNames() == view.imageNames());
    CHECK(view.browser()->toPlainText().contains(QStringLiteral("30.1")));
    // The wide figure is scaled to the view; the document never needs to scroll sideways for it.
    CHECK(view.browser()->document()->idealWidth() <= view.browser()->viewport()->width() + 1);
}

TEST_CASE("every view is readable at 1280x800 and 1920x1080", "[widgets][gui]") {
    test::app();
    clearLayoutSettings();
    test::TempDir tmp;
    {
        auto ws = store::Workspace::create(tmp / "ws");
        buildWorkspace(ws);
    }
    gui::MainWindow window;
    REQUIRE(window.openWorkspace(QString::fromStdString((tmp / "ws").string()), false, true));
    auto* similarity = qobject_cast<widgets::SimilarityPanel*>(window.panel(QStringLiteral("similarity")));
    auto* results = qobject_cast<widgets::ResultsPanel*>(window.panel(QStringLiteral("results")));
    auto* training = qobject_cast<widgets::TrainingPanel*>(window.panel(QStringLiteral("training")));
    auto* embeddings = qobject_cast<widgets::EmbeddingsPanel*>(window.panel(QStringLiteral("embeddings")));
    REQUIRE(similarity);
    REQUIRE(results);
    REQUIRE(training);
    REQUIRE(embeddings);
    REQUIRE(similarity->report(0));
    REQUIRE(similarity->report(1));
    for (const char* run : {"genra-lora-rank4-with-alignment-and-gallery-seed1-run",
                            "genra-lora-rank4-with-alignment-and-gallery-seed2-run"})
        training->setRunShown(QLatin1String(run), true);

    const auto size = GENERATE(QSize(1280, 800), QSize(1920, 1080));
    const QString at = QStringLiteral(" at %1x%2").arg(size.width()).arg(size.height());
    window.resize(size);
    window.show();
    window.resetLayout();
    settle();
    REQUIRE(window.width() == size.width());

    window.raisePanel(QStringLiteral("training"));
    settle();
    checkPlotReadable(training->curves()->plot(), QStringLiteral("training") + at);
    CHECK(training->curves()->legendNames().size() == 2);
    checkMainChart(training->curves(), training, QStringLiteral("training") + at);

    window.raisePanel(QStringLiteral("embeddings"));
    settle();
    for (int pane = 0; pane < 2; ++pane) {
        checkPlotReadable(embeddings->pane(pane)->plot(), QStringLiteral("embeddings pane %1").arg(pane) + at);
    }
    checkMainChart(embeddings->pane(0)->parentWidget(), embeddings, QStringLiteral("embeddings") + at);

    window.raisePanel(QStringLiteral("similarity"));
    settle();
    checkPlotReadable(similarity->histogram(), QStringLiteral("similarity histogram") + at);
    checkPlotReadable(similarity->heatmap(), QStringLiteral("similarity heat-map") + at);
    CHECK(similarity->histogram()->legend->visible());
    checkMainChart(similarity->histogram()->parentWidget(), similarity, QStringLiteral("similarity") + at);

    window.raisePanel(QStringLiteral("results"));
    settle();
    REQUIRE(results->comparisonModel()->columnCount() == 2);
    REQUIRE(results->comparisonModel()->rowCount() >= 20);
    checkColumnsFitHeaders(results->comparisonView(), QStringLiteral("comparison") + at);
    checkColumnsFitHeaders(results->resultsView(), QStringLiteral("results") + at);
    checkMainChart(results->comparisonView(), results, QStringLiteral("results comparison") + at);
    // Long model names are elided in the middle, whole in the tooltip; the baseline is marked.
    results->setBaseline(QStringLiteral("genra-lora-rank4-with-alignment-and-gallery-seed1"));
    const auto* model = results->comparisonModel();
    const QString header = model->headerData(0, Qt::Horizontal).toString();
    CHECK(header.contains(QChar(0x2026)));
    CHECK(header.endsWith(QStringLiteral("seed1 (baseline)")));
    CHECK(model->headerData(1, Qt::Horizontal).toString().endsWith(QStringLiteral("seed2")));
    CHECK(model->headerData(1, Qt::Horizontal, Qt::ToolTipRole).toString() ==
          QStringLiteral("genra-lora-rank4-with-alignment-and-gallery-seed2"));
    CHECK(model->index(0, 1).data().toString().contains(QLatin1Char('(')));  // a delta against the baseline
    results->setBaseline({});

    window.raisePanel(QStringLiteral("report"));
    settle();
    window.close();
    clearLayoutSettings();
}
