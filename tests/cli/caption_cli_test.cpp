// `genra caption train | predict | eval | recipe` through the real binary on a small Shapes
// workspace: a trained captioner writes COCO results for every test image, eval prints the caption
// metrics and stores them, and bad input gets exit code 1 (or 2 for usage) with the key named.
#include "core/model/clip.h"
#include "core/model/model_store.h"
#include "core/store/workspace.h"
#include "core/store/raw_db.h"
#include "support/test_support.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace genra;
namespace fs = std::filesystem;

TEST_CASE("genra caption trains, predicts and evaluates a captioner", "[cli][caption]") {
    test::TempDir tmp("genra-caption-cli");
    const auto ws = (tmp / "ws").string();
    auto r = test::runProcess({GENRA_CLI, "make-shapes", "--out", (tmp / "shapes").string(), "--count", "60", "--seed", "2",
                               "--size", "32"});
    REQUIRE(r.exitCode == 0);
    REQUIRE(test::runProcess({GENRA_CLI, "init", ws}).exitCode == 0);
    r = test::runProcess({GENRA_CLI, "import", "karpathy", "--workspace", ws, "--json",
                          (tmp / "shapes" / "dataset_shapes.json").string(), "--images", (tmp / "shapes").string(), "--name",
                          "shapes"});
    REQUIRE(r.exitCode == 0);
    {
        auto w = store::Workspace::open(ws);
        torch::manual_seed(1);
        model::saveClipModel(w, "clip", model::ClipModel(model::clipPreset("tiny")), "");
    }
    const nlohmann::json recipe = {{"clip_model", "clip"}, {"dataset", "shapes"}, {"train_on", "real"}, {"split", "pretrain"},
                                   {"steps", 8}, {"batch_size", 16}, {"decoder_width", 32}, {"decoder_layers", 1},
                                   {"device", "cpu"}, {"vocab_merges", 50}, {"max_length", 8}};
    test::writeFile(tmp / "recipe.json", recipe.dump());

    r = test::runProcess({GENRA_CLI, "caption", "train", "--workspace", ws, "--recipe", (tmp / "recipe.json").string(), "--name",
                          "cap"});
    INFO(r.err);
    REQUIRE(r.exitCode == 0);
    CHECK_THAT(r.out, Catch::Contains("captioner \"cap\" registered"));

    const auto preds = tmp / "preds.json";
    r = test::runProcess({GENRA_CLI, "caption", "predict", "--workspace", ws, "--model", "cap", "--dataset", "shapes", "--split",
                          "test", "--beam", "2", "--out", preds.string()});
    INFO(r.err);
    REQUIRE(r.exitCode == 0);
    const auto results = nlohmann::json::parse(test::readFile(preds));
    REQUIRE(results.is_array());
    std::int64_t testImages = 0;
    {
        auto w = store::Workspace::open(ws);
        auto s = rawDb(w).prepare("SELECT COUNT(*) FROM images WHERE split = 'test' AND modality = 'real'");
        REQUIRE(s.step());
        testImages = s.columnInt(0);
    }
    CHECK(static_cast<std::int64_t>(results.size()) == testImages);
    CHECK(results[0].contains("image_id"));
    CHECK(results[0]["caption"].is_string());

    r = test::runProcess({GENRA_CLI, "caption", "eval", "--workspace", ws, "--model", "cap", "--dataset", "shapes", "--split",
                          "test", "--predictions", preds.string()});
    INFO(r.err);
    REQUIRE(r.exitCode == 0);
    const auto scores = nlohmann::json::parse(r.out);
    for (const char* key : {"Bleu_1", "Bleu_4", "ROUGE_L", "CIDEr"}) {
        CAPTURE(key);
        CHECK(scores.at(key).is_number());
    }
    {
        auto w = store::Workspace::open(ws);
        auto s = rawDb(w).prepare("SELECT value FROM eval_results WHERE task = 'caption' AND metric = 'Bleu_4'");
        REQUIRE(s.step());
        CHECK(s.columnDouble(0) == Approx(scores["Bleu_4"].get<double>()));
    }

    {  // bad input
        auto bad = recipe;
        bad["prefix_lenght"] = 4;
        test::writeFile(tmp / "bad.json", bad.dump());
        r = test::runProcess({GENRA_CLI, "caption", "train", "--workspace", ws, "--recipe", (tmp / "bad.json").string()});
        CHECK(r.exitCode == 1);
        CHECK_THAT(r.err, Catch::Contains("prefix_lenght"));
        r = test::runProcess({GENRA_CLI, "caption", "predict", "--workspace", ws, "--model", "clip", "--dataset", "shapes",
                              "--out", (tmp / "x.json").string()});
        CHECK(r.exitCode == 1);
        CHECK_THAT(r.err, Catch::Contains("not a captioner"));
        r = test::runProcess({GENRA_CLI, "caption", "predict", "--workspace", ws, "--dataset", "shapes"});
        CHECK(r.exitCode == 2);
    }
    {  // the recipe reference and the default recipe
        r = test::runProcess({GENRA_CLI, "caption", "recipe"});
        REQUIRE(r.exitCode == 0);
        CHECK(nlohmann::json::parse(r.out)["beam_size"] == 5);
        r = test::runProcess({GENRA_CLI, "caption", "recipe", "--doc"});
        CHECK_THAT(r.out, Catch::Contains("train_on"));
    }
}
