// FFT-accelerated t-SNE: the interpolated repulsion against exact sums, KL and cluster structure
// against Barnes-Hut, reproducibility with approximate neighbours, the automatic method choice,
// cancellation, early stopping on KL, and the PCA projection; the tensor method (TsneMethod::Torch,
// on the CPU device) is held to the same KL, clusters, reproducibility, cancellation and stopping.
#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <vector>

#include "core/eval/tsne.h"
#include "core/eval/tsne_internal.h"
#include "core/eval/tsne_pool.h"
#include "core/eval/tsne_trees.h"
#include "core/util/error.h"
#include "tsne_support.h"

using namespace genra;
using namespace genra::eval;
using genra::test::clustered;
using genra::test::CountingContext;
using genra::test::labelAgreement;

namespace {

// The sums GridRepulsion approximates, pair by pair: fills forces [2n] with sum_{j != i} w_ij^2
// (y_i - y_j) and returns Z = sum_{i != j} w_ij.
double exactRepulsion(const double* py, std::int64_t n, std::vector<double>& forces) {
    forces.assign(static_cast<std::size_t>(2 * n), 0.0);
    double z = 0.0;
    for (std::int64_t i = 0; i < n; ++i) {
        for (std::int64_t j = 0; j < n; ++j) {
            if (i == j) continue;
            const double dx = py[2 * i] - py[2 * j];
            const double dy = py[2 * i + 1] - py[2 * j + 1];
            const double w = 1.0 / (1.0 + dx * dx + dy * dy);
            forces[static_cast<std::size_t>(2 * i)] += w * w * dx;
            forces[static_cast<std::size_t>(2 * i + 1)] += w * w * dy;
            z += w;
        }
    }
    return z;
}

}  // namespace

TEST_CASE("FFT repulsion matches the exact sums", "[tsne]") {
    // A map with structure at several scales: tight clusters spread over ~40 units.
    auto gen = at::detail::createCPUGenerator(3);
    const std::int64_t n = 600;
    const auto centres = at::randn({6, 2}, gen, torch::kDouble) * 15.0;
    const auto y = (centres.index_select(0, torch::arange(n, torch::kLong).remainder(6)) +
                    at::randn({n, 2}, gen, torch::kDouble))
                       .contiguous();
    const double* py = y.data_ptr<double>();
    std::vector<double> exact;
    const double exactZ = exactRepulsion(py, n, exact);
    tsne_detail::WorkerPool pool(2);
    struct Grid {
        int nodes;
        double boxesPerUnit;
        double zTolerance;
        double forceTolerance;
    };
    // The default (3 nodes, 0.7 boxes per unit), a coarser and FIt-SNE's finer grid, 5 nodes per box.
    const double byDefault = TsneOptions{}.fftBoxesPerUnit;
    for (const auto& grid : {Grid{3, byDefault, 5e-3, 6e-2}, Grid{3, 0.5, 1e-2, 0.15}, Grid{3, 1.0, 2e-3, 2.5e-2},
                             Grid{5, 1.0, 1e-4, 2e-3}}) {
        tsne_detail::GridRepulsion repulsion(grid.nodes, grid.boxesPerUnit);
        std::vector<double> approx(2 * n, 0.0);
        const double z = repulsion.compute(py, n, approx.data(), pool);
        double errorSq = 0.0;
        double normSq = 0.0;
        for (std::int64_t c = 0; c < 2 * n; ++c) {
            errorSq += (approx[c] - exact[c]) * (approx[c] - exact[c]);
            normSq += exact[c] * exact[c];
        }
        const double forceError = std::sqrt(errorSq / normSq);
        INFO(grid.nodes << " nodes per box, " << repulsion.boxesPerAxis() << " boxes per axis: Z " << z << " vs "
                        << exactZ << ", relative force error " << forceError);
        CHECK(repulsion.boxesPerAxis() >= 20);
        CHECK(z == Approx(exactZ).epsilon(grid.zTolerance));
        CHECK(forceError < grid.forceTolerance);
    }
}

