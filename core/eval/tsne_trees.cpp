// The vantage-point tree and the quadtree of t-SNE (tsne_trees.h).
#include "core/eval/tsne_trees.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

#include "core/eval/tsne_internal.h"
#include "core/util/error.h"

namespace genra::eval::tsne_detail {

// ---- nearest neighbours: vantage-point tree ----

VpTree::VpTree(const float* data, std::int64_t points, std::int64_t dims, std::uint64_t seed)
    : data_(data), points_(points), dims_(dims) {
    items_.resize(static_cast<std::size_t>(points));
    std::iota(items_.begin(), items_.end(), 0);
    nodes_.reserve(static_cast<std::size_t>(points));
    util::SplitMix64 rng(seed ^ 0x5650'7472'6565ULL);
    std::vector<std::pair<double, std::int32_t>> scratch;
    build(0, static_cast<std::int32_t>(points), rng, scratch);
}

void VpTree::search(std::int32_t query, int k, std::vector<std::pair<double, std::int32_t>>& heap) const {
    heap.clear();
    double tau = std::numeric_limits<double>::infinity();
    searchNode(0, query, k, heap, tau);
    std::sort_heap(heap.begin(), heap.end());
}

double VpTree::distance(std::int32_t a, std::int32_t b) const {
    const float* pa = data_ + static_cast<std::int64_t>(a) * dims_;
    const float* pb = data_ + static_cast<std::int64_t>(b) * dims_;
    double sum = 0.0;
    for (std::int64_t d = 0; d < dims_; ++d) {
        const double diff = static_cast<double>(pa[d]) - static_cast<double>(pb[d]);
        sum += diff * diff;
    }
    return std::sqrt(sum);
}

std::int32_t VpTree::build(std::int32_t begin, std::int32_t end, util::SplitMix64& rng,
                           std::vector<std::pair<double, std::int32_t>>& scratch) {
    if (begin >= end) return -1;
    const auto nodeIndex = static_cast<std::int32_t>(nodes_.size());
    nodes_.emplace_back();
    const auto pick = begin + static_cast<std::int32_t>(rng.below(end - begin));
    std::swap(items_[static_cast<std::size_t>(begin)], items_[static_cast<std::size_t>(pick)]);
    const std::int32_t vantage = items_[static_cast<std::size_t>(begin)];
    nodes_[static_cast<std::size_t>(nodeIndex)].item = vantage;
    if (end - begin == 1) return nodeIndex;
    const std::int32_t median = begin + 1 + (end - begin - 1) / 2;
    scratch.clear();
    for (std::int32_t i = begin + 1; i < end; ++i) {
        const auto item = items_[static_cast<std::size_t>(i)];
        scratch.emplace_back(distance(vantage, item), item);
    }
    auto mid = scratch.begin() + (median - begin - 1);
    std::nth_element(scratch.begin(), mid, scratch.end());
    for (std::int32_t i = begin + 1; i < end; ++i)
        items_[static_cast<std::size_t>(i)] = scratch[static_cast<std::size_t>(i - begin - 1)].second;
    const double radius = mid->first;
    const auto inside = build(begin + 1, median, rng, scratch);
    const auto outside = build(median, end, rng, scratch);
    auto& node = nodes_[static_cast<std::size_t>(nodeIndex)];
    node.radius = radius;
    node.inside = inside;
    node.outside = outside;
    return nodeIndex;
}

void VpTree::searchNode(std::int32_t nodeIndex, std::int32_t query, int k,
                        std::vector<std::pair<double, std::int32_t>>& heap, double& tau) const {
    if (nodeIndex < 0) return;
    const auto& node = nodes_[static_cast<std::size_t>(nodeIndex)];
    const double d = distance(query, node.item);
    if (node.item != query &&
        (static_cast<int>(heap.size()) < k || std::make_pair(d, node.item) < heap.front())) {
        if (static_cast<int>(heap.size()) == k) {
            std::pop_heap(heap.begin(), heap.end());
            heap.pop_back();
        }
        heap.emplace_back(d, node.item);
        std::push_heap(heap.begin(), heap.end());
        if (static_cast<int>(heap.size()) == k) tau = heap.front().first;
    }
    if (node.inside < 0 && node.outside < 0) return;
    if (d < node.radius) {
        if (d - tau <= node.radius) searchNode(node.inside, query, k, heap, tau);
        if (d + tau >= node.radius) searchNode(node.outside, query, k, heap, tau);
    } else {
        if (d + tau >= node.radius) searchNode(node.outside, query, k, heap, tau);
        if (d - tau <= node.radius) searchNode(node.inside, query, k, heap, tau);
    }
}

// ---- nearest neighbours: brute force ----

void bruteForceNeighbours(const float* data, std::int64_t n, std::int64_t dims, int k, WorkerPool& pool,
                          std::int32_t* neighbours, double* distances) {
    if (k <= 0) return;
    if (k > n - 1)
        throw Error("t-SNE: asked for " + std::to_string(k) + " neighbours among " + std::to_string(n) +
                    " points");
    const auto x = torch::from_blob(const_cast<float*>(data), {n, dims}, torch::kFloat);
    // Centred (distances do not change, the products' rounding, which grows with the norms, shrinks).
    const auto wide = x.to(torch::kDouble);
    const auto centred = (wide - wide.mean(0, true)).to(torch::kFloat).contiguous();
    const auto normsSq = centred.to(torch::kDouble).pow(2).sum(1).contiguous();
    const double* norm2 = normsSq.data_ptr<double>();
    std::vector<float> sq(static_cast<std::size_t>(n));
    for (std::int64_t i = 0; i < n; ++i) sq[static_cast<std::size_t>(i)] = static_cast<float>(norm2[i]);
    const double maxNorm = std::sqrt(normsSq.max().item<double>());
    // |d^2 from the product - d^2 of the centred data| for rows a and b is below about
    // (dims + 4) u (|a| + |b|)^2 (u = 2^-24: the float dot product, the norms, the sum of three
    // terms), and centring in float moves a distance by less than that again; twice both, for margin.
    const double unit = std::ldexp(1.0, -24);
    const double errorScale = 4.0 * static_cast<double>(dims + 4) * unit;

    constexpr std::int64_t kBlockRows = 256;
    for (std::int64_t first = 0; first < n; first += kBlockRows) {
        const std::int64_t rows = std::min(kBlockRows, n - first);
        // [rows, n] dot products of the block's rows with all rows.
        const auto gram = torch::mm(centred.slice(0, first, first + rows), centred.t()).contiguous();
        const float* products = gram.data_ptr<float>();
        pool.forRange(rows, 4, [&](std::int64_t begin, std::int64_t end) {
            std::vector<float> row(static_cast<std::size_t>(n));
            std::vector<float> heap;
            std::vector<std::pair<double, std::int32_t>> candidates;
            for (std::int64_t r = begin; r < end; ++r) {
                const std::int64_t i = first + r;
                const float* g = products + r * n;
                const float si = sq[static_cast<std::size_t>(i)];
                for (std::int64_t j = 0; j < n; ++j)
                    row[static_cast<std::size_t>(j)] = si + sq[static_cast<std::size_t>(j)] - 2.0F * g[j];
                // The k-th smallest of the others (a max-heap of the k smallest so far).
                heap.clear();
                for (std::int64_t j = 0; j < n; ++j) {
                    if (j == i) continue;
                    const float v = row[static_cast<std::size_t>(j)];
                    if (static_cast<int>(heap.size()) < k) {
                        heap.push_back(v);
                        std::push_heap(heap.begin(), heap.end());
                    } else if (v < heap.front()) {
                        std::pop_heap(heap.begin(), heap.end());
                        heap.back() = v;
                        std::push_heap(heap.begin(), heap.end());
                    }
                }
                // Every point whose exact distance could be at most the k-th nearest's: at most the
                // k-th product-based value plus twice the error bound.
                const double reach = std::sqrt(norm2[i]) + maxNorm;
                const double limit = static_cast<double>(heap.front()) + 2.0 * errorScale * reach * reach;
                candidates.clear();
                const float* pi = data + i * dims;
                for (std::int64_t j = 0; j < n; ++j) {
                    if (j == i || static_cast<double>(row[static_cast<std::size_t>(j)]) > limit) continue;
                    const float* pj = data + j * dims;
                    double sum = 0.0;
                    for (std::int64_t d = 0; d < dims; ++d) {
                        const double diff = static_cast<double>(pi[d]) - static_cast<double>(pj[d]);
                        sum += diff * diff;
                    }
                    candidates.emplace_back(std::sqrt(sum), static_cast<std::int32_t>(j));
                }
                std::partial_sort(candidates.begin(), candidates.begin() + k, candidates.end());
                for (int j = 0; j < k; ++j) {
                    neighbours[i * k + j] = candidates[static_cast<std::size_t>(j)].second;
                    distances[i * k + j] = candidates[static_cast<std::size_t>(j)].first;
                }
            }
        });
    }
}

// ---- Barnes-Hut quadtree ----

void QuadTree::build(const double* y, std::int64_t n) {
    order_.resize(static_cast<std::size_t>(n));
    std::iota(order_.begin(), order_.end(), 0);
    const auto [minX, minY, maxX, maxY] = mapBounds(y, n);
    const double half = 0.5 * std::max(maxX - minX, maxY - minY) * (1.0 + 1e-9) + 1e-300;
    y_ = y;
    nodes_.clear();
    buildNode(0, static_cast<std::int32_t>(n), 0.5 * (minX + maxX), 0.5 * (minY + maxY), half, 0);
    sortedX_.resize(static_cast<std::size_t>(n));
    sortedY_.resize(static_cast<std::size_t>(n));
    rank_.resize(static_cast<std::size_t>(n));
    for (std::int64_t r = 0; r < n; ++r) {
        const auto i = order_[static_cast<std::size_t>(r)];
        sortedX_[static_cast<std::size_t>(r)] = y[2 * i];
        sortedY_[static_cast<std::size_t>(r)] = y[2 * i + 1];
        rank_[static_cast<std::size_t>(i)] = static_cast<std::int32_t>(r);
    }
}

void QuadTree::repulsion(std::int32_t i, double thetaSq, double& forceX, double& forceY, double& sumW) const {
    const double px = y_[2 * i];
    const double py = y_[2 * i + 1];
    const std::int32_t self = rank_[static_cast<std::size_t>(i)];
    double fx = 0.0;
    double fy = 0.0;
    double z = 0.0;
    const Node* nodes = nodes_.data();
    const double* xs = sortedX_.data();
    const double* ys = sortedY_.data();
    const auto total = static_cast<std::int32_t>(nodes_.size());
    std::int32_t index = 0;
    while (index < total) {
        const Node& node = nodes[index];
        const double dx = px - node.comX;
        const double dy = py - node.comY;
        const double d2 = dx * dx + dy * dy;
        const bool containsSelf = self >= node.begin && self < node.end;
        if (!containsSelf && node.widthSq < thetaSq * d2) {
            const double w = 1.0 / (1.0 + d2);
            const double m = node.count * w * w;
            z += node.count * w;
            fx += m * dx;
            fy += m * dy;
            index = node.next;
        } else if (node.leaf) {
            // Two points per step: leaf points are half of all interactions. The point itself is not
            // skipped inside the loop: its exact zero offset adds w = 1 to z and nothing to the force,
            // taken out below.
            V2 vz = {0.0, 0.0};
            V2 vfx = {0.0, 0.0};
            V2 vfy = {0.0, 0.0};
            const V2 vpx = {px, px};
            const V2 vpy = {py, py};
            std::int32_t r = node.begin;
            for (; r + 1 < node.end; r += 2) {
                const V2 ex = vpx - V2{xs[r], xs[r + 1]};
                const V2 ey = vpy - V2{ys[r], ys[r + 1]};
                const V2 w = 1.0 / (1.0 + ex * ex + ey * ey);
                const V2 ww = w * w;
                vz += w;
                vfx += ww * ex;
                vfy += ww * ey;
            }
            double lz = vz[0] + vz[1];
            double lfx = vfx[0] + vfx[1];
            double lfy = vfy[0] + vfy[1];
            if (r < node.end) {
                const double ex = px - xs[r];
                const double ey = py - ys[r];
                const double w = 1.0 / (1.0 + ex * ex + ey * ey);
                lz += w;
                lfx += w * w * ex;
                lfy += w * w * ey;
            }
            if (containsSelf) lz -= 1.0;
            z += lz;
            fx += lfx;
            fy += lfy;
            index = node.next;
        } else {
            ++index;
        }
    }
    forceX = fx;
    forceY = fy;
    sumW = z;
}

// Returns the bounding box of the node's points.
QuadTree::Box QuadTree::buildNode(std::int32_t begin, std::int32_t end, double cx, double cy, double half,
                                  int depth) {
    const auto index = static_cast<std::int32_t>(nodes_.size());
    nodes_.emplace_back();
    {
        Node& node = nodes_.back();
        node.begin = begin;
        node.end = end;
        node.count = static_cast<double>(end - begin);
    }
    if (end - begin <= kLeafCapacity || depth >= kMaxDepth) {
        double sx = 0.0;
        double sy = 0.0;
        Box box;
        for (std::int32_t r = begin; r < end; ++r) {
            const auto i = order_[static_cast<std::size_t>(r)];
            sx += y_[2 * i];
            sy += y_[2 * i + 1];
            box.add(y_[2 * i], y_[2 * i + 1]);
        }
        Node& node = nodes_[static_cast<std::size_t>(index)];
        node.comX = sx / node.count;
        node.comY = sy / node.count;
        node.widthSq = box.widthSq();
        node.leaf = 1;
        node.next = index + 1;
        return box;
    }
    // Quadrants in a fixed order: split by y, then each half by x.
    auto* first = order_.data() + begin;
    auto* last = order_.data() + end;
    const double* y = y_;
    auto* midY = std::partition(first, last, [&](std::int32_t i) { return y[2 * i + 1] < cy; });
    auto* midLow = std::partition(first, midY, [&](std::int32_t i) { return y[2 * i] < cx; });
    auto* midHigh = std::partition(midY, last, [&](std::int32_t i) { return y[2 * i] < cx; });
    const std::int32_t bounds[5] = {begin, static_cast<std::int32_t>(midLow - order_.data()),
                                    static_cast<std::int32_t>(midY - order_.data()),
                                    static_cast<std::int32_t>(midHigh - order_.data()), end};
    const double quarter = 0.5 * half;
    const double centresX[4] = {cx - quarter, cx + quarter, cx - quarter, cx + quarter};
    const double centresY[4] = {cy - quarter, cy - quarter, cy + quarter, cy + quarter};
    double sx = 0.0;
    double sy = 0.0;
    Box box;
    for (int q = 0; q < 4; ++q) {
        if (bounds[q] == bounds[q + 1]) continue;
        const auto child = static_cast<std::int32_t>(nodes_.size());
        box.merge(buildNode(bounds[q], bounds[q + 1], centresX[q], centresY[q], quarter, depth + 1));
        const Node& c = nodes_[static_cast<std::size_t>(child)];
        sx += c.comX * c.count;
        sy += c.comY * c.count;
    }
    Node& node = nodes_[static_cast<std::size_t>(index)];
    node.comX = sx / node.count;
    node.comY = sy / node.count;
    node.widthSq = box.widthSq();
    node.next = static_cast<std::int32_t>(nodes_.size());
    return box;
}

}  // namespace genra::eval::tsne_detail
