// The Embeddings view: a t-SNE job over stored embeddings writes a projection that reopens with
// the right points and links; a lasso maps to exactly the captions inside it and the other pane
// follows, and the caption browser then lists exactly those captions; figures export as PNG, PDF
// and SVG at the requested size; the model choice offers CLIP models only; in a narrow dock the
// maps stack.
#include "browser_support.h"
#include "core/store/workspace.h"
#include "core/store/raw_db.h"
#include "embedding_world.h"
#include "support/test_support.h"
#include "widgets/caption_browser.h"
#include "widgets/caption_list_model.h"
#include "widgets/embeddings_data.h"
#include "widgets/embeddings_panel.h"
#include "widgets/embeddings_scatter.h"
#include "widgets/job_manager.h"
#include "widgets_test_support.h"

#include <catch2/catch.hpp>

#include <QComboBox>
#include <QImage>

#include <cmath>
#include <set>
#include <utility>
#include <vector>

using namespace genra;

namespace {

bool waitForJobs(widgets::JobManager& jobs) {
    return test::waitFor([&jobs] { return jobs.runningCount() == 0; }, 60000);
}

// Two hand-placed maps of makeEmbeddingWorld's captions: caption i's real image at (i, 0) and
// generated image at (i, 1) in model a; in model b the two are swapped vertically.
void storeHandPlacedMaps(store::Workspace& ws, const test::EmbeddingWorld& world, int captions) {
    for (int model = 0; model < 2; ++model) {
        std::vector<widgets::ProjectionPoint> points;
        for (int i = 0; i < captions; ++i) {
            points.push_back({widgets::PointKind::Real, world.realIds[static_cast<std::size_t>(i)], 0, double(i), model ? 1.0 : 0.0, -1});
            points.push_back({widgets::PointKind::Generated, world.generatedIds[static_cast<std::size_t>(i)], 0, double(i), model ? 0.0 : 1.0, -1});
        }
        widgets::storeProjection(ws, model ? "b map" : "a map", model + 1, "{}", points);
    }
}

// makeEmbeddingWorld's 10 captions with the two hand-placed maps, opened in an Embeddings panel
// (the maps "a" left and "b" right).
struct TwoMaps {
    test::TempDir tmp;
    store::Workspace ws = store::Workspace::create(tmp / "ws");
    test::EmbeddingWorld world = test::makeEmbeddingWorld(ws, 10, {{"a", 1.0}, {"b", 0.1}});
    widgets::JobManager jobs;
    widgets::EmbeddingsPanel panel{&jobs};

    TwoMaps() {
        storeHandPlacedMaps(ws, world, 10);
        panel.setWorkspace(&ws);
    }
};

}  // namespace

TEST_CASE("a t-SNE job from the panel stores a map that reopens with real, generated and links", "[widgets][embed]") {
    test::app();
    test::TempDir tmp{"genra-embeddings-view"};
    test::makeTinyClipWorkspace(tmp / "ws", tmp.path());
    auto ws = store::Workspace::open(tmp / "ws");
    widgets::JobManager jobs;
    widgets::EmbeddingsPanel panel(&jobs);
    panel.setWorkspace(&ws);
    // The form offers the workspace's model and dataset; the job embeds what is missing first.
    const int id = panel.computeProjection();
    REQUIRE(id != 0);
    REQUIRE(waitForJobs(jobs));
    INFO(jobs.record(id)->error.toStdString());
    REQUIRE(jobs.record(id)->state == widgets::JobRecord::State::Succeeded);
    const auto list = widgets::listProjections(ws);
    REQUIRE(list.size() == 1);
    CHECK(list[0].points == 16);
    CHECK(list[0].model == "base");
    // The new map opened in the left pane; the right pane has none, and its list names none.
    CHECK(panel.findChild<QComboBox*>(QStringLiteral("leftMap"))->currentData().toLongLong() == list[0].id);
    CHECK(panel.findChild<QComboBox*>(QStringLiteral("rightMap"))->currentIndex() == -1);
    CHECK(panel.pane(1)->projection().points.empty());
    const auto& projection = panel.pane(0)->projection();
    REQUIRE(projection.points.size() == 16);
    int real = 0;
    int generated = 0;
    for (const auto& p : projection.points) {
        CHECK(std::isfinite(p.x));
        if (p.kind == widgets::PointKind::Real) ++real;
        if (p.kind != widgets::PointKind::Generated) continue;
        ++generated;
        REQUIRE(p.linkedReal >= 0);
        // The generated image links to the real image of the caption it was made from.
        const auto& r = projection.points[static_cast<std::size_t>(p.linkedReal)];
        auto s = rawDb(ws).prepare("SELECT c.image_id FROM generations g JOIN captions c ON c.id = g.caption_id WHERE g.image_id = ?");
        s.bind(1, static_cast<std::int64_t>(p.itemId));
        REQUIRE(s.step());
        CHECK(r.itemId == s.columnInt(0));
        CHECK(r.captionId == p.captionId);
    }
    CHECK(real == 8);
    CHECK(generated == 8);
    CHECK_THROWS_WITH(widgets::loadProjection(ws, 999), Catch::Contains("999"));
}

