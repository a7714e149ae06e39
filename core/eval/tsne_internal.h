// Internals the t-SNE sources share; the API is core/eval/tsne.h. The files, by concern:
//  - tsne_optimiser.cpp: perplexity calibration, the initial map and the gradient descent both
//    methods run (mirroring scikit-learn's TSNE so results compare with it number for number);
//  - tsne_exact.cpp: dense affinities and the exact gradient;
//  - tsne_barnes_hut.cpp: sparse affinities over nearest neighbours and the Barnes-Hut gradient;
//  - tsne_trees.h/.cpp: the vantage-point tree (neighbours) and the quadtree (repulsion);
//  - tsne_pool.h: the worker pool the gradients run on;
//  - tsne_job.cpp: input checks, the method choice (runTsne) and `genra tsne` (TsneJob).
#pragma once

#include <torch/torch.h>

#include <algorithm>
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

// The initial map [N, 2] float64: PCA (options.init, when data has 2 or more features) or random.
torch::Tensor initialEmbedding(const torch::Tensor& data, const TsneOptions& options);

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

}  // namespace genra::eval::tsne_detail
