// FFT-accelerated t-SNE (interpolation-based repulsion, after Linderman et al., "Fast
// interpolation-based t-SNE for improved visualization of single-cell RNA-seq data", Nature Methods
// 2019, arXiv 1712.09005; our own implementation from the paper's description):
//  - attraction over sparse affinities on the 3 x perplexity nearest neighbours, found exactly
//    (brute force through a matrix product, or a vantage-point tree in few dimensions) for small
//    sets and approximately (hnswlib's HNSW graph) for large ones;
//  - repulsion: the map's bounding square is cut into equispaced boxes with p interpolation nodes
//    per box and axis. Each point spreads its "charges" (1, y1, y2) onto the p x p nodes of its box
//    with Lagrange weights, the Student-t kernel squared (for the forces) is evaluated between
//    nodes, and since the nodes are equispaced those sums are 2-D convolutions, done by FFT
//    (LibTorch's torch::fft). The potentials are interpolated back to the points. Z is the charge 1's
//    sum against the kernel itself, taken over the spectrum (Parseval). O(N) per iteration plus an
//    FFT whose size depends on the map's extent, not on N.
// Deterministic: the HNSW graph is built on one thread in index order with a seeded level
// generator, queries and per-point loops write only their own outputs, the spreading runs box by
// box (each box owns its nodes), and every reduction is in index order. The gradient renumbers the
// points along a Z-order curve of the map at fixed iterations (for the cache), which depends on the
// map alone. The result does not depend on the number of worker threads; it can differ in the last
// bits between CPUs with and without AVX2 (the neighbour distances, and the attraction below 65,536
// points).
#include <ATen/Parallel.h>
#include <hnswlib/hnswlib.h>
#ifdef GENRA_HAVE_OMP
#include <omp.h>
#endif

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <memory>
#include <opencv2/core.hpp>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/eval/tsne.h"
#include "core/eval/tsne_internal.h"
#include "core/eval/tsne_pool.h"
#include "core/eval/tsne_trees.h"
#include "core/util/error.h"

namespace genra::eval::tsne_detail {

namespace {

using F4 = float __attribute__((vector_size(16)));

// HNSW graph parameters, measured on blobs like the bench's (10 Gaussian clusters in 50-D, 100k points:
// the hard case, no low-dimensional structure) for the 90 neighbours t-SNE asks for at perplexity
// 30 (recall against brute force on 1,000 queries; one thread, docs/benchmarks.md): 16 links per
// node; 100 build candidates and k + 10 search candidates gave 0.908 recall, building in 10.8 s
// and querying in 12.1 s; 40 build candidates and k + 40 search candidates give 0.906 for 4.1 s
// and 11.6 s (with the AVX2 distance below). The build runs on one thread and the queries on all,
// so the cheaper build is what counts. Twice the search candidates gave 0.97 for twice the query
// time and no better KL.
constexpr std::size_t kHnswLinks = 16;
constexpr std::size_t kHnswBuildCandidates = 40;
constexpr std::size_t kHnswSearchExtra = 40;
// Rows handed to one calibrateAffinities() call: keeps its float64 copies small at a million points.
constexpr std::int64_t kCalibrationChunk = 1 << 16;
// Grid: at least this many boxes per axis.
constexpr int kMinBoxes = 20;

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#define GENRA_TSNE_AVX2_L2 1
#include <immintrin.h>
// Squared Euclidean distance with AVX2 and FMA, for CPUs that have them (checked at run time; the
// build targets the baseline x86-64, where hnswlib's own L2 space uses SSE): at 50 dimensions
// it took the HNSW queries of the bench's 100k blobs from 0.121 to 0.088 ms each on one thread and
// the build from 10.8 to 9.6 s.
__attribute__((target("avx2,fma"))) float squaredL2Avx2(const void* a, const void* b, const void* dims) {
    const auto* x = static_cast<const float*>(a);
    const auto* y = static_cast<const float*>(b);
    const std::size_t n = *static_cast<const std::size_t*>(dims);
    __m256 s0 = _mm256_setzero_ps();
    __m256 s1 = _mm256_setzero_ps();
    std::size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        const __m256 d0 = _mm256_sub_ps(_mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i));
        const __m256 d1 = _mm256_sub_ps(_mm256_loadu_ps(x + i + 8), _mm256_loadu_ps(y + i + 8));
        s0 = _mm256_fmadd_ps(d0, d0, s0);
        s1 = _mm256_fmadd_ps(d1, d1, s1);
    }
    for (; i + 8 <= n; i += 8) {
        const __m256 d0 = _mm256_sub_ps(_mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i));
        s0 = _mm256_fmadd_ps(d0, d0, s0);
    }
    s0 = _mm256_add_ps(s0, s1);
    __m128 h = _mm_add_ps(_mm256_castps256_ps128(s0), _mm256_extractf128_ps(s0, 1));
    h = _mm_hadd_ps(h, h);
    h = _mm_hadd_ps(h, h);
    float sum = _mm_cvtss_f32(h);
    for (; i < n; ++i) {
        const float d = x[i] - y[i];
        sum += d * d;
    }
    return sum;
}

