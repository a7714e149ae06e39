// The t-SNE optimiser both methods share, with the perplexity calibration and the initial map. It
// mirrors scikit-learn's TSNE (PCA init scaled to std 1e-4, early exaggeration, momentum
// 0.5 -> 0.8, gains, learning rate 'auto') so that results can be compared with it number for
// number; the code is our own.
#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "core/eval/tsne.h"
#include "core/eval/tsne_internal.h"
#include "core/util/error.h"
#include "core/util/random.h"
#include "core/util/shape_text.h"

namespace genra::eval {

namespace {

constexpr int kKlEvery = 50;
constexpr int kBisectionSteps = 100;
constexpr double kMomentumExplore = 0.5;
constexpr double kMomentumFinal = 0.8;

// ---- affinity calibration ----

// Bisection on the precision beta_i of one row. Distances are shifted by their minimum first: p is
// invariant to the shift, and it keeps exp() from underflowing to an all-zero row when distances
// are large (high-dimensional, unnormalised embeddings).
void calibrateRow(const double* distances, std::int64_t count, double targetEntropy, double tolerance,
                  double* out) {
    double minDistance = std::numeric_limits<double>::infinity();
    for (std::int64_t j = 0; j < count; ++j) minDistance = std::min(minDistance, distances[j]);
    double beta = 1.0;
    double betaLow = 0.0;
    double betaHigh = std::numeric_limits<double>::infinity();
    for (int step = 0; step < kBisectionSteps; ++step) {
        double sum = 0.0;
        double weighted = 0.0;
        for (std::int64_t j = 0; j < count; ++j) {
            const double shifted = distances[j] - minDistance;
            const double p = std::exp(-beta * shifted);
            out[j] = p;
            sum += p;
            weighted += shifted * p;
        }
        // sum >= 1: the nearest candidate contributes exp(0).
        const double entropy = std::log(sum) + beta * weighted / sum;
        for (std::int64_t j = 0; j < count; ++j) out[j] /= sum;
        const double diff = entropy - targetEntropy;
        if (std::fabs(diff) <= tolerance) break;
        if (diff > 0.0) {  // too flat: sharpen
            betaLow = beta;
            beta = std::isinf(betaHigh) ? beta * 2.0 : 0.5 * (beta + betaHigh);
        } else {
            betaHigh = beta;
            beta = 0.5 * (beta + betaLow);
        }
    }
}

}  // namespace

namespace tsne_detail {

namespace {

// ---- initialisation ----

// Projection on the first two principal components, sign-fixed (largest score of each component
// positive, as scikit-learn's svd_flip) and scaled so the first coordinate has std 1e-4.
torch::Tensor pcaInit(const torch::Tensor& data) {
    auto x = data.to(torch::kCPU, torch::kDouble);
    x = x - x.mean(0, true);
    const auto cov = x.t().mm(x);
    auto eig = torch::linalg_eigh(cov, "L");
    const auto& vectors = std::get<1>(eig);
    const auto dims = vectors.size(1);
    auto top = torch::stack({vectors.select(1, dims - 1), vectors.select(1, dims - 2)}, 1);
    auto y = x.mm(top);
    for (int c = 0; c < 2; ++c) {
        auto column = y.select(1, c);
        const auto at = column.abs().argmax().item<std::int64_t>();
        if (column[at].item<double>() < 0.0) column.neg_();
    }
    const double sd = y.select(1, 0).std(false).item<double>();
    if (sd > 0.0) y = y / sd * 1e-4;
    return y.contiguous();
}

torch::Tensor randomInit(std::int64_t points, std::uint64_t seed) {
    util::SplitMix64 rng(seed ^ 0x5453'4E45ULL);
    auto y = torch::empty({points, 2}, torch::kDouble);
    auto* p = y.data_ptr<double>();
    for (std::int64_t i = 0; i < points * 2; ++i) p[i] = 1e-4 * rng.normal();
    return y;
}

}  // namespace

double learningRateFor(std::int64_t points, const TsneOptions& options) {
    if (options.learningRate > 0.0) return options.learningRate;
    return std::max(static_cast<double>(points) / options.earlyExaggeration / 4.0, 50.0);
}

torch::Tensor initialEmbedding(const torch::Tensor& data, const TsneOptions& options) {
    if (options.init == TsneInit::Pca && data.size(1) >= 2) return pcaInit(data);
    return randomInit(data.size(0), options.seed);
}

int runSchedule(const TsneOptions& options, const Progress& progress,
                const std::function<double(const ScheduleStep&)>& step) {
    double lastKl = std::numeric_limits<double>::quiet_NaN();  // at the last check after exaggeration
    for (int it = 0; it < options.iterations; ++it) {
        ScheduleStep s;
        s.iteration = it;
        const bool exploring = it < options.exaggerationIterations;
        s.exaggeration = exploring ? options.earlyExaggeration : 1.0;
        s.momentum = exploring ? kMomentumExplore : kMomentumFinal;
        s.resetState = it == options.exaggerationIterations;
        s.wantKl = (it + 1) % kKlEvery == 0;
        const double kl = step(s);
        progress.iteration(it, kl, s.wantKl);
        if (s.wantKl && !exploring && options.klStopTolerance > 0.0) {
            if (std::isfinite(lastKl) && lastKl - kl < options.klStopTolerance * lastKl) return it + 1;
            lastKl = kl;
        }
    }
    return options.iterations;
}

TsneResult descend(const torch::Tensor& initial, const TsneOptions& options, const Progress& progress,
                   const GradientFn& gradient) {
    const std::int64_t n = initial.size(0);
    const auto start = initial.to(torch::kCPU, torch::kDouble).contiguous();
    std::vector<double> y(start.data_ptr<double>(), start.data_ptr<double>() + 2 * n);
    std::vector<double> grad(y.size(), 0.0);
    std::vector<double> update(y.size(), 0.0);
    std::vector<double> gains(y.size(), 1.0);
    const double learningRate = learningRateFor(n, options);
    const int ran = runSchedule(options, progress, [&](const ScheduleStep& s) {
        if (s.resetState) {
            std::fill(update.begin(), update.end(), 0.0);
            std::fill(gains.begin(), gains.end(), 1.0);
        }
        const double kl = gradient(y, grad, s.exaggeration, s.wantKl);
        for (std::size_t c = 0; c < y.size(); ++c) {
            const double g = grad[c];
            gains[c] = (update[c] * g < 0.0) ? gains[c] + kGainStep : std::max(gains[c] * kGainDecay, kMinGain);
            update[c] = s.momentum * update[c] - learningRate * gains[c] * g;
            y[c] += update[c];
        }
        return kl;
    });

    TsneResult result;
    // The KL of the map we return (scikit-learn reports the one before its last step).
    result.klDivergence = gradient(y, grad, 1.0, true);
    result.embedding = torch::from_blob(y.data(), {n, 2}, torch::kDouble).to(torch::kFloat).clone();
    result.learningRate = learningRate;
    result.iterations = ran;
    return result;
}

}  // namespace tsne_detail

torch::Tensor pcaProject(const torch::Tensor& data, std::int64_t dims) {
    if (data.dim() != 2) throw Error("PCA expects an [N, D] matrix, got " + util::shapeText(data));
    const std::int64_t n = data.size(0);
    const std::int64_t features = data.size(1);
    if (dims < 1 || dims > features)
        throw Error("PCA to " + std::to_string(dims) + " dimensions needs 1 <= dims <= " +
                    std::to_string(features) + " (the input's features)");
    if (n < 1) throw Error("PCA needs at least one row");
    const auto x = data.to(torch::kCPU);
    constexpr std::int64_t kBlock = 1 << 14;
    auto mean = torch::zeros({features}, torch::kDouble);
    for (std::int64_t r = 0; r < n; r += kBlock) mean += x.slice(0, r, std::min(n, r + kBlock)).to(torch::kDouble).sum(0);
    mean /= static_cast<double>(n);
    auto cov = torch::zeros({features, features}, torch::kDouble);
    for (std::int64_t r = 0; r < n; r += kBlock) {
        const auto block = x.slice(0, r, std::min(n, r + kBlock)).to(torch::kDouble) - mean;
        cov.addmm_(block.t(), block);
    }
    // eigh sorts eigenvalues ascending: the last columns are the leading components.
    const auto vectors = std::get<1>(torch::linalg_eigh(cov, "L"));
    auto top = vectors.slice(1, features - dims, features).flip({1}).contiguous();
    // The sign of each component fixed by its largest loading, so the projection is reproducible.
    for (std::int64_t c = 0; c < dims; ++c) {
        auto column = top.select(1, c);
        const auto at = column.abs().argmax().item<std::int64_t>();
        if (column[at].item<double>() < 0.0) column.neg_();
    }
    auto out = torch::empty({n, dims}, torch::kFloat);
    for (std::int64_t r = 0; r < n; r += kBlock) {
        const auto end = std::min(n, r + kBlock);
        out.slice(0, r, end).copy_((x.slice(0, r, end).to(torch::kDouble) - mean).mm(top));
    }
    return out;
}

torch::Tensor calibrateAffinities(const torch::Tensor& squaredDistances, double perplexity,
                                  double entropyTolerance) {
    if (squaredDistances.dim() != 2)
        throw Error("calibrateAffinities expects [N, K] squared distances, got " +
                    util::shapeText(squaredDistances));
    if (!(perplexity > 0.0)) throw Error("perplexity must be positive");
    const auto d = squaredDistances.to(torch::kCPU, torch::kDouble).contiguous();
    const std::int64_t rows = d.size(0);
    const std::int64_t count = d.size(1);
    auto out = torch::empty({rows, count}, torch::kDouble);
    if (count == 0) return out;
    const double* in = d.data_ptr<double>();
    double* o = out.data_ptr<double>();
    const double target = std::log(perplexity);
    at::parallel_for(0, rows, 16, [&](std::int64_t begin, std::int64_t end) {
        for (std::int64_t i = begin; i < end; ++i)
            calibrateRow(in + i * count, count, target, entropyTolerance, o + i * count);
    });
    return out;
}

}  // namespace genra::eval
