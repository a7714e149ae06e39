// Internals the t-SNE sources share; the API is core/eval/tsne.h. The files, by concern:
//  - tsne_optimiser.cpp: perplexity calibration, the initial map and the gradient descent both
//    methods run (mirroring scikit-learn's TSNE so results compare with it number for number);
//  - tsne_exact.cpp: dense affinities and the exact gradient;
//  - tsne_barnes_hut.cpp: sparse affinities over nearest neighbours and the Barnes-Hut gradient;
//  - tsne_trees.h/.cpp: exact neighbours (brute force, or a vantage-point tree in few dimensions)
//    and the quadtree (repulsion);
//  - tsne_fft.cpp: sparse affinities over exact or approximate (HNSW) neighbours and the
//    interpolation-based (FFT) repulsion of FIt-SNE;
//  - tsne_torch.cpp: the same sparse affinities and interpolation scheme with every iteration as
//    LibTorch tensor operations on options.device (CUDA, or the CPU), the FFT through torch::fft;
//  - tsne_pool.h: the worker pool the gradients run on;
//  - tsne_job.cpp: input checks, the method choice (runTsne) and `genra tsne` (TsneJob).
#pragma once

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "core/eval/tsne.h"
#include "core/jobs/job.h"

namespace genra::eval::tsne_detail {

class WorkerPool;

// scikit-learn floors probabilities at float64 machine epsilon before taking logs.
constexpr double kMachineEpsilon = std::numeric_limits<double>::epsilon();

// Progress and cancellation for one run; no-ops without a context.
struct Progress {
    jobs::JobContext* context = nullptr;
    int iterations = 0;
    void stage(double fraction, const std::string& message) const {
        if (!context) return;
        context->checkCancelled();
        context->progress(fraction, message);
    }
    // Affinities take the first 10 %, iterations the rest.
    void iteration(int it, double kl, bool haveKl) const {
        if (!context) return;
        context->checkCancelled();
        if (haveKl) context->metric(it + 1, "tsne/kl_divergence", kl);
        if ((it + 1) % 10 == 0 || it + 1 == iterations) {
            std::ostringstream message;
            message << "t-SNE iteration " << (it + 1) << "/" << iterations;
            context->progress(0.1 + 0.9 * (it + 1) / std::max(1, iterations), message.str());
        }
    }
};

// The bounding box of a map y [2n] (x0, y0, x1, y1, ...).
struct MapBounds {
    double minX = std::numeric_limits<double>::infinity();
    double minY = std::numeric_limits<double>::infinity();
    double maxX = -std::numeric_limits<double>::infinity();
    double maxY = -std::numeric_limits<double>::infinity();
};
inline MapBounds mapBounds(const double* y, std::int64_t n) {
    MapBounds b;
    for (std::int64_t i = 0; i < n; ++i) {
        b.minX = std::min(b.minX, y[2 * i]);
        b.maxX = std::max(b.maxX, y[2 * i]);
        b.minY = std::min(b.minY, y[2 * i + 1]);
        b.maxY = std::max(b.maxY, y[2 * i + 1]);
    }
    return b;
}

// The sparse methods' attraction on point (px, py) over row entries [e, end) of P one at a time:
// adds p_ij w_ij (y_i - y_j) to (ax, ay) and, kWithKl, e p_ij log(e p_ij / (w_ij / Z)) to kl.
template <bool kWithKl, typename Value>
inline void attractEntries(const double* y, double px, double py, const std::int32_t* columns, const Value* values,
                           std::int64_t e, std::int64_t end, double exaggeration, double invZ, double& ax, double& ay,
                           double& kl) {
    for (; e < end; ++e) {
        const auto j = static_cast<std::size_t>(columns[e]);
        const double dx = px - y[2 * j];
        const double dy = py - y[2 * j + 1];
        const double w = 1.0 / (1.0 + dx * dx + dy * dy);
        const double pw = static_cast<double>(values[e]) * w;
        ax += pw * dx;
        ay += pw * dy;
        if constexpr (kWithKl) {
            const double pij = static_cast<double>(values[e]) * exaggeration;
            kl += pij * std::log(std::max(pij, kMachineEpsilon) / std::max(w * invZ, kMachineEpsilon));
        }
    }
}

// dKL/dy_i = 4 (attraction, already times the exaggeration, - repulsion / Z).
inline void storeGradient(std::vector<double>& grad, const std::vector<double>& repulse, std::int64_t i, double ax,
                          double ay, double invZ) {
    grad[static_cast<std::size_t>(2 * i)] = 4.0 * (ax - repulse[static_cast<std::size_t>(2 * i)] * invZ);
    grad[static_cast<std::size_t>(2 * i + 1)] = 4.0 * (ay - repulse[static_cast<std::size_t>(2 * i + 1)] * invZ);
}

// The KL divergence from its per-point terms, summed in index order (the same whatever the threads).
inline double klFromTerms(const std::vector<double>& terms) {
    double kl = 0.0;
    for (const double t : terms) kl += t;
    return kl;
}

// The initial map [N, 2] float64: PCA (options.init, when data has 2 or more features) or random.
torch::Tensor initialEmbedding(const torch::Tensor& data, const TsneOptions& options);

// The learning rate of a run: options.learningRate, or scikit-learn's 'auto' when it is <= 0.
double learningRateFor(std::int64_t points, const TsneOptions& options);

// Per-coordinate gains (Jacobs' delta-bar-delta as t-SNE uses it): + kGainStep while the gradient
// keeps its sign against the last step, x kGainDecay (floored at kMinGain) otherwise.
constexpr double kGainStep = 0.2;
constexpr double kGainDecay = 0.8;
constexpr double kMinGain = 0.01;

// One iteration as the schedule sets it: the exaggeration and momentum to use, whether the
// momentum and gains start afresh (the end of the early exaggeration: scikit-learn runs the two
// phases as separate descents), and whether a KL divergence is wanted (every 50 iterations).
struct ScheduleStep {
    int iteration = 0;
    double exaggeration = 1.0;
    double momentum = 0.5;
    bool resetState = false;
    bool wantKl = false;
};
// Runs options.iterations steps of that schedule, reporting progress (and checking cancellation)
// after each and stopping early on options.klStopTolerance; `step` moves the map and returns the
// KL when asked. Returns the number of iterations run. Both optimisers (descend() on the CPU, the
// tensor one of tsne_torch.cpp) go through it.
int runSchedule(const TsneOptions& options, const Progress& progress,
                const std::function<double(const ScheduleStep&)>& step);

// Fills `grad` [2N] for the map `y` [2N] (x0, y0, x1, y1, ...); returns KL(P || Q) when asked.
using GradientFn = std::function<double(const std::vector<double>& y, std::vector<double>& grad,
                                        double exaggeration, bool wantKl)>;

// Gradient descent with momentum and per-coordinate gains (Jacobs' delta-bar-delta as t-SNE uses
// it), early exaggeration first. Runs on the CPU whatever the gradient's device: the map is tiny.
TsneResult descend(const torch::Tensor& initial, const TsneOptions& options, const Progress& progress,
                   const GradientFn& gradient);

// The two methods: affinities, then descend() from initialEmbedding() with their gradient.
TsneResult runExact(const torch::Tensor& data, const TsneOptions& options, WorkerPool& pool,
                    const Progress& progress);
TsneResult runBarnesHut(const torch::Tensor& data, const TsneOptions& options, WorkerPool& pool,
                        const Progress& progress);
TsneResult runFft(const torch::Tensor& data, const TsneOptions& options, WorkerPool& pool,
                  const Progress& progress);
// The tensor implementation on options.device: runFft's affinities and interpolation scheme.
TsneResult runTorch(const torch::Tensor& data, const TsneOptions& options, WorkerPool& pool,
                    const Progress& progress);

// How many neighbours the sparse methods attract along: 3 x perplexity (at most n - 1).
inline int neighbourCount(std::int64_t n, double perplexity) {
    return static_cast<int>(std::min<std::int64_t>(n - 1, static_cast<std::int64_t>(3.0 * perplexity + 1.0)));
}

// Symmetric sparse P in CSR form (rows sorted by column, summing to 1 over all entries) with float
// values: at a million points and k = 90 it holds up to 180 million entries, which in doubles would
// not fit the memory budget next to the neighbour lists.
struct CsrP {
    std::vector<std::int64_t> rowStart;
    std::vector<std::int32_t> columns;
    std::vector<float> values;
};
// P over the 3 x perplexity nearest neighbours of each of the n rows of data [n, dims]: exact
// (exactNeighbours()) up to options.exactNeighboursMaxPoints, HNSW beyond; what the FFT and tensor
// methods attract along.
CsrP knnAffinities(const float* data, std::int64_t n, std::int64_t dims, const TsneOptions& options,
                      WorkerPool& pool, const Progress& progress);

// The side of the square that holds the map (its longer extent, a little more so the extreme
// points fall inside the last box, not on its far edge).
inline double mapSide(const MapBounds& b) {
    return std::max({b.maxX - b.minX, b.maxY - b.minY, 1e-6}) * (1.0 + 1e-9) + 1e-12;
}

// Interpolation grid for a map: boxes per axis (at least 20, side x boxesPerUnit otherwise,
// rounded up to a count whose padded grid 2 x boxes x nodesPerBox the FFT handles fast), their side
// and the lower-left corner of the square they make, centred on the map and just covering it.
struct GridGeometry {
    int boxes = 0;
    double boxSide = 0.0;
    double originX = 0.0;
    double originY = 0.0;
};
GridGeometry gridGeometry(const MapBounds& bounds, double boxesPerUnit, int nodesPerBox);

// The most interpolation nodes per box and axis GridRepulsion takes (runTsne checks the option).
constexpr int kMaxNodesPerBox = 8;

// The repulsive half of the t-SNE gradient by polynomial interpolation on an equispaced grid and an
// FFT convolution (FIt-SNE). Buffers persist between calls, so one instance serves every iteration.
class GridRepulsion {
public:
    // nodesPerBox interpolation nodes per box and axis; boxesPerUnit boxes per unit of map extent
    // (at least 20 per axis): the node spacing, and with it the accuracy and the FFT's size.
    explicit GridRepulsion(int nodesPerBox = 3, double boxesPerUnit = 1.0);
    // For the map y [2n] (x0, y0, x1, y1, ...), fills repulse [2n] with sum_{j != i} w_ij^2 (y_i - y_j),
    // w = 1 / (1 + |y_i - y_j|^2), and returns Z = sum_{i != j} w_ij.
    double compute(const double* y, std::int64_t n, double* repulse, WorkerPool& pool);
    int boxesPerAxis() const { return boxes_; }

private:
    void weights(double t, double* out) const;  // Lagrange basis at t in [0, 1] for the box's nodes

    int nodes_;
    double boxesPerUnit_;
    int boxes_ = 0;
    std::vector<double> nodeAt_;
    std::vector<double> inverseDenominators_;
    std::vector<std::int32_t> box_;
    std::vector<double> wx_;  // Lagrange weights in box order, p per point
    std::vector<double> wy_;
    std::vector<std::int64_t> boxStart_;
    std::vector<std::int32_t> order_;
    std::vector<double> sorted_;  // centred coordinates in box order
    // Node grids for the circular convolution of size 2g: the charges 1, x and y on g x 2g nodes
    // (then their potentials under w^2); the kernels w^2 and w [2, 2g, 2g] and their one-sided
    // spectra [2, 2g, g + 1]; the charges' rows transformed [3, 2g, g + 1] (rows from g on zero) and
    // their spectra. Single precision: the FFT runs twice as fast, and its rounding (relative 1e-6
    // of the largest potential) stays far below the interpolation error.
    std::vector<float> charges_[3];
    torch::Tensor kernels_ = torch::empty({0});
    torch::Tensor kernelSpectra_;
    torch::Tensor lines_;
    torch::Tensor spectra_;
};

}  // namespace genra::eval::tsne_detail
