// Embedding map interactions (issue 24 part 3), driven through real mouse events on the maps:
// hover shows the point's caption and its own image; a box or a lasso dragged over N points puts
// their captions in the caption browser; rows selected in the browser are ringed in both maps;
// points colour by modality, split, a dataset attribute or the generated image's cosine to its real
// image; the point cloud finds and draws points right at scale.
#include "browser_support.h"
#include "core/store/workspace.h"
#include "embedding_world.h"
#include "support/test_support.h"
#include "widgets/caption_browser.h"
#include "widgets/caption_list_model.h"
#include "widgets/embeddings_data.h"
#include "widgets/embeddings_panel.h"
#include "widgets/embeddings_scatter.h"
#include "widgets/job_manager.h"
#include "widgets/point_cloud.h"
#include "widgets_test_support.h"

#include "widgets/plot_qcp.h"

#include <catch2/catch.hpp>

#include <QImage>
#include <QMouseEvent>

#include <cmath>
#include <random>
#include <set>
#include <string>
#include <vector>

using namespace genra;

namespace {

constexpr int kCaptions = 12;
constexpr int kDim = 16;

double cosineOf(int i) { return 0.3 + 0.05 * i; }

// kCaptions real images (PNG files, split train for the first half and test for the rest, Shapes
// style attributes shape = i % 3 and color = i % 2), a caption each and one generated image each;
// model "m" stores vectors whose generated-to-real cosine is cosineOf(i). Map "a": real image i at
// (i, 0), generated at (i, 1); map "b": real at (0, i), generated at (1, i).
struct World {
    test::TempDir tmp{"genra-embedding-interaction"};
    store::Workspace ws = store::Workspace::create(tmp / "ws");
    std::vector<std::int64_t> realIds;
    std::vector<std::int64_t> generatedIds;
    std::vector<std::int64_t> captionIds;
    std::vector<std::string> captions;
    std::vector<std::string> realPaths;
    std::vector<std::string> generatedPaths;
    widgets::JobManager jobs;
    widgets::EmbeddingsPanel panel{&jobs};

    World() {
        static const char* shapes[] = {"circle", "square", "triangle"};
        static const char* colours[] = {"red", "blue"};
        store::DatasetInfo info;
        info.name = "shapes";
        info.kind = "test";
        const auto datasetId = ws.createDataset(info);
        const auto modelId = test::addModelRow(ws, "m");
        for (int i = 0; i < kCaptions; ++i) {
            for (int generated = 0; generated < 2; ++generated) {
                QImage image(8, 8, QImage::Format_RGB32);
                image.fill(QColor(20 * i, generated ? 200 : 40, 90));
                const auto path = tmp / ((generated ? "gen" : "real") + std::to_string(i) + ".png");
                REQUIRE(image.save(QString::fromStdString(path.string())));
                store::ImageRecord record;
                record.datasetId = datasetId;
                record.path = path.string();
                record.modality = generated ? "generated" : "real";
                record.split = i < kCaptions / 2 ? "train" : "test";
                if (!generated) {
                    record.attributesJson = std::string("{\"shape\":\"") + shapes[i % 3] + "\",\"color\":\"" + colours[i % 2] +
                                            "\",\"objects\":[{\"shape\":\"x\"}]}";
                }
                const auto id = ws.insertImage(record);
                if (generated) {
                    generatedIds.push_back(id);
                    generatedPaths.push_back(path.string());
                    ws.insertGeneration(id, captionIds.back(), "test", i, "{}");
                } else {
                    realIds.push_back(id);
                    realPaths.push_back(path.string());
                    store::CaptionRecord caption;
                    caption.datasetId = datasetId;
                    caption.imageId = id;
                    caption.text = "caption number " + std::to_string(i);
                    captions.push_back(caption.text);
                    captionIds.push_back(ws.insertCaption(caption));
                }
            }
            // Unit vectors: real e_i, generated c e_i + sqrt(1 - c^2) e_(i+1), so their cosine is c.
            std::vector<float> real(kDim, 0.0f);
            real[static_cast<std::size_t>(i % kDim)] = 1.0f;
            std::vector<float> gen(kDim, 0.0f);
            gen[static_cast<std::size_t>(i % kDim)] = static_cast<float>(cosineOf(i));
            gen[static_cast<std::size_t>((i + 1) % kDim)] = static_cast<float>(std::sqrt(1 - cosineOf(i) * cosineOf(i)));
            test::storeEmbedding(ws, modelId, realIds.back(), "real-image", real);
            test::storeEmbedding(ws, modelId, generatedIds.back(), "generated-image", gen);
        }
        for (int map = 0; map < 2; ++map) {
            std::vector<widgets::ProjectionPoint> points;
            for (int i = 0; i < kCaptions; ++i) {
                const auto idx = static_cast<std::size_t>(i);
                points.push_back({widgets::PointKind::Real, realIds[idx], 0, map ? 0.0 : double(i), map ? double(i) : 0.0, -1});
                points.push_back({widgets::PointKind::Generated, generatedIds[idx], 0, map ? 1.0 : double(i), map ? double(i) : 1.0, -1});
            }
            widgets::storeProjection(ws, map ? "b map" : "a map", modelId, "{}", points);
        }
        panel.setWorkspace(&ws);
        panel.resize(1400, 700);
        panel.show();
        for (int k = 0; k < 10; ++k) QCoreApplication::processEvents();
        for (int pane = 0; pane < 2; ++pane) panel.pane(pane)->plot()->replot(QCustomPlot::rpImmediateRefresh);
    }

