// `genra demo`: the paper's whole experiment on the built-in Shapes benchmark, offline, as one
// resumable job that leaves a workspace the GUI opens.
//
//   1. make and import Shapes (pretrain / align / test splits);
//   2. learn a vocabulary and pre-train a small CLIP: this is f_r;
//   3. train the built-in diffusion generator on the pretrain split and generate K images for the
//      first caption of every align image (and one for every test image);
//   4. train the compared methods with the same budget: naive mixing, LoRA without alignment,
//      GenRA (dual projection + alignment), fine-tuning on real images, full fine-tuning with
//      alignment; the scaling series (1, 3, 5 generated images per caption) and LoRA ranks 2/4/6;
//   5. evaluate every model on the real test split: retrieval, zero-shot classification of each
//      Shapes attribute, paired real-generated similarity; one captioner per method trained on
//      generated images through f_g and scored on real test images;
//   6. t-SNE of real and generated test embeddings without and with alignment;
//   7. exports/report.md with tables laid out like the paper's (plus CSV and LaTeX) and figures.
//
// Every stage is cached in the workspace (a model, run, result or projection of a known name), so
// a second run reuses what is done and an interrupted one resumes where it stopped.
#pragma once

#include "core/jobs/job.h"
#include "core/train/recipe.h"

#include <nlohmann/json.hpp>

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace genra::demo {

// Sizes of one demo run. The default fits 15 minutes on a 2-core CPU, `quick` 3 minutes.
struct DemoPlan {
    bool quick = false;
    // Shapes v2 (docs/shapes-v2.md); 2,000 images, most of them for pre-training f_r, so the
    // alignment and test splits keep the previous demo's 300 and 200 images.
    int shapesCount = 2000;
    std::array<double, 3> splitFractions{0.75, 0.15, 0.10};  // pretrain, align, test
    // Part of f_r's pre-training split drawn in the studio style, its captions naming the look
    // (MakeShapesOptions::studioFraction), as CLIP's web data holds renders named as such: f_r then
    // tells the generator's studio-style images from photos (the paper's premise, docs/generator.md).
    double studioFraction = 0.4;
    int imageSize = 64;
    std::uint64_t seed = 1;
    // Seed of the Shapes set. The shipped f_r was pre-trained on the default plan's pre-training
    // split (scripts/train-demo-clip), so the quick plan draws other scenes: with seed 1 its test
    // images would be among those f_r was trained on.
    std::uint64_t shapesSeed = 1;
    int vocabMerges = 400;
    // Measured on Shapes v2 with 2,000 pre-training images (the demo has 1,500): 1,200 steps reach zero-shot shape
    // 47 %, colour 99 %, size 91 %, position 96 % where 600 steps reached 28 / 93 / 97 / 99 %.
    int pretrainSteps = 1200;
    int pretrainBatch = 64;
    double pretrainLearningRate = 2e-3;
    // Built-in generator.
    std::int64_t generatorSteps = 800;   // batch 64: measured better adherence than 900 at 32 (docs/generator.md)
    std::int64_t generatorBatch = 64;
    std::int64_t generatorChannels = 32;
    // Generated images per align caption drawn by the scaling series; the last is what every other
    // method uses, and how many are generated per align caption.
    std::array<int, 3> scaling{1, 3, 5};
    int testPerCaption = 1;    // generated images per test image, for similarity and t-SNE
    int samplingSteps = 20;
    double samplingGuidance = 8.0;  // measured: better caption adherence than 6 and 3 (docs/generator.md, Generation)
    // Compared methods.
    // 240 steps at 3e-3: the sweep in docs/method.md (GenRA, LoRA w/o alignment and generated-as-real
    // at 3e-4 ... 1e-2, 300 steps): 3e-3 gave the lowest or near-lowest final training loss of all
    // three; LoRA kept improving to 1e-2, full fine-tuning got worse above 1e-3.
    int methodSteps = 240;
    int methodBatch = 32;
    double methodLearningRate = 3e-3;
    int methodCycles = 3;  // cosine annealing with warm restarts: cycles over the run (T_0 = steps / cycles)
    // Seeds: every trained method is trained once per seed (seed + 0, seed + 1, ...); f_r, the
    // generator and the generated images are shared. Captioners are trained for the first
    // `captionSeeds` seeds.
    int seeds = 3;
    int captionSeeds = 2;
    // Captioners.
    int captionEpochs = 5;
    // Figures.
    int tsneCaptions = 200;
    int tsneIterations = 750;
    int galleryRows = 6;
};

DemoPlan demoPlan(bool quick);
inline int alignPerCaption(const DemoPlan& plan) { return plan.scaling[2]; }

// One compared model: how the report names it and how it is trained (none for the baseline).
struct DemoMethod {
    std::string key;    // "genra", "naive", ...; models are "demo-<key>", captioners "demo-cap-<key>"
    std::string label;  // as in the report's tables
    bool trained = true;
    train::Method method = train::Method::Genra;
    nlohmann::json overrides = nlohmann::json::object();  // recipe fields beyond the shared ones
    bool captioned = true;  // gets a captioner (captioning tables)
    int scalingPoint = -1;  // 0 or 1: trains on DemoPlan::scaling[point] generated images per caption
    // Trains and is measured on the builtin:shift positive control (real images under a fixed
    // appearance change) instead of the diffusion generator's images.
    bool control = false;
};

const std::vector<DemoMethod>& demoMethods();

inline constexpr const char* kDemoDataset = "shapes";
// The studio-style set a generator trained in the demo learns from (seed = plan seed + offset).
inline constexpr const char* kDemoStudioDataset = "shapes-studio";
inline constexpr std::uint64_t kDemoStudioSeedOffset = 100;
inline constexpr const char* kDemoClip = "demo-clip";
inline constexpr const char* kDemoGenerator = "demo-gen";
// The shipped generator bundle, relative to the resource folders (util::findResource).
inline constexpr const char* kDemoGeneratorResource = "demo-generator";
// The shipped f_r bundle (model::importClipBundle), relative to the resource folders.
inline constexpr const char* kDemoClipResource = "demo-clip";
// The generations.generator values of the demo's two kinds of generated images.
inline constexpr const char* kDemoGeneratorKey = "builtin:demo-gen";
inline constexpr const char* kDemoControlKey = "builtin:shift";
// Models of seed index 0 keep the names of single-seed demos ("demo-genra"); seed index i > 0
// appends "-seed<i+1>". The untrained base is the same model for every seed.
std::string demoModelName(const DemoMethod& method, int seedIndex = 0);
std::string demoCaptionerName(const DemoMethod& method, int seedIndex = 0);
std::string demoProjectionName(const DemoMethod& method);
// The generator whose images a method trains and is measured on.
inline const char* demoGeneratorOf(const DemoMethod& method) { return method.control ? kDemoControlKey : kDemoGeneratorKey; }

struct DemoOptions {
    std::filesystem::path workspace;
    bool quick = false;
    int seeds = 0;  // 0 = the plan's (3, quick 2)
    // The generated modality. By default the shipped generator (resources/demo-generator, found by
    // util::findResource; `generatorBundle` names another bundle folder) is imported as demo-gen:
    // 2,400 steps on a Shapes v2 set of its own, trained by scripts/train-demo-generator. With
    // `trainGenerator` (or when no bundle is found) the demo trains one itself on its pre-training
    // split, conditioned on f_r's text tower, for `generatorSteps` steps.
    bool trainGenerator = false;
    std::filesystem::path generatorBundle;
    // 0 = the plan's (800, quick 300); a positive value implies trainGenerator. On Shapes v2, 2,400
    // steps took the generated images' caption adherence from colour / position / shape 88.5 / 87.5 /
    // 12.5 % to 99.5 / 98.5 / 75 % (docs/generator.md), at about 20 more minutes on 2 cores.
    std::int64_t generatorSteps = 0;
    // f_r. By default the shipped CLIP (resources/demo-clip, found by util::findResource;
    // `clipBundle` names another bundle folder) is imported as demo-clip: a tiny CLIP pre-trained by
    // scripts/train-demo-clip on a Shapes set of its own, for longer than the demo can afford. With
    // `trainClip` (or when no bundle is found) the demo pre-trains f_r itself on its pre-training
    // split for DemoPlan::pretrainSteps.
    bool trainClip = false;
    std::filesystem::path clipBundle;
    std::string device = "auto";
};

struct DemoStageTiming {
    std::string stage;
    double seconds = 0.0;
    bool cached = false;
};

class DemoJob : public jobs::Job {
public:
    explicit DemoJob(DemoOptions options);
    std::string name() const override { return options_.quick ? "demo (quick)" : "demo"; }
    bool run(jobs::JobContext& context) override;

    const std::vector<DemoStageTiming>& timings() const { return timings_; }
    std::filesystem::path reportPath() const;

private:
    DemoOptions options_;
    DemoPlan plan_;
    std::vector<DemoStageTiming> timings_;
};

}  // namespace genra::demo
