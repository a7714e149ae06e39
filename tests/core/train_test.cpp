// Training runs end to end on a tiny synthetic workspace: GenRA leaves f_r and the text encoder
// bit-identical, a resumed run reproduces an uninterrupted one, pre-training and GenRA lower their
// losses, a NaN stops the run with a clear error, models are registered.
#include "core/data/image.h"
#include "core/eval/workspace_eval.h"
#include "core/model/lora.h"
#include "core/model/model_store.h"
#include "core/store/workspace.h"
#include "core/text/bpe_trainer.h"
#include "core/text/bpe_vocab_file.h"
#include "core/train/recipe.h"
#include "core/store/runs.h"
#include "core/store/raw_db.h"
#include "core/train/trainer.h"
#include "core/train/training_data.h"
#include "core/util/error.h"
#include "support/test_support.h"
#include "support/test_context.h"

#include <catch2/catch.hpp>

#include <random>

using namespace genra;
namespace fs = std::filesystem;

namespace {

const char* kColours[] = {"red", "green", "blue", "yellow"};
const std::uint8_t kRgb[4][3] = {{220, 30, 30}, {30, 200, 40}, {40, 60, 220}, {230, 220, 30}};
const char* kPlaces[] = {"left", "right"};

// Generated images get a modality of their own: a dark background and a tinted object, so f_r
// embeds them away from their real counterparts and alignment has something to learn.
data::Image blockImage(int colour, int place, int seed, int noise, bool generatedStyle = false) {
    data::Image img;
    img.width = img.height = 32;
    img.channels = 3;
    img.pixels.assign(32 * 32 * 3, 0);
    std::mt19937 rng(static_cast<unsigned>(seed));
    for (int y = 0; y < 32; ++y) {
        for (int x = 0; x < 32; ++x) {
            const bool inside = y >= 8 && y < 24 && (place == 0 ? x < 16 : x >= 16);
            for (int c = 0; c < 3; ++c) {
                int base = inside ? kRgb[colour][c] : 110;
                if (generatedStyle) base = inside ? (base * (c == 2 ? 5 : 3)) / 4 : 30 + 20 * c;
                const int v = base + static_cast<int>(rng() % (2 * noise + 1)) - noise;
                img.at(y, x, c) = static_cast<std::uint8_t>(std::clamp(v, 0, 255));
            }
        }
    }
    return img;
}

// A workspace with 16 real images (colour x place x 2), two captions each, two "generated" images
// per caption (noisier copies), a tiny CLIP with a vocabulary trained on the captions.
struct TinyWorld {
    test::TempDir tmp{"genra-train"};
    fs::path ws = tmp / "ws";
    std::string vocab;

    TinyWorld() {
        auto w = store::Workspace::create(ws);
        store::DatasetInfo info;
        info.name = "tiny";
        info.kind = "test";
        const auto datasetId = w.createDataset(info);
        std::vector<std::string> captions;
        int n = 0;
        for (int colour = 0; colour < 4; ++colour) {
            for (int place = 0; place < 2; ++place) {
                for (int copy = 0; copy < 2; ++copy, ++n) {
                    const auto path = tmp / ("real" + std::to_string(n) + ".png");
                    data::saveImage(blockImage(colour, place, n, 6), path);
                    store::ImageRecord real;
                    real.datasetId = datasetId;
                    real.path = path.string();
                    real.split = "align";
                    const auto imageId = w.insertImage(real);
                    const std::string texts[2] = {std::string("a ") + kColours[colour] + " block on the " + kPlaces[place],
                                                  std::string("the ") + kPlaces[place] + " side is " + kColours[colour]};
                    for (int k = 0; k < 2; ++k) {
                        store::CaptionRecord c;
                        c.datasetId = datasetId;
                        c.imageId = imageId;
                        c.text = texts[k];
                        c.ord = k;
                        const auto captionId = w.insertCaption(c);
                        captions.push_back(texts[k]);
                        for (int g = 0; g < 2; ++g) {
                            const auto genPath = tmp / ("gen" + std::to_string(captionId) + "_" + std::to_string(g) + ".png");
                            data::saveImage(blockImage(colour, place, 1000 + n * 10 + k * 2 + g, 20, true), genPath);
                            store::ImageRecord gen;
                            gen.datasetId = datasetId;
                            gen.path = genPath.string();
                            gen.modality = "generated";
                            gen.split = "align";
                            const auto genId = w.insertImage(gen);
                            w.insertGeneration(genId, captionId, "noisy-copy", g, "{}");
                        }
                    }
                }
            }
        }
        text::BpeTrainerOptions options;
        options.maxMerges = 60;
        const auto merges = text::trainBpe(captions, options).merges;
        vocab = (tmp / "vocab.txt").string();
        text::writeMergeFile(vocab, merges);
        auto tokenizer = model::tokenizerFor(vocab);
        auto config = model::clipPreset("tiny");
        config.vocabSize = static_cast<std::int64_t>(tokenizer->vocabularySize());
        torch::manual_seed(11);
        model::ClipModel clip(config);
        model::saveClipModel(w, "base", clip, vocab);
    }

