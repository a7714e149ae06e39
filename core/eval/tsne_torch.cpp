// t-SNE with every iteration as LibTorch tensor operations on one device: the CUDA t-SNE (and, on
// the CPU device, a check of it against the hand-written FFT method). It runs the FFT method's
// scheme (tsne_fft.cpp) with the same inputs:
//  - the same sparse P, built on the CPU by knnAffinities() (exact or HNSW neighbours), copied to
//    the device once in row chunks;
//  - attraction: per chunk, the entries' p_ij w_ij (y_i - y_j) gathered by index and summed per row;
//  - repulsion: the same equispaced boxes and Lagrange nodes (gridBoxesPerAxis), the four charges
//    spread onto the nodes, the squared Student-t kernel convolved by torch::fft::rfft2/irfft2 in
//    float32, the potentials gathered back;
//  - the gradient step with momentum and gains, on the device, in the schedule runSchedule() sets
//    (early exaggeration, momentum 0.5 then 0.8, KL every 50 iterations, early stopping).
// Deterministic on a device: no scatter with atomics (index_add_ on CUDA adds in any order). Sums
// per row and per box are differences of a float64 prefix sum (cumsum) over entries sorted by row
// or, with a stable sort, by box; everything else is gathers and fixed-shape reductions.
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

// P entries per device chunk of the attraction: bounds the per-iteration temporaries (a few
// float64 values per entry) at a few hundred MB however large P is.
constexpr std::int64_t kEntriesPerChunk = std::int64_t{1} << 22;

// Sums of the rows of `values` [m, ...] over consecutive segments: offsets [s + 1] (int64, from 0 to
// m). Differences of a float64 prefix sum at the boundaries, the same on every device and run.
torch::Tensor segmentSums(const torch::Tensor& values, const torch::Tensor& offsets) {
    auto prefix = values.to(torch::kDouble).cumsum(0);
    auto first = prefix.sizes().vec();
    first[0] = 1;
    prefix = torch::cat({torch::zeros(first, prefix.options()), prefix}, 0);
    const auto count = offsets.size(0) - 1;
    return prefix.index_select(0, offsets.slice(0, 1, count + 1)) - prefix.index_select(0, offsets.slice(0, 0, count));
}

// The sparse P on the device, cut into chunks of whole rows.
class DeviceAffinities {
public:
    DeviceAffinities(const CsrP& p, std::int64_t n, torch::Device device) {
        const auto onDevice = torch::TensorOptions().device(device);
        for (std::int64_t firstRow = 0; firstRow < n;) {
            const auto first = p.rowStart[static_cast<std::size_t>(firstRow)];
            std::int64_t endRow = firstRow + 1;
            while (endRow < n && p.rowStart[static_cast<std::size_t>(endRow) + 1] - first <= kEntriesPerChunk) ++endRow;
            const auto end = p.rowStart[static_cast<std::size_t>(endRow)];
            const auto entries = end - first;
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
            chunk.rows = torch::tensor(rows, torch::kLong).to(device);
            chunk.offsets = torch::tensor(offsets, torch::kLong).to(device);
            chunk.columns = torch::from_blob(const_cast<std::int32_t*>(p.columns.data()) + first, {entries}, torch::kInt)
                                .to(onDevice.dtype(torch::kLong));
            chunk.values = torch::from_blob(const_cast<float*>(p.values.data()) + first, {entries}, torch::kFloat)
                               .to(device, torch::kFloat, false, true);
            chunks_.push_back(std::move(chunk));
            firstRow = endRow;
        }
    }

    // sum_j p_ij w_ij (y_i - y_j) for every row [n, 2] float64, from the map yf [n, 2] float32; with
    // kl, also adds sum_ij e p_ij log(e p_ij / (w_ij / Z)) to *kl.
    torch::Tensor attraction(const torch::Tensor& yf, double exaggeration, double invZ, double* kl) const {
        std::vector<torch::Tensor> parts;
        parts.reserve(chunks_.size());
        torch::Tensor klSum;
        for (const auto& c : chunks_) {
            const auto d = yf.index_select(0, c.rows) - yf.index_select(0, c.columns);
            const auto w = (d * d).sum(1).add_(1.0).reciprocal_();
            parts.push_back(segmentSums((c.values * w).unsqueeze(1) * d, c.offsets));
            if (kl) {
                const auto pe = c.values.to(torch::kDouble) * exaggeration;
                const auto q = (w.to(torch::kDouble) * invZ).clamp_min_(kMachineEpsilon);
                const auto terms = (pe * (pe.clamp_min(kMachineEpsilon).log() - q.log())).sum();
                klSum = klSum.defined() ? klSum + terms : terms;
            }
        }
        if (kl) *kl = klSum.item<double>();
        return torch::cat(parts, 0);
    }

private:
    struct Chunk {
        torch::Tensor rows;     // [m] the row of each entry
        torch::Tensor columns;  // [m]
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

