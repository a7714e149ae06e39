// The Similarity view on stored embeddings: the measures agree with core/eval computed directly,
// the histogram holds every pair, the worst-aligned list is ordered and opens captions, the
// better-aligned model shows the higher mean; the heat-map shows the chosen subset of pairs (first,
// worst aligned, captions selected in the browser); missing embeddings give a message naming the
// model.
#include "core/eval/similarity.h"
#include "core/store/workspace.h"
#include "embedding_world.h"
#include "support/test_support.h"
#include "widgets/similarity_data.h"
#include "widgets/similarity_panel.h"
#include "widgets_test_support.h"

#include <catch2/catch.hpp>

#include "widgets/plot_qcp.h"

#include <set>

using namespace genra;

TEST_CASE("similarity report, worst pairs and panel", "[widgets][similarity]") {
    test::app();
    test::TempDir tmp;
    auto ws = store::Workspace::create(tmp / "ws");
    const auto world = test::makeEmbeddingWorld(ws, 30, {{"loose", 1.0}, {"tight", 0.1}});
    const auto loose = widgets::computeSimilarity(ws, "loose", "pairs", "", 20, 8);
    const auto tight = widgets::computeSimilarity(ws, "tight", "pairs", "", 20, 8);
    REQUIRE(loose.pairs.size() == 30);
    CHECK(tight.mean > loose.mean);
    CHECK(tight.centroidDistance < loose.centroidDistance);
    // The pairs follow generation order and carry their captions.
    for (std::size_t i = 0; i < 30; ++i) {
        CHECK(loose.pairs[i].captionId == world.captionIds[i]);
        CHECK(loose.pairs[i].realImageId == world.realIds[i]);
        CHECK(loose.pairs[i].caption == world.captions[i]);
    }
    double sum = 0;
    std::int64_t counted = 0;
    for (const auto& p : loose.pairs) sum += p.cosine;
    for (auto c : loose.histogramCounts) counted += c;
    CHECK(counted == 30);
    CHECK(loose.mean == Approx(sum / 30).epsilon(1e-9));
    // The heat-map's diagonal is the paired cosine.
    REQUIRE(loose.heatmapSize == 8);
    for (int i = 0; i < 8; ++i) CHECK(loose.heatmap[static_cast<std::size_t>(i * 8 + i)] == Approx(loose.pairs[static_cast<std::size_t>(i)].cosine).margin(1e-9));
    const auto worst = widgets::worstAligned(loose, 5);
    REQUIRE(worst.size() == 5);
    for (std::size_t i = 1; i < worst.size(); ++i) CHECK(worst[i - 1].cosine <= worst[i].cosine);
    // Every pair left out of the list is at least as well aligned as the list's last entry.
    std::set<std::int64_t> listed;
    for (const auto& p : worst) listed.insert(p.captionId);
    for (const auto& p : loose.pairs)
        if (!listed.count(p.captionId)) CHECK(p.cosine >= worst.back().cosine);

    widgets::SimilarityPanel panel;
    panel.resize(1200, 700);
    panel.setWorkspace(&ws);
    REQUIRE(panel.report(0).has_value());
    REQUIRE(panel.report(1).has_value());
    CHECK(panel.statsText().contains(QStringLiteral("loose")));
    CHECK(panel.statsText().contains(QStringLiteral("tight")));
    // The measures Eq. 1 moves are shown beside the raw cosine.
    CHECK(panel.statsText().contains(QStringLiteral("margin")));
    CHECK(panel.statsText().contains(QStringLiteral("gen→real R@1")));
    CHECK(tight.own.margin > loose.own.margin);
    CHECK(tight.own.genToRealRecallAt1 >= loose.own.genToRealRecallAt1);
    CHECK(loose.own.margin == Approx(loose.mean - loose.own.unmatchedCosineMean).margin(1e-12));
    CHECK(panel.select(QStringLiteral("model"), QStringLiteral("tight")));
    CHECK(panel.report(0)->model == "tight");
    CHECK_FALSE(panel.select(QStringLiteral("model"), QStringLiteral("nope")));
    REQUIRE(panel.select(QStringLiteral("model"), QStringLiteral("loose")));
    // A generator that made none of the pairs leaves nothing to measure; the shown report stays.
    CHECK_THROWS_WITH(widgets::computeSimilarity(ws, "loose", "pairs", "", 20, 8, "builtin:none"),
                      Catch::Contains("builtin:none"));
    const auto generators = widgets::datasetGenerators(ws, "pairs");
    REQUIRE_FALSE(generators.empty());
    const auto only = widgets::computeSimilarity(ws, "loose", "pairs", "", 20, 8, generators.front());
    CHECK(only.pairs.size() <= loose.pairs.size());
    CHECK(panel.select(QStringLiteral("generator"), QString::fromStdString(generators.front())));
    CHECK(panel.report(0)->pairs.size() == only.pairs.size());
    CHECK(panel.histogram()->plottableCount() == 2);
    CHECK(panel.heatmap()->plottableCount() == 1);
    const auto ids = panel.worstCaptionIds();
    REQUIRE(ids.size() == 30);
    CHECK(ids.first() == worst.front().captionId);

    SECTION("the heat-map follows the chosen subset") {
        const auto& report = *panel.report(0);
        REQUIRE(report.model == "loose");
        // The cells the panel drew: [real i][generated j].
        const auto cell = [&panel](int i, int j) {
            auto* map = qobject_cast<QCPColorMap*>(panel.heatmap()->plottable(0));
            REQUIRE(map != nullptr);
            return map->data()->cell(j, i);
        };
        const auto mapSize = [&panel] {
            auto* map = qobject_cast<QCPColorMap*>(panel.heatmap()->plottable(0));
            return map ? map->data()->keySize() : 0;
        };
        // By default the first 32 pairs, drawn as computeSimilarity measured them.
        REQUIRE(mapSize() == 30);
        for (int i = 0; i < 30; i += 7)
            for (int j = 0; j < 30; j += 5) CHECK(cell(i, j) == Approx(report.heatmap[static_cast<std::size_t>(i * 30 + j)]).margin(1e-6));

        panel.setHeatmapSubset(widgets::HeatmapSubset::First, 6);
        CHECK(panel.heatmapCaptionIds() == QList<qint64>(world.captionIds.begin(), world.captionIds.begin() + 6));
        CHECK(mapSize() == 6);

        panel.setHeatmapSubset(widgets::HeatmapSubset::Worst, 5);
        QList<qint64> worstIds;
        for (const auto& p : widgets::worstAligned(report, 5)) worstIds << p.captionId;
        CHECK(panel.heatmapCaptionIds() == worstIds);
        REQUIRE(mapSize() == 5);
        // The diagonal is each pair's own cosine.
        const auto worst5 = widgets::worstAligned(report, 5);
        for (int i = 0; i < 5; ++i) CHECK(cell(i, i) == Approx(worst5[static_cast<std::size_t>(i)].cosine).margin(1e-6));

        panel.setHeatmapSubset(widgets::HeatmapSubset::Captions, 32);
        CHECK(panel.heatmapCaptionIds().isEmpty());
        CHECK(panel.statusText().contains(QStringLiteral("select captions in the caption browser")));
        panel.setBrowserSelection({world.captionIds[20], world.captionIds[2], world.captionIds[11]});
        CHECK(panel.heatmapCaptionIds() == (QList<qint64>{world.captionIds[2], world.captionIds[11], world.captionIds[20]}));
        REQUIRE(mapSize() == 3);
        // Row 1 is caption 11's real image, column 2 caption 20's generated image.
        CHECK(cell(1, 1) == Approx(report.pairs[11].cosine).margin(1e-6));
        CHECK(cell(2, 2) == Approx(report.pairs[20].cosine).margin(1e-6));
        CHECK(cell(0, 0) == Approx(report.heatmap[2 * 30 + 2]).margin(1e-6));
        CHECK(cell(0, 1) != Approx(cell(1, 1)).margin(1e-6));
        // At most N pairs.
        panel.setHeatmapSubset(widgets::HeatmapSubset::Captions, 2);
        CHECK(panel.heatmapCaptionIds() == (QList<qint64>{world.captionIds[2], world.captionIds[11]}));
    }
    SECTION("missing embeddings are reported by model and nothing is shown") {
        test::addModelRow(ws, "unembedded");
        CHECK_FALSE(panel.showModels(QStringLiteral("unembedded"), {}, QStringLiteral("pairs")));
        CHECK(panel.statusText().contains(QStringLiteral("\"unembedded\"")));
        CHECK_FALSE(panel.report(0).has_value());
        CHECK(panel.worstCaptionIds().isEmpty());
    }
}
