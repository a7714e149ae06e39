// `genra embed --workspace` throughput against the bare model, in one process: Shapes images made
// and imported here, a ViT-B/32 of random weights registered in the workspace, then
//   reference: images/s of model->encodeImage on a ready batch in memory (what genra_clip_bench
//              measures), before and after the runs below;
//   pipeline:  images/s of EmbedWorkspaceJob over a small and a large dataset (decode, preprocess,
//              model, store), from its start to its last stored row, and peak resident memory of
//              each run (VmHWM reset between runs), to show that memory stays flat as N grows.
//
// Usage: genra_embed_stream_bench [--small N] [--large N] [--batch N] [--size PX]
//                                 [--reference-batches N] [--preset NAME] [--dir DIR]
#include "core/data/importers.h"
#include "core/data/shapes.h"
#include "core/jobs/job.h"
#include "core/model/clip.h"
#include "core/model/embed.h"
#include "core/model/model_store.h"
#include "core/store/workspace.h"
#include "core/util/threads.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <unistd.h>

using namespace genra;
namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;

double seconds(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// Peak resident set of this process in MiB since the last resetPeak() (Linux: VmHWM).
double peakRssMiB() {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind("VmHWM:", 0) == 0) return std::atof(line.c_str() + 6) / 1024.0;
    }
    return -1.0;
}

// Resets VmHWM to the current resident set (Linux >= 4.0); false where that is not allowed.
bool resetPeak() {
    std::ofstream clear("/proc/self/clear_refs");
    clear << "5";
    clear.flush();
    return static_cast<bool>(clear);
}

class QuietContext : public jobs::JobContext {
public:
    void progress(double, const std::string&) override {}
    void metric(std::int64_t, const std::string&, double) override {}
    void log(jobs::LogLevel level, const std::string& line) override {
        if (level != jobs::LogLevel::Info) std::fprintf(stderr, "  %s\n", line.c_str());
    }
    bool cancelled() const override { return false; }
};

void makeDataset(const fs::path& dir, const fs::path& ws, const std::string& name, int count, int size, std::uint64_t seed) {
    QuietContext context;
    data::MakeShapesOptions shapes;
    shapes.outDir = dir / name;
    shapes.count = count;
    shapes.seed = seed;
    shapes.imageSize = size;
    data::MakeShapesJob make(shapes);
    make.run(context);
    data::KarpathyImportJob import(data::shapesImportOptions(ws, shapes.outDir, name));
    import.run(context);
}

struct PipelineResult {
    double imagesPerS = 0.0;
    double peakMiB = 0.0;
    std::size_t stored = 0;
    std::size_t commits = 0;
};

PipelineResult runPipeline(const fs::path& ws, const std::string& dataset, int batch) {
    const bool reset = resetPeak();
    model::EmbedWorkspaceOptions options;
    options.workspace = ws;
    options.model = "vit-b-32-random";
    options.dataset = dataset;
    options.captions = false;
    options.generatedImages = false;
    options.device = "cpu";
    options.batchSize = batch;
    model::EmbedWorkspaceJob job(options);
    QuietContext context;
    const auto start = Clock::now();
    job.run(context);
    PipelineResult result;
    result.imagesPerS = static_cast<double>(job.written()) / seconds(start);
    result.peakMiB = reset ? peakRssMiB() : -1.0;
    result.stored = job.written();
    result.commits = job.commits();
    return result;
}

}  // namespace