// The attraction's sums over entries [e, end) of a row, eight at a time: sum_j p_ij w_ij (y_i - y_j)
// into ax, ay (float lanes), from the map yf (x, y interleaved, float); returns where it stopped
// (fewer than eight entries left).
__attribute__((target("avx2,fma"))) std::int64_t attractAvx2(const float* yf, float fx, float fy,
                                                             const std::int32_t* columns, const float* values,
                                                             std::int64_t e, std::int64_t end, float& ax,
                                                             float& ay) {
    __m256 vx = _mm256_setzero_ps();
    __m256 vy = _mm256_setzero_ps();
    const __m256 px = _mm256_set1_ps(fx);
    const __m256 py = _mm256_set1_ps(fy);
    const __m256 one = _mm256_set1_ps(1.0F);
    for (; e + 7 < end; e += 8) {
        const __m256i at =
            _mm256_slli_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(columns + e)), 1);
        const __m256 dx = _mm256_sub_ps(px, _mm256_i32gather_ps(yf, at, 4));
        const __m256 dy = _mm256_sub_ps(py, _mm256_i32gather_ps(yf + 1, at, 4));
        const __m256 q = _mm256_fmadd_ps(dy, dy, _mm256_fmadd_ps(dx, dx, one));
        const __m256 pw = _mm256_div_ps(_mm256_loadu_ps(values + e), q);
        vx = _mm256_fmadd_ps(pw, dx, vx);
        vy = _mm256_fmadd_ps(pw, dy, vy);
    }
    alignas(32) float lx[8];
    alignas(32) float ly[8];
    _mm256_store_ps(lx, vx);
    _mm256_store_ps(ly, vy);
    ax = ((lx[0] + lx[1]) + (lx[2] + lx[3])) + ((lx[4] + lx[5]) + (lx[6] + lx[7]));
    ay = ((ly[0] + ly[1]) + (ly[2] + ly[3])) + ((ly[4] + ly[5]) + (ly[6] + ly[7]));
    return e;
}
#endif

// hnswlib's L2 space, or the same distance through squaredL2Avx2 where the CPU has AVX2 and FMA
// (the graph for a seed is then the same on every such CPU, and on every CPU without them).
class NeighbourSpace : public hnswlib::SpaceInterface<float> {
public:
    explicit NeighbourSpace(std::size_t dims) : dims_(dims), fallback_(dims) {
#ifdef GENRA_TSNE_AVX2_L2
        if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) distance_ = squaredL2Avx2;
#endif
    }
    std::size_t get_data_size() override { return dims_ * sizeof(float); }
    hnswlib::DISTFUNC<float> get_dist_func() override {
        return distance_ ? distance_ : fallback_.get_dist_func();
    }
    void* get_dist_func_param() override { return distance_ ? &dims_ : fallback_.get_dist_func_param(); }

private:
    std::size_t dims_;
    hnswlib::L2Space fallback_;
    hnswlib::DISTFUNC<float> distance_ = nullptr;
};

void approximateNeighbours(const float* data, std::int64_t n, std::int64_t dims, int k, std::uint64_t seed,
                           WorkerPool& pool, const Progress& progress, std::vector<std::int32_t>& neighbours,
                           std::vector<float>& squared) {
    NeighbourSpace space(static_cast<std::size_t>(dims));  // squared Euclidean distance
    auto index = std::make_unique<hnswlib::HierarchicalNSW<float>>(
        &space, static_cast<std::size_t>(n), kHnswLinks, kHnswBuildCandidates,
        static_cast<std::size_t>(seed % 1000003 + 100));
    // One thread, index order: a parallel build links nodes in whatever order threads reach them.
    constexpr std::int64_t kReportEvery = 8192;
    for (std::int64_t i = 0; i < n; ++i) {
        if (i % kReportEvery == 0)
            progress.stage(0.06 * static_cast<double>(i) / static_cast<double>(n), "t-SNE: neighbour graph");
        index->addPoint(data + i * dims, static_cast<hnswlib::labeltype>(i));
    }
    // Every point is in the graph, so each query starts at the point itself (in hnswlib, added in
    // index order on one thread, internal id i holds label i) on the bottom layer: no descent
    // through the upper layers, and none of searchKnn's shared atomic counters, which the threads
    // would otherwise bounce between their caches on every hop.
    for (std::int64_t i = 0; i < n; i += std::max<std::int64_t>(1, n / 7))
        if (index->getExternalLabel(static_cast<hnswlib::tableint>(i)) != static_cast<hnswlib::labeltype>(i))
            throw Error("t-SNE: the neighbour graph numbers its points differently from the data");
    const std::size_t ef = static_cast<std::size_t>(k) + kHnswSearchExtra;
    constexpr std::int64_t kQueryBlock = 1 << 15;
    for (std::int64_t block = 0; block < n; block += kQueryBlock) {
        progress.stage(0.06 + 0.03 * static_cast<double>(block) / static_cast<double>(n),
                       "t-SNE: nearest neighbours");
        const std::int64_t blockEnd = std::min(n, block + kQueryBlock);
        pool.forRange(blockEnd - block, 64, [&](std::int64_t begin, std::int64_t end) {
            std::vector<std::pair<float, std::int32_t>> found;
            for (std::int64_t i = block + begin; i < block + end; ++i) {
                auto queue = index->searchBaseLayerST<false, false>(static_cast<hnswlib::tableint>(i),
                                                                    data + i * dims, ef);
                found.clear();
                for (; !queue.empty(); queue.pop()) {
                    const auto label = static_cast<std::int32_t>(queue.top().second);
                    if (label != i) found.emplace_back(queue.top().first, label);
                }
                if (found.size() < static_cast<std::size_t>(k)) {
                    // The search from the point stayed in a small part of the bottom layer that its
                    // links do not lead out of (HNSW graphs have a few): search again from the top
                    // layer's entry point, as hnswlib's searchKnn does, and keep both sets' points.
                    auto again = index->searchKnn(data + i * dims, static_cast<std::size_t>(k) + 1);
                    for (; !again.empty(); again.pop()) {
                        const auto label = static_cast<std::int32_t>(again.top().second);
                        if (label != i) found.emplace_back(again.top().first, label);
                    }
                    std::sort(found.begin(), found.end(),
                              [](const auto& a, const auto& b) { return a.second < b.second; });
                    found.erase(
                        std::unique(found.begin(), found.end(),
                                    [](const auto& a, const auto& b) { return a.second == b.second; }),
                        found.end());
                }
                std::sort(found.begin(), found.end());
                // The point itself is normally among the hits; when it is not, the farthest goes.
                if (found.size() > static_cast<std::size_t>(k)) found.resize(static_cast<std::size_t>(k));
                const auto have = static_cast<int>(found.size());
                for (int j = 0; j < k; ++j) {
                    // A graph that returned too few hits (tiny or degenerate sets) repeats the last one
                    // with zero weight left to it by the calibration's large distance.
                    const auto& hit = found[static_cast<std::size_t>(std::min(j, have - 1))];
                    neighbours[static_cast<std::size_t>(i * k + j)] = hit.second;
                    squared[static_cast<std::size_t>(i * k + j)] =
                        j < have ? hit.first : std::numeric_limits<float>::max() / 4;
                }
            }
        });
    }
}

}  // namespace

