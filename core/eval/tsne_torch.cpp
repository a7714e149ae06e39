// t-SNE with every iteration as LibTorch tensor operations on one device: the CUDA t-SNE (and, on
// the CPU device, a check of it against the hand-written FFT method). It runs the FFT method's
// scheme (tsne_fft.cpp) with the same inputs:
//  - the same sparse P, built on the CPU by knnAffinities() (exact or HNSW neighbours), copied to
//    the device once in row chunks;
//  - attraction: per chunk, the entries' p_ij w_ij (y_i - y_j) gathered by index and summed per row;
//  - repulsion: the same equispaced boxes and Lagrange nodes (gridGeometry), the charges
//    spread onto the nodes, the Student-t kernel and its square convolved by torch::fft::rfft2/irfft2
//    in float32, the potentials gathered back;
//  - the gradient step with momentum and gains, on the device, in the schedule runSchedule() sets
//    (early exaggeration, momentum 0.5 then 0.8, KL every 50 iterations, early stopping).
// Deterministic on a device: no scatter with atomics (index_add_ on CUDA adds in any order). Sums
// per row and per box are segment sums (segment_reduce, in order) over entries sorted by row or,
// with a stable sort, by box; everything else is gathers and fixed-shape reductions.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "core/eval/tsne.h"
#include "core/eval/tsne_internal.h"
#include "core/eval/tsne_pool.h"

namespace genra::eval::tsne_detail {

namespace {

// P entries per device chunk of the attraction: bounds the per-iteration temporaries (a few values
// per entry) at a few hundred MB however large P is.
constexpr std::int64_t kEntriesPerChunk = std::int64_t{1} << 22;

// t [R, L] gathered along its last dimension at idx [k] (int64): [R, k]. One 1-D index_select on
// the flattened tensor, the fast path on every device (LibTorch 1.13's CPU index_select over rows
// of a few elements copies them one small slice at a time).
torch::Tensor gatherLast(const torch::Tensor& t, const torch::Tensor& idx) {
    const auto rows = t.size(0);
    const auto flat = (torch::arange(rows, idx.options()) * t.size(1)).unsqueeze(1) + idx.unsqueeze(0);
    return t.reshape({-1}).index_select(0, flat.reshape({-1})).view({rows, idx.size(0)});
}

// Sums of values [m, R] over consecutive row segments, offsets [s + 1] (int64, from 0 to m): [s, R].
// segment_reduce adds each segment's rows in order (on CUDA one thread per segment and column), so
// the result is the same on every run, unlike index_add_ (atomics on CUDA) or a CUDA cumsum (its
// look-back scan groups the additions by timing, pytorch/pytorch#75240).
torch::Tensor segmentSums(const torch::Tensor& values, const torch::Tensor& offsets) {
    return torch::segment_reduce(values.contiguous(), "sum", c10::nullopt, c10::nullopt, offsets, 0,
                                 /*unsafe=*/true, torch::Scalar(0.0));
}

// The sparse P on the device, cut into chunks of whole rows.
class DeviceAffinities {
public:
    DeviceAffinities(const CsrP& p, std::int64_t n, torch::Device device) {
        for (std::int64_t firstRow = 0; firstRow < n;) {
            const auto first = p.rowStart[static_cast<std::size_t>(firstRow)];
            std::int64_t endRow = firstRow + 1;
            while (endRow < n && p.rowStart[static_cast<std::size_t>(endRow) + 1] - first <= kEntriesPerChunk) ++endRow;
            const auto entries = p.rowStart[static_cast<std::size_t>(endRow)] - first;
            std::vector<std::int64_t> rows(static_cast<std::size_t>(entries));
            std::vector<std::int64_t> offsets(static_cast<std::size_t>(endRow - firstRow + 1));
            for (std::int64_t i = firstRow; i < endRow; ++i) {
                const auto from = p.rowStart[static_cast<std::size_t>(i)] - first;
                const auto to = p.rowStart[static_cast<std::size_t>(i) + 1] - first;
                std::fill(rows.begin() + from, rows.begin() + to, i);
                offsets[static_cast<std::size_t>(i - firstRow)] = from;
            }
            offsets.back() = entries;
            Chunk chunk;
            // Gather positions in the flattened [2, n] map: x coordinates, then y (n further on).
            const auto rowIndex = torch::tensor(rows, torch::kLong).to(device);
            const auto columnIndex =
                torch::from_blob(const_cast<std::int32_t*>(p.columns.data()) + first, {entries}, torch::kInt)
                    .to(device, torch::kLong);
            chunk.rows = torch::stack({rowIndex, rowIndex + n}, 1).reshape({-1});
            chunk.columns = torch::stack({columnIndex, columnIndex + n}, 1).reshape({-1});
            chunk.offsets = torch::tensor(offsets, torch::kLong).to(device);
            chunk.values = torch::from_blob(const_cast<float*>(p.values.data()) + first, {entries}, torch::kFloat)
                               .to(device, torch::kFloat, false, true);
            chunks_.push_back(std::move(chunk));
            firstRow = endRow;
        }
    }