    train::Recipe recipe(train::Method method, int steps) const {
        nlohmann::json j = {{"method", train::toString(method)}, {"dataset", "tiny"}, {"base_model", "base"},
                            {"batch_size", 8}, {"steps", steps}, {"lr", 3e-3}, {"checkpoint_every", 4},
                            {"workers", 1}, {"seed", 5}, {"device", "cpu"}, {"generated_per_caption", 2}};
        if (method == train::Method::Pretrain) {
            j.erase("base_model");
            j["vocab"] = vocab;
            j["real_split"] = "align";
        }
        return train::parseRecipe(j);
    }

    // GenRA with the alignment loss alone, sized to move visibly in a few dozen steps.
    train::Recipe alignmentOnly(int steps) const {
        auto r = recipe(train::Method::Genra, steps);
        r.learningRate = 1e-2;
        r.loraRank = 8;
        r.loraAlpha = 16;
        r.wGen = 0.0;
        r.wReal = 0.0;  // no Proj for Real either: L_align is the only loss
        r.checkpointEvery = 0;
        return r;
    }
};

std::vector<double> storedMetric(const fs::path& wsPath, std::int64_t runId, const std::string& name) {
    auto ws = store::Workspace::open(wsPath);
    auto s = rawDb(ws).prepare("SELECT value FROM metrics WHERE run_id = ? AND name = ? ORDER BY step");
    s.bind(1, runId).bind(2, name);
    std::vector<double> out;
    while (s.step()) out.push_back(s.columnDouble(0));
    return out;
}

double mean(const std::vector<double>& v, std::size_t from, std::size_t to) {
    double sum = 0;
    for (std::size_t i = from; i < to; ++i) sum += v[i];
    return sum / static_cast<double>(to - from);
}

// Runs `recipe` as run `name`, lets it die after step 4 (a checkpoint was written there), marks it
// interrupted and resumes it to the end; returns the resumed job's run id.
std::int64_t interruptAndResume(const TinyWorld& world, const train::Recipe& recipe, const std::string& name) {
    train::TrainJob first(world.ws, recipe, name);
    first.setStopAfterSteps(4);
    test::TestContext c1;
    REQUIRE(jobs::runJob(first, c1).status == jobs::JobStatus::Succeeded);
    {
        // Its owner is gone (same process here, so mark it as another pid) -> interrupted.
        auto ws = store::Workspace::open(world.ws);
        rawDb(ws).exec("UPDATE runs SET pid = 999999999 WHERE name = '" + name + "'");
        CHECK(store::requireRun(ws, name).status == "interrupted");
    }
    auto resumed = train::TrainJob::resume(world.ws, name);
    test::TestContext c2;
    REQUIRE(jobs::runJob(resumed, c2).status == jobs::JobStatus::Succeeded);
    return resumed.runId();
}

// Two runs' stored "loss" curves: `steps` values each, equal within `epsilon` (relative).
void checkSameLossCurve(const fs::path& ws, std::int64_t expectedRun, std::int64_t actualRun, std::size_t steps,
                        double epsilon) {
    const auto a = storedMetric(ws, expectedRun, "loss");
    const auto b = storedMetric(ws, actualRun, "loss");
    REQUIRE(a.size() == steps);
    REQUIRE(b.size() == steps);
    for (std::size_t i = 0; i < a.size(); ++i) {
        INFO("step " << i + 1);
        CHECK(b[i] == Approx(a[i]).epsilon(epsilon));
    }
}

// Runs a 24-step alignment-only recipe in reduced precision under `name` and checks what every
// precision must give: finite losses that fall, and float32 adapters in the registered model.
// Returns the alignment losses.
std::vector<double> runReducedPrecisionAlignment(const TinyWorld& world, const train::Recipe& recipe,
                                                 const std::string& name) {
    test::TestContext context;
    train::TrainJob job(world.ws, recipe, name);
    REQUIRE(jobs::runJob(job, context).status == jobs::JobStatus::Succeeded);
    const auto align = storedMetric(world.ws, job.runId(), "loss_align");
    REQUIRE(align.size() == 24);
    for (double v : align) CHECK(std::isfinite(v));
    CHECK(mean(align, 18, 24) < mean(align, 0, 6));
    // The registered adapters are float32 master weights, not reduced-precision copies.
    auto ws = store::Workspace::open(world.ws);
    const auto loaded = model::loadClip(&ws, name);
    REQUIRE(loaded.generated);
    for (const auto& p : loaded.generated->parameters()) CHECK(p.scalar_type() == torch::kFloat);
    return align;
}

}  // namespace