CsrP knnAffinities(const float* data, std::int64_t n, std::int64_t dims, const TsneOptions& options,
                      WorkerPool& pool, const Progress& progress) {
    const int k = neighbourCount(n, options.perplexity);
    progress.stage(0.0, "t-SNE: nearest neighbours");
    std::vector<std::int32_t> neighbours(static_cast<std::size_t>(n * k));
    std::vector<float> conditional(static_cast<std::size_t>(n * k));  // squared distances, then p(j|i)
    if (n > options.exactNeighboursMaxPoints)
        approximateNeighbours(data, n, dims, k, options.seed, pool, progress, neighbours, conditional);
    else
        exactNeighbours(data, n, dims, k, options.seed, pool, neighbours.data(), conditional.data());

    progress.stage(0.09, "t-SNE: affinities");
    for (std::int64_t first = 0; first < n; first += kCalibrationChunk) {
        const std::int64_t rows = std::min(kCalibrationChunk, n - first);
        float* block = conditional.data() + first * k;
        const auto distances = torch::from_blob(block, {rows, k}, torch::kFloat).to(torch::kDouble);
        const auto p = calibrateAffinities(distances, options.perplexity).to(torch::kFloat).contiguous();
        std::copy(p.data_ptr<float>(), p.data_ptr<float>() + rows * k, block);
    }

    // P + P^T: each row gets its own k entries and those of the points that chose it.
    CsrP out;
    out.rowStart.assign(static_cast<std::size_t>(n) + 1, 0);
    for (std::int64_t i = 0; i < n; ++i) out.rowStart[static_cast<std::size_t>(i) + 1] += k;
    for (const auto j : neighbours) ++out.rowStart[static_cast<std::size_t>(j) + 1];
    for (std::int64_t i = 0; i < n; ++i)
        out.rowStart[static_cast<std::size_t>(i) + 1] += out.rowStart[static_cast<std::size_t>(i)];
    out.columns.resize(static_cast<std::size_t>(out.rowStart.back()));
    out.values.resize(out.columns.size());
    {
        std::vector<std::int64_t> fill(out.rowStart.begin(), out.rowStart.end() - 1);
        for (std::int64_t i = 0; i < n; ++i) {
            for (int j = 0; j < k; ++j) {
                const auto e = static_cast<std::size_t>(i * k + j);
                const auto col = neighbours[e];
                const float p = conditional[e];
                auto& a = fill[static_cast<std::size_t>(i)];
                out.columns[static_cast<std::size_t>(a)] = col;
                out.values[static_cast<std::size_t>(a++)] = p;
                auto& b = fill[static_cast<std::size_t>(col)];
                out.columns[static_cast<std::size_t>(b)] = static_cast<std::int32_t>(i);
                out.values[static_cast<std::size_t>(b++)] = p;
            }
        }
    }
    std::vector<std::int32_t>().swap(neighbours);
    std::vector<float>().swap(conditional);

    // Sort each row by column and merge duplicates (a pair that chose each other) in place; rows
    // are independent, so this runs in parallel with the same result.
    std::vector<std::int64_t> kept(static_cast<std::size_t>(n), 0);
    pool.forRange(n, 1024, [&](std::int64_t begin, std::int64_t end) {
        std::vector<std::pair<std::int32_t, float>> row;
        for (std::int64_t i = begin; i < end; ++i) {
            const auto from = static_cast<std::size_t>(out.rowStart[static_cast<std::size_t>(i)]);
            const auto to = static_cast<std::size_t>(out.rowStart[static_cast<std::size_t>(i) + 1]);
            row.clear();
            for (auto e = from; e < to; ++e) row.emplace_back(out.columns[e], out.values[e]);
            std::sort(row.begin(), row.end(),
                      [](const auto& a, const auto& b) { return a.first < b.first; });
            auto write = from;
            for (std::size_t r = 0; r < row.size();) {
                const auto col = row[r].first;
                double value = 0.0;
                for (; r < row.size() && row[r].first == col; ++r) value += row[r].second;
                out.columns[write] = col;
                out.values[write++] = static_cast<float>(value);
            }
            kept[static_cast<std::size_t>(i)] = static_cast<std::int64_t>(write - from);
        }
    });
    // Close the gaps the merges left, and normalise to sum 1.
    std::size_t write = 0;
    double total = 0.0;
    for (std::int64_t i = 0; i < n; ++i) {
        const auto from = static_cast<std::size_t>(out.rowStart[static_cast<std::size_t>(i)]);
        out.rowStart[static_cast<std::size_t>(i)] = static_cast<std::int64_t>(write);
        for (std::int64_t e = 0; e < kept[static_cast<std::size_t>(i)]; ++e, ++write) {
            out.columns[write] = out.columns[from + static_cast<std::size_t>(e)];
            out.values[write] = out.values[from + static_cast<std::size_t>(e)];
            total += out.values[write];
        }
    }
    out.rowStart[static_cast<std::size_t>(n)] = static_cast<std::int64_t>(write);
    out.columns.resize(write);
    out.columns.shrink_to_fit();
    out.values.resize(write);
    out.values.shrink_to_fit();
    const double scale = 1.0 / std::max(total, kMachineEpsilon);
    for (auto& v : out.values) v = static_cast<float>(v * scale);
    return out;
}