    // sum_j p_ij w_ij (y_i - y_j) for every row, [2, n] float64, from the map yf [2, n] float32 (x
    // coordinates, then y); with kl, also adds sum_ij e p_ij log(e p_ij / (w_ij / Z)) to *kl.
    torch::Tensor attraction(const torch::Tensor& yf, double exaggeration, double invZ, double* kl) const {
        const auto flat = yf.reshape({-1});
        std::vector<torch::Tensor> parts;
        parts.reserve(chunks_.size());
        torch::Tensor klSum;
        for (const auto& c : chunks_) {
            const auto d = (flat.index_select(0, c.rows) - flat.index_select(0, c.columns)).view({-1, 2});  // [m, 2]
            const auto w = (d * d).sum(1).add_(1.0).reciprocal_();
            parts.push_back(segmentSums(d * (c.values * w).unsqueeze(1), c.offsets));
            if (kl) {
                const auto pe = c.values.to(torch::kDouble) * exaggeration;
                const auto q = (w.to(torch::kDouble) * invZ).clamp_min_(kMachineEpsilon);
                const auto terms = (pe * (pe.clamp_min(kMachineEpsilon).log() - q.log())).sum();
                klSum = klSum.defined() ? klSum + terms : terms;
            }
        }
        if (kl) *kl = klSum.item<double>();
        return torch::cat(parts, 0).t().to(torch::kDouble);
    }

private:
    struct Chunk {
        torch::Tensor rows;     // [2m] each entry's row i as positions of x_i, y_i in the flat [2, n] map
        torch::Tensor columns;  // [2m] the same for its column j
        torch::Tensor values;   // [m] float32
        torch::Tensor offsets;  // [rows + 1] where each row's entries start, within the chunk
    };
    std::vector<Chunk> chunks_;
};

// GridRepulsion's scheme as tensor operations (see tsne_internal.h for what it computes).
class TensorGridRepulsion {
public:
    TensorGridRepulsion(int nodesPerBox, double boxesPerUnit, torch::Device device)
        : nodes_(std::max(1, nodesPerBox)), boxesPerUnit_(boxesPerUnit), device_(device) {}

