// Training cost of GenRA against its baselines (paper Table 8): seconds per optimiser step and peak
// memory of (1) fine-tuning on real images only (no dual projection, no alignment, no synthetic
// data), (2) naive mixing of generated images as if real (synthetic data, no alignment), and
// (3) GenRA (LoRA f_g with its own projection + the Eq. 1 alignment loss against frozen f_r).
// Each configuration runs in a child process of this program (so each peak RSS is its own), on
// the same Shapes workspace, model and batch; the figures are ratios to configuration (1), next to
// the paper's (training time 8/12/10 h, memory 24/26/28 GB). The paper's time ratio is time to
// convergence; this benchmark measures time per step, so only the memory ratio and the per-step
// cost are comparable.
//
// The trainer computes f_r's features of each real image once (f_r is frozen), so GenRA's extra
// forward pass is paid in the first epoch only. --shapes N with N >= batch x steps keeps every
// measured step in the first epoch: the worst case. --precision bf16 runs the same steps under
// bfloat16 autocast.
//
// Usage: genra_train_cost_bench [--preset tiny|small] [--batch N] [--steps N] [--threads N]
//                               [--shapes N] [--precision fp32|bf16]
#include "core/data/image.h"
#include "core/data/shapes.h"
#include "core/model/model_store.h"
#include "core/store/workspace.h"
#include "core/store/raw_db.h"
#include "core/text/bpe_trainer.h"
#include "core/text/bpe_vocab_file.h"
#include "core/train/recipe.h"
#include "core/train/trainer.h"
#include "core/util/error.h"
#include "core/util/threads.h"

#include <nlohmann/json.hpp>

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

using namespace genra;
namespace fs = std::filesystem;
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

struct Config {
    const char* key;
    const char* label;
    train::Method method;
    const char* paperRow;  // dual projection / alignment / synthetic data
    double paperHours;
    double paperGb;
};

const Config kConfigs[] = {
    {"real", "real images only (RealFt)", train::Method::RealFt, "x / x / x", 8, 24},
    {"naive", "naive mixing (Naive)", train::Method::Naive, "x / x / v", 12, 26},
    {"genra", "GenRA (LoRA + dual proj. + align)", train::Method::Genra, "v / v / v", 10, 28},
};

class Silent : public jobs::JobContext {
public:
    void progress(double, const std::string&) override {}
    void metric(std::int64_t step, const std::string& name, double) override {
        if (name == "loss") stepTimes.emplace_back(step, Clock::now());
    }
    void log(jobs::LogLevel, const std::string&) override {}
    bool cancelled() const override { return false; }
    std::vector<std::pair<std::int64_t, Clock::time_point>> stepTimes;
};

long maxRssKb() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss;
}

// A darker, noisier copy: a stand-in generated image (this benchmark measures cost, not quality).
data::Image generatedLike(const data::Image& real, int seed) {
    data::Image out = real;
    unsigned state = static_cast<unsigned>(seed) * 2654435761u + 1u;
    for (auto& v : out.pixels) {
        state = state * 1664525u + 1013904223u;
        const int noise = static_cast<int>((state >> 24) % 41) - 20;
        v = static_cast<std::uint8_t>(std::clamp(static_cast<int>(v) * 3 / 4 + noise, 0, 255));
    }
    return out;
}

void makeWorkspace(const fs::path& dir, const std::string& preset, int shapes) {
    data::MakeShapesOptions mo;
    mo.outDir = dir / "shapes";
    mo.count = shapes;
    mo.seed = 3;
    mo.splitFractions = {0.0, 1.0, 0.0};
    data::MakeShapesJob make(mo);
    Silent quiet;
    if (jobs::runJob(make, quiet).status != jobs::JobStatus::Succeeded) throw Error("make-shapes failed");
    auto ws = store::Workspace::create(dir / "ws");
    data::KarpathyImportJob import(data::shapesImportOptions(dir / "ws", mo.outDir));
    if (jobs::runJob(import, quiet).status != jobs::JobStatus::Succeeded) throw Error("import failed");
    const auto dataset = ws.requireDataset("shapes");
    std::vector<std::string> captions;
    for (const auto& c : ws.captionsOfDataset(dataset.id)) {
        captions.push_back(c.text);
        if (c.ord != 0 || !c.imageId) continue;
        auto s = genra::store::rawDb(ws).prepare("SELECT path FROM images WHERE id = ?");
        s.bind(1, *c.imageId);
        s.step();
        const fs::path realPath = fs::path(s.columnText(0)).is_absolute() ? fs::path(s.columnText(0)) : dir / "ws" / s.columnText(0);
        const auto real = data::loadImage(realPath);
        for (int k = 0; k < 2; ++k) {
            const auto path = dir / "gen" / (std::to_string(c.id) + "_" + std::to_string(k) + ".png");
            fs::create_directories(path.parent_path());
            data::saveImage(generatedLike(real, static_cast<int>(c.id) * 7 + k), path);
            store::ImageRecord gen;
            gen.datasetId = dataset.id;
            gen.path = path.string();
            gen.modality = "generated";
            gen.split = "align";
            const auto id = ws.insertImage(gen);
            ws.insertGeneration(id, c.id, "bench-copy", k, "{}");
        }
    }
    text::BpeTrainerOptions bo;
    bo.maxMerges = 200;
    const auto vocab = (dir / "vocab.txt").string();
    text::writeMergeFile(vocab, text::trainBpe(captions, bo).merges);
    auto config = model::clipPreset(preset);
    config.vocabSize = static_cast<std::int64_t>(model::tokenizerFor(vocab)->vocabularySize());
    torch::manual_seed(1);
    model::ClipModel clip(config);
    model::saveClipModel(ws, "base", clip, vocab);
}