GridGeometry gridGeometry(const MapBounds& bounds, double boxesPerUnit, int nodesPerBox) {
    const double side = mapSide(bounds);
    GridGeometry out;
    out.boxes = std::max(kMinBoxes, static_cast<int>(std::ceil(side * boxesPerUnit)));
    while (cv::getOptimalDFTSize(2 * out.boxes * nodesPerBox) != 2 * out.boxes * nodesPerBox) ++out.boxes;
    out.boxSide = side / out.boxes;
    out.originX = 0.5 * (bounds.minX + bounds.maxX - side);
    out.originY = 0.5 * (bounds.minY + bounds.maxY - side);
    return out;
}

// ---- interpolation-based repulsion ----

namespace {

// sum over the full spectrum of |a|^2 times w's real part, divided by the grid's size: by Parseval,
// the sum over nodes of the charge whose spectrum is `a` times its convolution with the kernel whose
// spectrum is `w` (real and even, so its spectrum is real). Both are one-sided spectra [rows,
// size / 2 + 1] (complex64) of real size x size grids, size even: columns 1 .. size / 2 - 1 stand for
// their conjugate twins too (counted twice), columns 0 and size / 2 for themselves.
double parsevalSum(const torch::Tensor& a, const torch::Tensor& w, int size) {
    const auto rows = a.size(0);
    const auto columns = a.size(1);
    const auto* as = reinterpret_cast<const float*>(a.data_ptr<c10::complex<float>>());
    const auto* ws = reinterpret_cast<const float*>(w.data_ptr<c10::complex<float>>());
    double sum = 0.0;
    for (std::int64_t r = 0; r < rows; ++r) {
        const float* ar = as + 2 * r * columns;
        const float* wr = ws + 2 * r * columns;
        double row = 0.0;
        for (std::int64_t c = 0; c < columns; ++c) {
            const double re = ar[2 * c];
            const double im = ar[2 * c + 1];
            const double term = (re * re + im * im) * static_cast<double>(wr[2 * c]);
            row += (c == 0 || c == columns - 1) ? term : 2.0 * term;
        }
        sum += row;
    }
    return sum / (static_cast<double>(size) * static_cast<double>(size));
}

// spectrum *= the real part of kernel, element by element (both complex64, same shape, contiguous).
void multiplyByReal(const torch::Tensor& spectrum, const torch::Tensor& kernel) {
    auto* s = reinterpret_cast<float*>(spectrum.data_ptr<c10::complex<float>>());
    const auto* k = reinterpret_cast<const float*>(kernel.data_ptr<c10::complex<float>>());
    const auto count = spectrum.numel();
    for (std::int64_t e = 0; e < count; ++e) {
        s[2 * e] *= k[2 * e];
        s[2 * e + 1] *= k[2 * e];
    }
}

// While alive, LibTorch runs the calling thread's operations on that thread alone (its OpenMP
// thread count for this thread set to 1, then restored). The worker pool already keeps every core
// busy; LibTorch's own threads would spin beside it (a two-thread FFT took twice the CPU time of one
// for the same wall time).
class SerialTorch {
public:
    SerialTorch() {
#ifdef GENRA_HAVE_OMP
        at::get_num_threads();  // LibTorch sets each thread's count on first use: let it happen first
        saved_ = omp_get_max_threads();
        omp_set_num_threads(1);
#endif
    }
    ~SerialTorch() {
#ifdef GENRA_HAVE_OMP
        omp_set_num_threads(saved_);
#endif
    }
    SerialTorch(const SerialTorch&) = delete;
    SerialTorch& operator=(const SerialTorch&) = delete;

private:
    int saved_ = 1;
};

}  // namespace

GridRepulsion::GridRepulsion(int nodesPerBox, double boxesPerUnit)
    : nodes_(std::clamp(nodesPerBox, 1, kMaxNodesPerBox)), boxesPerUnit_(boxesPerUnit) {
    // Nodes at (k + 0.5) / p inside the unit box, and the reciprocals of their Lagrange denominators
    // (the weights are computed twice per point and iteration: no divisions there).
    for (int a = 0; a < nodes_; ++a) nodeAt_.push_back((a + 0.5) / nodes_);
    for (int a = 0; a < nodes_; ++a) {
        double d = 1.0;
        for (int b = 0; b < nodes_; ++b)
            if (b != a) d *= nodeAt_[static_cast<std::size_t>(a)] - nodeAt_[static_cast<std::size_t>(b)];
        inverseDenominators_.push_back(1.0 / d);
    }
}

void GridRepulsion::weights(double t, double* out) const {
    for (int a = 0; a < nodes_; ++a) {
        double v = inverseDenominators_[static_cast<std::size_t>(a)];
        for (int b = 0; b < nodes_; ++b)
            if (b != a) v *= t - nodeAt_[static_cast<std::size_t>(b)];
        out[a] = v;
    }
}