TEST_CASE("FFT repulsion keeps Z accurate on a wide map of tight clusters", "[tsne]") {
    // What the early exaggeration makes of a large set: tight clusters tens of units apart. A Z
    // formed from w^2 sums and a |y|^2 charge cancels terms hundreds of times Z's size there: on
    // this map it was 2.4 % off, and at a million points the error made Z negative and the map blew
    // up. Z from the sums of w itself: 1.6 % (the grid's interpolation error for clusters narrower
    // than a box).
    auto gen = at::detail::createCPUGenerator(11);
    const std::int64_t clusters = 10;
    const std::int64_t n = 8000;
    const auto centres = at::rand({clusters, 2}, gen, torch::kDouble) * 60.0 - 30.0;
    const auto y = (centres.index_select(0, torch::arange(n, torch::kLong).remainder(clusters)) +
                    at::randn({n, 2}, gen, torch::kDouble) * 0.4)
                       .contiguous();
    const double* py = y.data_ptr<double>();
    std::vector<double> exact;
    const double exactZ = exactRepulsion(py, n, exact);
    tsne_detail::WorkerPool pool(2);
    tsne_detail::GridRepulsion repulsion(3, TsneOptions{}.fftBoxesPerUnit);
    std::vector<double> approx(2 * n, 0.0);
    const double z = repulsion.compute(py, n, approx.data(), pool);
    INFO(repulsion.boxesPerAxis() << " boxes per axis: Z " << z << " vs " << exactZ);
    CHECK(z == Approx(exactZ).epsilon(2e-2));
}

TEST_CASE("FFT t-SNE matches Barnes-Hut's KL and keeps the clusters", "[tsne][torch]") {
    const std::int64_t clusters = 10;
    const auto x = clustered(clusters, 300, 20, 21, 3.0);  // 3000 points, overlapping a little
    TsneOptions options;
    options.iterations = 500;
    options.threads = 2;
    options.method = TsneMethod::BarnesHut;
    const auto bh = runTsne(x, options);
    options.method = TsneMethod::Fft;
    const auto fft = runTsne(x, options);
    INFO("Barnes-Hut KL " << bh.klDivergence << ", FFT KL " << fft.klDivergence);
    CHECK(fft.method == TsneMethod::Fft);
    REQUIRE(fft.embedding.sizes() == torch::IntArrayRef({3000, 2}));
    CHECK(torch::isfinite(fft.embedding).all().item<bool>());
    CHECK(fft.klDivergence > 0.0);
    CHECK(fft.klDivergence <= 1.05 * bh.klDivergence);
    const double agreeFft = labelAgreement(fft.embedding, clusters);
    const double agreeBh = labelAgreement(bh.embedding, clusters);
    INFO("kNN label agreement: FFT " << agreeFft << ", Barnes-Hut " << agreeBh);
    CHECK(agreeFft > 0.9);
    CHECK(agreeFft >= agreeBh - 0.02);

    SECTION("and so does the tensor method on the CPU device") {
        options.method = TsneMethod::Torch;
        const auto tensor = runTsne(x, options);
        const double agreeTensor = labelAgreement(tensor.embedding, clusters);
        INFO("tensor method KL " << tensor.klDivergence << " (" << tensor.klDivergence / fft.klDivergence
                                 << "x the FFT's), kNN label agreement " << agreeTensor);
        CHECK(tensor.method == TsneMethod::Torch);
        REQUIRE(tensor.embedding.sizes() == torch::IntArrayRef({3000, 2}));
        CHECK(tensor.embedding.scalar_type() == torch::kFloat);
        CHECK(torch::isfinite(tensor.embedding).all().item<bool>());
        CHECK(tensor.iterations == 500);
        CHECK(tensor.klDivergence <= 1.05 * bh.klDivergence);
        CHECK(tensor.klDivergence == Approx(fft.klDivergence).epsilon(0.05));
        CHECK(agreeTensor > 0.9);
        CHECK(agreeTensor >= agreeFft - 0.02);
    }
}

