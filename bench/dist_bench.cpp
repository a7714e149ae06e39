// Data-parallel training speed: steps/s of CLIP pre-training (the tiny-conv preset on Shapes) with
// 1 process and with N processes (c10d Gloo over loopback, launched as `genra train --nproc N`
// launches: this program re-executed with RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT), same global
// batch, each process with cores / N LibTorch threads. Prints both rates and their ratio; the
// reference is the 1-process run measured in the same invocation.
//
// Usage: genra_dist_bench [--nproc N] [--steps S] [--batch B] [--image-size PX] [--shapes COUNT]
// Steps/s is the median over the steps after the first five of images_per_s / batch (each step's
// time on rank 0, which includes waiting for the other ranks); the whole run's wall time (start-up,
// vocabulary, data loading, every step) is printed beside it, as a ratio too.
#include "core/data/importers.h"
#include "core/data/shapes.h"
#include "core/jobs/job.h"
#include "core/store/runs.h"
#include "core/store/workspace.h"
#include "core/train/distributed.h"
#include "core/train/recipe.h"
#include "core/train/trainer.h"
#include "core/util/error.h"
#include "core/util/threads.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

using namespace genra;
namespace fs = std::filesystem;

namespace {

class Silent : public jobs::JobContext {
public:
    void progress(double, const std::string&) override {}
    void metric(std::int64_t, const std::string&, double) override {}
    void log(jobs::LogLevel level, const std::string& line) override {
        if (level != jobs::LogLevel::Info) std::fprintf(stderr, "%s\n", line.c_str());
    }
    bool cancelled() const override { return false; }
};

int child(const fs::path& ws, const std::string& recipeJson, const std::string& name, int threads) {
    configureThreads(threads);
    train::TrainJob job(ws, train::parseRecipe(nlohmann::json::parse(recipeJson)), name);
    job.setDryRun(true);
    Silent quiet;
    const auto result = jobs::runJob(job, quiet);
    if (result.status != jobs::JobStatus::Succeeded) {
        std::fprintf(stderr, "rank failed: %s\n", result.error.c_str());
        return 1;
    }
    return 0;
}

double stepsPerSecond(const fs::path& ws, const std::string& run, int batch) {
    auto w = store::Workspace::open(ws, store::Db::Mode::ReadOnly);
    std::vector<double> rates;
    for (const auto& [step, imagesPerSecond] : store::runMetricSeries(w, run, "images_per_s"))
        if (step > 5) rates.push_back(imagesPerSecond / batch);
    if (rates.empty()) throw Error("run " + run + " stored no images_per_s");
    std::nth_element(rates.begin(), rates.begin() + static_cast<std::ptrdiff_t>(rates.size() / 2), rates.end());
    return rates[rates.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
    ensurePassiveOpenMp(argv);
    try {
        if (argc == 6 && std::strcmp(argv[1], "--child") == 0) return child(argv[2], argv[3], argv[4], std::stoi(argv[5]));
        int nproc = 2, steps = 40, batch = 32, imageSize = 32, shapes = 400;
        for (int i = 1; i + 1 < argc; i += 2) {
            const std::string flag = argv[i];
            const int value = std::stoi(argv[i + 1]);
            if (flag == "--nproc") nproc = value;
            else if (flag == "--steps") steps = value;
            else if (flag == "--batch") batch = value;
            else if (flag == "--image-size") imageSize = value;
            else if (flag == "--shapes") shapes = value;
            else throw Error("unknown option " + flag);
        }
        const fs::path dir = fs::temp_directory_path() / ("genra-dist-bench-" + std::to_string(::getpid()));
        fs::create_directories(dir);
        data::MakeShapesOptions mo;
        mo.outDir = dir / "shapes";
        mo.count = shapes;
        mo.imageSize = imageSize;
        Silent quiet;
        data::MakeShapesJob make(mo);
        if (jobs::runJob(make, quiet).status != jobs::JobStatus::Succeeded) throw Error("make-shapes failed");
        store::Workspace::create(dir / "ws");
        data::KarpathyImportJob import(data::shapesImportOptions(dir / "ws", mo.outDir));
        if (jobs::runJob(import, quiet).status != jobs::JobStatus::Succeeded) throw Error("import failed");

        auto recipe = train::pretrainRecipeJson("shapes", "pretrain", steps, batch, 1e-3);
        recipe["image_size"] = imageSize;
        recipe["workers"] = 1;
        const std::string self = fs::read_symlink("/proc/self/exe").string();
        std::printf("CLIP pre-training, tiny-conv, %d px, global batch %d, %d steps, %d hardware threads\n", imageSize,
                    batch, steps, hardwareThreads());
        double reference = 0.0;
        double referenceWall = 0.0;
        for (int n : {1, nproc}) {
            const std::string name = "np" + std::to_string(n);
            const int threads = std::max(1, hardwareThreads() / n);
            const auto start = std::chrono::steady_clock::now();
            const int code = train::launchLocalProcesses({self, "--child", (dir / "ws").string(), recipe.dump(), name,
                                                          std::to_string(threads)},
                                                         n);
            if (code != 0) throw Error(std::to_string(n) + " processes: a rank exited with code " + std::to_string(code));
            const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
            const double rate = stepsPerSecond(dir / "ws", name, batch);
            if (n == 1) reference = rate, referenceWall = wall;
            std::printf("%d process%s x %d threads: %.2f steps/s (%.2fx the 1-process rate); whole run %.1f s with start-up "
                        "(%.2fx)\n",
                        n, n == 1 ? "  " : "es", threads, rate, rate / reference, wall, referenceWall / wall);
        }
        fs::remove_all(dir);
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "genra_dist_bench: %s\n", e.what());
        return 1;
    }
}