double GridRepulsion::compute(const double* y, std::int64_t n, double* repulse, WorkerPool& pool) {
    const int p = nodes_;
    // The charges use coordinates relative to the map's centre, which keeps the forces' terms
    // small.
    const MapBounds bounds = mapBounds(y, n);
    const double centreX = 0.5 * (bounds.minX + bounds.maxX);
    const double centreY = 0.5 * (bounds.minY + bounds.maxY);
    const double side = mapSide(bounds);
    const GridGeometry geometry = gridGeometry(bounds, boxesPerUnit_, p);
    const int boxes = geometry.boxes;
    const int g = boxes * p;  // nodes per axis
    const int padded = 2 * g;
    const double boxSide = geometry.boxSide;
    const double spacing = boxSide / p;
    const double originX = geometry.originX;
    const double originY = geometry.originY;
    boxes_ = boxes;

    // Points grouped by box (counting sort, stable by index); everything after runs in that order,
    // so the weights and the grid are read and written in sequence and only y and the output are
    // touched at random (at 100k points this made the spreading 4x faster).
    const auto boxCount = static_cast<std::size_t>(boxes) * static_cast<std::size_t>(boxes);
    box_.resize(static_cast<std::size_t>(n));
    pool.forRange(n, 8192, [&](std::int64_t begin, std::int64_t end) {
        for (std::int64_t i = begin; i < end; ++i) {
            const int bx = std::clamp(static_cast<int>((y[2 * i] - originX) / boxSide), 0, boxes - 1);
            const int by = std::clamp(static_cast<int>((y[2 * i + 1] - originY) / boxSide), 0, boxes - 1);
            box_[static_cast<std::size_t>(i)] = by * boxes + bx;
        }
    });
    boxStart_.assign(boxCount + 1, 0);
    for (std::int64_t i = 0; i < n; ++i) ++boxStart_[static_cast<std::size_t>(box_[static_cast<std::size_t>(i)]) + 1];
    for (std::size_t b = 0; b < boxCount; ++b) boxStart_[b + 1] += boxStart_[b];
    order_.resize(static_cast<std::size_t>(n));
    {
        std::vector<std::int64_t> fill(boxStart_.begin(), boxStart_.end() - 1);
        for (std::int64_t i = 0; i < n; ++i)
            order_[static_cast<std::size_t>(fill[static_cast<std::size_t>(box_[static_cast<std::size_t>(i)])]++)] =
                static_cast<std::int32_t>(i);
    }

    // Weights and centred coordinates in box order, and the three charges (1, x, y) spread onto the
    // nodes; a box's points write only its own p x p nodes, so boxes run in parallel with the same
    // result. Each charge's grid is g rows of 2g nodes (the columns from g on are the convolution's
    // zero padding; the rows from g on, zero too, are left out), and the potentials come back into
    // it across all 2g columns, so it is cleared every call.
    const auto gridSize = static_cast<std::size_t>(g) * static_cast<std::size_t>(padded);
    float* charges[3];
    for (int c = 0; c < 3; ++c) {
        charges_[c].assign(gridSize, 0.0F);
        charges[c] = charges_[c].data();
    }
    const auto node = [&](int c, int row, int column) {
        return charges[c] + static_cast<std::ptrdiff_t>(row) * padded + column;
    };
    wx_.resize(static_cast<std::size_t>(n * p));
    wy_.resize(static_cast<std::size_t>(n * p));
    sorted_.resize(static_cast<std::size_t>(2 * n));
    pool.forRange(static_cast<std::int64_t>(boxCount), 16, [&](std::int64_t begin, std::int64_t end) {
        for (std::int64_t b = begin; b < end; ++b) {
            const int bx = static_cast<int>(b % boxes);
            const int by = static_cast<int>(b / boxes);
            // The box's points add their charges up here first (in double), and the box writes its
            // nodes once.
            double sum[3][kMaxNodesPerBox * kMaxNodesPerBox] = {};
            const auto first = boxStart_[static_cast<std::size_t>(b)];
            const auto last = boxStart_[static_cast<std::size_t>(b) + 1];
            for (auto r = first; r < last; ++r) {
                const auto i = static_cast<std::int64_t>(order_[static_cast<std::size_t>(r)]);
                double* wxi = &wx_[static_cast<std::size_t>(r * p)];
                double* wyi = &wy_[static_cast<std::size_t>(r * p)];
                weights((y[2 * i] - originX) / boxSide - bx, wxi);
                weights((y[2 * i + 1] - originY) / boxSide - by, wyi);
                const double cx = y[2 * i] - centreX;
                const double cy = y[2 * i + 1] - centreY;
                sorted_[static_cast<std::size_t>(2 * r)] = cx;
                sorted_[static_cast<std::size_t>(2 * r + 1)] = cy;
                for (int a = 0; a < p; ++a) {
                    for (int e = 0; e < p; ++e) {
                        const double w = wyi[a] * wxi[e];
                        sum[0][a * p + e] += w;
                        sum[1][a * p + e] += w * cx;
                        sum[2][a * p + e] += w * cy;
                    }
                }
            }
            if (first == last) continue;
            for (int c = 0; c < 3; ++c)
                for (int a = 0; a < p; ++a) {
                    float* row = node(c, by * p + a, bx * p);
                    for (int e = 0; e < p; ++e) row[e] = static_cast<float>(sum[c][a * p + e]);
                }
        }
    });

    // The Student-t kernel w and its square between nodes, wrapped for a circular convolution of
    // size 2g (offset g is never used by a pair of nodes, so it stays 0).
    // (Keeping the box side fixed for a while, so that the kernels' spectra could be reused, left
    // maps with a 1.3-1.7 % higher KL: see docs/benchmarks.md.)
    const int half = g + 1;  // columns of a real grid's one-sided spectrum
    if (kernels_.size(-1) != padded) {
        const auto complex = torch::TensorOptions().dtype(torch::kComplexFloat);
        kernels_ = torch::empty({2, padded, padded}, torch::kFloat);
        kernelSpectra_ = torch::empty({2, padded, half}, complex);
        lines_ = torch::zeros({3, padded, half}, complex);
        spectra_ = torch::empty({3, padded, half}, complex);
    }
    float* kernels = kernels_.data_ptr<float>();
    pool.forRange(padded, 64, [&](std::int64_t begin, std::int64_t end) {
        for (auto r = static_cast<int>(begin); r < static_cast<int>(end); ++r) {
            float* squared = kernels + static_cast<std::ptrdiff_t>(r) * padded;
            float* plain = squared + static_cast<std::ptrdiff_t>(padded) * padded;
            const int dr = r < g ? r : r - padded;
            for (int c = 0; c < padded; ++c) {
                const int dc = c < g ? c : c - padded;
                const double d2 = spacing * spacing * static_cast<double>(dr * dr + dc * dc);
                const double w = 1.0 / (1.0 + d2);
                const bool unused = r == g || c == g;
                squared[c] = unused ? 0.0F : static_cast<float>(w * w);
                plain[c] = unused ? 0.0F : static_cast<float>(w);
            }
        }
    });

    // The transforms (LibTorch's, pocketfft: twice OpenCV's speed at these sizes) as tasks, claimed
    // by the threads in this order: 0-1 the kernels' spectra, 2-4 the charges' (1, x, y): the g
    // non-zero rows along x into `lines`, whose other rows stay zero, then all columns along y;
    // 5 the sum for Z; 6-8 each charge's spectrum times the w^2 kernel's, transformed back (columns,
    // then the g rows the potentials need) into the charge's grid. A task's inputs were claimed
    // before it, so they are finished or in progress, and it waits for them. Each task runs on its
    // thread alone (SerialTorch): LibTorch's own threads would only spin beside the pool's.
    // Z = sum over the nodes of the charge 1 times its potential under w, which by Parseval is a sum
    // over the spectrum (|C1|^2 times w's spectrum, real since w is even): no inverse transform.
    // Its terms are all positive. Forming Z from the w^2 potentials and a |y|^2 charge instead, as
    // FIt-SNE does, subtracts terms hundreds of times Z's size on a wide map, and the interpolation's
    // error survives: at a million points that Z went negative at iteration 22 and threw the map to
    // infinity.
    constexpr int kTasks = 9;
    std::atomic<bool> done[kTasks];
    for (auto& d : done) d.store(false);
    double zNodes = 0.0;
    auto await = [&](int task) {
        while (!done[task].load(std::memory_order_acquire)) std::this_thread::yield();
    };
    auto grid = [&](int c) { return torch::from_blob(charges[c], {g, padded}, torch::kFloat); };
    pool.forRange(kTasks, 1, [&](std::int64_t begin, std::int64_t end) {
        const SerialTorch serial;
        for (std::int64_t t = begin; t < end; ++t) {
            const int task = static_cast<int>(t);
            if (task < 2) {
                auto spectrum = kernelSpectra_[task];
                at::fft_rfft2_out(spectrum, kernels_[task]);
            } else if (task < 5) {
                const int c = task - 2;
                auto lines = lines_[c];
                auto rows = lines.narrow(0, 0, g);
                at::fft_rfft_out(rows, grid(c), c10::nullopt, 1);
                auto spectrum = spectra_[c];
                at::fft_fft_out(spectrum, lines, c10::nullopt, 0);
            } else if (task == 5) {
                await(1);
                await(2);
                zNodes = parsevalSum(spectra_[0], kernelSpectra_[1], padded);
            } else {
                const int c = task - 6;
                await(0);
                await(c + 2);
                if (c == 0) await(5);  // Z reads the charge 1's spectrum before it is multiplied
                multiplyByReal(spectra_[c], kernelSpectra_[0]);
                auto lines = lines_[c];
                at::fft_ifft_out(lines, spectra_[c], c10::nullopt, 0);
                auto potentials = grid(c);
                at::fft_irfft_out(potentials, lines.narrow(0, 0, g), padded, 1);
                lines.narrow(0, g, padded - g).zero_();  // the padding rows, for the next call
            }
            done[task].store(true, std::memory_order_release);
        }
    });

    // Interpolate the potentials back, in box order, and form each point's repulsion.
    pool.forRange(static_cast<std::int64_t>(boxCount), 16, [&](std::int64_t begin, std::int64_t end) {
        for (std::int64_t b = begin; b < end; ++b) {
            const int bx = static_cast<int>(b % boxes);
            const int by = static_cast<int>(b / boxes);
            const auto first = boxStart_[static_cast<std::size_t>(b)];
            const auto last = boxStart_[static_cast<std::size_t>(b) + 1];
            if (first == last) continue;
            // The box's potentials, read once for all its points.
            double potential[3][kMaxNodesPerBox * kMaxNodesPerBox];
            for (int c = 0; c < 3; ++c)
                for (int a = 0; a < p; ++a) {
                    const float* row = node(c, by * p + a, bx * p);
                    for (int e = 0; e < p; ++e) potential[c][a * p + e] = static_cast<double>(row[e]);
                }
            for (auto r = first; r < last; ++r) {
                const double* wxi = &wx_[static_cast<std::size_t>(r * p)];
                const double* wyi = &wy_[static_cast<std::size_t>(r * p)];
                double phi[3] = {0.0, 0.0, 0.0};
                for (int c = 0; c < 3; ++c) {
                    for (int a = 0; a < p; ++a) {
                        double s = 0.0;
                        for (int e = 0; e < p; ++e) s += wxi[e] * potential[c][a * p + e];
                        phi[c] += wyi[a] * s;
                    }
                }
                const double cx = sorted_[static_cast<std::size_t>(2 * r)];
                const double cy = sorted_[static_cast<std::size_t>(2 * r + 1)];
                const auto i = static_cast<std::int64_t>(order_[static_cast<std::size_t>(r)]);
                // sum_j w^2 (y_i - y_j), self term included (it adds nothing).
                repulse[2 * i] = cx * phi[0] - phi[1];
                repulse[2 * i + 1] = cy * phi[0] - phi[2];
            }
        }
    });
    // The nodes' sum counts each point's own w (exactly 1 at distance 0) once.
    const double z = zNodes - static_cast<double>(n);
    // The true Z lies between N(N-1) w at the square's diagonal and N(N-1): an approximation
    // outside those bounds (it happened once the map's Z came from cancelling terms) would scale
    // every force wrongly, and a Z at or below zero would throw the map to infinity.
    const double pairs = static_cast<double>(n) * static_cast<double>(n - 1);
    return std::clamp(z, pairs / (1.0 + 2.0 * side * side), pairs);
}