// The FFT method and its tensor twin (TsneMethod::Torch, here on the CPU device): reproducible, with
// the same progress, cancellation and early stopping.
TEST_CASE("FFT t-SNE is reproducible for a seed, with approximate neighbours too", "[tsne][torch]") {
    const auto x = clustered(4, 250, 16, 8, 4.0);
    TsneOptions options;
    options.method = GENERATE(TsneMethod::Fft, TsneMethod::Torch);
    options.iterations = 300;
    options.perplexity = 20;
    SECTION("exact neighbours") {}
    SECTION("HNSW neighbours") { options.exactNeighboursMaxPoints = 10; }
    options.threads = 1;
    const auto a = runTsne(x, options);
    const auto b = runTsne(x, options);
    options.threads = 2;
    const auto d = runTsne(x, options);
    options.threads = 3;
    const auto c = runTsne(x, options);
    CHECK(torch::equal(a.embedding, b.embedding));
    CHECK(torch::equal(a.embedding, d.embedding));
    CHECK(torch::equal(a.embedding, c.embedding));
    CHECK(a.klDivergence == d.klDivergence);
    CHECK(a.klDivergence == c.klDivergence);
    CHECK(labelAgreement(a.embedding, 4) > 0.95);
}

// The HNSW graph's settings (build candidates, search candidates, AVX2 distance where the CPU has
// it) against the exact neighbours: the share of the exact P's entries (each point's 3 x perplexity
// neighbours and those that chose it) that the approximate P also has, on clustered data without
// low-dimensional structure (the hard case for a graph search).
TEST_CASE("brute-force neighbours are exactly the VP-tree's", "[tsne]") {
    // Clusters far from the origin (large norms against small distances: the float products'
    // rounding is then much larger than some neighbour distances), a tight group whose members sit
    // 1e-3 apart, and duplicated rows (ties broken by index).
    auto x = clustered(4, 300, 20, 41, 3.0) + 500.0F;
    const auto n = x.size(0);
    const auto dims = x.size(1);
    x.slice(0, 0, 40).copy_(x[0].unsqueeze(0) + 1e-3F * torch::randn({40, dims}));
    x.slice(0, 40, 50).copy_(x.slice(0, 50, 60));
    x = x.contiguous();
    const int k = 25;
    tsne_detail::WorkerPool pool(2);
    std::vector<std::int32_t> brute(static_cast<std::size_t>(n * k));
    std::vector<double> bruteDistances(brute.size());
    tsne_detail::bruteForceNeighbours(x.data_ptr<float>(), n, dims, k, pool, brute.data(),
                                      bruteDistances.data());
    const tsne_detail::VpTree tree(x.data_ptr<float>(), n, dims, 7);
    std::vector<std::pair<double, std::int32_t>> heap;
    std::int64_t differ = 0;
    for (std::int64_t i = 0; i < n; ++i) {
        tree.search(static_cast<std::int32_t>(i), k, heap);
        for (int j = 0; j < k; ++j) {
            const auto e = static_cast<std::size_t>(i * k + j);
            if (brute[e] != heap[static_cast<std::size_t>(j)].second ||
                bruteDistances[e] != heap[static_cast<std::size_t>(j)].first)
                ++differ;
        }
    }
    CHECK(differ == 0);
    // The tight group's members find each other first, and a duplicated row finds its twin at 0.
    CHECK(bruteDistances[0] < 0.01);
    CHECK(brute[static_cast<std::size_t>(40 * k)] == 50);
    CHECK(bruteDistances[static_cast<std::size_t>(40 * k)] == 0.0);

    // Through exactNeighbours() at few dimensions (the tree) and many (brute force): the same.
    std::vector<float> squared(brute.size());
    std::vector<std::int32_t> viaExact(brute.size());
    tsne_detail::exactNeighbours(x.data_ptr<float>(), n, dims, k, 3, pool, viaExact.data(), squared.data());
    CHECK(viaExact == brute);
    CHECK(squared[5] == static_cast<float>(bruteDistances[5] * bruteDistances[5]));
    CHECK_THROWS_WITH(tsne_detail::bruteForceNeighbours(x.data_ptr<float>(), 10, dims, 10, pool, brute.data(),
                                                        bruteDistances.data()),
                      Catch::Contains("10 neighbours among 10 points"));
}

