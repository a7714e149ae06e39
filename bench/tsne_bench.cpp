// t-SNE against scikit-learn's TSNE on the same data: deterministic Gaussian blobs (10 clusters in
// 50-D) saved as .npy, scikit-learn run by /usr/bin/python3 in a subprocess that times only
// fit_transform and reports kl_divergence_. Both use perplexity 30, PCA init, learning rate 'auto',
// 1000 iterations, Barnes-Hut with theta 0.5 and every core; at sizes up to 2000 our exact method
// (what `auto` picks there) is timed as well, and at every size the FFT-interpolation method (FIt-SNE),
// with its time and KL as ratios against our Barnes-Hut in the same run. With --torch DEVICE, the
// tensor method (the FFT scheme as LibTorch operations: the CUDA t-SNE) runs on DEVICE too, with its
// time and KL as ratios against our FFT method in the same run.
//
//   genra_tsne_bench [--sizes 1000,10000,50000] [--sklearn-max N] [--bh-max N] [--exact-kl-max N]
//                    [--threads T] [--dims D] [--iterations I] [--fft-boxes-per-unit B]
//                    [--torch cpu|cuda]
//
// Up to --exact-kl-max points (20,000 by default: it takes O(N^2)), every map's KL is also measured
// the same way for all: over one P (ours, exact neighbours) with Q normalised by the exact sum over
// all pairs, so that the maps are compared rather than the methods' estimates of Z.
//
// --sklearn-max skips scikit-learn above N points (it can take many minutes at 50k on 2 cores);
// --bh-max skips our Barnes-Hut above N points (for a million-point FFT run alone).
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "core/data/npy.h"
#include "core/eval/tsne.h"
#include "core/eval/tsne_internal.h"
#include "core/eval/tsne_pool.h"
#include "core/util/random.h"
#include "core/util/threads.h"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

const char* kPython = "/usr/bin/python3";

const char* kSklearnScript = R"PY(
import json, sys, time
import numpy as np
from sklearn.manifold import TSNE
x = np.load(sys.argv[1])
tsne = TSNE(n_components=2, perplexity=30.0, init="pca", learning_rate="auto", method="barnes_hut",
            angle=0.5, random_state=0)
start = time.perf_counter()
cpu = time.process_time()
y = tsne.fit_transform(x)
seconds = time.perf_counter() - start
cpu = time.process_time() - cpu
np.save(sys.argv[2], y.astype(np.float32))
print(json.dumps({"seconds": seconds, "cpu": cpu, "kl": float(tsne.kl_divergence_), "iterations": int(tsne.n_iter_)}))
)PY";

// Blobs from our own generator (SplitMix64 + Box-Muller) so the data never depends on a library's
// distribution code.
torch::Tensor makeBlobs(std::int64_t points, std::int64_t dims, int clusters) {
    genra::util::SplitMix64 rng(12345);
    auto normal = [&] { return rng.normal(); };
    std::vector<double> centres(static_cast<std::size_t>(clusters * dims));
    for (auto& c : centres) c = 4.0 * normal();
    auto x = torch::empty({points, dims}, torch::kFloat);
    float* p = x.data_ptr<float>();
    for (std::int64_t i = 0; i < points; ++i)
        for (std::int64_t d = 0; d < dims; ++d)
            p[i * dims + d] =
                static_cast<float>(centres[static_cast<std::size_t>((i % clusters) * dims + d)] + normal());
    return x;
}