    // For the map y [2, n] float64 on the device (x coordinates, then y): sets repulse [2, n] float64
    // to sum_{j != i} w_ij^2 (y_i - y_j) and returns Z = sum_{i != j} w_ij.
    double compute(const torch::Tensor& y, torch::Tensor& repulse) {
        const std::int64_t p = nodes_;
        const std::int64_t n = y.size(1);
        const auto bounds = torch::cat({std::get<0>(y.min(1)), std::get<0>(y.max(1))}).cpu();
        const double* b = bounds.data_ptr<double>();  // min x, min y, max x, max y
        const double centreX = 0.5 * (b[0] + b[2]);
        const double centreY = 0.5 * (b[1] + b[3]);
        MapBounds mapBox;
        mapBox.minX = b[0];
        mapBox.minY = b[1];
        mapBox.maxX = b[2];
        mapBox.maxY = b[3];
        const double side = mapSide(mapBox);
        const GridGeometry geometry = gridGeometry(mapBox, boxesPerUnit_, nodes_);
        const std::int64_t boxes = geometry.boxes;
        const std::int64_t g = boxes * p;
        const std::int64_t padded = 2 * g;
        const double boxSide = geometry.boxSide;
        const double spacing = boxSide / p;
        const auto lng = torch::TensorOptions().dtype(torch::kLong).device(device_);

        // Per axis: each point's box, the Lagrange weights [p, n] of the box's nodes at
        // (a + 0.5) / p, and the coordinate relative to the centre.
        struct Axis {
            torch::Tensor box, weights, centred;
        };
        auto axis = [&](const torch::Tensor& coordinate, double centre, double origin) {
            const auto scaled = (coordinate - origin) / boxSide;
            const auto cell = scaled.floor().clamp_(0.0, static_cast<double>(boxes - 1));
            const auto t = scaled - cell;
            std::vector<torch::Tensor> basis;
            for (int a = 0; a < nodes_; ++a) {
                auto v = torch::ones_like(t);
                double denominator = 1.0;
                for (int c = 0; c < nodes_; ++c) {
                    if (c == a) continue;
                    v = v * (t - node(c));
                    denominator *= node(a) - node(c);
                }
                basis.push_back(v / denominator);
            }
            return Axis{cell.to(torch::kLong), torch::stack(basis), coordinate - centre};
        };
        const Axis ax = axis(y.select(0, 0), centreX, geometry.originX);
        const Axis ay = axis(y.select(0, 1), centreY, geometry.originY);
        const auto& cx = ax.centred;
        const auto& cy = ay.centred;

        // The charges 1, x, y (centred) and 1 again on each point's p x p nodes, summed per box over
        // the points in stable box order: [4, p (y), p (x), boxes (y), boxes (x)] -> node grid [4, g, g].
        const auto box = ay.box * boxes + ax.box;
        const auto order = std::get<1>(torch::sort(box, c10::optional<bool>(true), 0, false));
        const auto charges =
            gatherLast(torch::stack({torch::ones_like(cx), cx, cy, torch::ones_like(cx)}), order);
        const auto spread = charges.view({4, 1, 1, n}) * gatherLast(ay.weights, order).view({1, p, 1, n}) *
                            gatherLast(ax.weights, order).view({1, 1, p, n});
        const auto counts = torch::bincount(box, {}, boxes * boxes);
        const auto offsets = torch::cat({torch::zeros({1}, lng), counts.cumsum(0)});
        const auto grid = segmentSums(spread.view({4 * p * p, n}).t(), offsets)
                              .view({boxes, boxes, 4, p, p})
                              .permute({2, 0, 3, 1, 4})
                              .reshape({4, g, g});

        // The kernel w and its square between nodes, wrapped for a circular convolution of size 2g
        // (offset g is never used by a pair of nodes: 0, as on the CPU). The first three charges
        // are convolved with w^2 (the forces), the fourth with w (Z, from positive terms only, as
        // on the CPU).
        const auto index = torch::arange(padded, torch::TensorOptions().dtype(torch::kDouble).device(device_));
        const auto offset = torch::where(index < static_cast<double>(g), index, index - static_cast<double>(padded));
        const auto d2 = (offset.unsqueeze(1) * offset.unsqueeze(1) + offset.unsqueeze(0) * offset.unsqueeze(0)) *
                        (spacing * spacing);
        auto kernel = (d2 + 1.0).reciprocal();
        kernel.select(0, g).zero_();
        kernel.select(1, g).zero_();
        auto spectrum = torch::fft::rfft2(torch::constant_pad_nd(grid.to(torch::kFloat), {0, g, 0, g}));
        spectrum.narrow(0, 0, 3).mul_(torch::fft::rfft2(kernel.square().to(torch::kFloat)));
        spectrum.select(0, 3).mul_(torch::fft::rfft2(kernel.to(torch::kFloat)));
        const std::vector<std::int64_t> size{padded, padded};
        const auto potentials =
            torch::fft::irfft2(spectrum, size).slice(1, 0, g).slice(2, 0, g).reshape({4, g * g}).to(torch::kDouble);

        // The potentials interpolated back to the points: phi [4, n].
        const auto nodes = torch::arange(p, lng).unsqueeze(1);
        const auto rows = ay.box.unsqueeze(0) * p + nodes;  // [p, n]
        const auto cols = ax.box.unsqueeze(0) * p + nodes;
        const auto at = (rows.view({p, 1, n}) * g + cols.view({1, p, n})).reshape({-1});
        const auto phi = (gatherLast(potentials, at).view({4, p, p, n}) * ay.weights.view({1, p, 1, n}) *
                          ax.weights.view({1, 1, p, n}))
                             .sum({1, 2});
        const auto phi0 = phi.select(0, 0);
        const auto phi1 = phi.select(0, 1);
        const auto phi2 = phi.select(0, 2);
        repulse = torch::stack({cx * phi0 - phi1, cy * phi0 - phi2});
        // sum_j w (self term included: exactly 1 per point, removed below).
        const double z = phi.select(0, 3).sum().item<double>() - static_cast<double>(n);
        // Within the true Z's bounds, as on the CPU.
        const double pairs = static_cast<double>(n) * static_cast<double>(n - 1);
        return std::clamp(z, pairs / (1.0 + 2.0 * side * side), pairs);
    }

private:
    double node(int a) const { return (a + 0.5) / nodes_; }

