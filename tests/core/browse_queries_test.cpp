// The caption browser's queries on a real workspace: filters, orders, pages of rows, one caption's
// images, and the gen-real cosine similarity of stored embeddings.
#include "core/store/browse_queries.h"
#include "core/store/workspace.h"
#include "core/store/raw_db.h"
#include "core/util/error.h"
#include "support/test_support.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>

using namespace genra;

namespace {

std::vector<std::uint8_t> blob(const std::vector<float>& v) {
    std::vector<std::uint8_t> out(v.size() * sizeof(float));
    std::memcpy(out.data(), v.data(), out.size());
    return out;
}

void putEmbedding(store::Db& db, std::int64_t model, const char* kind, std::int64_t item, const char* encoder,
                  const std::vector<float>& v) {
    auto s = db.prepare("INSERT INTO embeddings(model_id, item_kind, item_id, encoder, dim, vector) VALUES(?,?,?,?,?,?)");
    const auto b = blob(v);
    s.bind(1, model).bind(2, kind).bind(3, item).bind(4, encoder).bind(5, static_cast<std::int64_t>(v.size()));
    s.bindBlob(6, b.data(), b.size());
    s.run();
}

double cosine(const std::vector<float>& a, const std::vector<float>& b) {
    double dot = 0;
    double na = 0;
    double nb = 0;
    for (std::size_t k = 0; k < a.size(); ++k) {
        dot += a[k] * b[k];
        na += a[k] * a[k];
        nb += b[k] * b[k];
    }
    return dot / std::sqrt(na * nb);
}

// Dataset "d" with 6 real images (train/test alternating), one caption each ("caption 5 red" ...);
// captions 0, 1 and 2 have generated images by "gen-a" (two each) and caption 2 also by "gen-b".
struct World {
    test::TempDir tmp{"genra-browse"};
    store::Workspace ws = store::Workspace::create(tmp / "ws");
    std::int64_t dataset = 0;
    std::vector<std::int64_t> captions;
    std::vector<std::int64_t> realImages;
    std::vector<std::vector<std::int64_t>> generated{6};

    World() {
        store::DatasetInfo info;
        info.name = "d";
        info.kind = "csv";
        dataset = ws.createDataset(info);
        const char* colours[] = {"red", "blue", "Green", "red_x", "blue", "amber"};
        for (int i = 0; i < 6; ++i) {
            store::ImageRecord img;
            img.datasetId = dataset;
            img.path = "/real/" + std::to_string(i) + ".png";
            img.split = i % 2 ? "test" : "train";
            realImages.push_back(ws.insertImage(img));
            store::CaptionRecord c;
            c.datasetId = dataset;
            c.imageId = realImages.back();
            c.text = "caption " + std::to_string(5 - i) + " " + colours[i];
            captions.push_back(ws.insertCaption(c));
        }
        auto addGenerated = [&](int caption, const std::string& generator, int seed) {
            store::ImageRecord img;
            img.datasetId = dataset;
            img.modality = "generated";
            img.path = "images/" + generator + "/" + std::to_string(caption) + "_" + std::to_string(seed) + ".png";
            img.split = caption % 2 ? "test" : "train";
            const auto id = ws.insertImage(img);
            ws.insertGeneration(id, captions[static_cast<std::size_t>(caption)], generator, seed, "{\"steps\":4}");
            generated[static_cast<std::size_t>(caption)].push_back(id);
        };
        for (int c = 0; c < 3; ++c) {
            addGenerated(c, "gen-a", 2);
            addGenerated(c, "gen-a", 1);
        }
        addGenerated(2, "gen-b", 7);
    }
};

}  // namespace

TEST_CASE("caption ids follow the filter and the order", "[store][browse]") {
    World w;
    auto& db = rawDb(w.ws);
    store::CaptionFilter all;
    CHECK(store::captionIds(db, all) == w.captions);

    SECTION("search is a case-insensitive substring with wildcards taken literally") {
        store::CaptionFilter f;
        f.search = "GREEN";
        CHECK(store::captionIds(db, f) == std::vector<std::int64_t>{w.captions[2]});
        f.search = "red_";
        CHECK(store::captionIds(db, f) == std::vector<std::int64_t>{w.captions[3]});
        f.search = "%";
        CHECK(store::captionIds(db, f).empty());
    }
    SECTION("split, generator and generated filters combine") {
        store::CaptionFilter f;
        f.split = "train";
        CHECK(store::captionIds(db, f) == std::vector<std::int64_t>{w.captions[0], w.captions[2], w.captions[4]});
        f.generated = store::CaptionFilter::Generated::With;
        CHECK(store::captionIds(db, f) == std::vector<std::int64_t>{w.captions[0], w.captions[2]});
        f.generator = "gen-b";
        CHECK(store::captionIds(db, f) == std::vector<std::int64_t>{w.captions[2]});
        store::CaptionFilter without;
        without.generated = store::CaptionFilter::Generated::Without;
        CHECK(store::captionIds(db, without) == std::vector<std::int64_t>{w.captions[3], w.captions[4], w.captions[5]});
        store::CaptionFilter other;
        other.datasetId = w.dataset + 1;
        CHECK(store::captionIds(db, other).empty());
    }
    SECTION("sort by caption text, both directions") {
        store::CaptionOrder order;
        order.sort = store::CaptionSort::Text;
        const auto ids = store::captionIds(db, all, order);
        // "caption 0 amber" < "caption 1 blue" < ... < "caption 5 red"
        CHECK(ids == std::vector<std::int64_t>(w.captions.rbegin(), w.captions.rend()));
        order.descending = true;
        CHECK(store::captionIds(db, all, order) == w.captions);
    }
    SECTION("sort by similarity: worst first, unscored last") {
        std::unordered_map<std::int64_t, double> scores{
            {w.captions[0], 0.5}, {w.captions[1], -0.2}, {w.captions[4], 0.9}};
        store::CaptionOrder order;
        order.sort = store::CaptionSort::Similarity;
        order.scores = &scores;
        CHECK(store::captionIds(db, all, order) ==
              std::vector<std::int64_t>{w.captions[1], w.captions[0], w.captions[4], w.captions[2], w.captions[3],
                                        w.captions[5]});
        order.descending = true;
        CHECK(store::captionIds(db, all, order).front() == w.captions[4]);
        CHECK(store::captionIds(db, all, order).back() == w.captions[5]);
    }
}

