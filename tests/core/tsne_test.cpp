// t-SNE: perplexity calibration, the exact gradient, cluster preservation by both methods,
// reproducibility, agreement between exact and Barnes-Hut, input errors and cancellation.
#include "core/eval/tsne.h"

#include <ATen/CPUGeneratorImpl.h>

#include <catch2/catch.hpp>
#include <cmath>

#include "core/util/error.h"

using namespace genra;
using namespace genra::eval;

namespace {

// `clusters` well-separated Gaussian blobs in `dims` dimensions, rows interleaved by cluster.
torch::Tensor blobs(std::int64_t clusters, std::int64_t perCluster, std::int64_t dims, std::uint64_t seed,
                    double spread = 6.0) {
    auto gen = at::detail::createCPUGenerator(seed);
    const auto centres = at::randn({clusters, dims}, gen, torch::kDouble) * spread;
    const auto labels = torch::arange(clusters * perCluster, torch::kLong).remainder(clusters);
    return (centres.index_select(0, labels) + at::randn({clusters * perCluster, dims}, gen, torch::kDouble))
        .to(torch::kFloat);
}

// Fraction of each point's k nearest neighbours in the map that share its label.
double knnPurity(const torch::Tensor& map, const torch::Tensor& labels, std::int64_t k = 10) {
    const auto y = map.to(torch::kDouble);
    auto d = torch::cdist(y, y);
    d.fill_diagonal_(std::numeric_limits<double>::infinity());
    const auto nearest = std::get<1>(d.topk(k, 1, false));
    const auto same = labels.index_select(0, nearest.flatten()).view({map.size(0), k}) == labels.unsqueeze(1);
    return same.to(torch::kDouble).mean().item<double>();
}

double knnPurity(const torch::Tensor& map, std::int64_t clusters) {
    return knnPurity(map, torch::arange(map.size(0), torch::kLong).remainder(clusters));
}

double klOf(const torch::Tensor& p, const torch::Tensor& y) {
    double kl = 0.0;
    exactTsneGradient(p, y, 1.0, &kl);
    return kl;
}

class CancelAfter : public jobs::JobContext {
public:
    explicit CancelAfter(int progressCalls) : left_(progressCalls) {}
    void progress(double, const std::string&) override { --left_; }
    void metric(std::int64_t, const std::string&, double) override { ++metrics; }
    void log(jobs::LogLevel, const std::string&) override {}
    bool cancelled() const override { return left_ <= 0; }
    int metrics = 0;

private:
    int left_;
};

}  // namespace

TEST_CASE("perplexity calibration hits the target entropy per row", "[tsne]") {
    auto gen = at::detail::createCPUGenerator(7);
    // Squared distances at very different scales, so the bisection must travel far from beta = 1.
    const auto scales = torch::tensor({1e-4, 1.0, 50.0, 1e4}, torch::kDouble).repeat({10}).unsqueeze(1);
    const auto d2 = at::rand({40, 90}, gen, torch::kDouble) * scales;
    for (const double perplexity : {5.0, 30.0}) {
        const auto p = calibrateAffinities(d2, perplexity);
        REQUIRE(p.sizes() == d2.sizes());
        const auto rowSums = p.sum(1);
        CHECK(torch::allclose(rowSums, torch::ones_like(rowSums), 1e-12, 1e-12));
        const auto entropy = -(torch::xlogy(p, p)).sum(1);
        const double worst = (entropy - std::log(perplexity)).abs().max().item<double>();
        CHECK(worst < 1e-4);
        // Closer neighbours never get less weight.
        const auto order = std::get<1>(d2.sort(1));
        const auto sortedP = p.gather(1, order);
        CHECK((sortedP.slice(1, 1) <= sortedP.slice(1, 0, -1) + 1e-15).all().item<bool>());
    }
}

TEST_CASE("the exact gradient matches finite differences of the KL divergence", "[tsne]") {
    const std::int64_t n = 30;
    auto gen = at::detail::createCPUGenerator(3);
    auto p = at::rand({n, n}, gen, torch::kDouble);
    p = p + p.t();
    p.fill_diagonal_(0.0);
    p = p / p.sum();
    const auto y = at::randn({n, 2}, gen, torch::kDouble);
    const auto grad = exactTsneGradient(p, y);
    const double h = 1e-6;
    for (const auto& [row, col] : {std::pair<int, int>{0, 0}, {7, 1}, {29, 0}}) {
        auto plus = y.clone();
        auto minus = y.clone();
        plus[row][col] += h;
        minus[row][col] -= h;
        const double numeric = (klOf(p, plus) - klOf(p, minus)) / (2 * h);
        CHECK(grad[row][col].item<double>() == Approx(numeric).epsilon(1e-5).margin(1e-9));
    }
}

TEST_CASE("t-SNE keeps well-separated clusters apart", "[tsne]") {
    const std::int64_t clusters = 4;
    const auto x = blobs(clusters, 100, 50, 1);
    TsneOptions options;
    options.perplexity = 20;
    SECTION("exact") {
        options.method = TsneMethod::Exact;
        const auto r = runTsne(x, options);
        CHECK(r.method == TsneMethod::Exact);
        REQUIRE(r.embedding.sizes() == torch::IntArrayRef({400, 2}));
        CHECK(r.embedding.scalar_type() == torch::kFloat);
        CHECK(knnPurity(r.embedding, clusters) > 0.95);
        CHECK(r.klDivergence > 0.0);
        CHECK(r.learningRate == Approx(50.0));  // max(400 / 12 / 4, 50)
    }
    SECTION("Barnes-Hut") {
        options.method = TsneMethod::BarnesHut;
        const auto r = runTsne(x, options);
        CHECK(r.method == TsneMethod::BarnesHut);
        REQUIRE(r.embedding.sizes() == torch::IntArrayRef({400, 2}));
        CHECK(knnPurity(r.embedding, clusters) > 0.95);
        CHECK(r.klDivergence > 0.0);
    }
    SECTION("auto picks exact for small sets and Barnes-Hut beyond the limit") {
        options.iterations = 5;
        CHECK(runTsne(x, options).method == TsneMethod::Exact);
        options.exactMaxPoints = 100;
        CHECK(runTsne(x, options).method == TsneMethod::BarnesHut);
    }
}