namespace {

// Spreads the low 16 bits of v to the even bits of the result.
std::uint32_t spreadBits(std::uint32_t v) {
    v &= 0xFFFFU;
    v = (v | (v << 8U)) & 0x00FF00FFU;
    v = (v | (v << 4U)) & 0x0F0F0F0FU;
    v = (v | (v << 2U)) & 0x33333333U;
    v = (v | (v << 1U)) & 0x55555555U;
    return v;
}

// The points of the map y [2n] along a Z-order curve over its bounding box (ties by index): points
// close in the map get close positions.
std::vector<std::int32_t> zOrder(const double* y, std::int64_t n) {
    const MapBounds b = mapBounds(y, n);
    const double sx = 65535.0 / std::max(b.maxX - b.minX, 1e-300);
    const double sy = 65535.0 / std::max(b.maxY - b.minY, 1e-300);
    std::vector<std::pair<std::uint32_t, std::int32_t>> keys(static_cast<std::size_t>(n));
    for (std::size_t i = 0; i < keys.size(); ++i) {
        const auto qx = static_cast<std::uint32_t>(std::clamp((y[2 * i] - b.minX) * sx, 0.0, 65535.0));
        const auto qy = static_cast<std::uint32_t>(std::clamp((y[2 * i + 1] - b.minY) * sy, 0.0, 65535.0));
        keys[i] = {spreadBits(qx) | (spreadBits(qy) << 1U), static_cast<std::int32_t>(i)};
    }
    std::sort(keys.begin(), keys.end());
    std::vector<std::int32_t> order(keys.size());
    for (std::size_t r = 0; r < keys.size(); ++r) order[r] = keys[r].second;
    return order;
}

// P with its rows and columns renumbered: row r of the result is row from[r] of p.
CsrP renumbered(const CsrP& p, const std::vector<std::int32_t>& from, WorkerPool& pool) {
    const auto n = static_cast<std::int64_t>(from.size());
    std::vector<std::int32_t> to(from.size());
    for (std::size_t r = 0; r < from.size(); ++r) to[static_cast<std::size_t>(from[r])] = static_cast<std::int32_t>(r);
    CsrP out;
    out.rowStart.assign(from.size() + 1, 0);
    for (std::size_t r = 0; r < from.size(); ++r) {
        const auto old = static_cast<std::size_t>(from[r]);
        out.rowStart[r + 1] = out.rowStart[r] + p.rowStart[old + 1] - p.rowStart[old];
    }
    out.columns.resize(p.columns.size());
    out.values.resize(p.values.size());
    pool.forRange(n, 4096, [&](std::int64_t begin, std::int64_t end) {
        for (std::int64_t r = begin; r < end; ++r) {
            const auto old = static_cast<std::size_t>(from[static_cast<std::size_t>(r)]);
            auto w = static_cast<std::size_t>(out.rowStart[static_cast<std::size_t>(r)]);
            for (auto e = p.rowStart[old]; e < p.rowStart[old + 1]; ++e, ++w) {
                out.columns[w] = to[static_cast<std::size_t>(p.columns[static_cast<std::size_t>(e)])];
                out.values[w] = p.values[static_cast<std::size_t>(e)];
            }
        }
    });
    return out;
}

// Calls of the gradient at which the points are renumbered along the map's Z-order curve: the
// initial map, then as the early exaggeration forms and spreads the clusters and once after.
bool renumberAt(int call) { return call == 0 || call == 50 || call == 150 || call == 300 || call == 600; }

}  // namespace