int run(int argc, char** argv) {
    int small = 500;
    int large = 2000;
    int batch = 64;
    int size = 64;
    int referenceBatches = 3;
    std::string preset = "ViT-B-32";
    fs::path dir;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--small" && i + 1 < argc) small = std::atoi(argv[++i]);
        else if (arg == "--large" && i + 1 < argc) large = std::atoi(argv[++i]);
        else if (arg == "--batch" && i + 1 < argc) batch = std::atoi(argv[++i]);
        else if (arg == "--size" && i + 1 < argc) size = std::atoi(argv[++i]);
        else if (arg == "--reference-batches" && i + 1 < argc) referenceBatches = std::atoi(argv[++i]);
        else if (arg == "--preset" && i + 1 < argc) preset = argv[++i];
        else if (arg == "--dir" && i + 1 < argc) dir = argv[++i];
        else {
            std::cerr << "usage: genra_embed_stream_bench [--small N] [--large N] [--batch N] [--size PX]\n"
                         "                                [--reference-batches N] [--preset NAME] [--dir DIR]\n";
            return 2;
        }
    }
    if (small <= 0 || large <= 0 || batch <= 0 || size < 32 || referenceBatches <= 0) {
        std::cerr << "genra_embed_stream_bench: counts, batch and reference batches must be positive, size >= 32\n";
        return 2;
    }
    const bool temporary = dir.empty();
    if (temporary) dir = fs::temp_directory_path() / ("genra_embed_stream_bench_" + std::to_string(getpid()));
    fs::remove_all(dir / "ws");
    const int threads = configureThreads(0);
    const auto config = model::clipPreset(preset);

    const auto setupStart = Clock::now();
    const fs::path ws = dir / "ws";
    store::Workspace::create(ws);
    makeDataset(dir, ws, "small", small, size, 1);
    makeDataset(dir, ws, "large", large, size, 2);
    {
        auto workspace = store::Workspace::open(ws);
        torch::manual_seed(0);
        model::ClipModel random(config);
        model::saveClipModel(workspace, "vit-b-32-random", random, "");
    }
    std::printf("%s random weights, %d-px Shapes images (%d + %d), batch %d, threads %d; setup %.0f s\n", preset.c_str(),
                size, small, large, batch, threads, seconds(setupStart));

    // The reference: encodeImage on a batch already in memory, as genra_clip_bench times it.
    auto reference = [&] {
        torch::manual_seed(0);
        model::ClipModel clip(config);
        clip->eval();
        torch::NoGradGuard noGrad;
        const auto images = torch::randn({batch, 3, config.imageResolution, config.imageResolution});
        clip->encodeImage(images);
        const auto start = Clock::now();
        for (int i = 0; i < referenceBatches; ++i) clip->encodeImage(images);
        return static_cast<double>(batch) * referenceBatches / seconds(start);
    };
    const double before = reference();
    std::printf("reference (encodeImage, batch in memory)  %8.2f images/s\n", before);
    const auto smallRun = runPipeline(ws, "small", batch);
    std::printf("genra embed --workspace, %6d images     %8.2f images/s, peak RSS %7.0f MiB, %zu commits\n", small,
                smallRun.imagesPerS, smallRun.peakMiB, smallRun.commits);
    const auto largeRun = runPipeline(ws, "large", batch);
    std::printf("genra embed --workspace, %6d images     %8.2f images/s, peak RSS %7.0f MiB, %zu commits\n", large,
                largeRun.imagesPerS, largeRun.peakMiB, largeRun.commits);
    const double after = reference();
    std::printf("reference again                            %8.2f images/s\n", after);
    const double referenceMean = 0.5 * (before + after);
    std::printf("ratio embed/reference: %d images %.3f, %d images %.3f (reference: mean of before and after)\n", small,
                smallRun.imagesPerS / referenceMean, large, largeRun.imagesPerS / referenceMean);
    if (smallRun.peakMiB > 0 && largeRun.peakMiB > 0) {
        std::printf("peak RSS %d -> %d images: %.0f -> %.0f MiB (x%.2f for x%.1f images)\n", small, large, smallRun.peakMiB,
                    largeRun.peakMiB, largeRun.peakMiB / smallRun.peakMiB, static_cast<double>(large) / small);
    }
    if (temporary) fs::remove_all(dir);
    return 0;
}

int main(int argc, char** argv) {
    try {
        return run(argc, argv);
    } catch (const std::exception& e) {
        std::cerr << "genra_embed_stream_bench: " << e.what() << "\n";
        return 1;
    }
}