    // For the map y [n, 2] float64 on the device: sets repulse [n, 2] float64 to
    // sum_{j != i} w_ij^2 (y_i - y_j) and returns Z = sum_{i != j} w_ij.
    double compute(const torch::Tensor& y, torch::Tensor& repulse) {
        const int p = nodes_;
        const std::int64_t n = y.size(0);
        const auto bounds = torch::cat({std::get<0>(y.min(0)), std::get<0>(y.max(0))}).cpu();
        const double* b = bounds.data_ptr<double>();  // min x, min y, max x, max y
        const double centreX = 0.5 * (b[0] + b[2]);
        const double centreY = 0.5 * (b[1] + b[3]);
        const double side = std::max({b[2] - b[0], b[3] - b[1], 1e-6}) * (1.0 + 1e-9) + 1e-12;
        const int boxes = gridBoxesPerAxis(side, boxesPerUnit_, p);
        const std::int64_t g = static_cast<std::int64_t>(boxes) * p;
        const std::int64_t padded = 2 * g;
        const double boxSide = side / boxes;
        const double spacing = boxSide / p;
        const auto dbl = torch::TensorOptions().dtype(torch::kDouble).device(device_);
        const auto lng = torch::TensorOptions().dtype(torch::kLong).device(device_);

        // Box of each point and its position inside the box, in box units.
        const auto origin = torch::tensor({centreX - 0.5 * side, centreY - 0.5 * side}, torch::kDouble).to(device_);
        const auto scaled = (y - origin) / boxSide;
        const auto cell = scaled.floor().clamp(0.0, static_cast<double>(boxes - 1));
        const auto t = scaled - cell;
        const auto cells = cell.to(torch::kLong);
        const auto bx = cells.select(1, 0);
        const auto by = cells.select(1, 1);
        const auto box = by * boxes + bx;
        // Lagrange weights of the p nodes at (a + 0.5) / p: [n, 2, p] (x then y).
        std::vector<torch::Tensor> basis;
        for (int a = 0; a < p; ++a) {
            auto v = torch::ones_like(t);
            double denominator = 1.0;
            for (int c = 0; c < p; ++c) {
                if (c == a) continue;
                v = v * (t - node(c));
                denominator *= node(a) - node(c);
            }
            basis.push_back(v / denominator);
        }
        const auto weights = torch::stack(basis, 2);
        const auto wx = weights.select(1, 0);
        const auto wy = weights.select(1, 1);

        // The charges 1, x, y, |y|^2 (centred) on each point's p x p nodes, summed per box over the
        // points sorted by box: [boxes (y), boxes (x), 4, p (y), p (x)] -> the node grid [4, g, g].
        const auto centred = y - torch::tensor({centreX, centreY}, torch::kDouble).to(device_);
        const auto cx = centred.select(1, 0);
        const auto cy = centred.select(1, 1);
        const auto charges = torch::stack({torch::ones_like(cx), cx, cy, cx * cx + cy * cy}, 1);  // [n, 4]
        const auto spread = charges.view({n, 4, 1, 1}) * wy.view({n, 1, p, 1}) * wx.view({n, 1, 1, p});
        const auto order = std::get<1>(torch::sort(box, c10::optional<bool>(true), 0, false));
        const auto counts = torch::bincount(box, {}, static_cast<std::int64_t>(boxes) * boxes);
        const auto offsets = torch::cat({torch::zeros({1}, lng), counts.cumsum(0)});
        const auto perBox = segmentSums(spread.index_select(0, order), offsets);
        const auto grid = perBox.view({boxes, boxes, 4, p, p}).permute({2, 0, 3, 1, 4}).reshape({4, g, g});
        const auto padCharges = torch::constant_pad_nd(grid.to(torch::kFloat), {0, g, 0, g});

        // The squared kernel between nodes, wrapped for a circular convolution of size 2g (offset g
        // is never used by a pair of nodes: 0, as on the CPU).
        const auto index = torch::arange(padded, dbl);
        const auto offset = torch::where(index < static_cast<double>(g), index, index - static_cast<double>(padded));
        const auto d2 = (offset.unsqueeze(1) * offset.unsqueeze(1) + offset.unsqueeze(0) * offset.unsqueeze(0)) *
                        (spacing * spacing);
        auto kernel = (d2 + 1.0).reciprocal().square();
        kernel.select(0, g).zero_();
        kernel.select(1, g).zero_();
        const auto spectrum = torch::fft::rfft2(padCharges) * torch::fft::rfft2(kernel.to(torch::kFloat));
        const std::vector<std::int64_t> size{padded, padded};
        const auto potentials =
            torch::fft::irfft2(spectrum, size).slice(1, 0, g).slice(2, 0, g).reshape({4, g * g}).to(torch::kDouble);

        // The potentials interpolated back to the points: phi [4, n].
        const auto nodes = torch::arange(p, lng);
        const auto rows = by.unsqueeze(1) * p + nodes;  // [n, p]
        const auto cols = bx.unsqueeze(1) * p + nodes;
        const auto at = (rows.unsqueeze(2) * g + cols.unsqueeze(1)).reshape({-1});
        const auto phi = (potentials.index_select(1, at).view({4, n, p, p}) * wy.view({1, n, p, 1}) *
                          wx.view({1, n, 1, p}))
                             .sum({2, 3});
        const auto phi0 = phi.select(0, 0);
        const auto phi1 = phi.select(0, 1);
        const auto phi2 = phi.select(0, 2);
        repulse = torch::stack({cx * phi0 - phi1, cy * phi0 - phi2}, 1);
        // sum_j w (self term included: exactly 1 per point, removed below).
        const auto sumW = (1.0 + cx * cx + cy * cy) * phi0 - 2.0 * (cx * phi1 + cy * phi2) + phi.select(0, 3);
        return sumW.sum().item<double>() - static_cast<double>(n);
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

    auto y = initialEmbedding(data, options).to(device, torch::kDouble).contiguous();
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
    result.embedding = y.to(torch::kCPU, torch::kFloat).contiguous();
    result.learningRate = learningRate;
    result.iterations = ran;
    result.method = TsneMethod::Torch;
    return result;
}

}  // namespace genra::eval::tsne_detail
