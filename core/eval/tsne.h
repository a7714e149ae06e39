// t-SNE: 2-D maps of embedding sets (real vs generated images, per-class clusters).
// Three methods share one optimiser, both following the recipe of van der Maaten's papers as
// scikit-learn's TSNE does, so maps and KL divergences are comparable with that reference:
//  - exact: dense affinities and a dense Student-t kernel as LibTorch tensors (runs on CUDA when
//    asked), O(N^2) memory, for small sets;
//  - Barnes-Hut: sparse affinities over the 3 x perplexity nearest neighbours (exact: brute force,
//    or a vantage-point tree in few dimensions) and repulsive forces summarised by a quadtree
//    (theta), O(N log N) per iteration, multi-threaded and deterministic;
//  - FFT (FIt-SNE's interpolation): the same sparse affinities, with approximate neighbours (HNSW)
//    on large sets, and repulsion interpolated on an equispaced grid and convolved by FFT, O(N) per
//    iteration: what `auto` picks for large sets on the CPU;
//  - torch: the FFT method's affinities and interpolation scheme with every iteration (attraction,
//    spreading, the FFT through torch::fft, gradient step with momentum and gains) as LibTorch
//    tensor operations on options.device: the CUDA t-SNE, and what `auto` picks for large sets when
//    options.device is a CUDA device. It runs on the CPU device too (slower than fft there).
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <filesystem>
#include <string>

#include "core/jobs/job.h"

