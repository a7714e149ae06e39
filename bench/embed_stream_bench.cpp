// `genra embed --workspace` throughput against the bare model, in one process: Shapes images made
// and imported here, a ViT-B/32 of random weights registered in the workspace, then
//   reference: images/s of model->encodeImage on a ready batch in memory (what genra_clip_bench
//              measures), before, between and after the runs below;
//   pipeline:  images/s of EmbedWorkspaceJob over a small and a large dataset (decode, preprocess,
//              model, store), from its start to its last stored row, and peak resident memory of
//              each run (VmHWM reset between runs), to show that memory stays flat as N grows.
//
// Usage: genra_embed_stream_bench [--small N] [--large N] [--batch N] [--size PX]
//                                 [--reference-batches N] [--preset NAME] [--dir DIR] [--device cpu|cuda]
#include "core/data/importers.h"
#include "core/data/shapes.h"
#include "core/jobs/job.h"
#include "core/model/clip.h"
#include "core/model/embed.h"
#include "core/model/model_store.h"
#include "core/store/workspace.h"
#include "core/util/threads.h"

#include <torch/cuda.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <sys/resource.h>
#include <unistd.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

using namespace genra;
namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;

double seconds(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// CPU seconds this process (every thread) has used.
double cpuSeconds() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
           1e-6 * static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec);
}

// A memory line of /proc/self/status in MiB ("VmHWM:" the peak resident set since the last
// resetPeak(), "VmRSS:" the resident set now); -1 where there is none.
double statusMiB(const std::string& key) {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind(key, 0) == 0) return std::atof(line.c_str() + key.size()) / 1024.0;
    }
    return -1.0;
}
double peakRssMiB() {
    return statusMiB("VmHWM:");
}
double rssMiB() {
    return statusMiB("VmRSS:");
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
    // Long runs (100k images take over an hour here) report every tenth on stderr.
    void progress(double fraction, const std::string&) override {
        const int tenth = static_cast<int>(fraction * 10.0);
        if (tenth > lastTenth_ && tenth < 10) {
            lastTenth_ = tenth;
            std::fprintf(stderr, "  %d%%, resident %.0f MiB\n", 10 * tenth, rssMiB());
        }
    }
    void metric(std::int64_t, const std::string&, double) override {}
    void log(jobs::LogLevel level, const std::string& line) override {
        if (level != jobs::LogLevel::Info) std::fprintf(stderr, "  %s\n", line.c_str());
    }
    bool cancelled() const override { return false; }

private:
    int lastTenth_ = 0;
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
    double startMiB = 0.0;  // resident when the job started
    double imagesPerS = 0.0;
    double cpuSecondsPerImage = 0.0;
    double peakMiB = 0.0;
    std::size_t stored = 0;
    std::size_t commits = 0;
};