// Child: runs one configuration and writes {seconds_per_step, rss_before_kb, rss_peak_kb}.
int child(const fs::path& wsDir, const std::string& key, int batch, int steps, const std::string& precision,
          const fs::path& out) {
    const Config* config = nullptr;
    for (const auto& c : kConfigs)
        if (key == c.key) config = &c;
    if (!config) return 2;
    json r = train::defaultRecipeJson(config->method);
    r["dataset"] = "shapes";
    r["base_model"] = "base";
    r["batch_size"] = batch;
    r["steps"] = steps;
    r["generated_per_caption"] = 2;
    r["checkpoint_every"] = 0;
    r["device"] = "cpu";
    r["precision"] = precision;
    r["workers"] = 1;
    train::TrainJob job(wsDir, train::parseRecipe(r), std::string("bench-") + key);
    job.setDryRun(true);
    const long before = maxRssKb();
    Silent context;
    const auto result = jobs::runJob(job, context);
    if (result.status != jobs::JobStatus::Succeeded) {
        std::cerr << key << ": " << result.error << "\n";
        return 1;
    }
    // Median step time after the first two (warm-up, image cache filling).
    std::vector<double> gaps;
    for (std::size_t i = 3; i < context.stepTimes.size(); ++i)
        gaps.push_back(std::chrono::duration<double>(context.stepTimes[i].second - context.stepTimes[i - 1].second).count());
    std::sort(gaps.begin(), gaps.end());
    const double median = gaps.empty() ? 0.0 : gaps[gaps.size() / 2];
    std::ofstream(out) << json{{"seconds_per_step", median}, {"rss_before_kb", before}, {"rss_peak_kb", maxRssKb()}}.dump();
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    ensurePassiveOpenMp(argv);
    std::string preset = "tiny";
    int batch = 32;
    int steps = 20;
    int threads = 0;
    int shapes = 200;
    std::string precision = "fp32";
    std::string childKey;
    fs::path childWs, childOut;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto next = [&] { return i + 1 < argc ? std::string(argv[++i]) : std::string(); };
        if (a == "--preset") preset = next();
        else if (a == "--batch") batch = std::stoi(next());
        else if (a == "--steps") steps = std::stoi(next());
        else if (a == "--threads") threads = std::stoi(next());
        else if (a == "--shapes") shapes = std::stoi(next());
        else if (a == "--precision") precision = next();
        else if (a == "--child") childKey = next();
        else if (a == "--ws") childWs = next();
        else if (a == "--out") childOut = next();
        else {
            std::cerr << "usage: genra_train_cost_bench [--preset tiny|small] [--batch N] [--steps N] [--threads N] "
                         "[--shapes N] [--precision fp32|bf16]\n";
            return 2;
        }
    }
    threads = configureThreads(threads);
    if (!childKey.empty()) return child(childWs, childKey, batch, steps, precision, childOut);

    const fs::path dir = fs::temp_directory_path() / ("genra-train-cost-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    std::cout << "training cost per step, preset " << preset << ", batch " << batch << ", " << steps << " steps, "
              << threads << " threads, " << shapes << " real images, " << precision
              << (shapes >= batch * steps ? " (every step in the first epoch: f_r runs on each batch)" : "") << "\n";
    makeWorkspace(dir, preset, shapes);
    struct Row {
        double secondsPerStep = 0;
        double peakMb = 0;
    };
    std::vector<Row> rows;
    const auto self = fs::read_symlink("/proc/self/exe").string();  // a shell would resolve /proc/self to itself
    for (const auto& c : kConfigs) {
        const auto out = dir / (std::string(c.key) + ".json");
        const std::string cmd = "'" + self + "' --child " + std::string(c.key) + " --ws '" + (dir / "ws").string() + "' --out '" +
                                out.string() + "' --preset " + preset + " --batch " + std::to_string(batch) + " --steps " +
                                std::to_string(steps) + " --threads " + std::to_string(threads) +
                                " --precision " + precision;
        if (std::system(cmd.c_str()) != 0 || !fs::exists(out)) {
            std::cerr << "configuration " << c.key << " failed\n";
            return 1;
        }
        const auto j = json::parse(std::ifstream(out));
        rows.push_back({j["seconds_per_step"].get<double>(), j["rss_peak_kb"].get<double>() / 1024.0});
    }
    std::printf("%-36s %-12s %10s %8s %10s %8s   %s\n", "configuration", "dual/al/syn", "s/step", "ratio", "peak MB", "ratio",
                "paper time / memory ratio");
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const auto& c = kConfigs[i];
        std::printf("%-36s %-12s %10.4f %8.2f %10.1f %8.2f   %.2f / %.2f\n", c.label, c.paperRow, rows[i].secondsPerStep,
                    rows[i].secondsPerStep / rows[0].secondsPerStep, rows[i].peakMb, rows[i].peakMb / rows[0].peakMb,
                    c.paperHours / kConfigs[0].paperHours, c.paperGb / kConfigs[0].paperGb);
    }
    fs::remove_all(dir);
    return 0;
}