TEST_CASE("lasso selection maps to the captions inside it, linked panes follow, figures export", "[widgets][embed]") {
    test::app();
    TwoMaps maps;
    auto& tmp = maps.tmp;
    const auto& world = maps.world;
    auto& panel = maps.panel;
    panel.resize(1200, 600);
    auto* left = panel.pane(0);
    auto* right = panel.pane(1);
    REQUIRE(left->projection().points.size() == 20);
    REQUIRE(right->projection().points.size() == 20);
    std::vector<QList<qint64>> emitted;
    QObject::connect(&panel, &widgets::EmbeddingsPanel::captionsSelected,
                     [&emitted](const QList<qint64>& ids) { emitted.push_back(ids); });

    // A lasso around x in [2.5, 5.5] and the generated row (y = 1) of the left map.
    left->selectInPolygon(QPolygonF({QPointF(2.5, 0.5), QPointF(5.5, 0.5), QPointF(5.5, 1.5), QPointF(2.5, 1.5)}));
    const QList<qint64> expected{world.captionIds[3], world.captionIds[4], world.captionIds[5]};
    CHECK(left->selectedPoints().size() == 3);
    CHECK(left->selectedCaptions() == expected);
    REQUIRE(emitted.size() == 1);
    CHECK(emitted[0] == expected);
    // The right pane highlights the same captions: their real and generated points.
    CHECK(right->selectedPoints().size() == 6);
    CHECK(right->selectedCaptions() == expected);
    // Hover text names the caption.
    CHECK(left->describePoint(left->selectedPoints().first()).contains(QString::fromStdString(world.captions[3])));

    SECTION("figures export at the requested size") {
        QString error;
        const auto png = QString::fromStdString((tmp / "fig.png").string());
        REQUIRE(panel.exportFigure(png, 1400, 700, 200, &error));
        const QImage image(png);
        CHECK(image.width() == 1400);
        CHECK(image.height() == 700);
        CHECK(std::abs(image.dotsPerMeterX() - 200 / 0.0254) < 2);
        std::set<QRgb> colours;
        for (int y = 0; y < image.height(); y += 3)
            for (int x = 0; x < image.width(); x += 3) colours.insert(image.pixel(x, y));
        CHECK(colours.size() > 8);
        const auto svg = tmp / "fig.svg";
        REQUIRE(panel.exportFigure(QString::fromStdString(svg.string()), 1400, 700, 200, &error));
        CHECK_THAT(test::readFile(svg), Catch::Contains("<svg") && Catch::Contains("viewBox=\"0 0 1400 700\""));
        const auto pdf = tmp / "fig.pdf";
        REQUIRE(panel.exportFigure(QString::fromStdString(pdf.string()), 1400, 700, 200, &error));
        CHECK(test::readFile(pdf).rfind("%PDF", 0) == 0);
        CHECK_FALSE(panel.exportFigure(QString::fromStdString((tmp / "fig.bmpx").string()), 10, 10, 96, &error));
        CHECK(error.contains(QStringLiteral("fig.bmpx")));
    }
}