    // Caption ids first .. last.
    QList<qint64> captionsFrom(int first, int last) const {
        QList<qint64> ids;
        for (int i = first; i <= last; ++i) ids << captionIds[static_cast<std::size_t>(i)];
        return ids;
    }

    // Index in map `pane` of the real (or generated) point of caption i.
    int pointOf(int pane, int i, bool generated) const {
        const auto& points = panel.pane(pane)->projection().points;
        const auto id = generated ? generatedIds[static_cast<std::size_t>(i)] : realIds[static_cast<std::size_t>(i)];
        for (std::size_t k = 0; k < points.size(); ++k)
            if (points[k].itemId == id && points[k].kind != widgets::PointKind::Caption) return static_cast<int>(k);
        return -1;
    }
};

QPoint pixelOf(widgets::ScatterPlot* map, double x, double y) {
    return QPoint(qRound(map->plot()->xAxis->coordToPixel(x)), qRound(map->plot()->yAxis->coordToPixel(y)));
}

void mouse(QWidget* widget, QEvent::Type type, const QPoint& at, Qt::MouseButton button, Qt::MouseButtons buttons) {
    QMouseEvent event(type, QPointF(at), QPointF(widget->mapToGlobal(at)), button, buttons, Qt::NoModifier);
    QCoreApplication::sendEvent(widget, &event);
}

// A left-button drag through `path` (pixels of the map's plot).
void drag(widgets::ScatterPlot* map, const std::vector<QPoint>& path) {
    auto* plot = map->plot();
    mouse(plot, QEvent::MouseButtonPress, path.front(), Qt::LeftButton, Qt::LeftButton);
    for (std::size_t k = 1; k < path.size(); ++k) mouse(plot, QEvent::MouseMove, path[k], Qt::NoButton, Qt::LeftButton);
    mouse(plot, QEvent::MouseButtonRelease, path.back(), Qt::LeftButton, Qt::NoButton);
}

}  // namespace

TEST_CASE("hovering a map point shows its caption and its own image", "[widgets][embed][interaction]") {
    test::app();
    World world;
    for (int pane = 0; pane < 2; ++pane) {
        auto* map = world.panel.pane(pane);
        REQUIRE(map->projection().points.size() == 2 * kCaptions);
        for (int i : {0, 5, 11}) {
            for (bool generated : {false, true}) {
                const int index = world.pointOf(pane, i, generated);
                REQUIRE(index >= 0);
                const auto& p = map->projection().points[static_cast<std::size_t>(index)];
                mouse(map->plot(), QEvent::MouseMove, pixelOf(map, p.x, p.y), Qt::NoButton, Qt::NoButton);
                INFO("pane " << pane << " caption " << i << (generated ? " generated" : " real"));
                CHECK(map->hoveredPoint() == index);
                CHECK(map->hoverText().contains(QString::fromStdString(world.captions[static_cast<std::size_t>(i)])));
                const auto& path = generated ? world.generatedPaths : world.realPaths;
                CHECK(map->imagePathOf(index) == QString::fromStdString(path[static_cast<std::size_t>(i)]));
                CHECK(map->hoverText().contains(QStringLiteral("<img src=\"%1\"").arg(QString::fromStdString(path[static_cast<std::size_t>(i)]))));
            }
        }
        // Far from every point: no read-out.
        const QRect rect = map->plot()->axisRect()->rect();
        mouse(map->plot(), QEvent::MouseMove, pixelOf(map, pane ? 0.5 : 3.5, pane ? 3.5 : 0.5), Qt::NoButton, Qt::NoButton);
        CHECK(map->hoveredPoint() == -1);
        CHECK(map->hoverText().isEmpty());
        CHECK(rect.width() > 100);
    }
}