TsneResult runFft(const torch::Tensor& data, const TsneOptions& options, WorkerPool& pool,
                  const Progress& progress) {
    const std::int64_t n = data.size(0);
    const std::int64_t dims = data.size(1);
    CsrP p;
    {
        const auto points = data.to(torch::kCPU, torch::kFloat).contiguous();
        p = knnAffinities(points.data_ptr<float>(), n, dims, options, pool, progress);
    }
    progress.stage(0.1, "t-SNE: optimising");

    // The gradient works on the points renumbered (from time to time) along a Z-order curve over
    // the map: neighbours in P then mostly sit close in memory, and the attraction's gathers hit
    // the cache instead of main memory (at 200k points and beyond the map no longer fits in it).
    // The renumbering depends only on the map, so the result stays the same for any thread count.
    std::vector<std::int32_t> order(static_cast<std::size_t>(n));  // position -> point
    for (std::int64_t r = 0; r < n; ++r) order[static_cast<std::size_t>(r)] = static_cast<std::int32_t>(r);
    std::vector<std::int32_t> position(order);                      // point -> position
    std::vector<double> yp(static_cast<std::size_t>(2 * n), 0.0);   // the map in positions
    std::vector<double> repulse(static_cast<std::size_t>(2 * n), 0.0);
    std::vector<double> klTerms(static_cast<std::size_t>(n), 0.0);
    std::vector<float> yf(static_cast<std::size_t>(2 * n), 0.0F);
    GridRepulsion grid(options.fftNodesPerBox, options.fftBoxesPerUnit);
    int calls = 0;
#ifdef GENRA_TSNE_AVX2_L2
    // AVX2's gathers win while the float map (8 bytes a point) stays in a core's L2 cache: at 10k
    // points, 3.0 / 3.1 s against 2.9 / 2.9 s for the whole run; at 200k, where the gathers miss,
    // they lost (70.2 / 69.8 s against 71.4 / 74.8 s), so larger maps keep the four-wide loop.
    constexpr std::int64_t kAvx2MaxPoints = 1 << 16;
    const bool haveAvx2 =
        n <= kAvx2MaxPoints && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#endif

    auto gradient = [&](const std::vector<double>& y, std::vector<double>& grad, double exaggeration,
                        bool wantKl) {
        if (renumberAt(calls++)) {
            const auto next = zOrder(y.data(), n);
            std::vector<std::int32_t> from(next.size());
            for (std::size_t r = 0; r < next.size(); ++r) from[r] = position[static_cast<std::size_t>(next[r])];
            p = renumbered(p, from, pool);
            order = next;
            for (std::size_t r = 0; r < order.size(); ++r)
                position[static_cast<std::size_t>(order[r])] = static_cast<std::int32_t>(r);
        }
        pool.forRange(n, 8192, [&](std::int64_t begin, std::int64_t end) {
            for (std::int64_t r = begin; r < end; ++r) {
                const auto i = static_cast<std::size_t>(order[static_cast<std::size_t>(r)]);
                const auto at = static_cast<std::size_t>(2 * r);
                yp[at] = y[2 * i];
                yp[at + 1] = y[2 * i + 1];
                yf[at] = static_cast<float>(yp[at]);
                yf[at + 1] = static_cast<float>(yp[at + 1]);
            }
        });
        const double z = grid.compute(yp.data(), n, repulse.data(), pool);
        const double invZ = 1.0 / std::max(z, kMachineEpsilon);
        pool.forRange(n, 1024, [&](std::int64_t begin, std::int64_t end) {
            const std::int32_t* columns = p.columns.data();
            const float* values = p.values.data();
            for (std::int64_t r = begin; r < end; ++r) {
                const double px = yp[static_cast<std::size_t>(2 * r)];
                const double py = yp[static_cast<std::size_t>(2 * r + 1)];
                double ax = 0.0;
                double ay = 0.0;
                double kl = 0.0;
                const auto rowEnd = p.rowStart[static_cast<std::size_t>(r) + 1];
                auto e = p.rowStart[static_cast<std::size_t>(r)];
                if (!wantKl) {
                    // Four entries per step in single precision (the map in float, yf): half the
                    // bytes gathered per neighbour and twice the lanes per division; the sums over a
                    // row of ~100 entries keep float's 1e-7 relative error.
                    const float fx = yf[static_cast<std::size_t>(2 * r)];
                    const float fy = yf[static_cast<std::size_t>(2 * r + 1)];
                    F4 vx = {0.0F, 0.0F, 0.0F, 0.0F};
                    F4 vy = {0.0F, 0.0F, 0.0F, 0.0F};
#ifdef GENRA_TSNE_AVX2_L2
                    if (haveAvx2) {
                        float sx = 0.0F;
                        float sy = 0.0F;
                        e = attractAvx2(yf.data(), fx, fy, columns, values, e, rowEnd, sx, sy);
                        vx[0] = sx;
                        vy[0] = sy;
                    }
#endif
                    for (; e + 3 < rowEnd; e += 4) {
                        F4 dx;
                        F4 dy;
                        for (int l = 0; l < 4; ++l) {
                            const auto j = static_cast<std::size_t>(columns[e + l]);
                            dx[l] = fx - yf[2 * j];
                            dy[l] = fy - yf[2 * j + 1];
                        }
                        const F4 pv = {values[e], values[e + 1], values[e + 2], values[e + 3]};
                        const F4 pw = pv / (1.0F + dx * dx + dy * dy);
                        vx += pw * dx;
                        vy += pw * dy;
                    }
                    ax = static_cast<double>(vx[0] + vx[1]) + static_cast<double>(vx[2] + vx[3]);
                    ay = static_cast<double>(vy[0] + vy[1]) + static_cast<double>(vy[2] + vy[3]);
                }
                const double* map = yp.data();
                if (wantKl)
                    attractEntries<true>(map, px, py, columns, values, e, rowEnd, exaggeration, invZ, ax, ay, kl);
                else
                    attractEntries<false>(map, px, py, columns, values, e, rowEnd, exaggeration, invZ, ax, ay, kl);
                // dKL/dy_i = 4 (attraction times the exaggeration - repulsion / Z), back in point order.
                const auto i = static_cast<std::size_t>(order[static_cast<std::size_t>(r)]);
                const auto at = static_cast<std::size_t>(2 * r);
                grad[2 * i] = 4.0 * (ax * exaggeration - repulse[at] * invZ);
                grad[2 * i + 1] = 4.0 * (ay * exaggeration - repulse[at + 1] * invZ);
                klTerms[static_cast<std::size_t>(r)] = kl;
            }
        });
        return wantKl ? klFromTerms(klTerms) : 0.0;
    };
    TsneResult result = descend(initialEmbedding(data, options), options, progress, gradient);
    result.method = TsneMethod::Fft;
    return result;
}

}  // namespace genra::eval::tsne_detail
