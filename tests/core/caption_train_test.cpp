// The captioner end to end on a small Shapes workspace with a tiny CLIP: it learns captions well
// enough that its BLEU-4 on held-out images is far above a caption-shuffling baseline; a resumed
// run ends bit-identical to an uninterrupted one; training on generated images reads f_g's
// cached embeddings; evaluation stores its results with provenance; bad input is named.
#include "core/caption/caption_eval.h"
#include "core/caption/caption_predict.h"
#include "core/caption/loaded_captioner.h"
#include "core/data/image.h"
#include "core/data/importers.h"
#include "core/data/shapes.h"
#include "core/model/model_store.h"
#include "core/model/safetensors.h"
#include "core/store/workspace.h"
#include "core/train/recipe.h"
#include "core/store/runs.h"
#include "core/store/raw_db.h"
#include "core/train/captioner_training.h"
#include "core/train/trainer.h"
#include "core/util/error.h"
#include "support/test_support.h"
#include "support/shapes_workspace.h"
#include "support/test_context.h"

#include <catch2/catch.hpp>

#include <chrono>
#include <random>

using namespace genra;
namespace fs = std::filesystem;

namespace {

// 1200 Shapes images (32 px) imported as "shapes", a tiny conv-stem CLIP pre-trained on them as "clip", and
// one "generated" image per align caption (the real image, colour-inverted) linked to its caption.
// The captioner learns from the 600 pretrain images: with the 200 of a 400-image set it could not
// tell much from a weak random-CLIP embedding (BLEU-4 0.20 vs 0.26 with 600, same recipe).
struct ShapesWorld {
    test::TempDir tmp{"genra-caption"};
    fs::path ws = tmp / "ws";

    ShapesWorld() {
        test::TestContext quiet;
        data::MakeShapesOptions make;
        make.outDir = tmp / "shapes";
        make.count = 1200;
        make.seed = 7;
        make.imageSize = 32;
        test::makeShapesWorkspace(make, ws);

        // The CLIP is pre-trained on the pretrain split first, as the demo's is: the captioner reads
        // what its embedding encodes. With the conv stem it encodes colour, size and position well
        // (shape barely, see bench/clip_pretrain_bench); measured BLEU-4 on this world: random
        // tiny CLIP 0.27, pre-trained "tiny" 0.28, pre-trained "tiny-conv" 0.38, shuffled 0.15.
        nlohmann::json r = train::pretrainRecipeJson("shapes", "pretrain", 300, 64, 2e-3);
        r["seed"] = 5;
        train::TrainJob pretrain(ws, train::parseRecipe(r, "caption test CLIP recipe"), "clip");
        REQUIRE(pretrain.run(quiet));
        REQUIRE(pretrain.modelName() == "clip");

        auto w = store::Workspace::open(ws);
        const auto dataset = w.requireDataset("shapes");
        auto s = rawDb(w).prepare(
            "SELECT c.id, i.path FROM captions c JOIN images i ON i.id = c.image_id WHERE i.split = 'align' AND c.ord = 0 "
            "ORDER BY c.id");
        std::vector<std::pair<std::int64_t, std::string>> captions;
        while (s.step()) captions.emplace_back(s.columnInt(0), s.columnText(1));
        fs::create_directories(tmp / "generated");
        for (const auto& [captionId, path] : captions) {
            auto image = data::loadImage(w.resolve(path));
            for (auto& p : image.pixels) p = static_cast<std::uint8_t>(255 - p);
            const fs::path out = tmp / "generated" / (std::to_string(captionId) + ".png");
            data::saveImage(image, out);
            store::ImageRecord rec;
            rec.datasetId = dataset.id;
            rec.path = out.string();
            rec.modality = "generated";
            rec.split = "align";
            w.insertGeneration(w.insertImage(rec), captionId, "inverted", 0, "{}");
        }
    }

    caption::CaptionRecipe recipe(nlohmann::json extra = nlohmann::json::object()) const {
        nlohmann::json j = {{"clip_model", "clip"}, {"dataset", "shapes"}, {"device", "cpu"}, {"seed", 3}};
        for (const auto& item : extra.items()) j[item.key()] = item.value();
        return caption::parseCaptionRecipe(j);
    }
};

ShapesWorld& world() {
    static ShapesWorld instance;
    return instance;
}

double bleu4(const eval::CaptionEvalResult& r) { return r.scores.at("Bleu_4").get<double>(); }

// Trains "cap-real" on the pretrain split's real images once and scores it on the test split.
struct RealCaptioner {
    double bleu4 = 0.0;
    double seconds = 0.0;
    caption::CaptionEvalOptions options;
};

const RealCaptioner& realCaptioner() {
    static const RealCaptioner trained = [] {
        auto& w = world();
        test::TestContext quiet;
        RealCaptioner r;
        const auto t0 = std::chrono::steady_clock::now();
        train::CaptionTrainJob train(w.ws, w.recipe({{"train_on", "real"}, {"split", "pretrain"}, {"decoder_width", 64},
                                                       {"prefix_length", 4}, {"weight_decay", 0.1}, {"epochs", 8},
                                                       {"batch_size", 32}, {"lr", 5e-3}}),
                                       "cap-real");
        REQUIRE(train.run(quiet));
        REQUIRE(train.modelName() == "cap-real");
        r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        r.options.predict.workspace = w.ws;
        r.options.predict.model = "cap-real";
        r.options.predict.dataset = "shapes";
        r.options.predict.split = "test";
        r.options.predict.device = "cpu";
        caption::CaptionEvalJob evalJob(r.options);
        REQUIRE(evalJob.run(quiet));
        r.bleu4 = bleu4(evalJob.result());
        return r;
    }();
    return trained;
}

}  // namespace

