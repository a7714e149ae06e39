// t-SNE, exact and Barnes-Hut. The optimiser (PCA init scaled to std 1e-4, early exaggeration,
// momentum 0.5 -> 0.8, gains, learning rate 'auto') mirrors scikit-learn's TSNE so that results can
// be compared with it number for number; the code is our own.
#include "core/eval/tsne.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <cstring>
#include <exception>
#include <limits>
#include <mutex>
#include <numeric>
#include <sstream>
#include <thread>
#include <utility>
#include <vector>

#include "core/data/npy.h"
#include "core/util/error.h"
#include "core/util/random.h"
#include "core/util/shape_text.h"

namespace genra::eval {

namespace {

// scikit-learn floors probabilities at float64 machine epsilon before taking logs.
constexpr double kMachineEpsilon = std::numeric_limits<double>::epsilon();
constexpr int kKlEvery = 50;
constexpr int kBisectionSteps = 100;
constexpr double kMinGain = 0.01;
constexpr double kMomentumExplore = 0.5;
constexpr double kMomentumFinal = 0.8;
constexpr std::int64_t kExactHardLimit = 30000;

using util::shapeText;

// ---- deterministic random numbers (independent of the standard library's distributions) ----

using util::SplitMix64;

// ---- a small persistent thread pool ----
// Work is split into chunks claimed from an atomic counter; every item writes only its own outputs,
// and reductions happen afterwards in index order, so results never depend on scheduling.
class WorkerPool {
public:
    explicit WorkerPool(int threads) {
        for (int t = 1; t < threads; ++t) workers_.emplace_back([this] { workerLoop(); });
    }
    ~WorkerPool() {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            stop_ = true;
        }
        wake_.notify_all();
        for (auto& w : workers_) w.join();
    }
    WorkerPool(const WorkerPool&) = delete;
    WorkerPool& operator=(const WorkerPool&) = delete;

    template <typename Fn>
    void forRange(std::int64_t count, std::int64_t grain, Fn&& fn) {
        if (count <= 0) return;
        if (workers_.empty() || count <= grain) {
            fn(std::int64_t{0}, count);
            return;
        }
        std::function<void(std::int64_t, std::int64_t)> task = std::forward<Fn>(fn);
        {
            std::lock_guard<std::mutex> lock(mutex_);
            task_ = &task;
            count_ = count;
            grain_ = grain;
            next_.store(0);
            busy_ = static_cast<int>(workers_.size());
            error_ = nullptr;
            ++generation_;
        }
        wake_.notify_all();
        drain();
        std::unique_lock<std::mutex> lock(mutex_);
        done_.wait(lock, [this] { return busy_ == 0; });
        task_ = nullptr;
        if (error_) std::rethrow_exception(error_);
    }

private:
    void drain() {
        try {
            for (;;) {
                const std::int64_t begin = next_.fetch_add(grain_);
                if (begin >= count_) break;
                (*task_)(begin, std::min(count_, begin + grain_));
            }
        } catch (...) {
            std::lock_guard<std::mutex> lock(mutex_);
            if (!error_) error_ = std::current_exception();
            next_.store(count_);
        }
    }
    void workerLoop() {
        std::uint64_t seen = 0;
        for (;;) {
            {
                std::unique_lock<std::mutex> lock(mutex_);
                wake_.wait(lock, [&] { return stop_ || generation_ != seen; });
                if (stop_) return;
                seen = generation_;
            }
            drain();
            {
                std::lock_guard<std::mutex> lock(mutex_);
                --busy_;
            }
            done_.notify_one();
        }
    }