TEST_CASE("a box or lasso dragged over N points puts their captions in the browser, browser rows ring both maps",
          "[widgets][embed][interaction][browse]") {
    test::app();
    World world;
    auto& panel = world.panel;
    widgets::CaptionBrowser browser;
    browser.setWorkspace(&world.ws);
    REQUIRE(test::waitFor([&] { return !browser.isBusy(); }));
    REQUIRE(browser.model()->rowCount() == kCaptions);
    // What the main window wires.
    QObject::connect(&panel, &widgets::EmbeddingsPanel::captionsSelected, &browser, &widgets::CaptionBrowser::showCaptions);
    QObject::connect(&browser, &widgets::CaptionBrowser::selectedCaptionsChanged, &panel,
                     &widgets::EmbeddingsPanel::setHighlightedCaptions);
    auto* left = panel.pane(0);
    auto* right = panel.pane(1);
    const auto browserLists = [&browser](const QList<qint64>& ids) {
        return test::waitFor([&browser] { return !browser.isBusy(); }) && test::listedCaptions(browser) == ids;
    };

    SECTION("box") {
        panel.setDragMode(widgets::DragMode::Box);
        // The real row of map a from x = 2.5 to 8.5: six points, six captions.
        drag(left, {pixelOf(left, 2.5, -0.4), pixelOf(left, 5.0, 0.0), pixelOf(left, 8.5, 0.4)});
        CHECK(left->selectedPoints().size() == 6);
        const QList<qint64> expected = world.captionsFrom(3, 8);
        REQUIRE(left->selectedCaptions() == expected);
        CHECK(browserLists(expected));
        // The other map selects the same captions: their real and generated points.
        CHECK(right->selectedPoints().size() == 12);

        // Rows picked in the browser are ringed in both maps, apart from the selection.
        browser.selectAll();
        CHECK(browser.selectedCaptions() == expected);
        CHECK(left->highlightedPoints().size() == 12);
        CHECK(right->highlightedPoints().size() == 12);
        for (int i = 3; i <= 8; ++i) {
            CHECK(left->highlightedPoints().contains(world.pointOf(0, i, false)));
            CHECK(left->highlightedPoints().contains(world.pointOf(0, i, true)));
            CHECK(right->highlightedPoints().contains(world.pointOf(1, i, true)));
        }
        // One row: its two points in each map.
        REQUIRE(browser.showCaption(world.captionIds[9]));
        REQUIRE(test::waitFor([&] { return !browser.isBusy() && browser.currentCaption() == world.captionIds[9]; }));
        CHECK(browser.selectedCaptions() == QList<qint64>{world.captionIds[9]});
        CHECK(left->highlightedPoints() == (QList<int>{world.pointOf(0, 9, false), world.pointOf(0, 9, true)}));
        CHECK(right->highlightedPoints().size() == 2);
    }
    SECTION("lasso") {
        panel.setDragMode(widgets::DragMode::Lasso);
        // In map b, a lasso around both columns for captions 1 to 4 (y 0.5 .. 4.5) drawn as a
        // many-sided outline.
        std::vector<QPoint> path;
        for (double y = 0.5; y <= 4.5; y += 0.5) path.push_back(pixelOf(right, -0.5, y));
        for (double x = -0.5; x <= 1.5; x += 0.5) path.push_back(pixelOf(right, x, 4.5));
        for (double y = 4.5; y >= 0.5; y -= 0.5) path.push_back(pixelOf(right, 1.5, y));
        for (double x = 1.5; x >= -0.5; x -= 0.5) path.push_back(pixelOf(right, x, 0.5));
        drag(right, path);
        CHECK(right->selectedPoints().size() == 8);
        const QList<qint64> expected = world.captionsFrom(1, 4);
        REQUIRE(right->selectedCaptions() == expected);
        CHECK(browserLists(expected));
        CHECK(browser.subsetText().startsWith(QStringLiteral("4 selected caption")));
        CHECK(left->selectedPoints().size() == 8);
    }
    SECTION("in pan mode a drag moves the view and selects nothing") {
        panel.setDragMode(widgets::DragMode::Pan);
        const double before = left->plot()->xAxis->range().lower;
        drag(left, {pixelOf(left, 2.5, 0.3), pixelOf(left, 5.0, 0.5), pixelOf(left, 8.5, 0.7)});
        CHECK(left->selectedPoints().isEmpty());
        CHECK(left->plot()->xAxis->range().lower != Approx(before));
    }
}

