// Retrieval Recall@K: hand-built embeddings with known ranks, ties, a brute-force cross-check with
// exact dot products at several block sizes, and every input error.
#include "core/eval/retrieval.h"
#include "core/util/error.h"
#include "support/test_support.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <numeric>
#include <random>

using namespace genra;

namespace {

torch::Tensor rows(const std::vector<std::vector<double>>& values) {
    std::vector<torch::Tensor> out;
    for (const auto& r : values) out.push_back(torch::tensor(r, torch::kDouble));
    return torch::stack(out);
}

// Straightforward reference: sort every query's candidates by (score descending, index ascending).
std::pair<std::vector<std::int64_t>, std::vector<std::int64_t>> naiveRanks(const torch::Tensor& images,
                                                                           const torch::Tensor& texts,
                                                                           const std::vector<std::int64_t>& map) {
    const auto s = torch::matmul(images, texts.t());  // exact for the test vectors below
    const auto I = images.size(0);
    const auto T = texts.size(0);
    std::vector<std::int64_t> imageRanks;
    for (std::int64_t i = 0; i < I; ++i) {
        std::vector<std::int64_t> order(static_cast<std::size_t>(T));
        std::iota(order.begin(), order.end(), 0);
        std::stable_sort(order.begin(), order.end(), [&](std::int64_t a, std::int64_t b) {
            return s[i][a].item<double>() > s[i][b].item<double>();
        });
        for (std::int64_t r = 0; r < T; ++r) {
            if (map[static_cast<std::size_t>(order[static_cast<std::size_t>(r)])] == i) {
                imageRanks.push_back(r);
                break;
            }
        }
    }
    std::vector<std::int64_t> textRanks;
    for (std::int64_t t = 0; t < T; ++t) {
        std::vector<std::int64_t> order(static_cast<std::size_t>(I));
        std::iota(order.begin(), order.end(), 0);
        std::stable_sort(order.begin(), order.end(), [&](std::int64_t a, std::int64_t b) {
            return s[a][t].item<double>() > s[b][t].item<double>();
        });
        const auto at = std::find(order.begin(), order.end(), map[static_cast<std::size_t>(t)]) - order.begin();
        textRanks.push_back(at);
    }
    return {imageRanks, textRanks};
}

}  // namespace

TEST_CASE("retrieval recall on hand-built embeddings", "[retrieval]") {
    // Three images, two captions each; one caption of images 0, 1 and 2 each is misleading.
    const auto images = rows({{1, 0}, {0, 1}, {1, 1}});
    const auto texts = rows({{1, 0.1}, {0, 1}, {0.1, 1}, {1, 0}, {1, 1.05}, {-1, 0}});
    const std::vector<std::int64_t> map{0, 0, 1, 1, 2, 2};
    eval::RetrievalOptions options;
    options.ks = {1, 2, 5};
    const auto r = eval::retrievalRecall(images, texts, map, options);
    CHECK(r.imageQueryRanks == std::vector<std::int64_t>{1, 1, 0});
    CHECK(r.textQueryRanks == std::vector<std::int64_t>{0, 2, 0, 2, 0, 1});
    CHECK(r.imageToTextPercent[0] == Approx(100.0 / 3));
    CHECK(r.imageToTextPercent[1] == Approx(100.0));
    CHECK(r.imageToTextPercent[2] == Approx(100.0));
    CHECK(r.textToImagePercent[0] == Approx(50.0));
    CHECK(r.textToImagePercent[1] == Approx(100.0 * 4 / 6));
    CHECK(r.textToImagePercent[2] == Approx(100.0));

    SECTION("scale does not matter (embeddings are normalised) and float32 gives the same ranks") {
        const auto scaled = eval::retrievalRecall(images * 7, texts.to(torch::kFloat) * 0.01, map, options);
        CHECK(scaled.imageQueryRanks == r.imageQueryRanks);
        CHECK(scaled.textQueryRanks == r.textQueryRanks);
    }
    SECTION("JSON has the documented shape, in percent") {
        const auto json = eval::retrievalToJson(eval::retrievalRecall(images, texts, map));
        CHECK(json.dump() ==
              nlohmann::ordered_json::parse(R"({"image_to_text": {"R@1": 33.333333333333336, "R@5": 100.0, "R@10": 100.0},
                                                "text_to_image": {"R@1": 50.0, "R@5": 100.0, "R@10": 100.0}})")
                  .dump());
    }
}

TEST_CASE("retrieval ties rank the lower index first", "[retrieval]") {
    const auto images = torch::ones({3, 4});
    const auto texts = torch::ones({6, 4});
    const std::vector<std::int64_t> map{0, 0, 1, 1, 2, 2};
    eval::RetrievalOptions options;
    options.ks = {1, 2, 3, 5};
    const auto r = eval::retrievalRecall(images, texts, map, options);
    // Image i's first caption sits at index 2i; a caption's image at its own index.
    CHECK(r.imageQueryRanks == std::vector<std::int64_t>{0, 2, 4});
    CHECK(r.textQueryRanks == std::vector<std::int64_t>{0, 0, 1, 1, 2, 2});
    CHECK(r.imageToTextPercent == std::vector<double>{100.0 / 3, 100.0 / 3, 200.0 / 3, 100.0});
    CHECK(r.textToImagePercent == std::vector<double>{100.0 / 3, 200.0 / 3, 100.0, 100.0});
}