TEST_CASE("GenRA trains only adapters and the generated projection", "[train]") {
    TinyWorld world;
    train::TrainJob job(world.ws, world.recipe(train::Method::Genra, 6), "genra-a");
    test::TestContext context;
    REQUIRE(jobs::runJob(job, context).status == jobs::JobStatus::Succeeded);
    CHECK(job.modelName() == "genra-a");
    CHECK(context.losses.size() == 6);

    auto ws = store::Workspace::open(world.ws);
    auto base = model::loadClip(&ws, "base");
    auto aligned = model::loadClip(&ws, "genra-a");
    REQUIRE(aligned.generated);
    // f_r and the text tower are the base weights, bit for bit.
    const auto before = model::exportStateDict(base.real);
    const auto realAfter = model::exportStateDict(aligned.real);
    for (const auto& [key, tensor] : before) {
        INFO(key);
        CHECK(torch::equal(tensor, realAfter.at(key)));
    }
    // In f_g, only visual.proj differs among the base tensors; the adapters moved from zero.
    auto merged = model::cloneClip(aligned.generated);
    const auto gen = model::exportStateDict(aligned.generated);
    int changed = 0;
    for (const auto& [key, tensor] : before) {
        const bool same = torch::equal(tensor, gen.at(key));
        if (!same) {
            ++changed;
            CHECK(key == "visual.proj");
        }
    }
    CHECK(changed == 1);
    bool adapterMoved = false;
    for (const auto& [key, tensor] : model::loraStateDict(aligned.generated))
        if (key.size() > 2 && key.substr(key.size() - 2) == ".B" && tensor.abs().sum().item<double>() > 0) adapterMoved = true;
    CHECK(adapterMoved);
    // The run is recorded as finished with its metrics.
    auto run = store::requireRun(ws, "genra-a");
    CHECK(run.status == "finished");
    CHECK(run.step == 6);
    CHECK(run.lastMetrics.count("loss_align") == 1);
    CHECK(storedMetric(world.ws, run.id, "lr").size() == 6);
}

TEST_CASE("a resumed run reproduces the uninterrupted loss curve", "[train][resume]") {
    TinyWorld world;
    test::TestContext straightContext;
    train::TrainJob straight(world.ws, world.recipe(train::Method::Genra, 8), "straight");
    REQUIRE(jobs::runJob(straight, straightContext).status == jobs::JobStatus::Succeeded);

    const auto resumedRun = interruptAndResume(world, world.recipe(train::Method::Genra, 8), "split");
    checkSameLossCurve(world.ws, straight.runId(), resumedRun, 8, 1e-6);
    auto ws = store::Workspace::open(world.ws);
    CHECK(store::requireRun(ws, "split").status == "finished");
    SECTION("a finished run cannot be resumed") {
        CHECK_THROWS_WITH(train::TrainJob::resume(world.ws, "split"), Catch::Contains("already finished"));
    }
}