    std::vector<std::thread> workers_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::condition_variable done_;
    const std::function<void(std::int64_t, std::int64_t)>* task_ = nullptr;
    std::int64_t count_ = 0;
    std::int64_t grain_ = 1;
    std::atomic<std::int64_t> next_{0};
    int busy_ = 0;
    std::uint64_t generation_ = 0;
    bool stop_ = false;
    std::exception_ptr error_;
};

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

void validatePerplexity(std::int64_t points, double perplexity) {
    if (!(perplexity > 0.0) || !std::isfinite(perplexity))
        throw Error("t-SNE perplexity must be a positive number (got " + std::to_string(perplexity) + ")");
    if (static_cast<double>(points - 1) < 3.0 * perplexity) {
        std::ostringstream out;
        out << "t-SNE needs N - 1 >= 3 x perplexity: " << points << " points are too few for perplexity "
            << perplexity;
        const double best = maxTsnePerplexity(points);
        if (best >= 1.0)
            out << "; use a perplexity of at most " << best;
        else
            out << "; give at least 4 points";
        throw Error(out.str());
    }
}

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
    SplitMix64 rng(seed ^ 0x5453'4E45ULL);
    auto y = torch::empty({points, 2}, torch::kDouble);
    auto* p = y.data_ptr<double>();
    for (std::int64_t i = 0; i < points * 2; ++i) p[i] = 1e-4 * rng.normal();
    return y;
}

torch::Tensor initialEmbedding(const torch::Tensor& data, const TsneOptions& options) {
    if (options.init == TsneInit::Pca && data.size(1) >= 2) return pcaInit(data);
    return randomInit(data.size(0), options.seed);
}

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

double autoLearningRate(std::int64_t points, const TsneOptions& options) {
    if (options.learningRate > 0.0) return options.learningRate;
    return std::max(static_cast<double>(points) / options.earlyExaggeration / 4.0, 50.0);
}

// ---- the optimiser shared by both methods ----

// Fills `grad` [2N] for the map `y` [2N] (x0, y0, x1, y1, ...); returns KL(P || Q) when asked.
using GradientFn = std::function<double(const std::vector<double>& y, std::vector<double>& grad,
                                        double exaggeration, bool wantKl)>;

// Gradient descent with momentum and per-coordinate gains (Jacobs' delta-bar-delta as t-SNE uses
// it), early exaggeration first. Runs on the CPU whatever the gradient's device: the map is tiny.
TsneResult descend(const torch::Tensor& initial, const TsneOptions& options, const Progress& progress,
                   const GradientFn& gradient) {
    const std::int64_t n = initial.size(0);
    const auto start = initial.to(torch::kCPU, torch::kDouble).contiguous();
    std::vector<double> y(start.data_ptr<double>(), start.data_ptr<double>() + 2 * n);
    std::vector<double> grad(y.size(), 0.0);
    std::vector<double> update(y.size(), 0.0);
    std::vector<double> gains(y.size(), 1.0);
    const double learningRate = autoLearningRate(n, options);

    for (int it = 0; it < options.iterations; ++it) {
        const bool exploring = it < options.exaggerationIterations;
        if (it == options.exaggerationIterations) {
            // scikit-learn runs the two phases as separate descents: momentum state starts afresh.
            std::fill(update.begin(), update.end(), 0.0);
            std::fill(gains.begin(), gains.end(), 1.0);
        }
        const double momentum = exploring ? kMomentumExplore : kMomentumFinal;
        const bool wantKl = (it + 1) % kKlEvery == 0;
        const double kl = gradient(y, grad, exploring ? options.earlyExaggeration : 1.0, wantKl);
        for (std::size_t c = 0; c < y.size(); ++c) {
            const double g = grad[c];
            // Growing gain while the gradient keeps its sign against the last step, shrinking otherwise.
            gains[c] = (update[c] * g < 0.0) ? gains[c] + 0.2 : std::max(gains[c] * 0.8, kMinGain);
            update[c] = momentum * update[c] - learningRate * gains[c] * g;
            y[c] += update[c];
        }
        progress.iteration(it, kl, wantKl);
    }

    TsneResult result;
    // The KL of the map we return (scikit-learn reports the one before its last step).
    result.klDivergence = gradient(y, grad, 1.0, true);
    result.embedding = torch::from_blob(y.data(), {n, 2}, torch::kDouble).to(torch::kFloat).clone();
    result.learningRate = learningRate;
    result.iterations = options.iterations;
    return result;
}

// ---- exact t-SNE ----

// Dense symmetric P [N, N] (float64, on `device`): calibrated conditionals, P = (P + P^T) / sum,
// off-diagonal entries floored at machine epsilon, zero diagonal.
torch::Tensor denseAffinities(const torch::Tensor& data, double perplexity, torch::Device device) {
    const std::int64_t n = data.size(0);
    const auto x = data.to(device, torch::kDouble);
    const auto norms = (x * x).sum(1);
    auto d2 = torch::addmm(norms.unsqueeze(1) + norms.unsqueeze(0), x, x.t(), 1.0, -2.0).clamp_min_(0.0);
    // Rows without their diagonal: the flat view trick removes entry (i, i) of every row.
    auto offDiagonal = d2.flatten().slice(0, 1).view({n - 1, n + 1}).slice(1, 0, n).reshape({n, n - 1});
    const auto conditional = calibrateAffinities(offDiagonal, perplexity);
    auto p = torch::zeros({n * n}, torch::kDouble);
    p.slice(0, 1).view({n - 1, n + 1}).slice(1, 0, n).copy_(conditional.reshape({n - 1, n}));
    p = p.view({n, n}).to(device);
    p = p + p.t();
    p = (p / p.sum().clamp_min(kMachineEpsilon)).clamp_min_(kMachineEpsilon);
    p.fill_diagonal_(0.0);
    return p;
}

// The CPU kernel: one pass over each row of P computing W, Z and both forces together, instead of
// the half-dozen N x N temporaries the tensor form streams through memory (5x faster at N = 1000).
// Rows are independent and summed in a fixed order, so the thread count does not change the result.
GradientFn fusedExactGradient(const torch::Tensor& p, WorkerPool& pool) {
    const std::int64_t n = p.size(0);
    auto pd = std::make_shared<torch::Tensor>(p.to(torch::kCPU, torch::kDouble).contiguous());
    auto xs = std::make_shared<std::vector<double>>(static_cast<std::size_t>(n));
    auto ys = std::make_shared<std::vector<double>>(static_cast<std::size_t>(n));
    auto rowZ = std::make_shared<std::vector<double>>(static_cast<std::size_t>(n));
    auto forces = std::make_shared<std::vector<double>>(static_cast<std::size_t>(4 * n));
    auto rowKl = std::make_shared<std::vector<double>>(static_cast<std::size_t>(n));
    return [=, &pool](const std::vector<double>& y, std::vector<double>& grad, double exaggeration,
                      bool wantKl) {
        double* xv = xs->data();
        double* yv = ys->data();
        for (std::int64_t i = 0; i < n; ++i) {
            xv[i] = y[static_cast<std::size_t>(2 * i)];
            yv[i] = y[static_cast<std::size_t>(2 * i + 1)];
        }
        const double* pAll = pd->data_ptr<double>();
        double* f = forces->data();
        pool.forRange(n, 16, [&](std::int64_t begin, std::int64_t end) {
            for (std::int64_t i = begin; i < end; ++i) {
                const double* row = pAll + i * n;
                const double xi = xv[i];
                const double yi = yv[i];
                double z = 0.0;
                double ax = 0.0;
                double ay = 0.0;
                double rx = 0.0;
                double ry = 0.0;
                // The diagonal adds w = 1 to z and nothing to the forces (P_ii = 0, dx = dy = 0);
                // taking it out afterwards keeps the loop branch-free.
                for (std::int64_t j = 0; j < n; ++j) {
                    const double dx = xi - xv[j];
                    const double dy = yi - yv[j];
                    const double w = 1.0 / (1.0 + dx * dx + dy * dy);
                    const double pw = row[j] * w;
                    const double ww = w * w;
                    z += w;
                    ax += pw * dx;
                    ay += pw * dy;
                    rx += ww * dx;
                    ry += ww * dy;
                }
                (*rowZ)[static_cast<std::size_t>(i)] = z - 1.0;
                f[4 * i] = ax;
                f[4 * i + 1] = ay;
                f[4 * i + 2] = rx;
                f[4 * i + 3] = ry;
            }
        });
        double z = 0.0;
        for (std::int64_t i = 0; i < n; ++i) z += (*rowZ)[static_cast<std::size_t>(i)];
        z = std::max(z, kMachineEpsilon);
        for (std::int64_t i = 0; i < n; ++i) {
            grad[static_cast<std::size_t>(2 * i)] = 4.0 * (exaggeration * f[4 * i] - f[4 * i + 2] / z);
            grad[static_cast<std::size_t>(2 * i + 1)] =
                4.0 * (exaggeration * f[4 * i + 1] - f[4 * i + 3] / z);
        }
        if (!wantKl) return 0.0;
        const double logZ = std::log(z);
        pool.forRange(n, 16, [&](std::int64_t begin, std::int64_t end) {
            for (std::int64_t i = begin; i < end; ++i) {
                const double* row = pAll + i * n;
                double kl = 0.0;
                for (std::int64_t j = 0; j < n; ++j) {
                    if (j == i) continue;
                    const double dx = xv[i] - xv[j];
                    const double dy = yv[i] - yv[j];
                    const double pe = row[j] * exaggeration;
                    // log q = -log(1 + d^2) - log Z, floored like the tensor form.
                    const double logQ =
                        std::max(-std::log1p(dx * dx + dy * dy) - logZ, std::log(kMachineEpsilon));
                    kl += pe * (std::log(pe) - logQ);
                }
                (*rowKl)[static_cast<std::size_t>(i)] = kl;
            }
        });
        double kl = 0.0;
        for (std::int64_t i = 0; i < n; ++i) kl += (*rowKl)[static_cast<std::size_t>(i)];
        return kl;
    };
}

TsneResult runExact(const torch::Tensor& data, const TsneOptions& options, WorkerPool& pool,
                    const Progress& progress) {
    torch::NoGradGuard noGrad;
    const auto device = options.device;
    progress.stage(0.0, "t-SNE: affinities");
    const auto p = denseAffinities(data, options.perplexity, device);
    progress.stage(0.1, "t-SNE: optimising");

    GradientFn gradient;
    if (device.is_cpu()) {
        gradient = fusedExactGradient(p, pool);
    } else {
        gradient = [&](const std::vector<double>& y, std::vector<double>& grad, double exaggeration,
                       bool wantKl) {
            const auto yt =
                torch::from_blob(const_cast<double*>(y.data()), {p.size(0), 2}, torch::kDouble).to(device);
            double kl = 0.0;
            const auto g = exactTsneGradient(p, yt, exaggeration, wantKl ? &kl : nullptr)
                               .to(torch::kCPU, torch::kDouble)
                               .contiguous();
            std::copy(g.data_ptr<double>(), g.data_ptr<double>() + g.numel(), grad.begin());
            return kl;
        };
    }
    TsneResult result = descend(initialEmbedding(data, options), options, progress, gradient);
    result.method = TsneMethod::Exact;
    return result;
}

// ---- nearest neighbours: vantage-point tree ----

class VpTree {
public:
    VpTree(const float* data, std::int64_t points, std::int64_t dims, std::uint64_t seed)
        : data_(data), points_(points), dims_(dims) {
        items_.resize(static_cast<std::size_t>(points));
        std::iota(items_.begin(), items_.end(), 0);
        nodes_.reserve(static_cast<std::size_t>(points));
        SplitMix64 rng(seed ^ 0x5650'7472'6565ULL);
        std::vector<std::pair<double, std::int32_t>> scratch;
        build(0, static_cast<std::int32_t>(points), rng, scratch);
    }