TEST_CASE("t-SNE is reproducible for a seed", "[tsne]") {
    const auto x = blobs(3, 60, 20, 5);
    TsneOptions options;
    options.perplexity = 10;
    options.iterations = 300;
    SECTION("Barnes-Hut: bitwise, whatever the thread count") {
        options.method = TsneMethod::BarnesHut;
        options.threads = 1;
        const auto a = runTsne(x, options);
        const auto b = runTsne(x, options);
        options.threads = 3;
        const auto c = runTsne(x, options);
        CHECK(torch::equal(a.embedding, b.embedding));
        CHECK(torch::equal(a.embedding, c.embedding));
        CHECK(a.klDivergence == c.klDivergence);
    }
    SECTION("exact: bitwise for the same threads") {
        options.method = TsneMethod::Exact;
        options.threads = 2;
        const auto a = runTsne(x, options);
        const auto b = runTsne(x, options);
        CHECK(torch::equal(a.embedding, b.embedding));
        CHECK(a.klDivergence == b.klDivergence);
    }
    SECTION("random init depends on the seed") {
        options.init = TsneInit::Random;
        options.method = TsneMethod::BarnesHut;
        const auto a = runTsne(x, options);
        const auto b = runTsne(x, options);
        options.seed = 1;
        const auto c = runTsne(x, options);
        CHECK(torch::equal(a.embedding, b.embedding));
        CHECK_FALSE(torch::equal(a.embedding, c.embedding));
    }
}

TEST_CASE("exact and Barnes-Hut t-SNE reach similar KL divergences", "[tsne]") {
    // Overlapping clusters, so the map has real structure to trade off.
    const auto x = blobs(5, 60, 10, 11, 1.5);
    TsneOptions options;
    options.perplexity = 15;
    options.method = TsneMethod::Exact;
    const auto exact = runTsne(x, options);
    options.method = TsneMethod::BarnesHut;
    const auto bh = runTsne(x, options);
    INFO("exact KL " << exact.klDivergence << ", Barnes-Hut KL " << bh.klDivergence);
    CHECK(bh.klDivergence == Approx(exact.klDivergence).epsilon(0.1));
    SECTION("theta 0 makes Barnes-Hut's repulsion exact") {
        options.theta = 0.0;
        const auto slow = runTsne(x, options);
        CHECK(slow.klDivergence == Approx(exact.klDivergence).epsilon(0.1));
    }
}

TEST_CASE("t-SNE rejects input it cannot use", "[tsne]") {
    TsneOptions options;
    SECTION("not a matrix") {
        CHECK_THROWS_WITH(runTsne(torch::zeros({10}), options), Catch::Contains("2-D"));
        CHECK_THROWS_AS(runTsne(torch::zeros({4, 5, 6}), options), Error);
    }
    SECTION("NaN") {
        auto x = blobs(2, 50, 5, 2);
        x[17][3] = std::nan("");
        CHECK_THROWS_WITH(runTsne(x, options), Catch::Contains("NaN") && Catch::Contains("row 17"));
    }
    SECTION("too few points for the perplexity, with a suggestion") {
        const auto x = blobs(2, 10, 5, 2);  // 20 points: perplexity at most 6
        CHECK_THROWS_WITH(runTsne(x, options),
                          Catch::Contains("perplexity 30") && Catch::Contains("at most 6"));
        options.perplexity = 6;
        options.iterations = 10;
        CHECK_NOTHROW(runTsne(x, options));
        CHECK(maxTsnePerplexity(20) == 6.0);
    }
    SECTION("bad options") {
        const auto x = blobs(2, 50, 5, 2);
        options.perplexity = -1;
        CHECK_THROWS_AS(runTsne(x, options), Error);
        CHECK_THROWS_AS(parseTsneMethod("umap"), Error);
        CHECK(parseTsneMethod("barnes_hut") == TsneMethod::BarnesHut);
        options.perplexity = 30;
        options.method = TsneMethod::Exact;
        CHECK_THROWS_WITH(runTsne(torch::zeros({40000, 2}), options), Catch::Contains("Barnes-Hut"));
    }
}

TEST_CASE("t-SNE reports progress and stops when cancelled", "[tsne]") {
    const auto x = blobs(2, 50, 5, 4);
    TsneOptions options;
    options.perplexity = 10;
    for (const auto method : {TsneMethod::Exact, TsneMethod::BarnesHut}) {
        options.method = method;
        CancelAfter context(8);
        CHECK_THROWS_AS(runTsne(x, options, &context), Cancelled);
        CHECK(context.metrics >= 1);  // a KL every 50 iterations; cancelled after ~60
    }
}

TEST_CASE("t-SNE works on one-dimensional input through the random init", "[tsne]") {
    const auto x = torch::cat({torch::zeros({40, 1}), torch::full({40, 1}, 10.0)}) +
                   torch::linspace(0, 1, 80).unsqueeze(1);
    TsneOptions options;
    options.perplexity = 10;
    options.iterations = 300;
    const auto r = runTsne(x, options);
    CHECK(torch::isfinite(r.embedding).all().item<bool>());
    const auto labels = torch::cat({torch::zeros({40}, torch::kLong), torch::ones({40}, torch::kLong)});
    CHECK(knnPurity(r.embedding, labels) == 1.0);
}