TEST_CASE("a lasso shown in the browser lists exactly the lassoed captions, rows multi-select", "[widgets][embed][browse]") {
    test::app();
    TwoMaps maps;
    const auto& world = maps.world;
    auto& panel = maps.panel;
    widgets::CaptionBrowser browser;
    browser.setWorkspace(&maps.ws);
    REQUIRE(test::waitFor([&] { return !browser.isBusy(); }));
    REQUIRE(browser.model()->rowCount() == 10);
    CHECK(browser.subsetText().isEmpty());
    // What the main window wires: captions picked in the map are shown in the browser.
    QObject::connect(&panel, &widgets::EmbeddingsPanel::captionsSelected, &browser, &widgets::CaptionBrowser::showCaptions);

    // A lasso of the left map around the real points of captions 1 and 2 and the generated points of
    // captions 6 and 7, joined by a corridor between the rows that holds no point.
    panel.pane(0)->selectInPolygon(QPolygonF({QPointF(0.5, -0.5), QPointF(2.5, -0.5), QPointF(2.5, 0.4), QPointF(7.5, 0.4),
                                              QPointF(7.5, 1.5), QPointF(5.5, 1.5), QPointF(5.5, 0.6), QPointF(0.5, 0.6)}));
    CHECK(panel.pane(0)->selectedPoints().size() == 4);
    const QList<qint64> lassoed{world.captionIds[1], world.captionIds[2], world.captionIds[6], world.captionIds[7]};
    REQUIRE(panel.pane(0)->selectedCaptions() == lassoed);
    REQUIRE(test::waitFor([&] { return !browser.isBusy(); }));
    CHECK(test::listedCaptions(browser) == lassoed);
    // "4 selected captions — Clear" (the plural comes from the English translation, not loaded here).
    CHECK(browser.subsetText().startsWith(QStringLiteral("4 selected caption")));
    CHECK(browser.subsetText().endsWith(QStringLiteral(" — Clear")));
    // The first of them is on show.
    CHECK(browser.currentCaption() == lassoed.first());

    SECTION("rows multi-select; the selection is announced in list order") {
        QList<qint64> announced;
        QObject::connect(&browser, &widgets::CaptionBrowser::selectedCaptionsChanged,
                         [&announced](const QList<qint64>& ids) { announced = ids; });
        browser.selectAll();
        CHECK(browser.selectedCaptions() == lassoed);
        CHECK(announced == lassoed);
    }
    SECTION("a search narrows the subset; Clear lists every caption again") {
        REQUIRE(browser.select(QStringLiteral("search"), QStringLiteral("number 6")));
        REQUIRE(test::waitFor([&] { return !browser.isBusy(); }));
        CHECK(test::listedCaptions(browser) == QList<qint64>{world.captionIds[6]});
        browser.clearCaptionSubset();
        REQUIRE(test::waitFor([&] { return !browser.isBusy(); }));
        CHECK(browser.subsetText().isEmpty());
        CHECK(test::listedCaptions(browser) == QList<qint64>{world.captionIds[6]});  // the search still applies
        REQUIRE(browser.select(QStringLiteral("search"), QString()));
        REQUIRE(test::waitFor([&] { return !browser.isBusy(); }));
        CHECK(browser.model()->rowCount() == 10);
    }
    SECTION("one caption outside the subset shows in the full list") {
        REQUIRE(browser.showCaption(world.captionIds[9]));
        REQUIRE(test::waitFor([&] { return !browser.isBusy(); }));
        CHECK(browser.currentCaption() == world.captionIds[9]);
        CHECK(browser.model()->rowCount() == 10);
        CHECK(browser.subsetText().isEmpty());
    }
    SECTION("captions=ID,ID selects a subset by key") {
        REQUIRE(browser.select(QStringLiteral("captions"),
                               QStringLiteral("%1,%2").arg(world.captionIds[8]).arg(world.captionIds[3])));
        REQUIRE(test::waitFor([&] { return !browser.isBusy(); }));
        CHECK(test::listedCaptions(browser) == (QList<qint64>{world.captionIds[3], world.captionIds[8]}));
        CHECK_FALSE(browser.select(QStringLiteral("captions"), QStringLiteral("3,x")));
    }
}

TEST_CASE("the embeddings model choice offers CLIP models only", "[widgets][embed]") {
    test::app();
    test::TempDir tmp;
    auto ws = store::Workspace::create(tmp / "ws");
    test::makeEmbeddingWorld(ws, 4, {{"clip-b", 1.0}, {"clip-a", 0.5}});
    auto s = rawDb(ws).prepare("INSERT INTO models (name, kind) VALUES (?, ?)");
    for (const auto& [name, kind] : std::vector<std::pair<std::string, std::string>>{
             {"aligned", "clip-lora"}, {"cap", "captioner"}, {"gen", "generator"}}) {
        s.reset();
        s.bind(1, name).bind(2, kind).run();
    }
    widgets::JobManager jobs;
    widgets::EmbeddingsPanel panel(&jobs);
    panel.setWorkspace(&ws);
    CHECK(panel.modelChoices() ==
          QStringList({QStringLiteral("aligned"), QStringLiteral("clip-a"), QStringLiteral("clip-b")}));
}

TEST_CASE("in a narrow panel the controls wrap above the maps and the maps stack", "[widgets][embed]") {
    test::app();
    TwoMaps maps;
    auto& panel = maps.panel;
    panel.show();
    const auto settle = [&panel](int width, int height) {
        panel.resize(width, height);
        // Layouts settle over a few event loop passes (the splitter turns after its own resize).
        for (int i = 0; i < 10; ++i) QCoreApplication::processEvents();
    };
    auto* left = panel.pane(0);
    auto* right = panel.pane(1);

    // Taller than wide: the maps one above the other, each as wide as the panel.
    settle(480, 1000);
    CHECK(panel.controlsOnTop());
    CHECK(panel.paneOrientation() == Qt::Vertical);
    CHECK(right->geometry().top() >= left->geometry().bottom());
    CHECK(left->width() > 400);
    CHECK(left->height() > 250);
    CHECK(right->height() > 250);

    // The 480 x 580 right dock of a 1280 x 800 window: controls above in two columns, maps side
    // by side with room for a scatter each.
    settle(480, 580);
    CHECK(panel.controlsOnTop());
    CHECK(panel.paneOrientation() == Qt::Horizontal);
    CHECK(left->width() > 200);
    CHECK(left->height() > 250);

    // Wide: controls in a column beside the maps, the maps side by side.
    settle(1400, 600);
    CHECK_FALSE(panel.controlsOnTop());
    CHECK(panel.paneOrientation() == Qt::Horizontal);
    CHECK(right->geometry().left() >= left->geometry().right());
    CHECK(left->height() > 500);
}