    // The k nearest other points of `query` (itself excluded by index), nearest first; ties by
    // index so the order is reproducible.
    void search(std::int32_t query, int k, std::vector<std::pair<double, std::int32_t>>& heap) const {
        heap.clear();
        double tau = std::numeric_limits<double>::infinity();
        searchNode(0, query, k, heap, tau);
        std::sort_heap(heap.begin(), heap.end());
    }

private:
    struct Node {
        std::int32_t item = -1;
        double radius = 0.0;
        std::int32_t inside = -1;   // node index, points closer than radius
        std::int32_t outside = -1;  // node index, points at radius or farther
    };

    double distance(std::int32_t a, std::int32_t b) const {
        const float* pa = data_ + static_cast<std::int64_t>(a) * dims_;
        const float* pb = data_ + static_cast<std::int64_t>(b) * dims_;
        double sum = 0.0;
        for (std::int64_t d = 0; d < dims_; ++d) {
            const double diff = static_cast<double>(pa[d]) - static_cast<double>(pb[d]);
            sum += diff * diff;
        }
        return std::sqrt(sum);
    }

    std::int32_t build(std::int32_t begin, std::int32_t end, SplitMix64& rng,
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

    void searchNode(std::int32_t nodeIndex, std::int32_t query, int k,
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

    const float* data_;
    std::int64_t points_;
    std::int64_t dims_;
    std::vector<std::int32_t> items_;
    std::vector<Node> nodes_;
};

// Symmetric sparse P in CSR form: row i holds p_ij for its neighbours and for the points that
// have i as a neighbour.
struct SparseP {
    std::vector<std::int64_t> rowStart;
    std::vector<std::int32_t> columns;
    std::vector<double> values;
};

SparseP sparseAffinities(const float* data, std::int64_t n, std::int64_t dims, const TsneOptions& options,
                         WorkerPool& pool, const Progress& progress) {
    const int k = static_cast<int>(
        std::min<std::int64_t>(n - 1, static_cast<std::int64_t>(3.0 * options.perplexity + 1.0)));
    progress.stage(0.0, "t-SNE: nearest neighbours");
    VpTree tree(data, n, dims, options.seed);
    std::vector<std::int32_t> neighbours(static_cast<std::size_t>(n * k));
    auto squared = torch::empty({n, k}, torch::kDouble);
    double* sq = squared.data_ptr<double>();
    pool.forRange(n, 64, [&](std::int64_t begin, std::int64_t end) {
        std::vector<std::pair<double, std::int32_t>> heap;
        heap.reserve(static_cast<std::size_t>(k) + 1);
        for (std::int64_t i = begin; i < end; ++i) {
            tree.search(static_cast<std::int32_t>(i), k, heap);
            for (int j = 0; j < k; ++j) {
                neighbours[static_cast<std::size_t>(i * k + j)] = heap[static_cast<std::size_t>(j)].second;
                sq[i * k + j] =
                    heap[static_cast<std::size_t>(j)].first * heap[static_cast<std::size_t>(j)].first;
            }
        }
    });
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

// Two doubles in one 128-bit register (SSE2 on every x86-64, NEON on ARM64), through the vector
// extension GCC and Clang share: the hot loops divide two at a time.
using V2 = double __attribute__((vector_size(16)));

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

    void build(const double* y, std::int64_t n) {
        order_.resize(static_cast<std::size_t>(n));
        std::iota(order_.begin(), order_.end(), 0);
        double minX = std::numeric_limits<double>::infinity();
        double minY = minX;
        double maxX = -minX;
        double maxY = -minX;
        for (std::int64_t i = 0; i < n; ++i) {
            minX = std::min(minX, y[2 * i]);
            maxX = std::max(maxX, y[2 * i]);
            minY = std::min(minY, y[2 * i + 1]);
            maxY = std::max(maxY, y[2 * i + 1]);
        }
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

    // Repulsion on point `i`: sum over j != i of w_ij^2 (y_i - y_j) and of w_ij, w = 1 / (1 + d^2),
    // with far cells (box side / distance to centre of mass < theta) standing in for their points.
    void repulsion(std::int32_t i, double thetaSq, double& forceX, double& forceY, double& sumW) const {
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
    Box buildNode(std::int32_t begin, std::int32_t end, double cx, double cy, double half, int depth) {
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

    const double* y_ = nullptr;
    std::vector<Node> nodes_;
    std::vector<std::int32_t> order_;
    std::vector<std::int32_t> rank_;
    std::vector<double> sortedX_;  // point coordinates in tree order
    std::vector<double> sortedY_;
};

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
                    for (; e < rowEnd; ++e) {
                        const auto j = static_cast<std::size_t>(columns[e]);
                        const double dx = px - y[2 * j];
                        const double dy = py - y[2 * j + 1];
                        const double w = 1.0 / (1.0 + dx * dx + dy * dy);
                        const double pw = values[e] * w;
                        ax += pw * dx;
                        ay += pw * dy;
                        if constexpr (kWithKl) {
                            const double pij = values[e] * exaggeration;
                            kl += pij * std::log(std::max(pij, kMachineEpsilon) /
                                                 std::max(w * invZ, kMachineEpsilon));
                        }
                    }
                    ax *= exaggeration;
                    ay *= exaggeration;
                    grad[static_cast<std::size_t>(2 * i)] =
                        4.0 * (ax - repulse[static_cast<std::size_t>(2 * i)] * invZ);
                    grad[static_cast<std::size_t>(2 * i + 1)] =
                        4.0 * (ay - repulse[static_cast<std::size_t>(2 * i + 1)] * invZ);
                    klTerms[static_cast<std::size_t>(i)] = kl;
                }
            });
        };
        if (wantKl)
            attract(std::true_type{});
        else
            attract(std::false_type{});
        double kl = 0.0;
        if (wantKl)
            for (std::int64_t i = 0; i < n; ++i) kl += klTerms[static_cast<std::size_t>(i)];
        return kl;
    };
    TsneResult result = descend(initialEmbedding(data, options), options, progress, gradient);
    result.method = TsneMethod::BarnesHut;
    return result;
}

}  // namespace