TEST_CASE("pre-training and GenRA lower their losses", "[train][slow]") {
    TinyWorld world;
    {
        test::TestContext context;
        auto recipe = world.recipe(train::Method::Pretrain, 60);
        recipe.learningRate = 2e-3;
        recipe.checkpointEvery = 0;
        train::TrainJob job(world.ws, recipe, "pre");
        REQUIRE(jobs::runJob(job, context).status == jobs::JobStatus::Succeeded);
        const auto loss = storedMetric(world.ws, job.runId(), "loss");
        REQUIRE(loss.size() == 60);
        CHECK(mean(loss, 50, 60) < 0.8 * mean(loss, 0, 10));
    }
    {
        test::TestContext context;
        auto recipe = world.alignmentOnly(40);
        recipe.baseModel = "pre";
        train::TrainJob job(world.ws, recipe, "genra-pre");
        REQUIRE(jobs::runJob(job, context).status == jobs::JobStatus::Succeeded);
        const auto align = storedMetric(world.ws, job.runId(), "loss_align");
        REQUIRE(align.size() == 40);
        CHECK(mean(align, 30, 40) < mean(align, 0, 10));
    }
}

TEST_CASE("training failures are clear and keep what is stored", "[train]") {
    TinyWorld world;
    SECTION("a NaN loss stops the run naming the step") {
        auto recipe = world.recipe(train::Method::Genra, 30);
        recipe.learningRate = 9.0;  // diverges
        recipe.wGen = 1.0;          // the generated image-text loss diverges fastest at this rate
        recipe.gradClipNorm = 0;
        recipe.temperature = 1e-4;
        train::TrainJob job(world.ws, recipe, "diverge");
        test::TestContext context;
        const auto result = jobs::runJob(job, context);
        if (result.status == jobs::JobStatus::Failed) {
            CHECK_THAT(result.error, Catch::Contains("loss became") && Catch::Contains("at step"));
            auto ws = store::Workspace::open(world.ws);
            CHECK(store::requireRun(ws, "diverge").status == "failed");
        } else {
            WARN("the run did not diverge; NaN path not exercised");
        }
    }
    SECTION("unknown dataset and model are named") {
        auto recipe = world.recipe(train::Method::Genra, 2);
        recipe.baseModel = "nope";
        train::TrainJob job(world.ws, recipe, "bad-model");
        test::TestContext context;
        const auto result = jobs::runJob(job, context);
        CHECK(result.status == jobs::JobStatus::Failed);
        CHECK_THAT(result.error, Catch::Contains("\"nope\""));
    }
    SECTION("cancel writes a checkpoint and the run resumes") {
        auto recipe = world.recipe(train::Method::LoraGen, 6);
        train::TrainJob job(world.ws, recipe, "cancelled");
        test::TestContext context;
        context.cancel = true;
        CHECK(jobs::runJob(job, context).status == jobs::JobStatus::Cancelled);
        auto ws = store::Workspace::open(world.ws);
        const auto run = store::requireRun(ws, "cancelled");
        CHECK(run.status == "cancelled");
        CHECK(fs::exists(ws.resolve(run.checkpoint)));
        auto resumed = train::TrainJob::resume(world.ws, "cancelled");
        test::TestContext again;
        CHECK(jobs::runJob(resumed, again).status == jobs::JobStatus::Succeeded);
        CHECK(again.losses.size() == 6);
    }
}