TEST_CASE("HNSW neighbours recall most of the exact P", "[tsne]") {
    const auto x = clustered(4, 1500, 40, 29, 3.0);
    TsneOptions options;
    options.perplexity = 30;
    tsne_detail::WorkerPool pool(2);
    const tsne_detail::Progress quiet;
    const float* data = x.data_ptr<float>();
    const auto exact = tsne_detail::knnAffinities(data, x.size(0), x.size(1), options, pool, quiet);
    options.exactNeighboursMaxPoints = 10;
    const auto approx = tsne_detail::knnAffinities(data, x.size(0), x.size(1), options, pool, quiet);
    REQUIRE(approx.rowStart.size() == exact.rowStart.size());
    std::int64_t found = 0;
    double mass = 0.0;
    for (std::size_t i = 0; i + 1 < exact.rowStart.size(); ++i) {
        const auto from = approx.columns.begin() + approx.rowStart[i];
        const auto to = approx.columns.begin() + approx.rowStart[i + 1];
        for (auto e = exact.rowStart[i]; e < exact.rowStart[i + 1]; ++e) {
            if (std::binary_search(from, to, exact.columns[static_cast<std::size_t>(e)])) {
                ++found;
                mass += exact.values[static_cast<std::size_t>(e)];
            }
        }
    }
    const double recall = static_cast<double>(found) / static_cast<double>(exact.columns.size());
    INFO("entries of the exact P found: " << recall << ", their share of its mass " << mass);
    CHECK(recall > 0.85);
    CHECK(mass > 0.95);
}

TEST_CASE("approximate neighbours give nearly the exact neighbours' map", "[tsne]") {
    const auto x = clustered(5, 300, 30, 13, 2.0);
    TsneOptions options;
    options.method = TsneMethod::Fft;
    options.iterations = 400;
    const auto exact = runTsne(x, options);
    options.exactNeighboursMaxPoints = 100;
    const auto approx = runTsne(x, options);
    INFO("KL exact kNN " << exact.klDivergence << ", HNSW " << approx.klDivergence);
    CHECK(approx.klDivergence == Approx(exact.klDivergence).epsilon(0.03));
    CHECK(labelAgreement(approx.embedding, 5) >= labelAgreement(exact.embedding, 5) - 0.02);
}

TEST_CASE("auto picks exact, Barnes-Hut, then FFT as sets grow", "[tsne]") {
    const auto x = clustered(3, 100, 8, 2, 5.0);
    TsneOptions options;
    options.iterations = 5;
    CHECK(runTsne(x, options).method == TsneMethod::Exact);
    options.exactMaxPoints = 100;
    CHECK(runTsne(x, options).method == TsneMethod::BarnesHut);
    options.barnesHutMaxPoints = 200;
    CHECK(runTsne(x, options).method == TsneMethod::Fft);
    CHECK(parseTsneMethod("fft") == TsneMethod::Fft);
    CHECK(std::string(toString(TsneMethod::Fft)) == "fft");
    options.fftNodesPerBox = 0;
    CHECK_THROWS_WITH(runTsne(x, options), Catch::Contains("nodes per box"));
}

TEST_CASE("FFT t-SNE reports progress and stops when cancelled", "[tsne][torch]") {
    const auto x = clustered(2, 300, 10, 4, 4.0);
    TsneOptions options;
    options.method = GENERATE(TsneMethod::Fft, TsneMethod::Torch);
    SECTION("during the iterations") {
        CountingContext context(12);
        CHECK_THROWS_AS(runTsne(x, options, &context), Cancelled);
        CHECK(context.metrics >= 1);
        CHECK(context.lastMessage.find("iteration") != std::string::npos);
    }
    SECTION("while building the neighbour graph") {
        options.exactNeighboursMaxPoints = 10;
        CountingContext context(2);
        CHECK_THROWS_AS(runTsne(x, options, &context), Cancelled);
        CHECK(context.metrics == 0);
    }
}

