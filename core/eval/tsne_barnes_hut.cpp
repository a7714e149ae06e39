// Barnes-Hut t-SNE: sparse affinities over the 3 x perplexity exact nearest neighbours (brute force,
// or a vantage-point tree in few dimensions) and repulsive forces summarised by a quadtree (theta), O(N log N) per iteration,
// multi-threaded and deterministic.
#include <algorithm>
#include <cmath>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/eval/tsne.h"
#include "core/eval/tsne_internal.h"
#include "core/eval/tsne_pool.h"
#include "core/eval/tsne_trees.h"

namespace genra::eval::tsne_detail {

namespace {

// Symmetric sparse P in CSR form: row i holds p_ij for its neighbours and for the points that
// have i as a neighbour.
struct SparseP {
    std::vector<std::int64_t> rowStart;
    std::vector<std::int32_t> columns;
    std::vector<double> values;
};

SparseP sparseAffinities(const float* data, std::int64_t n, std::int64_t dims, const TsneOptions& options,
                         WorkerPool& pool, const Progress& progress) {
    const int k = neighbourCount(n, options.perplexity);
    progress.stage(0.0, "t-SNE: nearest neighbours");
    std::vector<std::int32_t> neighbours(static_cast<std::size_t>(n * k));
    auto squared = torch::empty({n, k}, torch::kDouble);
    exactNeighbours(data, n, dims, k, options.seed, pool, neighbours.data(), squared.data_ptr<double>());
    progress.stage(0.07, "t-SNE: affinities");
    const auto conditional = calibrateAffinities(squared, options.perplexity);
    const double* cp = conditional.data_ptr<double>();

    // P + P^T: count each row's entries, scatter, then sort and merge each row by column.
    SparseP out;
    std::vector<std::int64_t> counts(static_cast<std::size_t>(n), k);
    for (std::int64_t e = 0; e < n * k; ++e)
        ++counts[static_cast<std::size_t>(neighbours[static_cast<std::size_t>(e)])];
    std::vector<std::int64_t> start(static_cast<std::size_t>(n) + 1, 0);
    for (std::int64_t i = 0; i < n; ++i)
        start[static_cast<std::size_t>(i) + 1] =
            start[static_cast<std::size_t>(i)] + counts[static_cast<std::size_t>(i)];
    std::vector<std::pair<std::int32_t, double>> entries(static_cast<std::size_t>(start.back()));
    std::vector<std::int64_t> fill(start.begin(), start.end() - 1);
    for (std::int64_t i = 0; i < n; ++i) {
        for (int j = 0; j < k; ++j) {
            const auto col = neighbours[static_cast<std::size_t>(i * k + j)];
            const double p = cp[i * k + j];
            entries[static_cast<std::size_t>(fill[static_cast<std::size_t>(i)]++)] = {col, p};
            entries[static_cast<std::size_t>(fill[static_cast<std::size_t>(col)]++)] = {
                static_cast<std::int32_t>(i), p};
        }
    }
    out.rowStart.assign(static_cast<std::size_t>(n) + 1, 0);
    out.columns.reserve(entries.size());
    out.values.reserve(entries.size());
    double total = 0.0;
    for (std::int64_t i = 0; i < n; ++i) {
        auto first = entries.begin() + start[static_cast<std::size_t>(i)];
        auto last = entries.begin() + start[static_cast<std::size_t>(i) + 1];
        std::sort(first, last, [](const auto& a, const auto& b) { return a.first < b.first; });
        for (auto it = first; it != last;) {
            const auto col = it->first;
            double value = 0.0;
            for (; it != last && it->first == col; ++it) value += it->second;
            out.columns.push_back(col);
            out.values.push_back(value);
            total += value;
        }
        out.rowStart[static_cast<std::size_t>(i) + 1] = static_cast<std::int64_t>(out.columns.size());
    }
    const double scale = 1.0 / std::max(total, kMachineEpsilon);
    for (auto& v : out.values) v *= scale;
    return out;
}

}  // namespace

TsneResult runBarnesHut(const torch::Tensor& data, const TsneOptions& options, WorkerPool& pool,
                        const Progress& progress) {
    const std::int64_t n = data.size(0);
    const std::int64_t dims = data.size(1);
    const auto points = data.to(torch::kCPU, torch::kFloat).contiguous();
    const SparseP p = sparseAffinities(points.data_ptr<float>(), n, dims, options, pool, progress);
    progress.stage(0.1, "t-SNE: optimising");

    std::vector<double> repulse(static_cast<std::size_t>(2 * n), 0.0);
    std::vector<double> sumW(static_cast<std::size_t>(n), 0.0);
    std::vector<double> klTerms(static_cast<std::size_t>(n), 0.0);
    const double thetaSq = options.theta * options.theta;
    QuadTree tree;

    auto gradient = [&](const std::vector<double>& y, std::vector<double>& grad, double exaggeration,
                        bool wantKl) {
        tree.build(y.data(), n);
        const auto& order = tree.order();
        // Points in tree order: neighbours in the plane walk the same cells, which keeps them cached.
        pool.forRange(n, 256, [&](std::int64_t begin, std::int64_t end) {
            for (std::int64_t r = begin; r < end; ++r) {
                const auto i = order[static_cast<std::size_t>(r)];
                tree.repulsion(i, thetaSq, repulse[static_cast<std::size_t>(2 * i)],
                               repulse[static_cast<std::size_t>(2 * i + 1)],
                               sumW[static_cast<std::size_t>(i)]);
            }
        });
        double z = 0.0;
        for (std::int64_t i = 0; i < n; ++i) z += sumW[static_cast<std::size_t>(i)];
        const double invZ = 1.0 / std::max(z, kMachineEpsilon);
        // Attraction over the sparse P; the KL terms only when asked (a log per entry is not free).
        auto attract = [&](auto withKl) {
            constexpr bool kWithKl = decltype(withKl)::value;
            pool.forRange(n, 256, [&](std::int64_t begin, std::int64_t end) {
                for (std::int64_t i = begin; i < end; ++i) {
                    const double px = y[static_cast<std::size_t>(2 * i)];
                    const double py = y[static_cast<std::size_t>(2 * i + 1)];
                    double ax = 0.0;
                    double ay = 0.0;
                    double kl = 0.0;
                    const auto rowBegin = p.rowStart[static_cast<std::size_t>(i)];
                    const auto rowEnd = p.rowStart[static_cast<std::size_t>(i) + 1];
                    const std::int32_t* columns = p.columns.data();
                    const double* values = p.values.data();
                    auto e = rowBegin;
                    if constexpr (!kWithKl) {
                        // Two entries per step, as in the quadtree's leaves.
                        V2 vx = {0.0, 0.0};
                        V2 vy = {0.0, 0.0};
                        for (; e + 1 < rowEnd; e += 2) {
                            const auto j0 = static_cast<std::size_t>(columns[e]);
                            const auto j1 = static_cast<std::size_t>(columns[e + 1]);
                            const V2 dx = V2{px, px} - V2{y[2 * j0], y[2 * j1]};
                            const V2 dy = V2{py, py} - V2{y[2 * j0 + 1], y[2 * j1 + 1]};
                            const V2 pw = V2{values[e], values[e + 1]} / (1.0 + dx * dx + dy * dy);
                            vx += pw * dx;
                            vy += pw * dy;
                        }
                        ax = vx[0] + vx[1];
                        ay = vy[0] + vy[1];
                    }
                    attractEntries<kWithKl>(y.data(), px, py, columns, values, e, rowEnd, exaggeration, invZ, ax, ay,
                                            kl);
                    storeGradient(grad, repulse, i, ax * exaggeration, ay * exaggeration, invZ);
                    klTerms[static_cast<std::size_t>(i)] = kl;
                }
            });
        };
        if (wantKl)
            attract(std::true_type{});
        else
            attract(std::false_type{});
        return wantKl ? klFromTerms(klTerms) : 0.0;
    };
    TsneResult result = descend(initialEmbedding(data, options), options, progress, gradient);
    result.method = TsneMethod::BarnesHut;
    return result;
}

}  // namespace genra::eval::tsne_detail