TEST_CASE("a bf16 autocast GenRA run lowers its alignment loss and keeps float32 weights", "[train][precision]") {
    TinyWorld world;
    auto recipe = world.alignmentOnly(24);
    recipe.precision = "bf16";
    const auto align = runReducedPrecisionAlignment(world, recipe, "genra-bf16");
    // The same first step in float32: close, but not bit-equal (the forward pass really ran in bf16).
    auto fp32 = recipe;
    fp32.precision = "fp32";
    fp32.steps = 1;
    test::TestContext context;
    train::TrainJob reference(world.ws, fp32, "genra-fp32");
    REQUIRE(jobs::runJob(reference, context).status == jobs::JobStatus::Succeeded);
    const auto first = storedMetric(world.ws, reference.runId(), "loss_align");
    REQUIRE(first.size() == 1);
    CHECK(align[0] == Approx(first[0]).epsilon(0.05));
    CHECK(align[0] != first[0]);
}

TEST_CASE("CUDA: training runs on the GPU, follow the CPU in float32, resume, and fp16 lowers its loss", "[cuda][train]") {
    if (!test::cudaOrSkip("training on CUDA")) return;
    test::StrictFloat32 strict;
    TinyWorld world;
    SECTION("float32: the CPU's loss curve, and resume after an interruption") {
        auto recipe = world.recipe(train::Method::Genra, 8);
        test::TestContext cpuContext;
        train::TrainJob cpu(world.ws, recipe, "cpu");
        REQUIRE(jobs::runJob(cpu, cpuContext).status == jobs::JobStatus::Succeeded);
        recipe.device = "cuda";
        test::TestContext gpuContext;
        train::TrainJob gpu(world.ws, recipe, "gpu");
        REQUIRE(jobs::runJob(gpu, gpuContext).status == jobs::JobStatus::Succeeded);
        checkSameLossCurve(world.ws, cpu.runId(), gpu.runId(), 8, 1e-3);
        // CUDA's atomic-add reductions are not bit-reproducible, hence 1e-4 rather than the CPU's 1e-6.
        checkSameLossCurve(world.ws, gpu.runId(), interruptAndResume(world, recipe, "gpu-split"), 8, 1e-4);
        // The registered model loads back on the CPU in float32.
        auto ws = store::Workspace::open(world.ws);
        const auto loaded = model::loadClip(&ws, "gpu");
        REQUIRE(loaded.generated);
        for (const auto& p : loaded.generated->parameters()) {
            CHECK(p.device().is_cpu());
            CHECK(p.scalar_type() == torch::kFloat);
        }
    }
    SECTION("fp16 autocast with loss scaling lowers the alignment loss, weights stay float32") {
        auto recipe = world.alignmentOnly(24);
        recipe.device = "cuda";
        recipe.precision = "fp16";
        runReducedPrecisionAlignment(world, recipe, "gpu-fp16");
    }
}

TEST_CASE("GenRA's App. A reading trains Proj for Real on the LoRA backbone and serves real images with it", "[train]") {
    TinyWorld world;
    auto recipe = world.recipe(train::Method::Genra, 8);
    REQUIRE(train::trainsRealProjection(recipe));
    train::TrainJob job(world.ws, recipe, "genra-appa");
    test::TestContext context;
    REQUIRE(jobs::runJob(job, context).status == jobs::JobStatus::Succeeded);
    auto ws = store::Workspace::open(world.ws);
    auto base = model::loadClip(&ws, "base");
    auto aligned = model::loadClip(&ws, "genra-appa");
    REQUIRE(aligned.realProjection.defined());
    // The real path trained: Proj for Real moved away from f_r's projection, and so did Proj for Gen,
    // each its own way.
    CHECK_FALSE(torch::equal(aligned.realProjection, base.real->visual->proj));
    CHECK_FALSE(torch::equal(aligned.realProjection, aligned.generated->visual->proj));
    // f_r stays bit-identical.
    const auto before = model::exportStateDict(base.real);
    const auto after = model::exportStateDict(aligned.real);
    for (const auto& [key, tensor] : before) {
        INFO(key);
        CHECK(torch::equal(tensor, after.at(key)));
    }
    // Real images at inference: f_g's LoRA backbone with Proj for Real.
    CHECK(aligned.inference == model::RealImageEncoder::LoraRealProjection);
    auto encoder = aligned.realImageEncoder();
    CHECK(torch::equal(encoder->visual->proj, aligned.realProjection));
    torch::manual_seed(3);
    const auto images = torch::randn({3, 3, aligned.imageSize(), aligned.imageSize()});
    torch::NoGradGuard noGrad;
    const auto expected = torch::matmul(aligned.generated->visual->features(images), aligned.realProjection);
    CHECK(torch::allclose(encoder->encodeImage(images), expected, 1e-5, 1e-6));
    CHECK_FALSE(torch::allclose(encoder->encodeImage(images), base.real->encodeImage(images), 1e-4, 1e-5));
    // The real image-caption loss was optimised and logged.
    const auto real = storedMetric(world.ws, job.runId(), "loss_real");
    REQUIRE(real.size() == 8);
    for (double v : real) CHECK(std::isfinite(v));
}

