// The t-SNE trees (internal; see tsne_internal.h): the vantage-point tree that finds each point's
// nearest neighbours for the sparse affinities, and the quadtree that summarises far points'
// repulsion in the Barnes-Hut gradient. Both are deterministic: the VP-tree's vantage points come
// from a seeded SplitMix64, the quadtree's cells from a fixed split order.
#pragma once

#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

#include "core/eval/tsne_pool.h"
#include "core/util/random.h"

namespace genra::eval::tsne_detail {

// Two doubles in one 128-bit register (SSE2 on every x86-64, NEON on ARM64), through the vector
// extension GCC and Clang share: the hot loops divide two at a time.
using V2 = double __attribute__((vector_size(16)));

// ---- nearest neighbours: vantage-point tree ----

class VpTree {
public:
    VpTree(const float* data, std::int64_t points, std::int64_t dims, std::uint64_t seed);

    // The k nearest other points of `query` (itself excluded by index), nearest first; ties by
    // index so the order is reproducible.
    void search(std::int32_t query, int k, std::vector<std::pair<double, std::int32_t>>& heap) const;

private:
    struct Node {
        std::int32_t item = -1;
        double radius = 0.0;
        std::int32_t inside = -1;   // node index, points closer than radius
        std::int32_t outside = -1;  // node index, points at radius or farther
    };

    double distance(std::int32_t a, std::int32_t b) const;
    std::int32_t build(std::int32_t begin, std::int32_t end, util::SplitMix64& rng,
                       std::vector<std::pair<double, std::int32_t>>& scratch);
    void searchNode(std::int32_t nodeIndex, std::int32_t query, int k,
                    std::vector<std::pair<double, std::int32_t>>& heap, double& tau) const;

    const float* data_;
    std::int64_t points_;
    std::int64_t dims_;
    std::vector<std::int32_t> items_;
    std::vector<Node> nodes_;
};

// ---- Barnes-Hut quadtree ----
// Nodes are stored in depth-first pre-order with each node knowing where its subtree ends, so a
// traversal is a forward scan that either descends (index + 1) or skips the subtree (`next`): no
// stack, and memory is read mostly in order.
class QuadTree {
public:
    struct Node {
        double comX = 0.0;  // centre of mass
        double comY = 0.0;
        double count = 0.0;
        // Squared longer side of the bounding box of the cell's points. The box of the points
        // rather than the cell itself: it is never larger, so more far cells pass the opening test
        // with the same error bound (which depends on how spread the summarised points are).
        double widthSq = 0.0;
        std::int32_t begin = 0;  // range of the cell's points in sorted order
        std::int32_t end = 0;
        std::int32_t next = 0;  // first node after this subtree
        std::int32_t leaf = 0;
    };

    // Leaves hold up to this many points; their points interact one by one when the leaf is not
    // summarised, which is never less exact and costs less than more levels of cells would
    // (12 % faster than single-point leaves at 10k points).
    static constexpr std::int32_t kLeafCapacity = 16;
    static constexpr int kMaxDepth = 48;

    void build(const double* y, std::int64_t n);

    // Repulsion on point `i`: sum over j != i of w_ij^2 (y_i - y_j) and of w_ij, w = 1 / (1 + d^2),
    // with far cells (box side / distance to centre of mass < theta) standing in for their points.
    void repulsion(std::int32_t i, double thetaSq, double& forceX, double& forceY, double& sumW) const;

    const std::vector<std::int32_t>& order() const { return order_; }

private:
    struct Box {
        double minX = std::numeric_limits<double>::infinity();
        double minY = std::numeric_limits<double>::infinity();
        double maxX = -std::numeric_limits<double>::infinity();
        double maxY = -std::numeric_limits<double>::infinity();
        void add(double x, double y) {
            minX = std::min(minX, x);
            maxX = std::max(maxX, x);
            minY = std::min(minY, y);
            maxY = std::max(maxY, y);
        }
        void merge(const Box& o) {
            minX = std::min(minX, o.minX);
            maxX = std::max(maxX, o.maxX);
            minY = std::min(minY, o.minY);
            maxY = std::max(maxY, o.maxY);
        }
        double widthSq() const {
            const double side = std::max(maxX - minX, maxY - minY);
            return side * side;
        }
    };

    // Returns the bounding box of the node's points.
    Box buildNode(std::int32_t begin, std::int32_t end, double cx, double cy, double half, int depth);

    const double* y_ = nullptr;
    std::vector<Node> nodes_;
    std::vector<std::int32_t> order_;
    std::vector<std::int32_t> rank_;
    std::vector<double> sortedX_;  // point coordinates in tree order
    std::vector<double> sortedY_;
};

// The k exact nearest neighbours of every row of `data` [n, dims] by brute force, on `pool`: the
// same neighbours, in the same order, with the same distances (Euclidean, summed in double from the
// float data) as VpTree::search gives. Candidates come from a float matrix product (LibTorch's BLAS,
// on the centred data) and every point whose product-based distance could be within rounding of
// the k-th nearest's is measured again exactly, so the product's rounding never changes the result.
// In 50 dimensions, where a VP-tree prunes little, this is several times faster.
void bruteForceNeighbours(const float* data, std::int64_t n, std::int64_t dims, int k, WorkerPool& pool,
                          std::int32_t* neighbours, double* distances);

// Dimensions from which exactNeighbours() goes by brute force rather than through a VP-tree (which
// prunes well in few dimensions and little in many).
constexpr std::int64_t kBruteForceMinDims = 8;

// The k exact nearest neighbours of every row of `data` [n, dims] through a VpTree, on `pool`:
// neighbours[i * k + j] (nearest first) and their squared distances in `squared` (float or double).
template <class Real>
void vpTreeNeighbours(const float* data, std::int64_t n, std::int64_t dims, int k, std::uint64_t seed, WorkerPool& pool,
                      std::int32_t* neighbours, Real* squared) {
    VpTree tree(data, n, dims, seed);
    pool.forRange(n, 64, [&](std::int64_t begin, std::int64_t end) {
        std::vector<std::pair<double, std::int32_t>> heap;
        heap.reserve(static_cast<std::size_t>(k) + 1);
        for (std::int64_t i = begin; i < end; ++i) {
            tree.search(static_cast<std::int32_t>(i), k, heap);
            for (int j = 0; j < k; ++j) {
                const auto& hit = heap[static_cast<std::size_t>(j)];
                neighbours[i * k + j] = hit.second;
                squared[i * k + j] = static_cast<Real>(hit.first * hit.first);
            }
        }
    });
}

// The k exact nearest neighbours, through bruteForceNeighbours() or vpTreeNeighbours() by the
// number of dimensions (both give the same result; `seed` only shapes the tree).
template <class Real>
void exactNeighbours(const float* data, std::int64_t n, std::int64_t dims, int k, std::uint64_t seed,
                     WorkerPool& pool, std::int32_t* neighbours, Real* squared) {
    if (dims < kBruteForceMinDims) {
        vpTreeNeighbours(data, n, dims, k, seed, pool, neighbours, squared);
        return;
    }
    std::vector<double> distances(static_cast<std::size_t>(n) * static_cast<std::size_t>(k));
    bruteForceNeighbours(data, n, dims, k, pool, neighbours, distances.data());
    for (std::size_t e = 0; e < distances.size(); ++e)
        squared[e] = static_cast<Real>(distances[e] * distances[e]);
}

}  // namespace genra::eval::tsne_detail