TEST_CASE("map points colour by modality, split, attribute and cosine to the paired image", "[widgets][embed][interaction]") {
    test::app();
    World world;
    auto& panel = world.panel;
    auto* map = panel.pane(0);
    CHECK(panel.colouringChoices() == QStringList({QStringLiteral("modality"), QStringLiteral("split"), QStringLiteral("cosine"),
                                                   QStringLiteral("attribute:color"), QStringLiteral("attribute:shape")}));
    CHECK_FALSE(panel.setColouring(QStringLiteral("attribute:size")));
    // The same by --select keys; bad values are refused.
    CHECK(panel.select(QStringLiteral("colour"), QStringLiteral("split")));
    CHECK(panel.colouring() == QStringLiteral("split"));
    CHECK(panel.select(QStringLiteral("colour"), QStringLiteral("modality")));
    CHECK_FALSE(panel.select(QStringLiteral("colour"), QStringLiteral("size")));
    CHECK(panel.select(QStringLiteral("drag"), QStringLiteral("lasso")));
    CHECK(map->dragMode() == widgets::DragMode::Lasso);
    CHECK_FALSE(panel.select(QStringLiteral("drag"), QStringLiteral("zoom")));
    CHECK(panel.select(QStringLiteral("captions"), QStringLiteral("%1,%2").arg(world.captionIds[2]).arg(world.captionIds[3])));
    CHECK(map->selectedPoints().size() == 4);
    CHECK(panel.pane(1)->selectedPoints().size() == 4);
    CHECK_FALSE(panel.select(QStringLiteral("captions"), QStringLiteral("2,x")));
    const auto colour = [&](int i, bool generated) { return map->colourOf(world.pointOf(0, i, generated)); };

    // Default: real and generated apart.
    CHECK(map->legendNames() == QStringList({QStringLiteral("real"), QStringLiteral("generated")}));
    CHECK(colour(0, false) == colour(7, false));
    CHECK(colour(0, false) != colour(0, true));

    SECTION("split") {
        REQUIRE(panel.setColouring(QStringLiteral("split")));
        CHECK(map->legendNames() == QStringList({QStringLiteral("test"), QStringLiteral("train")}));  // 12 each: by name
        CHECK(colour(0, false) == colour(5, true));  // a generated image has its real image's split
        CHECK(colour(6, false) == colour(11, true));
        CHECK(colour(0, false) != colour(6, false));
    }
    SECTION("attribute") {
        REQUIRE(panel.setColouring(QStringLiteral("attribute:shape")));
        CHECK(map->legendNames() == QStringList({QStringLiteral("circle"), QStringLiteral("square"), QStringLiteral("triangle")}));
        CHECK(colour(0, false) == colour(3, true));
        CHECK(colour(1, false) == colour(10, false));
        CHECK(colour(0, false) != colour(1, false));
        CHECK(colour(1, false) != colour(2, true));
        CHECK(map->describePoint(world.pointOf(0, 4, true)).contains(QStringLiteral("shape: square")));
        // The other map follows the same choice.
        CHECK(panel.pane(1)->legendNames() == map->legendNames());
    }
    SECTION("cosine") {
        REQUIRE(panel.setColouring(QStringLiteral("cosine")));
        // Every point has a pair: no legend entry; the colour bar beside the right map states the range.
        CHECK(map->legendNames().isEmpty());
        CHECK(panel.cosineScale().first == Approx(cosineOf(0)).margin(1e-6));
        CHECK(panel.cosineScale().second == Approx(cosineOf(kCaptions - 1)).margin(1e-6));
        CHECK_FALSE(map->colourBar());
        REQUIRE(panel.pane(1)->colourBar());
        CHECK(panel.pane(1)->colourBar()->axis()->label().contains(
            QStringLiteral("%1 to %2").arg(cosineOf(0), 0, 'f', 3).arg(cosineOf(kCaptions - 1), 0, 'f', 3)));
        // A real image takes its generated image's cosine; low and high cosines differ.
        CHECK(colour(2, false) == colour(2, true));
        CHECK(colour(0, true) != colour(kCaptions - 1, true));
        CHECK(map->describePoint(world.pointOf(0, 4, true)).contains(QStringLiteral("%1").arg(cosineOf(4), 0, 'f', 3)));
        const auto cosines = widgets::pairedCosines(world.ws, map->projection());
        for (int i = 0; i < kCaptions; ++i) {
            CHECK(cosines[static_cast<std::size_t>(world.pointOf(0, i, true))] == Approx(cosineOf(i)).margin(1e-6));
            CHECK(cosines[static_cast<std::size_t>(world.pointOf(0, i, false))] == Approx(cosineOf(i)).margin(1e-6));
        }
    }
}

