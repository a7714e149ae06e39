// The tensor t-SNE (TsneMethod::Torch): on the CPU device against the hand-written FFT method (the
// same P and interpolation scheme, so the first iterations give nearly the same map) and the device
// checks; on a CUDA device, when LibTorch sees one, against the CPU result (skipped otherwise;
// `genra_core_tests "[cuda]"` on a GPU machine, as scripts/cuda-check runs it). Its final KL and
// clusters, reproducibility, cancellation and early stopping are checked with the FFT method's in
// tsne_fft_test.cpp.
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <iostream>

#include "core/eval/tsne.h"
#include "core/util/error.h"
#include "support/test_support.h"
#include "tsne_support.h"

using namespace genra;
using namespace genra::eval;
using genra::test::clustered;
using genra::test::labelAgreement;

namespace {

double seconds(const std::chrono::steady_clock::time_point& since) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

}  // namespace

TEST_CASE("tensor t-SNE on the CPU device follows the FFT method step by step", "[tsne][torch]") {
    // Same P, same PCA init, same interpolation grid: after 10 iterations the two maps differ only
    // by float32 rounding (attraction and grid), ~1e-4 of the map's extent. (Later the descent
    // amplifies any difference chaotically, even between the FFT and the exact gradient.)
    const auto x = clustered(5, 200, 12, 5, 3.0);
    TsneOptions options;
    options.iterations = 10;
    options.threads = 2;
    options.method = TsneMethod::Fft;
    const auto fft = runTsne(x, options);
    options.method = TsneMethod::Torch;
    const auto tensor = runTsne(x, options);
    CHECK(tensor.method == TsneMethod::Torch);
    CHECK(tensor.learningRate == fft.learningRate);
    const double scale = fft.embedding.abs().max().item<double>();
    const double diff = (tensor.embedding - fft.embedding).abs().max().item<double>();
    INFO("map extent " << scale << ", largest coordinate difference " << diff << "; KL " << tensor.klDivergence
                       << " vs " << fft.klDivergence);
    CHECK(scale > 0.0);
    CHECK(diff < 1e-3 * scale);
    CHECK(tensor.klDivergence == Approx(fft.klDivergence).epsilon(1e-5));
}

TEST_CASE("t-SNE method and device checks", "[tsne][torch]") {
    CHECK(parseTsneMethod("torch") == TsneMethod::Torch);
    CHECK(std::string(toString(TsneMethod::Torch)) == "torch");
    CHECK_THROWS_WITH(parseTsneMethod("cuda"), Catch::Contains("torch"));
    if (torch::cuda::is_available()) return;  // the error below needs a machine without CUDA
    const auto x = clustered(2, 50, 4, 1, 4.0);
    TsneOptions options;
    options.perplexity = 5;
    options.device = torch::Device(torch::kCUDA);
    for (const auto method : {TsneMethod::Auto, TsneMethod::Torch, TsneMethod::Exact}) {
        options.method = method;
        CHECK_THROWS_WITH(runTsne(x, options), Catch::Contains("no usable CUDA device"));
    }
}

TEST_CASE("CUDA: tensor t-SNE matches the CPU result", "[cuda][tsne][torch]") {
    if (!test::cudaOrSkip("t-SNE on CUDA")) return;
    const std::int64_t clusters = 10;
    const auto x = clustered(clusters, 1000, 30, 33, 3.0);  // 10,000 points
    TsneOptions options;
    options.iterations = 1000;
    options.method = TsneMethod::Fft;
    auto start = std::chrono::steady_clock::now();
    const auto cpu = runTsne(x, options);
    const double cpuSeconds = seconds(start);
    options.device = torch::Device(torch::kCUDA);
    options.method = TsneMethod::Auto;  // on a CUDA device: torch beyond exactMaxPoints
    start = std::chrono::steady_clock::now();
    const auto gpu = runTsne(x, options);
    const double gpuSeconds = seconds(start);
    const auto again = runTsne(x, options);
    const double agreeGpu = labelAgreement(gpu.embedding, clusters);
    const double agreeCpu = labelAgreement(cpu.embedding, clusters);
    if (std::getenv("GENRA_TEST_VERBOSE") != nullptr)
        std::cout << "cuda: t-SNE 10k points, KL CUDA/CPU-FFT " << gpu.klDivergence / cpu.klDivergence
                  << ", kNN label agreement " << agreeGpu << " vs " << agreeCpu << ", " << gpuSeconds
                  << " s vs " << cpuSeconds << " s\n";
    INFO("KL: CUDA " << gpu.klDivergence << ", CPU FFT " << cpu.klDivergence << "; agreement " << agreeGpu << " vs "
                     << agreeCpu);
    CHECK(gpu.method == TsneMethod::Torch);
    CHECK(gpu.embedding.device().is_cpu());
    CHECK(torch::isfinite(gpu.embedding).all().item<bool>());
    CHECK(gpu.klDivergence <= 1.05 * cpu.klDivergence);
    CHECK(gpu.klDivergence >= 0.95 * cpu.klDivergence);
    CHECK(agreeGpu >= agreeCpu - 0.02);
    CHECK(torch::equal(gpu.embedding, again.embedding));  // same seed, same device: same map
}