TEST_CASE("caption rows and details", "[store][browse]") {
    World w;
    auto& db = rawDb(w.ws);
    const auto rows = store::captionRows(db, {w.captions[2], w.captions[0], 999999});
    REQUIRE(rows.size() == 2);
    CHECK(rows[0].id == w.captions[2]);
    CHECK(rows[0].text == "caption 3 Green");
    CHECK(rows[0].generatedImages == 3);
    CHECK(rows[0].split == "train");
    CHECK(rows[1].generatedImages == 2);

    const auto detail = store::captionDetail(db, w.captions[2]);
    REQUIRE(detail);
    CHECK(detail->datasetName == "d");
    REQUIRE(detail->realImages.size() == 1);
    CHECK(detail->realImages[0].path == "/real/2.png");
    REQUIRE(detail->generatedImages.size() == 3);
    CHECK(detail->generatedImages[0].generator == "gen-a");
    CHECK(detail->generatedImages[0].seed == 1);  // by seed within a generator
    CHECK(detail->generatedImages[1].seed == 2);
    CHECK(detail->generatedImages[2].generator == "gen-b");
    CHECK(detail->generatedImages[2].paramsJson == "{\"steps\":4}");
    CHECK_FALSE(store::captionDetail(db, 424242));
    CHECK(store::distinctGenerators(db) == std::vector<std::string>{"gen-a", "gen-b"});
    CHECK(store::distinctSplits(db) == std::vector<std::string>{"test", "train"});
}

TEST_CASE("gen-real similarity from stored embeddings", "[store][browse]") {
    World w;
    auto& db = rawDb(w.ws);
    db.exec("INSERT INTO models(id, name, kind) VALUES (7, 'm', 'clip'), (8, 'unused', 'clip')");
    const std::vector<float> real0{1, 0, 0};
    const std::vector<float> g00{1, 1, 0};
    const std::vector<float> g01{0, 0, 2};
    const std::vector<float> real1{0, 1, 0};
    const std::vector<float> g10{0, 3, 1};
    putEmbedding(db, 7, "image", w.realImages[0], "real-image", real0);
    putEmbedding(db, 7, "image", w.generated[0][0], "generated-image", g00);
    putEmbedding(db, 7, "image", w.generated[0][1], "generated-image", g01);
    putEmbedding(db, 7, "image", w.realImages[1], "real-image", real1);
    putEmbedding(db, 7, "image", w.generated[1][0], "generated-image", g10);
    // Caption 1's second generated image has only a real-image encoder vector: not a pair.
    putEmbedding(db, 7, "image", w.generated[1][1], "real-image", real1);
    putEmbedding(db, 7, "caption", w.captions[0], "text", {1, 1, 1});

    const auto scores = store::genRealSimilarity(db, 7);
    REQUIRE(scores.size() == 2);
    CHECK(scores.at(w.captions[0]) == Approx((cosine(g00, real0) + cosine(g01, real0)) / 2));
    CHECK(scores.at(w.captions[1]) == Approx(cosine(g10, real1)));
    CHECK(store::genRealSimilarity(db, 8).empty());

    const auto perImage = store::generatedImageSimilarity(db, 7, w.captions[0]);
    REQUIRE(perImage.size() == 2);
    CHECK(*perImage.at(w.generated[0][0]).toReal == Approx(cosine(g00, real0)));
    CHECK(*perImage.at(w.generated[0][1]).toCaption == Approx(cosine(g01, {1, 1, 1})));

    const auto models = store::modelsWithEmbeddings(db);
    REQUIRE(models.size() == 1);
    CHECK(models[0].name == "m");
    CHECK(models[0].embeddings == 7);

    SECTION("a vector whose blob disagrees with its dim is an error naming it") {
        db.exec("UPDATE embeddings SET dim = 4 WHERE item_id = " + std::to_string(w.generated[0][0]) +
                " AND encoder = 'generated-image'");
        CHECK_THROWS_WITH(store::genRealSimilarity(db, 7),
                          Catch::Contains("image " + std::to_string(w.generated[0][0])) &&
                              Catch::Contains("dim 4"));
    }
}
