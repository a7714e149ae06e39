// What a tiny CLIP pre-trained on Shapes learns: each configuration pre-trains through the real
// TrainJob (method pretrain, vocabulary learned from the captions) on one Shapes workspace, then
// reports
//   - zero-shot top-1 per Shapes attribute on the test split (EvaluateJob, the demo's numbers);
//   - a linear probe per attribute: logistic regression on the L2-normalised image embeddings of
//     the pretrain split, accuracy on the test split (what the embedding encodes, prompts aside);
//   - the training time.
// Chance is 1/6 for shape, 1/8 for colour, 1/2 for size, 1/5 for position.
//
// Usage: genra_clip_pretrain_bench [--dir DIR] [--shapes N] [--image-size PX] [--seed S]
//                                  [--recipe JSON]...
// Each --recipe is a JSON object merged over train::pretrainRecipeJson (the tiny-conv preset) and
// is one configuration; none given = the defaults with the demo's steps, batch and learning rate.
// The workspace is kept in DIR (default: a temporary folder) and reused when it exists.
#include "core/data/image.h"
#include "core/data/preprocess.h"
#include "core/data/shapes.h"
#include "core/eval/workspace_eval.h"
#include "core/model/model_store.h"
#include "core/store/workspace.h"
#include "core/store/raw_db.h"
#include "core/train/recipe.h"
#include "core/train/trainer.h"
#include "core/util/error.h"
#include "core/util/threads.h"

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <cstdio>
#include <iostream>
#include <map>
#include <string>
#include <vector>

using namespace genra;
namespace fs = std::filesystem;
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

const char* const kAttributes[] = {"shape", "color", "size", "position"};

class Silent : public jobs::JobContext {
public:
    void progress(double, const std::string&) override {}
    void metric(std::int64_t, const std::string& name, double value) override {
        if (name == "loss") lastLoss = value;
    }
    void log(jobs::LogLevel, const std::string&) override {}
    bool cancelled() const override { return false; }
    double lastLoss = 0.0;
};

void runOrThrow(jobs::Job& job) {
    Silent quiet;
    const auto result = jobs::runJob(job, quiet);
    if (result.status != jobs::JobStatus::Succeeded) throw Error(job.name() + " failed: " + result.error);
}

void makeWorkspace(const fs::path& dir, int count, int imageSize, std::uint64_t seed) {
    data::MakeShapesOptions mo;
    mo.outDir = dir / "shapes";
    mo.count = count;
    mo.seed = seed;
    mo.imageSize = imageSize;
    data::MakeShapesJob make(mo);
    runOrThrow(make);
    store::Workspace::create(dir / "ws");
    Silent quiet;
    data::KarpathyImportJob import(data::shapesImportOptions(dir / "ws", mo.outDir));
    if (jobs::runJob(import, quiet).status != jobs::JobStatus::Succeeded) throw Error("import failed");
}

struct Split {
    torch::Tensor embeddings;                                // [N, D], L2-normalised
    std::map<std::string, std::vector<std::int64_t>> labels;  // attribute -> class index per image
};

// Image embeddings of one split of real images, with their attribute labels.
Split embedSplit(store::Workspace& ws, model::LoadedClip& clip, const std::string& split) {
    const auto values = data::shapesAttributeValues();
    auto s = genra::store::rawDb(ws).prepare("SELECT path, attributes FROM images WHERE modality = 'real' AND split = ? ORDER BY id");
    s.bind(1, split);
    std::vector<data::Image> images;
    Split out;
    while (s.step()) {
        images.push_back(data::loadImage(ws.resolve(s.columnText(0))));
        const auto attributes = json::parse(s.columnText(1));
        for (const char* a : kAttributes) {
            const auto& classes = values.at(a);
            const auto label = attributes.at(a).get<std::string>();
            const auto it = std::find(classes.begin(), classes.end(), label);
            out.labels[a].push_back(it - classes.begin());
        }
    }
    auto encoder = clip.realImageEncoder();
    encoder->eval();
    torch::NoGradGuard noGrad;
    const auto batch = data::clipPreprocessBatch(images, clip.imageSize());
    out.embeddings = torch::nn::functional::normalize(encoder->encodeImage(batch),
                                                      torch::nn::functional::NormalizeFuncOptions().dim(1));
    return out;
}