std::string capture(const std::vector<std::string>& argv, int& exitCode) {
    int pipeFds[2];
    if (pipe(pipeFds) != 0) return {};
    const pid_t pid = fork();
    if (pid == 0) {
        dup2(pipeFds[1], 1);
        close(pipeFds[0]);
        close(pipeFds[1]);
        std::vector<char*> args;
        for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        execv(args[0], args.data());
        _exit(127);
    }
    close(pipeFds[1]);
    std::string out;
    char buf[4096];
    ssize_t got = 0;
    while ((got = read(pipeFds[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(got));
    close(pipeFds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return out;
}

double cpuSeconds() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
           1e-6 * static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec);
}

struct Run {
    double seconds = 0.0;
    double cpuSeconds = 0.0;  // all threads together
    double kl = 0.0;          // as the method reports it (Z approximated its own way)
    torch::Tensor map;        // [N, 2]
    bool ok = false;
};

// KL(P || Q) of `map` with the same P for every method (ours over the 3 x perplexity exact nearest
// neighbours, as both libraries build it) and Q's normalisation Z summed exactly over all pairs:
// the methods' own KL figures each approximate Z their own way (quadtree, grid), which moves the
// figure by as much as the maps differ.
double exactKl(const torch::Tensor& x, const torch::Tensor& map, int threads) {
    namespace td = genra::eval::tsne_detail;
    genra::eval::TsneOptions options;
    options.exactNeighboursMaxPoints = std::numeric_limits<std::int64_t>::max();
    td::WorkerPool pool(threads);
    const td::Progress quiet;
    const auto data = x.to(torch::kFloat).contiguous();
    const std::int64_t n = data.size(0);
    const td::CsrP p = td::knnAffinities(data.data_ptr<float>(), n, data.size(1), options, pool, quiet);
    const auto y = map.to(torch::kDouble).contiguous();
    const double* py = y.data_ptr<double>();
    std::vector<double> rowZ(static_cast<std::size_t>(n), 0.0);
    std::vector<double> rowKl(static_cast<std::size_t>(n), 0.0);
    pool.forRange(n, 64, [&](std::int64_t begin, std::int64_t end) {
        for (std::int64_t i = begin; i < end; ++i) {
            double z = 0.0;
            for (std::int64_t j = 0; j < n; ++j) {
                const double dx = py[2 * i] - py[2 * j];
                const double dy = py[2 * i + 1] - py[2 * j + 1];
                z += j == i ? 0.0 : 1.0 / (1.0 + dx * dx + dy * dy);
            }
            rowZ[static_cast<std::size_t>(i)] = z;
        }
    });
    double z = 0.0;
    for (const double v : rowZ) z += v;
    double kl = 0.0;
    for (std::int64_t i = 0; i < n; ++i) {
        for (auto e = p.rowStart[static_cast<std::size_t>(i)];
             e < p.rowStart[static_cast<std::size_t>(i) + 1]; ++e) {
            const auto j = p.columns[static_cast<std::size_t>(e)];
            const double pij = p.values[static_cast<std::size_t>(e)];
            if (pij <= 0.0) continue;
            const double dx = py[2 * i] - py[2 * j];
            const double dy = py[2 * i + 1] - py[2 * j + 1];
            kl += pij * std::log(pij * z * (1.0 + dx * dx + dy * dy));
        }
    }
    return kl;
}

double fftBoxesPerUnit = genra::eval::TsneOptions{}.fftBoxesPerUnit;

Run runOurs(const torch::Tensor& x, genra::eval::TsneMethod method, int threads, int iterations,
           torch::Device device = torch::kCPU) {
    genra::eval::TsneOptions options;
    options.device = device;
    options.fftBoxesPerUnit = fftBoxesPerUnit;
    options.method = method;
    options.threads = threads;
    options.iterations = iterations;
    const auto start = Clock::now();
    const double cpuStart = cpuSeconds();
    const auto result = genra::eval::runTsne(x, options);
    Run run;
    run.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    run.cpuSeconds = cpuSeconds() - cpuStart;
    run.kl = result.klDivergence;
    run.map = result.embedding;
    run.ok = true;
    return run;
}

Run runSklearn(const fs::path& npy) {
    int code = 0;
    const auto mapPath = fs::path(npy).replace_extension(".map.npy");
    const auto out = capture({kPython, "-c", kSklearnScript, npy.string(), mapPath.string()}, code);
    Run run;
    if (code != 0) return run;
    try {
        const auto line = out.substr(out.rfind('{'));
        const auto json = nlohmann::json::parse(line);
        run.seconds = json["seconds"].get<double>();
        run.cpuSeconds = json["cpu"].get<double>();
        run.kl = json["kl"].get<double>();
        run.map = genra::data::readNpy(mapPath);
        run.ok = true;
    } catch (const std::exception&) {
    }
    return run;
}

std::vector<std::int64_t> parseSizes(const std::string& text) {
    std::vector<std::int64_t> sizes;
    std::stringstream in(text);
    std::string item;
    while (std::getline(in, item, ',')) sizes.push_back(std::stoll(item));
    return sizes;
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::int64_t> sizes{1000, 10000, 50000};
    std::int64_t sklearnMax = 50000;
    std::int64_t bhMax = std::numeric_limits<std::int64_t>::max();
    std::int64_t exactKlMax = 20000;
    std::int64_t dims = 50;
    int iterations = 1000;
    int threads = 0;
    std::string torchDevice;  // empty: no tensor-method run
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--sizes" && i + 1 < argc) {
            sizes = parseSizes(argv[++i]);
        } else if (arg == "--sklearn-max" && i + 1 < argc) {
            sklearnMax = std::stoll(argv[++i]);
        } else if (arg == "--bh-max" && i + 1 < argc) {
            bhMax = std::stoll(argv[++i]);
        } else if (arg == "--exact-kl-max" && i + 1 < argc) {
            exactKlMax = std::stoll(argv[++i]);
        } else if (arg == "--fft-boxes-per-unit" && i + 1 < argc) {
            fftBoxesPerUnit = std::stod(argv[++i]);
        } else if (arg == "--dims" && i + 1 < argc) {
            dims = std::stoll(argv[++i]);
        } else if (arg == "--iterations" && i + 1 < argc) {
            iterations = std::atoi(argv[++i]);
        } else if (arg == "--threads" && i + 1 < argc) {
            threads = std::atoi(argv[++i]);
        } else if (arg == "--torch" && i + 1 < argc) {
            torchDevice = argv[++i];
        } else {
            std::fprintf(
                stderr,
                "usage: %s [--sizes 1000,10000,50000] [--sklearn-max N] [--bh-max N] [--exact-kl-max N] "
                "[--threads T] [--dims D] [--iterations I] [--fft-boxes-per-unit B] [--torch cpu|cuda]\n",
                argv[0]);
            return 2;
        }
    }
    threads = genra::configureThreads(threads);
    if (!torchDevice.empty() && torchDevice.rfind("cuda", 0) == 0 && !torch::cuda::is_available()) {
        std::fprintf(stderr, "--torch %s: LibTorch sees no usable CUDA device\n", torchDevice.c_str());
        return 2;
    }
    const fs::path dir = fs::temp_directory_path() / ("genra-bench-tsne-" + std::to_string(getpid()));
    fs::create_directories(dir);

    std::printf("t-SNE vs scikit-learn: 10 blobs in %lld-D, perplexity 30, %d iterations, %d threads\n",
                static_cast<long long>(dims), iterations, threads);
    if (iterations != 1000) std::printf("(scikit-learn always runs 1000 iterations)\n");
    // Wall time is what a user waits; CPU time (all threads) is what the work costs, and is the
    // steadier figure on a shared machine: OpenMP's spinning threads make scikit-learn's wall time
    // balloon when other processes hold cores.
    std::printf("%8s  %-10s %9s %9s %7s %9s %9s %7s  %9s %9s %7s\n", "points", "method", "ours [s]",
                "sklearn", "ratio", "ours cpu", "sklearn", "ratio", "KL ours", "sklearn", "KL diff");
    for (const auto points : sizes) {
        const auto x = makeBlobs(points, dims, 10);
        const auto npy = dir / ("blobs" + std::to_string(points) + ".npy");
        Run sklearn;
        if (points <= sklearnMax) {
            genra::data::writeNpy(npy, x);
            sklearn = runSklearn(npy);
        }
        std::vector<genra::eval::TsneMethod> methods;
        if (points <= bhMax) methods.push_back(genra::eval::TsneMethod::BarnesHut);
        if (points <= 2000) methods.push_back(genra::eval::TsneMethod::Exact);
        methods.push_back(genra::eval::TsneMethod::Fft);
        if (!torchDevice.empty()) methods.push_back(genra::eval::TsneMethod::Torch);
        Run barnesHut;
        Run fft;
        for (const auto method : methods) {
            const bool tensor = method == genra::eval::TsneMethod::Torch;
            const Run ours = runOurs(x, method, threads, iterations,
                                     tensor ? torch::Device(torchDevice) : torch::Device(torch::kCPU));
            if (method == genra::eval::TsneMethod::BarnesHut) barnesHut = ours;
            if (method == genra::eval::TsneMethod::Fft) fft = ours;
            if (sklearn.ok) {
                std::printf("%8lld  %-10s %9.2f %9.2f %6.1fx %9.2f %9.2f %6.1fx  %9.4f %9.4f %+6.1f%%\n",
                            static_cast<long long>(points), genra::eval::toString(method), ours.seconds,
                            sklearn.seconds, sklearn.seconds / ours.seconds, ours.cpuSeconds,
                            sklearn.cpuSeconds, sklearn.cpuSeconds / ours.cpuSeconds, ours.kl, sklearn.kl,
                            100.0 * (ours.kl - sklearn.kl) / sklearn.kl);
            } else {
                std::printf("%8lld  %-10s %9.2f %9s %7s %9.2f %9s %7s  %9.4f %9s %7s\n",
                            static_cast<long long>(points), genra::eval::toString(method), ours.seconds,
                            points <= sklearnMax ? "failed" : "skipped", "-", ours.cpuSeconds, "-", "-",
                            ours.kl, "-", "-");
            }
            if (points <= exactKlMax) {
                const double ourKl = exactKl(x, ours.map, threads);
                if (sklearn.ok) {
                    const double theirKl = exactKl(x, sklearn.map, threads);
                    std::printf(
                        "%8s  %-10s KL with exact Z (same P for both): ours %.4f, scikit-learn %.4f "
                        "(%+.1f%%)\n",
                        "", genra::eval::toString(method), ourKl, theirKl,
                        100.0 * (ourKl - theirKl) / theirKl);
                } else {
                    std::printf("%8s  %-10s KL with exact Z: %.4f\n", "", genra::eval::toString(method),
                                ourKl);
                }
            }
            if (tensor && fft.ok) {
                std::printf("%8s  %-10s on %s vs our FFT on the CPU: %.2fx its speed (wall), KL %.4fx its KL\n", "",
                            genra::eval::toString(method), torchDevice.c_str(), fft.seconds / ours.seconds,
                            ours.kl / fft.kl);
            }
            if (method != genra::eval::TsneMethod::BarnesHut && barnesHut.ok) {
                std::printf("%8s  %-10s vs our Barnes-Hut: %.2fx its speed (wall), %.2fx (cpu), KL %.4fx its KL\n", "",
                            genra::eval::toString(method), barnesHut.seconds / ours.seconds,
                            barnesHut.cpuSeconds / ours.cpuSeconds, ours.kl / barnesHut.kl);
            }
            std::fflush(stdout);
        }
    }
    std::error_code ec;
    fs::remove_all(dir, ec);
    return 0;
}