TEST_CASE("A tiny captioner learns Shapes captions far better than shuffled captions", "[caption][caption-train]") {
    auto& w = world();
    test::TestContext quiet;
    const auto& trained = realCaptioner();
    const double model = trained.bleu4;
    const auto& options = trained.options;

    // The baseline: each held-out image gets a reference caption of another held-out image.
    auto ws = store::Workspace::open(w.ws);
    const auto refs = caption::referenceCaptions(ws, "shapes", "test");
    std::vector<std::size_t> order(refs.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::mt19937 rng(1);
    std::shuffle(order.begin(), order.end(), rng);
    eval::CaptionSet shuffled;
    for (std::size_t i = 0; i < refs.size(); ++i) {
        const std::size_t other = order[i] == i ? order[(i + 1) % order.size()] : order[i];
        shuffled.imageIds.push_back(std::to_string(refs[i].first));
        shuffled.references.push_back(refs[i].second);
        shuffled.candidates.push_back(refs[other].second[0]);
    }
    const double baseline = bleu4(eval::evaluateCaptions(shuffled));
    INFO("BLEU-4 captioner " << model << " vs shuffled " << baseline);
    WARN("BLEU-4 captioner " << model << " vs shuffled " << baseline << "; trained and scored in " << trained.seconds << " s");
    // The tiny CLIP's 64-d embedding is the limit, not the captioner: given the true attributes
    // instead, the same recipe reaches BLEU-4 0.60, and 0.41 without the shape. Measured here with
    // the pre-trained conv-stem CLIP: 0.38 vs 0.15 (a random CLIP gave 0.27).
    CHECK(model > baseline + 0.15);
    CHECK(model > 2.0 * baseline);

    SECTION("results are stored with provenance, one row per metric") {
        auto s = rawDb(ws).prepare(
            "SELECT metric, value, details FROM eval_results e JOIN models m ON m.id = e.model_id WHERE m.name = 'cap-real' "
            "AND task = 'caption' AND split = 'test' ORDER BY e.id");
        std::map<std::string, double> stored;
        nlohmann::json details;
        while (s.step()) {
            stored[s.columnText(0)] = s.columnDouble(1);
            details = nlohmann::json::parse(s.columnText(2));
        }
        CHECK(stored.at("Bleu_4") == Approx(model));
        CHECK(stored.count("CIDEr") == 1);
        CHECK(stored.count("ROUGE_L") == 1);
        CHECK((stored.count("METEOR") + stored.count("METEOR_builtin")) == 1);
        CHECK(details["clip_model"] == "clip");
        CHECK(details["encoder"] == "real-image");
        CHECK(details["train_on"] == "real");
        CHECK(details["decode"]["beam_size"] == 5);
    }
    SECTION("predictions file round trip; greedy decoding differs from nothing but its settings") {
        caption::CaptionPredictOptions p = options.predict;
        p.out = w.tmp / "preds.json";
        p.beamSize = 1;
        caption::CaptionPredictJob predict(p);
        REQUIRE(predict.run(quiet));
        const auto back = caption::readCocoResults(p.out);
        REQUIRE(back.size() == refs.size());
        CHECK(back[0].imageId == refs[0].first);
        CHECK(back[0].caption == predict.predictions()[0].caption);
        CHECK_FALSE(back[0].caption.empty());
        caption::CaptionEvalOptions fromFile = options;
        fromFile.predictions = p.out;
        fromFile.store = false;
        caption::CaptionEvalJob scored(fromFile);
        REQUIRE(scored.run(quiet));
        CHECK(bleu4(scored.result()) > baseline);
    }
    SECTION("a predictions file naming a foreign image is refused by id") {
        test::writeFile(w.tmp / "bad.json", "[{\"image_id\": 987654, \"caption\": \"a red circle\"}]");
        caption::CaptionEvalOptions bad = options;
        bad.predictions = w.tmp / "bad.json";
        caption::CaptionEvalJob job(bad);
        CHECK_THROWS_WITH(job.run(quiet), Catch::Contains("bad.json") && Catch::Contains("not captioned real images"));
    }
}

TEST_CASE("Captioner training on generated images through f_g, resumable", "[caption][caption-train]") {
    auto& w = world();
    test::TestContext quiet;
    const nlohmann::json small = {{"steps", 12}, {"batch_size", 16}, {"checkpoint_every", 5}, {"mapper", "transformer"},
                                  {"decoder_width", 32}, {"decoder_layers", 1}, {"mapper_layers", 1}, {"vocab_merges", 60}};
    train::CaptionTrainJob whole(w.ws, w.recipe(small), "gen-whole");
    REQUIRE(whole.run(quiet));

    train::CaptionTrainJob first(w.ws, w.recipe(small), "gen-resumed");
    first.setStopAfterSteps(7);
    REQUIRE(first.run(quiet));
    {
        auto ws = store::Workspace::open(w.ws);
        auto run = store::requireRun(ws, "gen-resumed");
        CHECK(run.step == 7);
        CHECK_FALSE(model::findModel(ws, "gen-resumed"));
        // Pretend the process died: its run is no longer owned.
        rawDb(ws).exec("UPDATE runs SET status = 'failed' WHERE name = 'gen-resumed'");
    }
    auto resumed = train::CaptionTrainJob::resume(w.ws, "gen-resumed");
    REQUIRE(resumed.run(quiet));
    CHECK(resumed.finalLoss() == whole.finalLoss());

    auto ws = store::Workspace::open(w.ws);
    const auto a = model::readSafetensors(ws.resolve(model::requireModel(ws, "gen-whole").path)).tensors;
    const auto b = model::readSafetensors(ws.resolve(model::requireModel(ws, "gen-resumed").path)).tensors;
    REQUIRE(a.size() == b.size());
    for (const auto& [key, tensor] : a) {
        CAPTURE(key);
        CHECK(torch::equal(tensor, b.at(key)));
    }
    const auto record = model::requireModel(ws, "gen-whole");
    CHECK(record.kind == "captioner");
    CHECK(record.config["train_on"] == "generated");
    CHECK(record.config["encoder"] == "generated-image");
    CHECK(record.config["captioner"]["mapper"] == "transformer");
    auto count = rawDb(ws).prepare(
        "SELECT COUNT(*) FROM embeddings e JOIN images i ON i.id = e.item_id WHERE e.encoder = 'generated-image' AND "
        "i.modality = 'generated'");
    REQUIRE(count.step());
    CHECK(count.columnInt(0) > 100);

    SECTION("the captioner decodes generated images too") {
        caption::CaptionPredictOptions p;
        p.workspace = w.ws;
        p.model = "gen-whole";
        p.dataset = "shapes";
        p.split = "align";
        p.modality = "generated";
        p.device = "cpu";
        p.maxLength = 5;
        caption::CaptionPredictJob job(p);
        REQUIRE(job.run(quiet));
        CHECK(job.predictions().size() == static_cast<std::size_t>(count.columnInt(0)));
    }
}

TEST_CASE("Captioner jobs name bad input", "[caption][caption-train]") {
    auto& w = world();
    test::TestContext quiet;
    SECTION("an unknown CLIP model") {
        train::CaptionTrainJob job(w.ws, w.recipe({{"clip_model", "nope"}}), "bad-clip");
        CHECK_THROWS_WITH(job.run(quiet), Catch::Contains("nope"));
    }
    SECTION("a split without generated images") {
        train::CaptionTrainJob job(w.ws, w.recipe({{"split", "test"}}), "bad-split");
        CHECK_THROWS_WITH(job.run(quiet), Catch::Contains("\"test\"") && Catch::Contains("train_on"));
    }
    SECTION("a CLIP model is not a captioner") {
        auto ws = store::Workspace::open(w.ws);
        CHECK_THROWS_WITH(caption::loadCaptioner(ws, "clip"), Catch::Contains("not a captioner"));
    }
    SECTION("cancelling keeps a checkpoint and marks the run") {
        test::TestContext cancelling;
        cancelling.cancelAtStep = 2;
        train::CaptionTrainJob job(w.ws, w.recipe({{"steps", 6}, {"decoder_width", 32}, {"decoder_layers", 1}}), "cancelled");
        CHECK_FALSE(job.run(cancelling));
        auto ws = store::Workspace::open(w.ws);
        const auto run = store::requireRun(ws, "cancelled");
        CHECK(run.status == "cancelled");
        CHECK(run.step == 2);
        CHECK(fs::exists(ws.resolve(run.checkpoint)));
        CHECK_FALSE(model::findModel(ws, "cancelled"));
    }
}