TEST_CASE("two maps colour cosines on one scale: the same cosine is the same colour in both", "[widgets][embed][interaction]") {
    test::app();
    World world;
    auto& panel = world.panel;
    // A second model whose generated images are less aligned: caption i's cosine is cosineOf(i - 4),
    // so its range (0.10 .. 0.65) differs from model m's (0.30 .. 0.85). Map "c": map "a"'s layout
    // under that model.
    const auto model2 = test::addModelRow(world.ws, "m2");
    std::vector<widgets::ProjectionPoint> points;
    for (int i = 0; i < kCaptions; ++i) {
        const auto idx = static_cast<std::size_t>(i);
        std::vector<float> real(kDim, 0.0f);
        real[idx % kDim] = 1.0f;
        std::vector<float> gen(kDim, 0.0f);
        const double c = cosineOf(i - 4);
        gen[idx % kDim] = static_cast<float>(c);
        gen[(idx + 1) % kDim] = static_cast<float>(std::sqrt(1 - c * c));
        test::storeEmbedding(world.ws, model2, world.realIds[idx], "real-image", real);
        test::storeEmbedding(world.ws, model2, world.generatedIds[idx], "generated-image", gen);
        points.push_back({widgets::PointKind::Real, world.realIds[idx], 0, double(i), 0.0, -1});
        points.push_back({widgets::PointKind::Generated, world.generatedIds[idx], 0, double(i), 1.0, -1});
    }
    const auto mapC = widgets::storeProjection(world.ws, "c map", model2, "{}", points);
    panel.refreshProjections();
    panel.showProjection(1, mapC);
    REQUIRE(panel.pane(1)->projection().info.name == "c map");
    REQUIRE(panel.setColouring(QStringLiteral("cosine")));
    auto* left = panel.pane(0);
    auto* right = panel.pane(1);
    const auto colour = [&](int pane, int i, bool generated) {
        return panel.pane(pane)->colourOf(world.pointOf(pane, i, generated));
    };

    // One scale over both maps: the lowest cosine of either to the highest of either.
    const double lo = cosineOf(-4);
    const double hi = cosineOf(kCaptions - 1);
    for (auto* map : {left, right}) {
        CHECK(map->cosineScale().first == Approx(lo).margin(1e-6));
        CHECK(map->cosineScale().second == Approx(hi).margin(1e-6));
    }
    // Caption i in map c has caption i - 4's cosine in map a, and so its colour.
    for (int i = 4; i < kCaptions; ++i) {
        INFO("caption " << i);
        CHECK(colour(1, i, true) == colour(0, i - 4, true));
        CHECK(colour(1, i, false) == colour(0, i - 4, false));
    }
    // The same caption is not the same colour in both maps: its cosines differ.
    CHECK(colour(1, 6, true) != colour(0, 6, true));
    // The lowest cosine in the right map takes the scale's first colour, the highest in the left its last.
    CHECK(colour(1, 0, true) != colour(0, 0, true));

    // One colour bar for both maps, on the right map, stating the shared range.
    CHECK_FALSE(left->colourBar());
    REQUIRE(right->colourBar());
    CHECK(right->colourBar()->dataRange().lower == Approx(lo).margin(1e-6));
    CHECK(right->colourBar()->dataRange().upper == Approx(hi).margin(1e-6));
    const QString label = right->colourBar()->axis()->label();
    CHECK(label.contains(QStringLiteral("%1 to %2").arg(lo, 0, 'f', 3).arg(hi, 0, 'f', 3)));
    // The bar's gradient at a point's cosine is that point's colour (opaque).
    const auto cosines = widgets::pairedCosines(world.ws, left->projection());
    for (int i : {0, 5, kCaptions - 1}) {
        const int point = world.pointOf(0, i, true);
        QColor expected = colour(0, i, true);
        expected.setAlpha(255);
        const QRgb bar = right->colourBar()->gradient().color(cosines[static_cast<std::size_t>(point)], QCPRange(lo, hi));
        INFO("caption " << i << " point " << expected.name().toStdString() << " bar " << QColor(bar).name().toStdString());
        CHECK(std::abs(qRed(bar) - expected.red()) <= 8);
        CHECK(std::abs(qGreen(bar) - expected.green()) <= 8);
        CHECK(std::abs(qBlue(bar) - expected.blue()) <= 8);
    }

    // Another colouring takes the bar away; cosine again brings one back.
    REQUIRE(panel.setColouring(QStringLiteral("modality")));
    CHECK_FALSE(left->colourBar());
    CHECK_FALSE(right->colourBar());
    REQUIRE(panel.setColouring(QStringLiteral("cosine")));
    CHECK(right->colourBar());
    // The same map in both panes: the scale is that map's own range.
    panel.showProjection(1, left->projection().info.id);
    CHECK(panel.cosineScale().first == Approx(cosineOf(0)).margin(1e-6));
    CHECK(colour(1, 3, true) == colour(0, 3, true));
}