const char* toString(TsneMethod method) {
    switch (method) {
        case TsneMethod::Auto:
            return "auto";
        case TsneMethod::Exact:
            return "exact";
        case TsneMethod::BarnesHut:
            return "barnes_hut";
    }
    return "?";
}

TsneMethod parseTsneMethod(const std::string& text) {
    if (text == "auto") return TsneMethod::Auto;
    if (text == "exact") return TsneMethod::Exact;
    if (text == "barnes_hut" || text == "barnes-hut" || text == "bh") return TsneMethod::BarnesHut;
    throw Error("unknown t-SNE method '" + text + "' (expected auto, exact or barnes_hut)");
}

double maxTsnePerplexity(std::int64_t points) {
    return std::floor(static_cast<double>(std::max<std::int64_t>(points - 1, 0)) / 3.0);
}

torch::Tensor calibrateAffinities(const torch::Tensor& squaredDistances, double perplexity,
                                  double entropyTolerance) {
    if (squaredDistances.dim() != 2)
        throw Error("calibrateAffinities expects [N, K] squared distances, got " +
                    shapeText(squaredDistances));
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

torch::Tensor exactTsneGradient(const torch::Tensor& p, const torch::Tensor& y, double exaggeration,
                                double* kl) {
    torch::NoGradGuard noGrad;
    const auto sq = (y * y).sum(1);
    // W = 1 / (|y_i|^2 + |y_j|^2 + 1 - 2 y_i.y_j); the "+ 1" rides along in the broadcast input.
    auto w = torch::addmm(sq.unsqueeze(1) + (sq + 1.0).unsqueeze(0), y, y.t(), 1.0, -2.0).reciprocal_();
    w.fill_diagonal_(0.0);
    const double z = std::max(w.sum().item<double>(), kMachineEpsilon);
    if (kl) {
        const auto pe = p * exaggeration;
        const auto q = (w / z).clamp_min_(kMachineEpsilon);
        *kl = (torch::xlogy(pe, pe) - pe * q.log()).sum().item<double>();
    }
    // exaggeration * P - W / Z = exaggeration * (P - W / (Z exaggeration)).
    auto pq = torch::add(p, w, -1.0 / (z * exaggeration)).mul_(w);
    return (pq.sum(1, true) * y - pq.mm(y)).mul_(4.0 * exaggeration);
}

TsneResult runTsne(const torch::Tensor& data, const TsneOptions& options, jobs::JobContext* context) {
    if (!data.defined() || data.dim() != 2)
        throw Error("t-SNE input must be a 2-D [N, D] matrix, got shape " +
                    (data.defined() ? shapeText(data) : "none"));
    if (!data.is_floating_point()) throw Error("t-SNE input must hold floating-point values");
    const std::int64_t n = data.size(0);
    if (data.size(1) < 1) throw Error("t-SNE input has no features (shape " + shapeText(data) + ")");
    if (n > std::numeric_limits<std::int32_t>::max() / 4) throw Error("t-SNE input has too many points");
    {
        const auto finiteRows = torch::isfinite(data).all(1);
        if (!finiteRows.all().item<bool>()) {
            const auto bad = (~finiteRows).nonzero().select(1, 0)[0].item<std::int64_t>();
            throw Error("t-SNE input contains NaN or infinite values (first in row " + std::to_string(bad) +
                        ")");
        }
    }
    validatePerplexity(n, options.perplexity);
    if (options.iterations < 1) throw Error("t-SNE needs at least 1 iteration");
    if (!(options.theta >= 0.0)) throw Error("t-SNE theta must be >= 0");

    TsneMethod method = options.method;
    if (method == TsneMethod::Auto)
        method = n <= options.exactMaxPoints ? TsneMethod::Exact : TsneMethod::BarnesHut;
    // The exact method holds a few N x N float64 matrices: refuse before allocating gigabytes.
    if (method == TsneMethod::Exact && n > kExactHardLimit) {
        throw Error("exact t-SNE on " + std::to_string(n) + " points would need ~" +
                    std::to_string(3 * n * n * 8 / 1000000000) + " GB; use the Barnes-Hut method");
    }
    Progress progress{context, options.iterations};
    const int threads = options.threads > 0 ? options.threads : std::max(1, at::get_num_threads());
    WorkerPool pool(threads);
    TsneResult result = method == TsneMethod::Exact ? runExact(data, options, pool, progress)
                                                    : runBarnesHut(data, options, pool, progress);
    if (context) context->progress(1.0, "t-SNE done");
    return result;
}

TsneJob::TsneJob(std::filesystem::path input, std::filesystem::path output, TsneOptions options)
    : input_(std::move(input)), output_(std::move(output)), options_(std::move(options)) {}

bool TsneJob::run(jobs::JobContext& context) {
    try {
        context.progress(-1.0, "reading " + input_.filename().string());
        auto data = genra::data::readNpy(input_);
        if (data.dim() != 2)
            throw Error(input_.string() + ": t-SNE needs a 2-D [N, D] array, the file holds shape " +
                        shapeText(data));
        if (!data.is_floating_point()) data = data.to(torch::kFloat);
        result_ = runTsne(data, options_, &context);
        genra::data::writeNpy(output_, result_.embedding);
    } catch (const Cancelled&) {
        throw;
    } catch (const Error& e) {
        // Front ends show logged errors; the job result alone only says that it failed.
        context.log(jobs::LogLevel::Error, e.what());
        return false;
    }
    std::ostringstream line;
    line << "t-SNE (" << toString(result_.method) << ", " << result_.iterations
         << " iterations): KL divergence " << result_.klDivergence;
    context.log(jobs::LogLevel::Info, line.str());
    return true;
}

}  // namespace genra::eval
