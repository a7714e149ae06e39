#include "core/demo/demo.h"

#include "core/caption/caption_eval.h"
#include "core/demo/report.h"
#include "core/data/importers.h"
#include "core/data/shapes.h"
#include "core/eval/workspace_eval.h"
#include "core/eval/workspace_tsne.h"
#include "core/gen/builtin_generator.h"
#include "core/gen/generator_bundle.h"
#include "core/gen/generate.h"
#include "core/model/clip_bundle.h"
#include "core/model/model_store.h"
#include "core/store/eval_results.h"
#include "core/store/projections.h"
#include "core/store/runs.h"
#include "core/store/workspace.h"
#include "core/train/captioner_training.h"
#include "core/train/generator_training.h"
#include "core/train/trainer.h"
#include "core/util/error.h"
#include "core/util/resources.h"

#include <chrono>
#include <cmath>

namespace genra::demo {

namespace fs = std::filesystem;
using json = nlohmann::json;

DemoPlan demoPlan(bool quick) {
    DemoPlan p;
    p.quick = quick;
    if (!quick) return p;
    p.shapesCount = 400;
    p.shapesSeed = 11;
    p.splitFractions = {0.5, 0.3, 0.2};
    p.vocabMerges = 250;
    p.pretrainSteps = 150;
    p.generatorSteps = 300;  // at the default plan's batch 64: shape and colour above chance, unlike batch 32
    p.generatorChannels = 16;
    p.scaling = {1, 2, 3};
    p.samplingSteps = 10;
    p.methodSteps = 60;
    p.seeds = 2;
    p.captionSeeds = 1;
    // 4 epochs left BLEU-4 at 0.00 for most quick captioners (an all-zero column); 10 epochs on the
    // quick workspace: B@4 0.30, CIDEr 1.14 (against 0.00 and 0.37), 3 s more per captioner.
    p.captionEpochs = 10;
    p.tsneCaptions = 60;
    p.tsneIterations = 400;
    p.galleryRows = 4;
    return p;
}

const std::vector<DemoMethod>& demoMethods() {
    using train::Method;
    static const std::vector<DemoMethod> all = {
        {"base", "No fine-tuning (f_r)", false, Method::Pretrain, json::object(), true},
        {"gen-as-real", "Generated as real (one encoder)", true, Method::GenAsReal, json::object(), true},
        {"naive", "Gen+real mixing (one encoder)", true, Method::Naive, json::object(), true},
        {"lora-noalign", "LoRA w/o alignment", true, Method::LoraGen, json::object(), true},
        {"genra", "GenRA (App. A reading)", true, Method::Genra, json::object(), true},
        {"genra-alg1", "GenRA (Algorithm 1 reading)", true, Method::Genra, {{"reading", "algorithm-1"}}, true},
        {"genra-wgen", "GenRA + gen. image-text loss (§3.1)", true, Method::Genra, {{"w_gen", 1.0}}, false},
        {"real-ft", "Fine-tuning on real", true, Method::RealFt, json::object(), true},
        {"genra-s1", "GenRA, fewest gen./caption", true, Method::Genra, json::object(), false, 0},
        {"genra-s2", "GenRA, more gen./caption", true, Method::Genra, json::object(), false, 1},
        {"genra-r2", "GenRA, LoRA rank 2", true, Method::Genra, {{"lora_rank", 2}, {"lora_alpha", 2.0}}, true},
        {"genra-r6", "GenRA, LoRA rank 6", true, Method::Genra, {{"lora_rank", 6}, {"lora_alpha", 6.0}}, true},
        {"full-ft", "Full fine-tuning + align", true, Method::FullFt, {{"alignment", true}}, true},
        {"lora-noalign-shift", "LoRA w/o alignment (shift control)", true, Method::LoraGen, json::object(), false, -1, true},
        {"genra-shift", "GenRA (shift control)", true, Method::Genra, json::object(), false, -1, true},
    };
    return all;
}

namespace {
std::string seedSuffix(int seedIndex) { return seedIndex > 0 ? "-seed" + std::to_string(seedIndex + 1) : std::string(); }
}  // namespace

std::string demoModelName(const DemoMethod& method, int seedIndex) {
    return method.trained ? "demo-" + method.key + seedSuffix(seedIndex) : kDemoClip;
}
std::string demoCaptionerName(const DemoMethod& method, int seedIndex) {
    return "demo-cap-" + method.key + seedSuffix(seedIndex);
}
std::string demoProjectionName(const DemoMethod& method) { return "demo t-SNE " + method.key; }

namespace {

bool modelExists(const fs::path& workspace, const std::string& name) {
    auto ws = store::Workspace::open(workspace);
    return model::findModel(ws, name).has_value();
}

bool runExists(const fs::path& workspace, const std::string& name) {
    auto ws = store::Workspace::open(workspace);
    return store::findRun(ws, name).has_value();
}

// Stored results of a model for a task (and, when given, measured on one generator's images).
// `metric`, when given, must be among them (results stored before a measure existed are redone).
bool hasResults(const fs::path& workspace, const std::string& model, const std::string& task, const std::string& split,
                const std::string& generator = {}, const std::string& metric = {}) {
    auto ws = store::Workspace::open(workspace);
    const auto record = model::findModel(ws, model);
    if (!record) return false;
    return store::hasEvalResults(ws, record->id, task, kDemoDataset, split, generator, metric);
}

bool hasProjection(const fs::path& workspace, const std::string& name) {
    auto ws = store::Workspace::open(workspace);
    return store::hasProjection(ws, name);
}

class Stopwatch {
public:
    double seconds() const {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    }

private:
    std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

}  // namespace

DemoJob::DemoJob(DemoOptions options) : options_(std::move(options)), plan_(demoPlan(options_.quick)) {
    if (options_.seeds < 0 || options_.seeds > 20) throw Error("demo: --seeds must be between 1 and 20");
    if (options_.generatorSteps < 0) throw Error("demo: --generator-steps must be positive");
    if (options_.generatorSteps > 0) {
        plan_.generatorSteps = options_.generatorSteps;
        options_.trainGenerator = true;
    }
    if (options_.trainClip && !options_.clipBundle.empty()) throw Error("demo: give --train-clip or --clip-bundle, not both");
    if (options_.seeds > 0) {
        plan_.seeds = options_.seeds;
        plan_.captionSeeds = std::min(plan_.captionSeeds, plan_.seeds);
    }
}

fs::path DemoJob::reportPath() const { return options_.workspace / "exports" / "report.md"; }

bool DemoJob::run(jobs::JobContext& context) {
    const fs::path wsPath = options_.workspace;
    if (!store::Workspace::exists(wsPath)) store::Workspace::create(wsPath);
    const auto& p = plan_;
    const std::string device = options_.device;

    // Progress shares of the stages (roughly their share of the time).
    const std::vector<std::pair<std::string, double>> shares = {
        {"shapes", 0.02}, {"pretrain", 0.14}, {"generator", 0.16}, {"generate", 0.12}, {"methods", 0.30},
        {"evaluate", 0.08}, {"captioners", 0.13}, {"tsne", 0.03}, {"report", 0.02}};
    double begin = 0.0;
    auto stage = [&](const std::string& name, const std::function<bool(double, double)>& body) {
        double share = 0.0;
        for (const auto& s : shares)
            if (s.first == name) share = s.second;
        context.checkCancelled();
        context.log(jobs::LogLevel::Info, "stage " + name);
        Stopwatch watch;
        const bool didWork = body(begin, begin + share);
        timings_.push_back({name, watch.seconds(), !didWork});
        context.log(jobs::LogLevel::Info, "stage " + name + (didWork ? " done in " : " cached (") +
                                              std::to_string(static_cast<int>(std::lround(watch.seconds()))) +
                                              (didWork ? " s" : " s)"));
        begin += share;
    };

    // Writes a Shapes set to data/<folder> (unless there) and imports it as `dataset`.
    auto makeShapesDataset = [&](data::MakeShapesOptions mo, const std::string& folder, const std::string& dataset,
                                 double from, double to) {
        mo.outDir = wsPath / "data" / folder;
        if (!fs::exists(mo.outDir / "dataset_shapes.json")) {
            data::MakeShapesJob make(mo);
            jobs::runSubJob(make, context, from, (from + to) / 2);
        }
        data::KarpathyImportJob import(data::shapesImportOptions(wsPath, mo.outDir, dataset));
        jobs::runSubJob(import, context, (from + to) / 2, to);
    };

    // 1. Shapes, imported as a Karpathy-format dataset.
    stage("shapes", [&](double from, double to) {
        {
            auto ws = store::Workspace::open(wsPath);
            if (ws.findDataset(kDemoDataset)) return false;
        }
        data::MakeShapesOptions mo;
        mo.count = p.shapesCount;
        mo.splitFractions = p.splitFractions;
        mo.seed = p.shapesSeed;
        mo.imageSize = p.imageSize;
        mo.studioFraction = p.studioFraction;
        makeShapesDataset(mo, "shapes", kDemoDataset, from, to);
        return true;
    });

    // Runs (or resumes) a training run that registers the model `name`.
    auto trainModel = [&](const std::string& name, const json& recipeJson, double from, double to) {
        if (modelExists(wsPath, name)) return false;
        if (runExists(wsPath, name)) {
            auto job = train::TrainJob::resume(wsPath, name);
            jobs::runSubJob(job, context, from, to);
        } else {
            train::TrainJob job(wsPath, train::parseRecipe(recipeJson, "demo recipe " + name), name);
            jobs::runSubJob(job, context, from, to);
        }
        return true;
    };

    // 2. f_r: a tiny conv-stem CLIP pre-trained on the pretrain split, with a vocabulary learned from it.
    stage("pretrain", [&](double from, double to) {
        fs::path bundle;
        if (!options_.trainClip) {
            bundle = options_.clipBundle.empty() ? util::findResource(kDemoClipResource) : options_.clipBundle;
            if (bundle.empty()) {
                context.log(jobs::LogLevel::Warning, std::string("the shipped f_r (resources/") + kDemoClipResource +
                                                         ") was not found; the demo pre-trains one (" +
                                                         std::to_string(p.pretrainSteps) + " steps)");
            }
        }
        if (modelExists(wsPath, kDemoClip)) {
            // A workspace keeps the f_r it started with: everything after it was measured with it.
            auto ws = store::Workspace::open(wsPath);
            const bool shipped = model::findModel(ws, kDemoClip)->config.contains("bundle");
            if (shipped != bundle.empty()) return false;
            throw Error("workspace " + wsPath.string() + (shipped ? " uses the shipped f_r; use a new --workspace to pre-train one in the demo (--train-clip)"
                                                                  : " has an f_r pre-trained in the demo; use a new --workspace for the shipped one, or pass --train-clip"));
        }
        if (!bundle.empty()) {
            auto ws = store::Workspace::open(wsPath);
            model::importClipBundle(ws, bundle, kDemoClip, false);
            context.log(jobs::LogLevel::Info, "f_r: the shipped CLIP " + bundle.string());
            return true;
        }
        json r = train::pretrainRecipeJson(kDemoDataset, "pretrain", p.pretrainSteps, p.pretrainBatch,
                                           p.pretrainLearningRate);
        r["vocab_merges"] = p.vocabMerges;
        r["checkpoint_every"] = 100;
        r["seed"] = static_cast<std::int64_t>(p.seed);
        r["device"] = device;
        return trainModel(kDemoClip, r, from, to);
    });

    // 3. The generated modality: the built-in diffusion model, then images per caption.
    stage("generator", [&](double from, double to) {
        fs::path bundle;
        if (!options_.trainGenerator) {
            bundle = options_.generatorBundle.empty() ? util::findResource(kDemoGeneratorResource) : options_.generatorBundle;
            if (bundle.empty()) {
                context.log(jobs::LogLevel::Warning, std::string("the shipped generator (resources/") + kDemoGeneratorResource +
                                                         ") was not found; the demo trains one (" +
                                                         std::to_string(p.generatorSteps) + " steps)");
            }
        }
        if (modelExists(wsPath, kDemoGenerator)) {
            // A workspace keeps the generator it started with: another one needs a workspace of its own.
            auto ws = store::Workspace::open(wsPath);
            const bool shipped = model::findModel(ws, kDemoGenerator)->config.contains("text_clip");
            if (shipped && options_.trainGenerator) {
                throw Error("workspace " + wsPath.string() + " uses the shipped generator; use a new --workspace to " +
                            "train one in the demo (--train-generator, --generator-steps " +
                            std::to_string(p.generatorSteps) + ")");
            }
            if (!shipped && !options_.trainGenerator) {
                context.log(jobs::LogLevel::Warning, "workspace " + wsPath.string() + " keeps the generator trained in " +
                                                         "it; use a new --workspace for the shipped one");
                return false;
            }
            if (const auto run = store::findRun(ws, kDemoGenerator); run && options_.trainGenerator) {
                const auto steps = run->recipe.value("steps", std::int64_t{0});
                if (steps > 0 && steps != p.generatorSteps) {
                    throw Error("workspace " + wsPath.string() + " already has " + kDemoGenerator + " trained " +
                                std::to_string(steps) + " steps, not " + std::to_string(p.generatorSteps) +
                                "; use a new --workspace for --generator-steps " + std::to_string(p.generatorSteps));
                }
            }
            return false;
        }
        if (!bundle.empty()) {
            auto ws = store::Workspace::open(wsPath);
            gen::importGeneratorBundle(ws, bundle, kDemoGenerator, false);
            context.log(jobs::LogLevel::Info, "generator: the shipped checkpoint " + bundle.string());
            return true;
        }
        // Like the shipped one, a generator trained here learns from a studio-style set of its own
        // (as many images as f_r's pre-training split, another seed), so its images carry that look.
        const double trainFrom = from + 0.05 * (to - from);
        bool haveStudio = false;
        {
            auto ws = store::Workspace::open(wsPath);
            haveStudio = ws.findDataset(kDemoStudioDataset).has_value();
        }
        if (!haveStudio) {
            {
                data::MakeShapesOptions mo;
                mo.count = static_cast<int>(std::lround(p.shapesCount * p.splitFractions[0]));
                mo.splitFractions = {1.0, 0.0, 0.0};
                mo.seed = p.seed + kDemoStudioSeedOffset;
                mo.imageSize = p.imageSize;
                mo.style = data::ShapesStyle::Studio;
                makeShapesDataset(mo, "shapes-studio", kDemoStudioDataset, from, trainFrom);
            }
        }
        gen::GeneratorTrainOptions go;
        go.name = kDemoGenerator;
        go.dataset = kDemoStudioDataset;
        go.split = "pretrain";
        go.textModel = kDemoClip;
        go.steps = p.generatorSteps;
        go.batchSize = p.generatorBatch;
        go.baseChannels = p.generatorChannels;
        go.imageSize = 32;
        go.seed = static_cast<std::int64_t>(p.seed);
        go.device = device;
        go.checkpointEvery = 100;
        train::TrainGeneratorJob job(wsPath, go);
        jobs::runSubJob(job, context, trainFrom, to);
        return true;
    });
    stage("generate", [&](double from, double to) {
        bool didWork = false;
        const std::pair<const char*, int> splits[] = {{"align", alignPerCaption(p)}, {"test", p.testPerCaption}};
        double at = from;
        for (const auto& [split, perCaption] : splits) {
            const double next = at + (to - from) * (std::string(split) == "align" ? 0.75 : 0.2);
            gen::GenerateOptions go;
            go.workspace = wsPath;
            go.dataset = kDemoDataset;
            go.split = split;
            go.captionsPerImage = 1;
            go.generator = std::string("builtin:") + kDemoGenerator;
            go.perCaption = perCaption;
            go.seed = p.seed;
            go.steps = p.samplingSteps;
            go.guidance = p.samplingGuidance;
            go.device = device == "auto" ? "cpu" : device;
            gen::GenerateJob job(go);
            jobs::runSubJob(job, context, at, next);
            didWork = didWork || job.summary().generated > 0;
            at = next;
        }
        // The positive control: each caption's real image under a fixed appearance change.
        for (const auto& [split, perCaption] : splits) {
            gen::GenerateOptions go;
            go.workspace = wsPath;
            go.dataset = kDemoDataset;
            go.split = split;
            go.captionsPerImage = 1;
            go.generator = kDemoControlKey;
            go.perCaption = perCaption;
            go.seed = p.seed;
            go.outSubdir = "shift";
            gen::GenerateJob job(go);
            jobs::runSubJob(job, context, at, at + (to - at) / 2);
            at += (to - at) / 2;
            didWork = didWork || job.summary().generated > 0;
        }
        return didWork;
    });

    // 4. The compared methods, each with the same budget.
    stage("methods", [&](double from, double to) {
        std::vector<std::pair<const DemoMethod*, int>> trained;
        for (int seed = 0; seed < p.seeds; ++seed)
            for (const auto& m : demoMethods())
                if (m.trained) trained.emplace_back(&m, seed);
        bool didWork = false;
        for (std::size_t i = 0; i < trained.size(); ++i) {
            const auto& m = *trained[i].first;
            const int seed = trained[i].second;
            json r = train::defaultRecipeJson(m.method);
            // Method-dependent keys (w_gen, w_real, inference_encoder) are left to parseRecipe.
            for (const char* key : {"w_gen", "w_real", "inference_encoder"}) r.erase(key);
            r["dataset"] = kDemoDataset;
            r["base_model"] = kDemoClip;
            r["real_split"] = "align";
            r["generated_split"] = "align";
            r["generated_per_caption"] = m.scalingPoint >= 0 ? p.scaling[static_cast<std::size_t>(m.scalingPoint)] : alignPerCaption(p);
            r["steps"] = p.methodSteps;
            r["batch_size"] = p.methodBatch;
            r["lr"] = p.methodLearningRate;
            r["warmup_steps"] = std::max(1, p.methodSteps / 10);
            r["t0"] = std::max(1, (p.methodSteps - std::max(1, p.methodSteps / 10)) / std::max(1, p.methodCycles));
            r["generators"] = json::array({demoGeneratorOf(m)});
            r["checkpoint_every"] = 50;
            r["seed"] = static_cast<std::int64_t>(p.seed) + seed;
            r["device"] = device;
            r["workers"] = 2;
            for (const auto& [key, value] : m.overrides.items()) r[key] = value;
            const double a = from + (to - from) * static_cast<double>(i) / static_cast<double>(trained.size());
            const double b = from + (to - from) * static_cast<double>(i + 1) / static_cast<double>(trained.size());
            didWork = trainModel(demoModelName(m, seed), r, a, b) || didWork;
        }
        return didWork;
    });

    // 5. Evaluation on the real test split, then one captioner per method.
    stage("evaluate", [&](double from, double to) {
        bool didWork = false;
        // (model, benchmark, generator): every model on the real test split; the base model's
        // similarity on both kinds of generated images (the control's baseline too).
        struct EvalItem {
            std::string model;
            eval::Benchmark benchmark;
            std::string generator;
        };
        std::vector<EvalItem> items;
        for (int seed = 0; seed < p.seeds; ++seed) {
            for (const auto& m : demoMethods()) {
                if (!m.trained && seed > 0) continue;
                const auto name = demoModelName(m, seed);
                items.push_back({name, eval::Benchmark::Retrieval, {}});
                items.push_back({name, eval::Benchmark::ZeroShot, {}});
                items.push_back({name, eval::Benchmark::Similarity, demoGeneratorOf(m)});
                if (!m.trained) items.push_back({name, eval::Benchmark::Similarity, kDemoControlKey});
            }
        }
        for (std::size_t k = 0; k < items.size(); ++k) {
            const auto& item = items[k];
            const double a = from + (to - from) * static_cast<double>(k) / static_cast<double>(items.size());
            const double b = from + (to - from) * static_cast<double>(k + 1) / static_cast<double>(items.size());
            // Results stored before per-item values or the Eq. 1 pair existed are measured again.
            const char* probe = item.benchmark == eval::Benchmark::Similarity ? "eq1_margin"
                                : item.benchmark == eval::Benchmark::Retrieval ? "i2t_R@1"
                                                                                : "zeroshot_shape_top1";
            if (hasResults(wsPath, item.model, eval::toString(item.benchmark), "test", item.generator, probe)) continue;
            eval::EvalOptions eo;
            eo.workspace = wsPath;
            eo.model = item.model;
            eo.benchmark = item.benchmark;
            eo.dataset = kDemoDataset;
            eo.split = "test";
            eo.device = device;
            eo.generator = item.generator;
            eval::EvaluateJob job(eo);
            jobs::runSubJob(job, context, a, b);
            didWork = true;
        }
        return didWork;
    });
    stage("captioners", [&](double from, double to) {
        bool didWork = false;
        std::vector<std::pair<const DemoMethod*, int>> captioned;
        for (int seed = 0; seed < p.captionSeeds; ++seed)
            for (const auto& m : demoMethods())
                if (m.captioned) captioned.emplace_back(&m, seed);
        for (std::size_t i = 0; i < captioned.size(); ++i) {
            const auto& m = *captioned[i].first;
            const int seed = captioned[i].second;
            const double a = from + (to - from) * static_cast<double>(i) / static_cast<double>(captioned.size());
            const double b = from + (to - from) * static_cast<double>(i + 1) / static_cast<double>(captioned.size());
            const double mid = (a + b) / 2;
            const std::string name = demoCaptionerName(m, seed);
            if (!modelExists(wsPath, name)) {
                if (runExists(wsPath, name)) {
                    auto job = train::CaptionTrainJob::resume(wsPath, name);
                    jobs::runSubJob(job, context, a, mid);
                } else {
                    caption::CaptionRecipe r;
                    r.clipModel = demoModelName(m, seed);
                    r.dataset = kDemoDataset;
                    r.split = "align";
                    r.trainOn = "generated";
                    r.generator = demoGeneratorOf(m);
                    r.epochs = p.captionEpochs;
                    r.seed = static_cast<std::int64_t>(p.seed) + seed;
                    r.device = device;
                    r.checkpointEvery = 0;
                    train::CaptionTrainJob job(wsPath, r, name);
                    jobs::runSubJob(job, context, a, mid);
                }
                didWork = true;
            }
            if (!hasResults(wsPath, name, "caption", "test")) {
                // (Captioning is scored on real images only; results carry per-image scores.)
                caption::CaptionEvalOptions eo;
                eo.predict.workspace = wsPath;
                eo.predict.model = name;
                eo.predict.dataset = kDemoDataset;
                eo.predict.split = "test";
                eo.predict.device = device;
                caption::CaptionEvalJob job(eo);
                jobs::runSubJob(job, context, mid, b);
                didWork = true;
            }
        }
        return didWork;
    });

    // 6. t-SNE of real and generated test embeddings, without and with alignment.
    stage("tsne", [&](double from, double to) {
        bool didWork = false;
        const char* keys[] = {"base", "genra"};
        for (int i = 0; i < 2; ++i) {
            const DemoMethod* method = nullptr;
            for (const auto& m : demoMethods())
                if (m.key == keys[i]) method = &m;
            const auto name = demoProjectionName(*method);
            if (hasProjection(wsPath, name)) continue;
            eval::WorkspaceTsneOptions to2;
            to2.workspace = wsPath;
            to2.model = demoModelName(*method);
            to2.dataset = kDemoDataset;
            to2.split = "test";
            to2.captions = p.tsneCaptions;
            to2.generator = kDemoGeneratorKey;
            to2.name = name;
            to2.tsne.iterations = p.tsneIterations;
            to2.tsne.seed = p.seed;
            to2.device = device;
            eval::WorkspaceTsneJob job(to2);
            jobs::runSubJob(job, context, from + (to - from) * i / 2.0, from + (to - from) * (i + 1) / 2.0);
            didWork = true;
        }
        return didWork;
    });

    // 7. The report.
    stage("report", [&](double from, double) {
        context.progress(from, "writing the report");
        ReportOptions ro;
        ro.workspace = wsPath;
        ro.plan = p;
        ro.timings = timings_;
        writeReport(ro);
        return true;
    });
    context.progress(1.0, "report in " + reportPath().string());
    return true;
}

}  // namespace genra::demo
