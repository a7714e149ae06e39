// genra-workbench --panel training|embeddings|similarity|results --screenshot on a workspace with
// a run's metrics, two projections, embeddings and evaluation results: each panel shows its data
// (the series colours of its plots appear in the picture).
#include "core/store/workspace.h"
#include "core/store/runs.h"
#include "core/store/raw_db.h"
#include "embedding_world.h"
#include "support/test_support.h"
#include "widgets/embeddings_data.h"

#include <catch2/catch.hpp>

#include <QImage>

#include <cmath>
#include <vector>

using namespace genra;

namespace {

enum class Hue { Blue = 1, Red, Dark };

// Pixels of a hue in the right half of the window, where the tabbed panels sit (the browser on
// the left has red "file not found" marks of its own).
int pixelsOf(const QImage& image, Hue hue) {
    int count = 0;
    for (int y = 0; y < image.height(); ++y) {
        for (int x = image.width() / 2 + 60; x < image.width(); ++x) {
            const QColor c = image.pixelColor(x, y);
            const int r = c.red();
            const int g = c.green();
            const int b = c.blue();
            if (hue == Hue::Blue && b > r + 60 && b > g + 20) ++count;
            if (hue == Hue::Red && r > g + 60 && r > b + 60) ++count;
            if (hue == Hue::Dark && r + g + b < 200) ++count;
        }
    }
    return count;
}

void fillWorkspace(store::Workspace& ws) {
    const auto world = test::makeEmbeddingWorld(ws, 60, {{"clip-base", 1.0}, {"genra-aligned", 0.2}});
    // A finished training run with a falling loss.
    const auto runId = store::createRun(ws, "genra-run", "genra", nlohmann::json::object(), "cpu", 200);
    {
        store::Transaction tx(rawDb(ws));
        auto s = rawDb(ws).prepare("INSERT INTO metrics (run_id, name, step, value) VALUES (?, ?, ?, ?)");
        for (int step = 1; step <= 200; ++step) {
            s.reset();
            s.bind(1, runId).bind(2, "loss").bind(3, static_cast<std::int64_t>(step)).bind(4, 2.0 * std::exp(-step / 50.0) + 0.1);
            s.run();
        }
        tx.commit();
    }
    store::finishRun(ws, runId, "finished");
    // Two t-SNE-like maps: real and generated clouds apart, then together.
    for (int model = 1; model <= 2; ++model) {
        std::vector<widgets::ProjectionPoint> points;
        for (int i = 0; i < 60; ++i) {
            const double a = i * 0.4;
            points.push_back({widgets::PointKind::Real, world.realIds[static_cast<std::size_t>(i)], 0, std::cos(a) * 5, std::sin(a) * 5, -1});
            const double shift = model == 1 ? 12.0 : 0.5;
            points.push_back({widgets::PointKind::Generated, world.generatedIds[static_cast<std::size_t>(i)], 0,
                              std::cos(a) * 5 + shift, std::sin(a) * 5, -1});
        }
        widgets::storeProjection(ws, model == 1 ? "without alignment" : "with alignment", model, "{}", points);
    }
    auto s = rawDb(ws).prepare("INSERT INTO eval_results (model_id, task, split, metric, value) VALUES (?, 'retrieval', 'test', ?, ?)");
    for (int model = 1; model <= 2; ++model) {
        for (const char* metric : {"i2t_R@1", "t2i_R@1"}) {
            s.reset();
            s.bind(1, static_cast<std::int64_t>(model)).bind(2, metric).bind(3, 30.0 + 10 * model);
            s.run();
        }
    }
}

QImage screenshot(const test::TempDir& tmp, const std::string& workspace, const std::string& panel) {
    const auto png = (tmp / (workspace + "-" + panel + ".png")).string();
    const auto r = test::runProcess({GENRA_WORKBENCH, (tmp / workspace).string(), "--panel", panel, "--screenshot", png, "--quit"});
    INFO(r.err);
    REQUIRE(r.exitCode == 0);
    QImage image(QString::fromStdString(png));
    REQUIRE_FALSE(image.isNull());
    return image.convertToFormat(QImage::Format_RGB32);
}

}  // namespace

TEST_CASE("genra-workbench --panel training, embeddings, similarity and results --screenshot shows each panel's data", "[widgets][gui][plot]") {
    test::TempDir tmp{"genra-shots"};
    {
        auto ws = store::Workspace::create(tmp / "ws");
        fillWorkspace(ws);
        store::Workspace::create(tmp / "empty");
    }
    // Each count is against the same panel on an empty workspace, so the colours of the widget
    // style (a selected tab, focus frames) do not count as data.
    const auto gain = [&tmp](const std::string& panel, std::vector<Hue> hues) {
        const auto data = screenshot(tmp, "ws", panel);
        const auto empty = screenshot(tmp, "empty", panel);
        std::vector<int> out;
        for (auto hue : hues) out.push_back(pixelsOf(data, hue) - pixelsOf(empty, hue));
        return out;
    };
    SECTION("training: the stored loss curve is drawn") {
        CHECK(gain("training", {Hue::Blue})[0] > 100);  // the first series colour
    }
    SECTION("embeddings: real points blue, generated points red") {
        const auto counts = gain("embeddings", {Hue::Blue, Hue::Red});
        CHECK(counts[0] > 200);
        CHECK(counts[1] > 200);
    }
    SECTION("similarity: histograms of both models") {
        const auto counts = gain("similarity", {Hue::Blue, Hue::Red});
        CHECK(counts[0] > 100);
        CHECK(counts[1] > 100);
    }
    SECTION("results: the table and comparison are filled") {
        // Text of the table and the comparison: many more dark pixels.
        CHECK(gain("results", {Hue::Dark})[0] > 1000);
    }
}
