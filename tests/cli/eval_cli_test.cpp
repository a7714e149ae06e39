// `genra eval retrieval` and `genra eval captions` through the real binary: output shape, notes on
// stderr, and exit codes (1 for bad input, 2 for usage errors).
#include "core/eval/npy.h"
#include "support/test_support.h"

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

using namespace genra;

namespace {
test::ProcessResult runGenra(const std::vector<std::string>& args) {
    std::vector<std::string> argv{GENRA_CLI};
    argv.insert(argv.end(), args.begin(), args.end());
    return test::runProcess(argv);
}
}  // namespace

TEST_CASE("genra eval retrieval prints Recall@K in percent", "[cli][retrieval]") {
    test::TempDir tmp;
    const auto images = (tmp / "images.npy").string();
    const auto texts = (tmp / "texts.npy").string();
    const auto map = (tmp / "map.txt").string();
    eval::writeNpy(images, torch::tensor({1.0f, 0.0f, 0.0f, 1.0f, 1.0f, 1.0f}).reshape({3, 2}));
    eval::writeNpy(texts, torch::tensor({1.0f, 0.1f, 0.0f, 1.0f, 0.1f, 1.0f, 1.0f, 0.0f, 1.0f, 1.05f, -1.0f, 0.0f})
                              .reshape({6, 2}));
    test::writeFile(map, "0\n0\n1\n1\n2\n2\n");

    const auto r = runGenra({"eval", "retrieval", "--image-embeddings", images, "--text-embeddings", texts,
                             "--caption-image", map});
    REQUIRE(r.exitCode == 0);
    const auto json = nlohmann::ordered_json::parse(r.out);
    CHECK(json["image_to_text"]["R@1"].get<double>() == Approx(100.0 / 3));
    CHECK(json["image_to_text"]["R@5"].get<double>() == Approx(100.0));
    CHECK(json["text_to_image"]["R@1"].get<double>() == Approx(50.0));
    CHECK(json["text_to_image"]["R@10"].get<double>() == Approx(100.0));
    std::vector<std::string> keys;
    for (const auto& item : json["text_to_image"].items()) keys.push_back(item.key());
    CHECK(keys == std::vector<std::string>{"R@1", "R@5", "R@10"});

    SECTION("a map that does not fit is a failure naming the row") {
        test::writeFile(map, "0\n0\n1\n1\n2\n5\n");
        const auto bad = runGenra({"eval", "retrieval", "--image-embeddings", images, "--text-embeddings", texts,
                                   "--caption-image", map});
        CHECK(bad.exitCode == 1);
        CHECK_THAT(bad.err, Catch::Contains("text row 5 image row 5"));
    }
    SECTION("a file that is not .npy") {
        test::writeFile(images, "not numpy");
        const auto bad = runGenra({"eval", "retrieval", "--image-embeddings", images, "--text-embeddings", texts,
                                   "--caption-image", map});
        CHECK(bad.exitCode == 1);
        CHECK_THAT(bad.err, Catch::Contains(images) && Catch::Contains("bad magic"));
    }
    SECTION("usage errors") {
        CHECK(runGenra({"eval"}).exitCode == 2);
        CHECK(runGenra({"eval", "retrieval", "--image-embeddings", images}).exitCode == 2);
        CHECK(runGenra({"eval", "retrieval", "--image-embeddings", images, "--text-embeddings", texts,
                        "--caption-image", (tmp / "missing.txt").string()})
                  .exitCode == 2);
    }
}

TEST_CASE("genra eval captions prints the COCO metrics", "[cli][metrics]") {
    test::TempDir tmp;
    const auto refs = (tmp / "refs.json").string();
    const auto preds = (tmp / "preds.json").string();
    test::writeFile(refs, R"({"images": [{"id": 1}, {"id": 2}, {"id": 3}],
        "annotations": [{"image_id": 1, "caption": "A dog runs on the beach."},
                        {"image_id": 1, "caption": "A brown dog running along the shore."},
                        {"image_id": 2, "caption": "Two cats sleep on a sofa."},
                        {"image_id": 3, "caption": "A red bus on a city street."}]})");
    test::writeFile(preds, R"([{"image_id": 1, "caption": "A dog runs on the beach."},
                               {"image_id": 2, "caption": "Two cats sleep on a sofa."},
                               {"image_id": 3, "caption": "A red bus on a city street."}])");
    const auto r = runGenra({"eval", "captions", "--references", refs, "--predictions", preds});
    REQUIRE(r.exitCode == 0);
    const auto json = nlohmann::ordered_json::parse(r.out);
    std::vector<std::string> keys;
    for (const auto& item : json.items()) keys.push_back(item.key());
    CHECK(keys == std::vector<std::string>{"Bleu_1", "Bleu_2", "Bleu_3", "Bleu_4", "METEOR_builtin", "ROUGE_L",
                                           "CIDEr", "SPICE"});
    CHECK(json["Bleu_4"].get<double>() == Approx(1.0).epsilon(1e-8));
    CHECK(json["ROUGE_L"].get<double>() == 1.0);
    CHECK(json["METEOR_builtin"].get<double>() > 0.99);
    CHECK(json["CIDEr"].get<double>() > 1.0);  // unscaled, as the COCO code prints it
    CHECK(json["SPICE"].is_null());
    CHECK_THAT(r.err, Catch::Contains("METEOR_builtin") && Catch::Contains("SPICE: unavailable"));

    SECTION("a prediction for an image without references fails naming it") {
        test::writeFile(preds, R"([{"image_id": 1, "caption": "x"}, {"image_id": 2, "caption": "x"},
                                   {"image_id": 3, "caption": "x"}, {"image_id": 4, "caption": "x"}])");
        const auto bad = runGenra({"eval", "captions", "--references", refs, "--predictions", preds});
        CHECK(bad.exitCode == 1);
        CHECK_THAT(bad.err, Catch::Contains("image 4"));
    }
    SECTION("a missing prediction fails naming the image") {
        test::writeFile(preds, R"([{"image_id": 1, "caption": "x"}, {"image_id": 3, "caption": "x"}])");
        const auto bad = runGenra({"eval", "captions", "--references", refs, "--predictions", preds});
        CHECK(bad.exitCode == 1);
        CHECK_THAT(bad.err, Catch::Contains("image 2"));
    }
    SECTION("a METEOR jar that does not exist fails") {
        const auto bad = runGenra({"eval", "captions", "--references", refs, "--predictions", preds, "--meteor-jar",
                                   (tmp / "meteor-1.5.jar").string()});
        CHECK(bad.exitCode == 1);
        CHECK_THAT(bad.err, Catch::Contains("METEOR jar not found"));
    }
    SECTION("usage errors") { CHECK(runGenra({"eval", "captions", "--references", refs}).exitCode == 2); }
}