TEST_CASE("t-SNE stops early once the KL divergence stalls", "[tsne][torch]") {
    const auto x = clustered(3, 200, 10, 6, 4.0);
    TsneOptions options;
    options.method = GENERATE(TsneMethod::Fft, TsneMethod::Torch);
    options.iterations = 1000;
    const auto full = runTsne(x, options);
    CHECK(full.iterations == 1000);
    options.klStopTolerance = 0.01;  // stop when 50 iterations gain less than 1 %
    const auto early = runTsne(x, options);
    INFO("stopped after " << early.iterations << " iterations; KL " << early.klDivergence << " vs "
                          << full.klDivergence);
    CHECK(early.iterations > options.exaggerationIterations);
    CHECK(early.iterations < 1000);
    CHECK(early.iterations % 50 == 0);
    CHECK(early.klDivergence <= 1.1 * full.klDivergence);
    options.klStopTolerance = -1.0;
    CHECK_THROWS_AS(runTsne(x, options), Error);
}

TEST_CASE("PCA projects on the leading principal components", "[tsne]") {
    // 40-D data whose variance lives mostly in 5 directions.
    auto gen = at::detail::createCPUGenerator(17);
    const std::int64_t n = 2000;
    const auto basis = std::get<0>(torch::linalg_qr(at::randn({40, 40}, gen, torch::kDouble)));
    const auto scales = torch::cat({torch::tensor({10.0, 8.0, 6.0, 4.0, 3.0}, torch::kDouble),
                                    torch::full({35}, 0.1, torch::kDouble)});
    const auto x = ((at::randn({n, 40}, gen, torch::kDouble) * scales).mm(basis.t()) + 5.0).to(torch::kFloat);
    const auto y = pcaProject(x, 5);
    REQUIRE(y.sizes() == torch::IntArrayRef({n, 5}));
    CHECK(y.scalar_type() == torch::kFloat);
    const auto yd = y.to(torch::kDouble);
    CHECK(yd.mean(0).abs().max().item<double>() < 1e-3);  // centred
    const auto cov = yd.t().mm(yd) / static_cast<double>(n);
    const auto variances = cov.diagonal();
    // Uncorrelated components, largest variance first, together nearly all of the variance.
    CHECK((cov - torch::diag(variances)).abs().max().item<double>() < 1e-3 * variances[0].item<double>());
    for (int c = 0; c + 1 < 5; ++c) CHECK(variances[c].item<double>() > variances[c + 1].item<double>());
    const auto xc = x.to(torch::kDouble) - x.to(torch::kDouble).mean(0);
    const double total = (xc * xc).sum().item<double>() / static_cast<double>(n);
    CHECK(variances.sum().item<double>() / total > 0.99);
    // The reduced data keeps the same pairwise geometry, up to the dropped 0.1-scale noise.
    const auto d = torch::cdist(xc.slice(0, 0, 200), xc.slice(0, 0, 200));
    const auto dy = torch::cdist(yd.slice(0, 0, 200), yd.slice(0, 0, 200));
    CHECK((d - dy).abs().max().item<double>() < 2.0);

    CHECK_THROWS_WITH(pcaProject(x, 41), Catch::Contains("1 <= dims <= 40"));
    CHECK_THROWS_AS(pcaProject(x, 0), Error);
    SECTION("runTsne applies it first") {
        TsneOptions options;
        options.iterations = 50;
        options.pcaDims = 5;
        options.method = TsneMethod::Fft;
        const auto r = runTsne(x.slice(0, 0, 500), options);
        CHECK(r.embedding.sizes() == torch::IntArrayRef({500, 2}));
        options.pcaDims = -1;
        CHECK_THROWS_AS(runTsne(x, options), Error);
    }
}