// Multinomial logistic regression (full batch, Adam, small L2) fitted on `train`, accuracy on `test`.
double linearProbe(const torch::Tensor& train, const std::vector<std::int64_t>& trainLabels, const torch::Tensor& test,
                   const std::vector<std::int64_t>& testLabels, std::int64_t classes) {
    torch::manual_seed(0);
    const auto mean = train.mean(0, true);
    const auto stdev = train.std(0, true, true) + 1e-6;
    const auto x = (train - mean) / stdev;
    const auto y = torch::tensor(trainLabels);
    auto linear = torch::nn::Linear(train.size(1), classes);
    torch::optim::Adam optimizer(linear->parameters(), torch::optim::AdamOptions(0.05).weight_decay(1e-3));
    for (int i = 0; i < 300; ++i) {
        optimizer.zero_grad();
        torch::nn::functional::cross_entropy(linear(x), y).backward();
        optimizer.step();
    }
    torch::NoGradGuard noGrad;
    const auto predicted = linear((test - mean) / stdev).argmax(1);
    return predicted.eq(torch::tensor(testLabels)).to(torch::kFloat).mean().item<double>();
}

void runConfig(const fs::path& wsDir, const json& overrides, const std::string& tag) {
    json r = train::pretrainRecipeJson("shapes", "pretrain", 600, 64, 2e-3);
    r["seed"] = 1;
    for (const auto& item : overrides.items()) r[item.key()] = item.value();
    const std::string name = "bench-" + tag;

    const auto start = Clock::now();
    train::TrainJob job(wsDir, train::parseRecipe(r, "bench recipe"), name);
    Silent context;
    const auto result = jobs::runJob(job, context);
    if (result.status != jobs::JobStatus::Succeeded) throw Error(name + ": " + result.error);
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();

    eval::EvalOptions eo;
    eo.workspace = wsDir;
    eo.model = job.modelName();
    eo.benchmark = eval::Benchmark::ZeroShot;
    eo.dataset = "shapes";
    eo.split = "test";
    eo.device = "cpu";
    eval::EvaluateJob evaluate(eo);
    runOrThrow(evaluate);
    std::map<std::string, double> zeroShot;
    for (const auto& m : evaluate.outcome().metrics) zeroShot[m.name] = m.value;

    auto ws = store::Workspace::open(wsDir);
    auto clip = model::loadClip(&ws, job.modelName());
    const auto train = embedSplit(ws, clip, "pretrain");
    const auto test = embedSplit(ws, clip, "test");
    const auto values = data::shapesAttributeValues();

    std::printf("%s  %.0f s  final loss %.3f\n", overrides.dump().c_str(), seconds, context.lastLoss);
    std::printf("  %-9s %9s %9s %7s\n", "attribute", "zero-shot", "probe", "chance");
    for (const char* a : kAttributes) {
        const auto classes = static_cast<std::int64_t>(values.at(a).size());
        const double probe = linearProbe(train.embeddings, train.labels.at(a), test.embeddings, test.labels.at(a), classes);
        const auto key = std::string("zeroshot_") + a + "_top1";
        std::printf("  %-9s %8.1f%% %8.1f%% %6.1f%%\n", a, zeroShot.count(key) ? zeroShot[key] : -1.0, 100.0 * probe,
                    100.0 / static_cast<double>(classes));
    }
    std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
    ensurePassiveOpenMp(argv);
    fs::path dir;
    int count = 1000;
    int imageSize = 64;
    std::uint64_t seed = 1;
    std::vector<json> configs;
    try {
        for (int i = 1; i < argc; ++i) {
            const std::string a = argv[i];
            auto next = [&] {
                if (i + 1 >= argc) throw Error(a + " needs a value");
                return std::string(argv[++i]);
            };
            if (a == "--dir") dir = next();
            else if (a == "--shapes") count = std::stoi(next());
            else if (a == "--image-size") imageSize = std::stoi(next());
            else if (a == "--seed") seed = std::stoull(next());
            else if (a == "--recipe") configs.push_back(json::parse(next()));
            else throw Error("unknown option " + a);
        }
        if (configs.empty()) configs.push_back(json::object());
        if (dir.empty()) dir = fs::temp_directory_path() / ("genra-pretrain-bench-" + std::to_string(::getpid()));
        if (!fs::exists(dir / "ws")) makeWorkspace(dir, count, imageSize, seed);
        // Run names must be new in a reused workspace.
        const auto stamp = static_cast<int>(std::time(nullptr) % 1000000);
        for (std::size_t i = 0; i < configs.size(); ++i)
            runConfig(dir / "ws", configs[i], std::to_string(stamp) + "-" + std::to_string(i));
    } catch (const std::exception& e) {
        std::cerr << "error: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