namespace genra::eval {

enum class TsneMethod { Auto = 1, Exact, BarnesHut, Fft, Torch };
enum class TsneInit { Pca = 1, Random };

const char* toString(TsneMethod method);
// Parses "auto", "exact", "barnes_hut" (also "bh", "barnes-hut"), "fft" (also "fit-sne"), "torch";
// throws genra::Error.
TsneMethod parseTsneMethod(const std::string& text);

struct TsneOptions {
    double perplexity = 30.0;
    int iterations = 1000;   // including the early-exaggeration iterations
    std::uint64_t seed = 0;  // random init, vantage-point choice and the HNSW graph's levels
    TsneMethod method = TsneMethod::Auto;
    // Auto picks exact up to this many points: beyond, O(N^2) memory and time stop paying off.
    std::int64_t exactMaxPoints = 2000;
    // ... Barnes-Hut up to this many, FFT beyond (see docs/benchmarks.md for where they cross).
    std::int64_t barnesHutMaxPoints = 5000;
    // FFT method: exact neighbours (brute force; a vantage-point tree below 8 dimensions) up to this
    // many points, HNSW beyond.
    std::int64_t exactNeighboursMaxPoints = 20000;
    int fftNodesPerBox = 3;  // interpolation nodes per grid box and axis
    // Grid boxes per unit of map extent (at least 20 per axis; 3 nodes each by default). FIt-SNE's
    // 1.0 gives ~2 % RMS error in the repulsive forces, 0.5 ~12 % (and a KL 1-3 % above Barnes-Hut's)
    // for a quarter of the FFT work; 0.7 is between (docs/benchmarks.md).
    double fftBoxesPerUnit = 0.7;
    // > 0: first project the data on its first pcaDims principal components (when it has more).
    std::int64_t pcaDims = 0;
    // > 0: after the early exaggeration, stop once the KL divergence (checked every 50 iterations)
    // fell by less than this fraction of itself since the last check.
    double klStopTolerance = 0.0;
    double theta = 0.5;  // Barnes-Hut opening angle; 0 makes every interaction exact (slow)
    int threads = 0;     // Barnes-Hut/FFT worker threads; 0 = LibTorch's intra-op thread count
    TsneInit init = TsneInit::Pca;
    double earlyExaggeration = 12.0;
    int exaggerationIterations = 250;
    double learningRate = 0.0;  // <= 0: scikit-learn's 'auto', max(N / exaggeration / 4, 50)
    // Where the exact method's dense matrices and the torch method's tensors live; with a CUDA
    // device, auto picks exact up to exactMaxPoints and torch beyond. Barnes-Hut and FFT always run
    // on the CPU. A CUDA device without a usable CUDA runtime is an error.
    torch::Device device = torch::kCPU;
};

struct TsneResult {
    torch::Tensor embedding;  // float32 [N, 2], CPU
    // KL(P || Q) of the returned embedding. Exact: over the dense P (entries floored at machine
    // epsilon, as scikit-learn does). Barnes-Hut: over the sparse P, with the normalisation Z of Q
    // taken from the quadtree estimate — the value scikit-learn reports as kl_divergence_. FFT: over
    // the sparse P, with Z from the grid interpolation.
    double klDivergence = 0.0;
    TsneMethod method = TsneMethod::Exact;  // the one actually used
    double learningRate = 0.0;
    int iterations = 0;  // run, fewer than asked when klStopTolerance stopped early
};

// Runs t-SNE on data [N, D] (any floating dtype, any device). Reports progress, metric
// "tsne/kl_divergence" every 50 iterations, and checks cancellation between iterations when a
// context is given. Same input, options and thread counts give bitwise the same result; the
// Barnes-Hut and FFT results do not even depend on options.threads (LibTorch's own thread count,
// used by the PCA and the dense affinities, can change the last bits). The torch method is
// reproducible on the same device and thread count (no atomics: sorted segment sums).
// Throws genra::Error for input t-SNE cannot use: not 2-D, NaN/Inf, or too few points for the
// perplexity (needs N - 1 >= 3 x perplexity).
TsneResult runTsne(const torch::Tensor& data, const TsneOptions& options,
                   jobs::JobContext* context = nullptr);

// The per-point calibration step: for each row of squared distances [N, K] to candidate
// neighbours, the conditional probabilities p(j|i) = exp(-beta_i d_ij) / sum, with beta_i found by
// bisection so that the row's Shannon entropy (natural log) equals log(perplexity) within
// `entropyTolerance` (or until 100 steps). Returns float64 [N, K], rows summing to 1.
torch::Tensor calibrateAffinities(const torch::Tensor& squaredDistances, double perplexity,
                                  double entropyTolerance = 1e-5);

// The exact gradient dKL/dy = 4 sum_j (e P_ij - Q_ij) W_ij (y_i - y_j), W = 1 / (1 + |y_i - y_j|^2),
// Q = W / sum(W), e the exaggeration, as tensor operations on p's and y's device: what the exact
// method runs when options.device is not the CPU (the CPU uses an equivalent fused loop). p is a
// symmetric [N, N] with zero diagonal, y [N, 2]; both float64. Fills *kl with KL(eP || Q) when given.
torch::Tensor exactTsneGradient(const torch::Tensor& p, const torch::Tensor& y, double exaggeration = 1.0,
                                double* kl = nullptr);

// data [N, D] projected on its first `dims` principal components (largest variance first):
// float32 [N, dims] on the CPU, centred. The covariance is accumulated in float64 over row blocks, so
// memory stays at the output's size plus one block even for millions of rows. Requires
// 1 <= dims <= D; throws genra::Error otherwise.
torch::Tensor pcaProject(const torch::Tensor& data, std::int64_t dims);

// The largest perplexity N points can take (floor((N - 1) / 3)), for error messages and callers
// that shrink the perplexity on tiny sets.
double maxTsnePerplexity(std::int64_t points);

// `genra tsne`: reads X.npy [N, D], writes the float32 [N, 2] map to Y.npy.
class TsneJob : public jobs::Job {
public:
    TsneJob(std::filesystem::path input, std::filesystem::path output, TsneOptions options);
    std::string name() const override { return "tsne"; }
    bool run(jobs::JobContext& context) override;
    const TsneResult& result() const { return result_; }

private:
    std::filesystem::path input_;
    std::filesystem::path output_;
    TsneOptions options_;
    TsneResult result_;
};

}  // namespace genra::eval