TEST_CASE("retrieval matches a brute-force ranking at every block size", "[retrieval]") {
    // Unit vectors whose dot products are exact (multiples of 1/4), so ties are exact too.
    std::vector<std::vector<double>> pool;
    for (int signs = 0; signs < 16; ++signs) {
        std::vector<double> v(4);
        for (int d = 0; d < 4; ++d) v[static_cast<std::size_t>(d)] = (signs >> d & 1) ? 0.5 : -0.5;
        pool.push_back(v);
    }
    for (int d = 0; d < 4; ++d) {
        for (const double s : {1.0, -1.0}) {
            std::vector<double> v(4, 0.0);
            v[static_cast<std::size_t>(d)] = s;
            pool.push_back(v);
        }
    }
    std::mt19937 rng(7);
    std::uniform_int_distribution<std::size_t> pick(0, pool.size() - 1);
    const std::int64_t I = 23;
    const std::int64_t T = 71;
    std::vector<std::vector<double>> imageRows;
    std::vector<std::vector<double>> textRows;
    std::vector<std::int64_t> map;
    for (std::int64_t i = 0; i < I; ++i) imageRows.push_back(pool[pick(rng)]);
    std::uniform_int_distribution<std::int64_t> anyImage(0, I - 1);
    for (std::int64_t t = 0; t < T; ++t) {
        textRows.push_back(pool[pick(rng)]);
        map.push_back(t < I ? t : anyImage(rng));  // every image gets at least one caption
    }
    const auto images = rows(imageRows);
    const auto texts = rows(textRows);
    const auto [expectedImage, expectedText] = naiveRanks(images, texts, map);
    for (const std::int64_t block : {1, 7, 64, 1000, 1 << 24}) {
        DYNAMIC_SECTION("block of " << block << " elements") {
            eval::RetrievalOptions options;
            options.maxBlockElements = block;
            const auto r = eval::retrievalRecall(images, texts, map, options);
            CHECK(r.imageQueryRanks == expectedImage);
            CHECK(r.textQueryRanks == expectedText);
        }
    }
}

TEST_CASE("retrieval input errors are explained", "[retrieval]") {
    const auto images = torch::randn({3, 4});
    const auto texts = torch::randn({5, 4});
    const std::vector<std::int64_t> map{0, 1, 2, 2, 1};
    CHECK_NOTHROW(eval::retrievalRecall(images, texts, map));
    CHECK_THROWS_WITH(eval::retrievalRecall(images, texts, {0, 1, 2}),
                      Catch::Contains("3 entries but there are 5 text embeddings"));
    CHECK_THROWS_WITH(eval::retrievalRecall(images, texts, {0, 1, 2, 3, 1}),
                      Catch::Contains("text row 3 image row 3, outside 0..2"));
    CHECK_THROWS_WITH(eval::retrievalRecall(images, texts, {0, 1, -1, 1, 0}), Catch::Contains("text row 2"));
    CHECK_THROWS_WITH(eval::retrievalRecall(images, texts, {0, 1, 1, 1, 0}),
                      Catch::Contains("image row 2 has no caption"));
    CHECK_THROWS_WITH(eval::retrievalRecall(images, torch::randn({5, 3}), map),
                      Catch::Contains("images have 4 dimensions, texts 3"));
    CHECK_THROWS_WITH(eval::retrievalRecall(images.flatten(), texts, map), Catch::Contains("must be 2-D"));
    CHECK_THROWS_WITH(eval::retrievalRecall(images.to(torch::kLong), texts, map), Catch::Contains("floating point"));
    auto zero = texts.clone();
    zero[3].zero_();
    CHECK_THROWS_WITH(eval::retrievalRecall(images, zero, map), Catch::Contains("text embedding row 3 is all zeros"));
    auto nan = images.clone();
    nan[1][2] = std::numeric_limits<float>::quiet_NaN();
    CHECK_THROWS_WITH(eval::retrievalRecall(nan, texts, map), Catch::Contains("image embeddings contain NaN"));
    eval::RetrievalOptions badK;
    badK.ks = {1, 0};
    CHECK_THROWS_WITH(eval::retrievalRecall(images, texts, map, badK), Catch::Contains("K >= 1"));
}

TEST_CASE("caption -> image map files", "[retrieval]") {
    test::TempDir tmp;
    const auto path = tmp / "map.txt";
    test::writeFile(path, "0\n0\n 1 \r\n2\n\n\n");
    CHECK(eval::readCaptionImageMap(path) == std::vector<std::int64_t>{0, 0, 1, 2});
    test::writeFile(path, "0\nx1\n");
    CHECK_THROWS_WITH(eval::readCaptionImageMap(path), Catch::Contains(path.string() + ": line 2") &&
                                                           Catch::Contains("'x1'"));
    test::writeFile(path, "0\n-2\n");
    CHECK_THROWS_WITH(eval::readCaptionImageMap(path), Catch::Contains("line 2"));
    test::writeFile(path, "0\n\n1\n");
    CHECK_THROWS_WITH(eval::readCaptionImageMap(path), Catch::Contains("line 2") && Catch::Contains("blank line"));
    CHECK_THROWS_WITH(eval::readCaptionImageMap(tmp / "missing.txt"), Catch::Contains("cannot open"));
}
