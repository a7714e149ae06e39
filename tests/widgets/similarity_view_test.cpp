// The Similarity view on stored embeddings: the measures agree with core/eval computed directly,
// the histogram holds every pair, the worst-aligned list is ordered and opens captions, the
// better-aligned model shows the higher mean; missing embeddings give a message naming the model.
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
    CHECK(panel.histogram()->plottableCount() == 2);
    CHECK(panel.heatmap()->plottableCount() == 1);
    const auto ids = panel.worstCaptionIds();
    REQUIRE(ids.size() == 30);
    CHECK(ids.first() == worst.front().captionId);

    SECTION("missing embeddings are reported by model and nothing is shown") {
        test::addModelRow(ws, "unembedded");
        CHECK_FALSE(panel.showModels(QStringLiteral("unembedded"), {}, QStringLiteral("pairs")));
        CHECK(panel.statusText().contains(QStringLiteral("\"unembedded\"")));
        CHECK_FALSE(panel.report(0).has_value());
        CHECK(panel.worstCaptionIds().isEmpty());
    }
}