    int nodes_;
    double boxesPerUnit_;
    torch::Device device_;
};

}  // namespace

TsneResult runTorch(const torch::Tensor& data, const TsneOptions& options, WorkerPool& pool,
                    const Progress& progress) {
    torch::NoGradGuard noGrad;
    const std::int64_t n = data.size(0);
    const auto device = options.device;
    std::unique_ptr<DeviceAffinities> p;
    {
        const auto points = data.to(torch::kCPU, torch::kFloat).contiguous();
        const CsrP host = knnAffinities(points.data_ptr<float>(), n, data.size(1), options, pool, progress);
        progress.stage(0.1, "t-SNE: affinities to " + device.str());
        p = std::make_unique<DeviceAffinities>(host, n, device);
    }
    progress.stage(0.1, "t-SNE: optimising on " + device.str());
    TensorGridRepulsion grid(options.fftNodesPerBox, options.fftBoxesPerUnit, device);

    // dKL/dy = 4 (e attraction - repulsion / Z), KL(eP || Q) in *kl when asked.
    auto gradient = [&](const torch::Tensor& y, double exaggeration, double* kl) {
        torch::Tensor repulse;
        const double z = grid.compute(y, repulse);
        const double invZ = 1.0 / std::max(z, kMachineEpsilon);
        const auto attract = p->attraction(y.to(torch::kFloat), exaggeration, invZ, kl);
        return (attract * exaggeration - repulse * invZ) * 4.0;
    };

    // The map as [2, n] (x coordinates, then y): each coordinate a contiguous vector.
    auto y = initialEmbedding(data, options).to(device, torch::kDouble).t().contiguous();
    auto update = torch::zeros_like(y);
    auto gains = torch::ones_like(y);
    const double learningRate = learningRateFor(n, options);
    const int ran = runSchedule(options, progress, [&](const ScheduleStep& s) {
        if (s.resetState) {
            update.zero_();
            gains.fill_(1.0);
        }
        double kl = 0.0;
        const auto grad = gradient(y, s.exaggeration, s.wantKl ? &kl : nullptr);
        gains = torch::where(update * grad < 0.0, gains + kGainStep, (gains * kGainDecay).clamp_min_(kMinGain));
        update = update * s.momentum - gains * grad * learningRate;
        y += update;
        return kl;
    });

    TsneResult result;
    gradient(y, 1.0, &result.klDivergence);
    result.embedding = y.t().to(torch::kCPU, torch::kFloat).contiguous();
    result.learningRate = learningRate;
    result.iterations = ran;
    result.method = TsneMethod::Torch;
    return result;
}

}  // namespace genra::eval::tsne_detail