TEST_CASE("the point cloud finds the nearest point like a full scan and draws each point in its colour",
          "[widgets][embed][interaction]") {
    test::app();
    QCustomPlot plot;
    plot.resize(600, 500);
    auto* cloud = new widgets::PointCloud(plot.xAxis, plot.yAxis);
    std::mt19937 rng(5);
    std::normal_distribution<double> normal;
    std::vector<QPointF> points;
    for (int i = 0; i < 50000; ++i) points.emplace_back(normal(rng) * (1 + i % 3), normal(rng));
    cloud->setPoints(points, std::vector<std::uint8_t>(points.size(), 0));
    cloud->setPalette({QColor(0, 0, 255)});
    plot.rescaleAxes();
    plot.replot();
    std::uniform_real_distribution<double> px(60, 560);
    std::uniform_real_distribution<double> py(30, 440);
    for (int k = 0; k < 40; ++k) {
        const QPointF at(px(rng), py(rng));
        int best = -1;
        double bestDistance = 4.0 * 4.0;
        for (int i = 0; i < static_cast<int>(points.size()); ++i) {
            const double dx = plot.xAxis->coordToPixel(points[static_cast<std::size_t>(i)].x()) - at.x();
            const double dy = plot.yAxis->coordToPixel(points[static_cast<std::size_t>(i)].y()) - at.y();
            const double d = dx * dx + dy * dy;
            if (d < bestDistance || (d == bestDistance && i > best)) {
                bestDistance = d;
                best = i;
            }
        }
        CHECK(cloud->nearest(at, 4.0) == best);
    }

    // Three far-apart points in three colours, drawn where the axes put them.
    cloud->setPoints({QPointF(0, 0), QPointF(10, 0), QPointF(5, 10)}, {0, 1, 2});
    cloud->setPalette({QColor(255, 0, 0), QColor(0, 160, 0), QColor(0, 0, 255)});
    cloud->setDotSize(7);
    plot.xAxis->setRange(-2, 12);
    plot.yAxis->setRange(-2, 12);
    const QImage image = plot.toPixmap(600, 500).toImage();
    const auto at = [&](double x, double y) {
        return image.pixelColor(qRound(plot.xAxis->coordToPixel(x)), qRound(plot.yAxis->coordToPixel(y)));
    };
    CHECK(at(0, 0) == QColor(255, 0, 0));
    CHECK(at(10, 0) == QColor(0, 160, 0));
    CHECK(at(5, 10) == QColor(0, 0, 255));
    // Between them only background and grid: greys.
    const QColor between = at(4.37, 6.61);
    CHECK(between.red() == between.green());
    CHECK(between.green() == between.blue());
}