TEST_CASE("GenRA's Algorithm 1 reading leaves real-image retrieval exactly equal to the base model's", "[train]") {
    TinyWorld world;
    auto j = train::toJson(world.recipe(train::Method::Genra, 6));
    for (const char* key : {"w_gen", "w_real", "inference_encoder"}) j.erase(key);
    j["reading"] = "algorithm-1";
    const auto recipe = train::parseRecipe(j);
    train::TrainJob job(world.ws, recipe, "genra-alg1");
    test::TestContext context;
    REQUIRE(jobs::runJob(job, context).status == jobs::JobStatus::Succeeded);
    {
        auto ws = store::Workspace::open(world.ws);
        auto aligned = model::loadClip(&ws, "genra-alg1");
        CHECK_FALSE(aligned.realProjection.defined());
        CHECK(aligned.inference == model::RealImageEncoder::FrozenReal);
        // f_g did train (Proj for Gen moved), yet real images never see it.
        auto base = model::loadClip(&ws, "base");
        CHECK_FALSE(torch::equal(aligned.generated->visual->proj, base.real->visual->proj));
        CHECK(storedMetric(world.ws, job.runId(), "loss_real").empty());
    }
    std::map<std::string, double> metrics[2];
    const char* models[2] = {"base", "genra-alg1"};
    for (int i = 0; i < 2; ++i) {
        eval::EvalOptions o;
        o.workspace = world.ws;
        o.model = models[i];
        o.benchmark = eval::Benchmark::Retrieval;
        o.dataset = "tiny";
        o.split = "align";
        o.device = "cpu";
        o.workers = 1;
        eval::EvaluateJob eval(o);
        test::TestContext c;
        REQUIRE(jobs::runJob(eval, c).status == jobs::JobStatus::Succeeded);
        for (const auto& m : eval.outcome().metrics) metrics[i][m.name] = m.value;
    }
    REQUIRE(metrics[0].size() == 6);
    for (const auto& [name, value] : metrics[0]) {
        INFO(name);
        CHECK(metrics[1].at(name) == value);
    }
}

TEST_CASE("generated-as-real trains one encoder on generated images only", "[train]") {
    TinyWorld world;
    const auto recipe = world.recipe(train::Method::GenAsReal, 4);
    {
        auto ws = store::Workspace::open(world.ws);
        const auto data = train::collectTrainingData(ws, recipe);
        std::size_t pairs = 0;
        for (const auto& u : data.units) {
            for (const auto& p : u.pairs) {
                CHECK(p.generated);
                ++pairs;
            }
        }
        CHECK(pairs == 64);  // 32 captions x 2 generated images, no real image among them
        // Gen+real mixing (naive) draws from both.
        const auto mixed = train::collectTrainingData(ws, world.recipe(train::Method::Naive, 4));
        std::size_t real = 0;
        for (const auto& u : mixed.units)
            for (const auto& p : u.pairs) real += p.generated ? 0 : 1;
        CHECK(real == 32);
    }
    train::TrainJob job(world.ws, recipe, "gen-as-real");
    test::TestContext context;
    REQUIRE(jobs::runJob(job, context).status == jobs::JobStatus::Succeeded);
    auto ws = store::Workspace::open(world.ws);
    auto trained = model::loadClip(&ws, "gen-as-real");
    // One encoder: the same model serves real and generated images.
    CHECK_FALSE(trained.generated);
    CHECK(storedMetric(world.ws, job.runId(), "loss_gen").size() == 4);
}
