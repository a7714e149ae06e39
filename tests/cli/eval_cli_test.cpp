// `genra eval retrieval` and `genra eval captions` through the real binary: output shape, notes on
// stderr, and exit codes (1 for bad input, 2 for usage errors); `genra eval --workspace ...` storing
// results and comparing two models; `genra tsne --workspace ...` storing a projection.
#include "core/data/npy.h"
#include "support/eval_world.h"
#include "support/test_support.h"
#include "core/store/raw_db.h"

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

using namespace genra;

using test::runGenra;

TEST_CASE("genra eval retrieval prints Recall@K in percent", "[cli][retrieval]") {
    test::TempDir tmp;
    const auto images = (tmp / "images.npy").string();
    const auto texts = (tmp / "texts.npy").string();
    const auto map = (tmp / "map.txt").string();
    data::writeNpy(images, torch::tensor({1.0f, 0.0f, 0.0f, 1.0f, 1.0f, 1.0f}).reshape({3, 2}));
    data::writeNpy(texts, torch::tensor({1.0f, 0.1f, 0.0f, 1.0f, 0.1f, 1.0f, 1.0f, 0.0f, 1.0f, 1.05f, -1.0f, 0.0f})
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

namespace {
double storedValue(const std::filesystem::path& ws, const std::string& model, const std::string& metric) {
    auto w = store::Workspace::open(ws);
    auto s = rawDb(w).prepare(
        "SELECT e.value FROM eval_results e JOIN models m ON m.id = e.model_id WHERE m.name = ? AND e.metric = ? "
        "ORDER BY e.id DESC LIMIT 1");
    s.bind(1, model).bind(2, metric);
    REQUIRE(s.step());
    return s.columnDouble(0);
}
}  // namespace

TEST_CASE("genra eval --workspace runs and stores an evaluation", "[cli][workspace-eval]") {
    test::EvalWorld world;
    const auto ws = world.ws.string();
    const std::vector<std::string> base{"eval", "--workspace", ws, "--model", "base", "--dataset", "shapes",
                                        "--split", "test", "--device", "cpu", "-q"};
    auto with = [&](std::vector<std::string> extra) {
        auto args = base;
        args.insert(args.end(), extra.begin(), extra.end());
        return runGenra(args);
    };
    const auto r = with({"--benchmark", "retrieval", "--json"});
    REQUIRE(r.exitCode == 0);
    const auto json = nlohmann::json::parse(r.out);
    CHECK(json["task"] == "retrieval");
    CHECK(json["metrics"]["i2t_R@1"].get<double>() == Approx(storedValue(world.ws, "base", "i2t_R@1")));
    CHECK(json["result_ids"].size() == 6);

    SECTION("--compare prints the two models side by side with the change") {
        const auto c = with({"--benchmark", "similarity", "--compare", "other"});
        REQUIRE(c.exitCode == 0);
        CHECK_THAT(c.out, Catch::Contains("base") && Catch::Contains("other") && Catch::Contains("delta"));
        const double before = storedValue(world.ws, "base", "frechet_distance");
        const double after = storedValue(world.ws, "other", "frechet_distance");
        char line[256];
        std::snprintf(line, sizeof line, "%-28s %14.4f %14.4f %+10.4f", "frechet_distance", before, after, after - before);
        CHECK_THAT(c.out, Catch::Contains(line));
    }
    SECTION("zero-shot with a template file") {
        test::writeFile(world.tmp / "t.json", R"(["a {} shape", "a picture of a {} thing"])");
        const auto z = with({"--benchmark", "zeroshot", "--attribute", "color", "--templates", (world.tmp / "t.json").string()});
        REQUIRE(z.exitCode == 0);
        CHECK_THAT(z.out, Catch::Contains("zeroshot_color_top1"));
        CHECK_THAT(z.out, !Catch::Contains("zeroshot_shape_top1"));
        test::writeFile(world.tmp / "t.json", R"(["a shape"])");
        const auto bad = with({"--benchmark", "zeroshot", "--attribute", "color", "--templates", (world.tmp / "t.json").string()});
        CHECK(bad.exitCode == 1);
        CHECK_THAT(bad.err, Catch::Contains("t.json") && Catch::Contains("no {}"));
    }
    SECTION("errors: unknown model 1, missing options 2") {
        const auto bad = runGenra({"eval", "--workspace", ws, "--model", "nope", "--dataset", "shapes", "--benchmark",
                                   "retrieval", "-q"});
        CHECK(bad.exitCode == 1);
        CHECK_THAT(bad.err, Catch::Contains("nope"));
        CHECK(runGenra({"eval", "--workspace", ws, "--benchmark", "retrieval"}).exitCode == 2);
        CHECK(runGenra({"eval", "--workspace", ws, "--model", "base", "--dataset", "shapes", "--benchmark", "speed"})
                  .exitCode == 2);
    }
}

TEST_CASE("genra tsne --workspace stores a projection", "[cli][tsne]") {
    test::EvalWorld world;
    const auto ws = world.ws.string();
    const auto r = runGenra({"tsne", "--workspace", ws, "--model", "base", "--dataset", "shapes", "--split", "test",
                             "--captions", "6", "--iterations", "250", "--device", "cpu", "-q"});
    REQUIRE(r.exitCode == 0);
    CHECK_THAT(r.out, Catch::Contains("6 generated"));
    auto w = store::Workspace::open(world.ws);
    auto s = rawDb(w).prepare("SELECT COUNT(*) FROM projection_points");
    REQUIRE(s.step());
    CHECK(s.columnInt(0) == 12);  // six captions of six images: six real, six generated points
    CHECK(runGenra({"tsne", "--workspace", ws, "--dataset", "shapes"}).exitCode == 2);
    CHECK(runGenra({"tsne", "--workspace", ws, "--model", "base", "--dataset", "shapes", "--in", world.vocab}).exitCode == 2);
}

TEST_CASE("genra eval zeroshot classifies an image folder", "[cli][zeroshot]") {
    test::EvalWorld world;
    const auto root = world.tmp / "by_colour";
    std::map<std::string, std::int64_t> perColour;
    std::string weights;
    {
        auto w = store::Workspace::open(world.ws);
        weights = w.resolve(model::requireModel(w, "base").path).string();
        auto s = rawDb(w).prepare("SELECT path, json_extract(attributes, '$.color') FROM images WHERE modality = 'real'");
        while (s.step()) {
            const auto colour = s.columnText(1);
            const auto from = w.resolve(s.columnText(0));
            std::filesystem::create_directories(root / colour);
            std::filesystem::copy_file(from, root / colour / from.filename());
            ++perColour[colour];
        }
    }
    test::writeFile(root / perColour.begin()->first / "broken.png", "not a png");
    const auto r = runGenra({"eval", "zeroshot", "--weights", weights, "--vocab", world.vocab, "--image-folder",
                             root.string(), "--device", "cpu", "-q"});
    REQUIRE(r.exitCode == 0);
    const auto json = nlohmann::json::parse(r.out);
    CHECK(json["images"] == 30);
    CHECK(json["unreadable_images"] == 1);
    CHECK(json["classes"] == perColour.size());
    CHECK(json["top5"].get<double>() >= json["top1"].get<double>());
    for (const auto& [colour, n] : perColour) {
        // The unreadable file is left out of its class.
        CHECK(json["per_class"][colour]["images"] == n);
    }

    SECTION("a classes file must list every class folder") {
        test::writeFile(world.tmp / "classes.json", R"({"classes": {"red": "crimson"}})");
        const auto bad = runGenra({"eval", "zeroshot", "--weights", weights, "--vocab", world.vocab, "--image-folder",
                                   root.string(), "--classes", (world.tmp / "classes.json").string(), "-q"});
        CHECK(bad.exitCode == 1);
        CHECK_THAT(bad.err, Catch::Contains("classes.json") && Catch::Contains("is not listed"));
    }
}
