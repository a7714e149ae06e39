// The Embeddings view: a t-SNE job over stored embeddings writes a projection that reopens with
// the right points and links; a lasso maps to exactly the captions inside it and the other pane
// follows; figures export as PNG, PDF and SVG at the requested size.
#include "core/store/workspace.h"
#include "embedding_world.h"
#include "support/test_support.h"
#include "widgets/embeddings_data.h"
#include "widgets/embeddings_panel.h"
#include "widgets/embeddings_scatter.h"
#include "widgets/job_manager.h"
#include "widgets_test_support.h"

#include <catch2/catch.hpp>

#include <QImage>

#include <cmath>
#include <set>

using namespace genra;

namespace {

bool waitForJobs(widgets::JobManager& jobs) {
    return test::waitFor([&jobs] { return jobs.runningCount() == 0; }, 60000);
}

}  // namespace

TEST_CASE("a t-SNE job from the panel stores a map that reopens with real, generated and links", "[widgets][embeddings]") {
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
    // The new map opened in the left pane.
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
        auto s = ws.db().prepare("SELECT c.image_id FROM generations g JOIN captions c ON c.id = g.caption_id WHERE g.image_id = ?");
        s.bind(1, static_cast<std::int64_t>(p.itemId));
        REQUIRE(s.step());
        CHECK(r.itemId == s.columnInt(0));
        CHECK(r.captionId == p.captionId);
    }
    CHECK(real == 8);
    CHECK(generated == 8);
    CHECK_THROWS_WITH(widgets::loadProjection(ws, 999), Catch::Contains("999"));
}

TEST_CASE("lasso selection maps to the captions inside it; linked panes follow; figures export", "[widgets][embeddings]") {
    test::app();
    test::TempDir tmp;
    auto ws = store::Workspace::create(tmp / "ws");
    const auto world = test::makeEmbeddingWorld(ws, 10, {{"a", 1.0}, {"b", 0.1}});
    // Hand-placed maps: caption i's real image at (i, 0) and generated image at (i, 1) in model a;
    // in model b the two are swapped vertically.
    for (int model = 0; model < 2; ++model) {
        std::vector<widgets::ProjectionPoint> points;
        for (int i = 0; i < 10; ++i) {
            points.push_back({widgets::PointKind::Real, world.realIds[static_cast<std::size_t>(i)], 0, double(i), model ? 1.0 : 0.0, -1});
            points.push_back({widgets::PointKind::Generated, world.generatedIds[static_cast<std::size_t>(i)], 0, double(i), model ? 0.0 : 1.0, -1});
        }
        widgets::storeProjection(ws, model ? "b map" : "a map", model + 1, "{}", points);
    }
    widgets::JobManager jobs;
    widgets::EmbeddingsPanel panel(&jobs);
    panel.resize(1200, 600);
    panel.setWorkspace(&ws);
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