PipelineResult runPipeline(const fs::path& ws, const std::string& dataset, int batch, const std::string& device) {
    const bool reset = resetPeak();
    const double startMiB = rssMiB();
    model::EmbedWorkspaceOptions options;
    options.workspace = ws;
    options.model = "vit-b-32-random";
    options.dataset = dataset;
    options.captions = false;
    options.generatedImages = false;
    options.device = device;
    options.batchSize = batch;
    model::EmbedWorkspaceJob job(options);
    QuietContext context;
    const auto start = Clock::now();
    const double cpuStart = cpuSeconds();
    job.run(context);
    PipelineResult result;
    result.startMiB = startMiB;
    result.imagesPerS = static_cast<double>(job.written()) / seconds(start);
    result.cpuSecondsPerImage = (cpuSeconds() - cpuStart) / static_cast<double>(job.written());
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
    std::string deviceName = "cpu";
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
        else if (arg == "--device" && i + 1 < argc) deviceName = argv[++i];
        else {
            std::cerr << "usage: genra_embed_stream_bench [--small N] [--large N] [--batch N] [--size PX]\n"
                         "                                [--reference-batches N] [--preset NAME] [--dir DIR] [--device cpu|cuda]\n";
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
    const auto device = model::resolveDevice(deviceName);
    auto synchronize = [&] {
        if (device.is_cuda()) torch::cuda::synchronize();
    };

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
    // glibc keeps the heap the setup freed (before the importers streamed their JSON, 2.5 GiB at
    // 100k Shapes images), which would hide or fake growth in the runs' resident memory.
    const double setupMiB = rssMiB();
#if defined(__GLIBC__)
    malloc_trim(0);
#endif
    std::printf("%s, ", device.str().c_str());
    std::printf("%s random weights, %d-px Shapes images (%d + %d), batch %d, threads %d; setup %.0f s\n", preset.c_str(),
                size, small, large, batch, threads, seconds(setupStart));
    std::printf("resident after setup %.0f MiB, after returning freed memory %.0f MiB\n", setupMiB, rssMiB());

    // The reference: encodeImage on a batch already in memory, as genra_clip_bench times it.
    double referenceCpuPerImage = 0.0;  // of the last reference() call
    auto reference = [&] {
        torch::manual_seed(0);
        model::ClipModel clip(config);
        clip->eval();
        clip->to(device);
        torch::NoGradGuard noGrad;
        const auto images = torch::randn({batch, 3, config.imageResolution, config.imageResolution}).to(device);
        clip->encodeImage(images);
        synchronize();
        const auto start = Clock::now();
        const double cpuStart = cpuSeconds();
        for (int i = 0; i < referenceBatches; ++i) clip->encodeImage(images);
        synchronize();
        referenceCpuPerImage = (cpuSeconds() - cpuStart) / (static_cast<double>(batch) * referenceBatches);
        return static_cast<double>(batch) * referenceBatches / seconds(start);
    };
    const double before = reference();
    double referenceCpu = referenceCpuPerImage;
    std::printf("reference (encodeImage, batch in memory)  %8.2f images/s, %.3f CPU s/image\n", before, referenceCpuPerImage);
    const auto smallRun = runPipeline(ws, "small", batch, deviceName);
    std::printf(
        "genra embed --workspace, %6d images     %8.2f images/s, %.3f CPU s/image, peak RSS %7.0f MiB (%.0f "
        "at start), %zu commits\n",
        small, smallRun.imagesPerS, smallRun.cpuSecondsPerImage, smallRun.peakMiB, smallRun.startMiB,
        smallRun.commits);
    const double between = reference();
    referenceCpu += referenceCpuPerImage;
    std::printf("reference again                            %8.2f images/s, %.3f CPU s/image\n", between, referenceCpuPerImage);
    const auto largeRun = runPipeline(ws, "large", batch, deviceName);
    std::printf(
        "genra embed --workspace, %6d images     %8.2f images/s, %.3f CPU s/image, peak RSS %7.0f MiB (%.0f "
        "at start), %zu commits\n",
        large, largeRun.imagesPerS, largeRun.cpuSecondsPerImage, largeRun.peakMiB, largeRun.startMiB,
        largeRun.commits);
    const double after = reference();
    referenceCpu = (referenceCpu + referenceCpuPerImage) / 3.0;
    std::printf("reference again                            %8.2f images/s, %.3f CPU s/image\n", after, referenceCpuPerImage);
    // Each run against the mean of the references taken just before and just after it, as the load
    // of a shared machine drifts.
    std::printf("ratio embed/reference: %d images %.3f, %d images %.3f (each against the references around it)\n", small,
                smallRun.imagesPerS / (0.5 * (before + between)), large, largeRun.imagesPerS / (0.5 * (between + after)));
    // On a shared machine the wall-clock rates follow the neighbours' load; CPU time per image does
    // not, and on a compute-bound CPU throughput is cores / CPU time per image.
    std::printf("ratio by CPU time (reference CPU s/image / embed CPU s/image): %d images %.3f, %d images %.3f\n", small,
                referenceCpu / smallRun.cpuSecondsPerImage, large, referenceCpu / largeRun.cpuSecondsPerImage);
    if (smallRun.peakMiB > 0 && largeRun.peakMiB > 0) {
        std::printf("peak RSS %d -> %d images: %.0f -> %.0f MiB (x%.2f for x%.1f images)\n", small, large, smallRun.peakMiB,
                    largeRun.peakMiB, largeRun.peakMiB / smallRun.peakMiB, static_cast<double>(large) / small);
    }
    if (temporary) fs::remove_all(dir);
    return 0;
}

int main(int argc, char** argv) {
    ensurePassiveOpenMp(argv);  // as genra does: idle OpenMP threads must not spin between batches
    std::setvbuf(stdout, nullptr, _IOLBF, 0);  // each line as it comes, also into a file
    try {
        return run(argc, argv);
    } catch (const std::exception& e) {
        std::cerr << "genra_embed_stream_bench: " << e.what() << "\n";
        return 1;
    }
}
