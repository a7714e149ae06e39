// Modality-gap measures against NumPy references computed by /usr/bin/python3 on the same numbers,
// and the linear probe against scikit-learn's LogisticRegression (loosely: different splits).
#include "core/eval/similarity.h"

#include <ATen/CPUGeneratorImpl.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/util/error.h"
#include "support/test_support.h"

using namespace genra;
using namespace genra::eval;

namespace {

void writeRaw(const std::filesystem::path& path, const torch::Tensor& t) {
    const auto c = t.to(torch::kDouble).contiguous();
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(c.data_ptr<double>()),
              static_cast<std::streamsize>(c.numel() * 8));
}

// Real embeddings, and generated ones that are a noisy, shifted, rescaled copy of a permutation of
// them: a small modality gap with a known pairing.
struct GapData {
    torch::Tensor real;
    torch::Tensor generated;
    torch::Tensor pairing;
};

GapData makeGap(std::int64_t rows, std::int64_t dims, double shift, std::uint64_t seed) {
    auto gen = at::detail::createCPUGenerator(seed);
    GapData d;
    d.real =
        at::randn({rows, dims}, gen, torch::kDouble) * at::rand({1, dims}, gen, torch::kDouble).add_(0.5);
    d.pairing = at::randperm(rows, gen, torch::kLong);
    const auto direction = at::randn({1, dims}, gen, torch::kDouble);
    d.generated = d.real.index_select(0, d.pairing) * 1.3 +
                  0.6 * at::randn({rows, dims}, gen, torch::kDouble) + shift * direction;
    return d;
}

const char* kReference = R"PY(
import json, sys
import numpy as np
real = np.fromfile(sys.argv[1]).reshape(-1, int(sys.argv[4]))
gen = np.fromfile(sys.argv[2]).reshape(-1, int(sys.argv[4]))
pairing = np.fromfile(sys.argv[3]).astype(np.int64)
r = real[pairing]
cos = (r * gen).sum(1) / np.linalg.norm(r, axis=1) / np.linalg.norm(gen, axis=1)
counts, _ = np.histogram(cos, bins=20, range=(-1, 1))
mr = (real / np.linalg.norm(real, axis=1, keepdims=True)).mean(0)
mg = (gen / np.linalg.norm(gen, axis=1, keepdims=True)).mean(0)
s1 = np.cov(real, rowvar=False)
s2 = np.cov(gen, rowvar=False)
# Independent route to tr sqrt(S1 S2): eigenvalues of the non-symmetric product.
ev = np.linalg.eigvals(s1 @ s2).real.clip(min=0)
fd = ((real.mean(0) - gen.mean(0)) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2 * np.sqrt(ev).sum()
out = {"cos_mean": cos.mean(), "cos_std": cos.std(), "hist": counts.tolist(),
       "centroid_distance": np.linalg.norm(mr - mg),
       "centroid_cosine": mr @ mg / np.linalg.norm(mr) / np.linalg.norm(mg), "fd": fd}
try:
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler
    x = np.concatenate([real, gen]); y = np.r_[np.zeros(len(real)), np.ones(len(gen))]
    xtr, xte, ytr, yte = train_test_split(x, y, train_size=0.7, stratify=y, random_state=0)
    sc = StandardScaler().fit(xtr)
    out["probe"] = LogisticRegression(max_iter=2000).fit(sc.transform(xtr), ytr).score(sc.transform(xte), yte)
except ImportError:
    pass
print(json.dumps(out))
)PY";

}  // namespace

TEST_CASE("modality-gap measures match a NumPy reference", "[gap]") {
    if (!test::pythonOrSkip("numpy")) return;
    const std::int64_t dims = 16;
    const auto d = makeGap(1500, dims, 0.25, 9);
    test::TempDir tmp;
    writeRaw(tmp / "real.bin", d.real);
    writeRaw(tmp / "gen.bin", d.generated);
    writeRaw(tmp / "pairing.bin", d.pairing);
    const auto py =
        test::runProcess({test::pythonExecutable().string(), "-c", kReference, (tmp / "real.bin").string(),
                          (tmp / "gen.bin").string(), (tmp / "pairing.bin").string(), std::to_string(dims)});
    INFO(py.err);
    REQUIRE(py.exitCode == 0);
    const auto ref = nlohmann::json::parse(py.out);

    const auto gap = measureModalityGap(d.real.to(torch::kFloat), d.generated.to(torch::kFloat), d.pairing);
    // float32 inputs against float64 references.
    CHECK(gap.pairedCosineMean == Approx(ref["cos_mean"].get<double>()).epsilon(1e-5));
    CHECK(gap.pairedCosineStd == Approx(ref["cos_std"].get<double>()).epsilon(1e-4));
    CHECK(gap.pairedCosine.size(0) == 1500);
    CHECK(gap.pairedCosineHistogram.counts == ref["hist"].get<std::vector<std::int64_t>>());
    CHECK(gap.pairedCosineHistogram.edges.size() == 21);
    CHECK(gap.centroidDistance == Approx(ref["centroid_distance"].get<double>()).epsilon(1e-4));
    CHECK(gap.centroidCosine == Approx(ref["centroid_cosine"].get<double>()).epsilon(1e-6));
    CHECK(gap.frechetDistance == Approx(ref["fd"].get<double>()).epsilon(1e-4));

    // Exact float64 inputs: the Fréchet distance agrees to rounding.
    CHECK(frechetDistance(d.real, d.generated) == Approx(ref["fd"].get<double>()).epsilon(1e-9));

    CHECK(gap.probe.trainSize == 2100);
    CHECK(gap.probe.testSize == 900);
    if (ref.contains("probe")) {
        INFO("ours " << gap.probe.testAccuracy << ", scikit-learn " << ref["probe"].get<double>());
        CHECK(gap.probe.testAccuracy == Approx(ref["probe"].get<double>()).margin(0.05));
    }
}

TEST_CASE("the linear probe tells apart what differs and not what does not", "[gap]") {
    SECTION("same distribution: chance") {
        auto gen = at::detail::createCPUGenerator(1);
        const auto a = at::randn({1000, 8}, gen, torch::kDouble);
        const auto b = at::randn({1000, 8}, gen, torch::kDouble);
        const auto r = linearProbeAccuracy(a, b);
        CHECK(r.testAccuracy == Approx(0.5).margin(0.07));
    }
    SECTION("shifted clouds: near perfect") {
        const auto d = makeGap(600, 8, 4.0, 2);
        const auto r = linearProbeAccuracy(d.real, d.generated);
        CHECK(r.testAccuracy > 0.95);
        CHECK(r.trainAccuracy > 0.95);
    }
    SECTION("the split is seeded") {
        const auto d = makeGap(300, 8, 0.5, 3);
        ProbeOptions options;
        const auto a = linearProbeAccuracy(d.real, d.generated, options);
        const auto b = linearProbeAccuracy(d.real, d.generated, options);
        CHECK(a.testAccuracy == b.testAccuracy);
    }
}

TEST_CASE("modality-gap measures on known cases", "[gap]") {
    const auto x = torch::tensor({{1.0, 0.0}, {0.0, 2.0}, {3.0, 3.0}}, torch::kDouble);
    SECTION("identical sets") {
        const auto cos = pairedCosineSimilarity(x, x);
        CHECK(torch::allclose(cos, torch::ones({3}, torch::kDouble)));
        CHECK(centroidDistance(x, x) == Approx(0.0).margin(1e-12));
        CHECK(centroidCosine(x, x) == Approx(1.0));
        CHECK(frechetDistance(x, x) == Approx(0.0).margin(1e-9));
        const auto h = cosineHistogram(cos, 4);
        CHECK(h.counts == std::vector<std::int64_t>{0, 0, 0, 3});  // cosine 1 lands in the last bin
    }
    SECTION("a pairing picks the partner row") {
        const auto gen = torch::tensor({{0.0, 5.0}, {-1.0, 0.0}}, torch::kDouble);
        const auto cos = pairedCosineSimilarity(x, gen, torch::tensor({1, 0}, torch::kLong));
        CHECK(cos[0].item<double>() == Approx(1.0));
        CHECK(cos[1].item<double>() == Approx(-1.0));
    }
    SECTION("a pure shift moves the Fréchet distance by its squared length") {
        auto gen = at::detail::createCPUGenerator(4);
        const auto a = at::randn({200, 5}, gen, torch::kDouble);
        CHECK(frechetDistance(a, a + 2.0) == Approx(20.0).epsilon(1e-9));
    }
    SECTION("errors") {
        CHECK_THROWS_AS(pairedCosineSimilarity(x, x.slice(0, 0, 2)), Error);
        CHECK_THROWS_AS(pairedCosineSimilarity(x, x, torch::tensor({0, 1, 7}, torch::kLong)), Error);
        CHECK_THROWS_AS(centroidDistance(x, torch::zeros({3, 4})), Error);
        CHECK_THROWS_AS(frechetDistance(torch::zeros({5}), x), Error);
        auto bad = x.clone();
        bad[1][1] = std::nan("");
        CHECK_THROWS_WITH(centroidCosine(bad, x), Catch::Contains("NaN"));
    }
}

namespace {

// -log softmax(row / tau)[pair], written out with exp and log.
double infoNce(const std::vector<double>& row, std::size_t pair, double tau) {
    double denominator = 0.0;
    for (double s : row) denominator += std::exp(s / tau);
    return -std::log(std::exp(row[pair] / tau) / denominator);
}

}  // namespace

TEST_CASE("pair-gap measures on a hand-computed example", "[similarity]") {
    // Real: (1,0), (0,1), (-1,0). Generated: (2,0), (1,1), (0.6,-0.8), paired row by row.
    // Cosines (generated rows down, real rows across), a = 1/sqrt(2):
    //   g0: [ 1,   0,   -1 ]   pair 1,    rank 0
    //   g1: [ a,   a,   -a ]   pair a,    rank 0 (tied with r0: ties count for the pair)
    //   g2: [ 0.6, -0.8, -0.6]  pair -0.6, rank 1 (r0 is higher)
    const auto real = torch::tensor({{1.0, 0.0}, {0.0, 1.0}, {-1.0, 0.0}}, torch::kDouble);
    const auto gen = torch::tensor({{2.0, 0.0}, {1.0, 1.0}, {0.6, -0.8}}, torch::kDouble);
    const double a = 1.0 / std::sqrt(2.0);
    const std::vector<std::vector<double>> sims = {{1.0, 0.0, -1.0}, {a, a, -a}, {0.6, -0.8, -0.6}};
    const double paired = (1.0 + a - 0.6) / 3.0;
    // Unmatched row means: (0 - 1) / 2, (a - a) / 2, (0.6 - 0.8) / 2.
    const double unmatched = (-0.5 + 0.0 - 0.1) / 3.0;

    SECTION("identity pairing") {
        const auto g = measurePairGap(real, gen);
        CHECK(g.pairedCosineMean == Approx(paired));
        CHECK(g.unmatchedCosineMean == Approx(unmatched));
        CHECK(g.margin == Approx(paired - unmatched));
        CHECK(g.genToRealRecallAt1 == Approx(200.0 / 3.0));
        CHECK(g.genToRealRecallAt5 == Approx(100.0));
        CHECK(g.perItemHit1 == std::vector<double>{1.0, 1.0, 0.0});
        CHECK(g.perItemHit5 == std::vector<double>{1.0, 1.0, 1.0});
        REQUIRE(g.perItemMargin.size() == 3);
        CHECK(g.perItemMargin[0] == Approx(1.5));
        CHECK(g.perItemMargin[1] == Approx(a));
        CHECK(g.perItemMargin[2] == Approx(-0.5));
        REQUIRE(g.perItemPairedCosine.size() == 3);
        CHECK(g.perItemPairedCosine[0] == Approx(1.0));
        CHECK(g.perItemPairedCosine[1] == Approx(a));
        CHECK(g.perItemPairedCosine[2] == Approx(-0.6));
        const double loss = (infoNce(sims[0], 0, 0.07) + infoNce(sims[1], 1, 0.07) + infoNce(sims[2], 2, 0.07)) / 3.0;
        CHECK(g.alignLoss == Approx(loss).epsilon(1e-9));
        CHECK(g.tau == 0.07);
        CHECK(g.realRows == 3);

        const auto warm = measurePairGap(real, gen, {}, 0.5);
        const double warmLoss = (infoNce(sims[0], 0, 0.5) + infoNce(sims[1], 1, 0.5) + infoNce(sims[2], 2, 0.5)) / 3.0;
        CHECK(warm.alignLoss == Approx(warmLoss).epsilon(1e-9));
        CHECK(warm.margin == Approx(g.margin));  // tau only enters the loss
    }
    SECTION("an explicit pairing gives the same numbers for permuted generated rows") {
        // Generated rows in the order g2, g0, g1, each pointing to its real row.
        const auto permuted = gen.index_select(0, torch::tensor({2, 0, 1}, torch::kLong));
        const auto g = measurePairGap(real, permuted, torch::tensor({2, 0, 1}, torch::kLong));
        CHECK(g.pairedCosineMean == Approx(paired));
        CHECK(g.unmatchedCosineMean == Approx(unmatched));
        CHECK(g.perItemHit1 == std::vector<double>{0.0, 1.0, 1.0});
        CHECK(g.perItemMargin[0] == Approx(-0.5));
    }
    SECTION("float32 input, computed in float64") {
        const auto g = measurePairGap(real.to(torch::kFloat), gen.to(torch::kFloat));
        CHECK(g.pairedCosineMean == Approx(paired).epsilon(1e-6));
        CHECK(g.perItemHit1 == std::vector<double>{1.0, 1.0, 0.0});
    }
}

TEST_CASE("pair-gap recall at 5 and ties", "[similarity]") {
    // Seven real rows: e1..e3 and -e1..-e3 and (1,1,1). One generated row along e1, paired with a
    // chosen real row. Cosines with it: e1 1, (1,1,1) 1/sqrt(3), e2 e3 -e2 -e3 0, -e1 -1.
    const auto real = torch::tensor({{1.0, 0.0, 0.0},
                                     {0.0, 1.0, 0.0},
                                     {0.0, 0.0, 1.0},
                                     {-1.0, 0.0, 0.0},
                                     {0.0, -1.0, 0.0},
                                     {0.0, 0.0, -1.0},
                                     {1.0, 1.0, 1.0}},
                                    torch::kDouble);
    const auto gen = torch::tensor({{3.0, 0.0, 0.0}}, torch::kDouble);
    auto measure = [&](std::int64_t pair) { return measurePairGap(real, gen, torch::tensor({pair}, torch::kLong)); };
    // Paired with e1: rank 0.
    CHECK(measure(0).genToRealRecallAt1 == 100.0);
    // Paired with (1,1,1): rank 1 -> miss at 1, hit at 5.
    CHECK(measure(6).genToRealRecallAt1 == 0.0);
    CHECK(measure(6).genToRealRecallAt5 == 100.0);
    // Paired with e2: four rows tie at 0 and two are strictly higher -> rank 2, a hit at 5 even
    // though three tied rows could be listed before it.
    CHECK(measure(1).genToRealRecallAt5 == 100.0);
    CHECK(measure(5).genToRealRecallAt5 == 100.0);
    // Paired with -e1: rank 6 -> miss at 5.
    CHECK(measure(3).genToRealRecallAt5 == 0.0);
    // Margin for the e2 pair: 0 - mean(1, 0, 0, -1, 0, 1/sqrt(3)) over the six others.
    CHECK(measure(1).margin == Approx(0.0 - (1.0 / std::sqrt(3.0)) / 6.0));
}

TEST_CASE("pair-gap centred cosine removes each modality's offset", "[similarity]") {
    // Real (1,0), (-1,0): mean direction 0. Generated (1,1), (-1,1): normalised mean (0, a). After
    // centring the generated rows become (a,0), (-a,0) -> (1,0), (-1,0): centred paired cosine 1,
    // while the raw paired cosine is a = 1/sqrt(2).
    const auto real = torch::tensor({{1.0, 0.0}, {-1.0, 0.0}}, torch::kDouble);
    const auto gen = torch::tensor({{1.0, 1.0}, {-1.0, 1.0}}, torch::kDouble);
    const double a = 1.0 / std::sqrt(2.0);
    const auto g = measurePairGap(real, gen);
    CHECK(g.pairedCosineMean == Approx(a));
    CHECK(g.centredPairedCosineMean == Approx(1.0));
    CHECK(g.unmatchedCosineMean == Approx(-a));
    CHECK(g.margin == Approx(2.0 * a));
    CHECK(g.genToRealRecallAt1 == 100.0);
    // -log(e^(a/t) / (e^(a/t) + e^(-a/t))) = log(1 + e^(-2a/t)), about 1.7e-9: what is left after
    // subtracting two numbers near 10, so compared to an absolute tolerance.
    CHECK(g.alignLoss == Approx(std::log1p(std::exp(-2.0 * a / 0.07))).margin(1e-13));
    CHECK(g.alignLoss > 0.0);

    SECTION("a 3-D case worked by hand") {
        // Real e1, e2 (mean (1/2, 1/2, 0)): centred (1/2,-1/2,0), (-1/2,1/2,0) -> (b,-b,0), (-b,b,0).
        // Generated e1 + e3, e2 + e3 normalised (b,0,b), (0,b,b), mean (b/2,b/2,b): centred
        // (b/2,-b/2,0), (-b/2,b/2,0) -> the same two directions: centred cosine 1. Raw: 1/sqrt(2).
        const auto r = torch::tensor({{1.0, 0.0, 0.0}, {0.0, 1.0, 0.0}}, torch::kDouble);
        const auto x = torch::tensor({{1.0, 0.0, 1.0}, {0.0, 1.0, 1.0}}, torch::kDouble);
        const auto h = measurePairGap(r, x);
        CHECK(h.pairedCosineMean == Approx(a));
        CHECK(h.centredPairedCosineMean == Approx(1.0));
        CHECK(h.unmatchedCosineMean == Approx(0.0).margin(1e-12));
    }
}

TEST_CASE("pair-gap under collapse: raw cosine rises, the margin does not", "[similarity]") {
    // Every embedding pulled towards one common direction c: x + k c. All cosines, matched or not,
    // go to 1, so the raw paired cosine rises while the matched-minus-unmatched margin shrinks.
    const auto d = makeGap(200, 16, 0.0, 11);
    auto gen = at::detail::createCPUGenerator(12);
    auto c = at::randn({1, 16}, gen, torch::kDouble);
    c = c / c.norm();
    const auto before = measurePairGap(d.real, d.generated, d.pairing);
    const auto pulled = measurePairGap(d.real + 10.0 * c, d.generated + 10.0 * c, d.pairing);
    const auto collapsed = measurePairGap(d.real + 30.0 * c, d.generated + 30.0 * c, d.pairing);
    INFO("paired " << before.pairedCosineMean << " -> " << pulled.pairedCosineMean << " -> "
                   << collapsed.pairedCosineMean << "; margin " << before.margin << " -> " << pulled.margin
                   << " -> " << collapsed.margin << "; unmatched " << before.unmatchedCosineMean << " -> "
                   << pulled.unmatchedCosineMean << " -> " << collapsed.unmatchedCosineMean << "; centred "
                   << before.centredPairedCosineMean << " -> " << pulled.centredPairedCosineMean << " -> "
                   << collapsed.centredPairedCosineMean);
    // The raw paired cosine rises towards 1 ...
    CHECK(pulled.pairedCosineMean > before.pairedCosineMean);
    CHECK(collapsed.pairedCosineMean > pulled.pairedCosineMean);
    CHECK(collapsed.pairedCosineMean > 0.99);
    // ... because every cosine does ...
    CHECK(pulled.unmatchedCosineMean > before.unmatchedCosineMean + 0.5);
    CHECK(collapsed.unmatchedCosineMean > 0.95);
    // ... while the margin does not rise: it falls towards 0.
    CHECK(pulled.margin < 0.5 * before.margin);
    CHECK(collapsed.margin < pulled.margin);
    CHECK(collapsed.margin < 0.05);
    CHECK(before.genToRealRecallAt1 > 50.0);
}

TEST_CASE("pair-gap in blocks matches the whole similarity matrix", "[similarity]") {
    // 20000 real rows: blocks of 2^23 / 20000 = 419 generated rows, so 900 rows take three blocks.
    auto gen = at::detail::createCPUGenerator(21);
    const auto real = at::randn({20000, 3}, gen, torch::kDouble);
    const auto pairing = at::randint(0, 20000, {900}, gen, torch::kLong);
    const auto generated = real.index_select(0, pairing) + 0.05 * at::randn({900, 3}, gen, torch::kDouble);
    const auto g = measurePairGap(real, generated, pairing, 0.1);

    const auto rn = real / real.norm(2, 1, true);
    const auto gn = generated / generated.norm(2, 1, true);
    const auto s = gn.mm(rn.t());
    const auto p = s.gather(1, pairing.unsqueeze(1));
    const auto rank = (s > p).sum(1);
    const auto unmatched = (s.sum(1, true) - p) / 19999.0;
    const auto loss = (torch::logsumexp(s / 0.1, 1, true) - p / 0.1).mean().item<double>();
    REQUIRE(g.perItemHit1.size() == 900);
    for (std::int64_t i : {0, 418, 419, 837, 838, 899}) {
        INFO("row " << i);
        CHECK(g.perItemPairedCosine[static_cast<std::size_t>(i)] == Approx(p[i][0].item<double>()));
        CHECK(g.perItemMargin[static_cast<std::size_t>(i)] ==
              Approx(p[i][0].item<double>() - unmatched[i][0].item<double>()));
        CHECK(g.perItemHit5[static_cast<std::size_t>(i)] == (rank[i].item<std::int64_t>() < 5 ? 1.0 : 0.0));
    }
    CHECK(g.genToRealRecallAt1 == Approx(100.0 * (rank < 1).to(torch::kDouble).mean().item<double>()));
    CHECK(g.genToRealRecallAt5 == Approx(100.0 * (rank < 5).to(torch::kDouble).mean().item<double>()));
    CHECK(g.unmatchedCosineMean == Approx(unmatched.mean().item<double>()).margin(1e-12));
    CHECK(g.alignLoss == Approx(loss).epsilon(1e-12));
}

TEST_CASE("pair-gap errors", "[similarity]") {
    const auto x = torch::tensor({{1.0, 0.0}, {0.0, 2.0}, {3.0, 3.0}}, torch::kDouble);
    CHECK_THROWS_WITH(measurePairGap(x.slice(0, 0, 1), x.slice(0, 0, 1)), Catch::Contains("at least 2 real rows"));
    CHECK_THROWS_WITH(measurePairGap(x, torch::zeros({3, 4}, torch::kDouble)), Catch::Contains("width"));
    CHECK_THROWS_WITH(measurePairGap(x, x, torch::tensor({0, 1, 3}, torch::kLong)), Catch::Contains("outside"));
    CHECK_THROWS_WITH(measurePairGap(x, x, torch::tensor({0, -1, 2}, torch::kLong)), Catch::Contains("outside"));
    CHECK_THROWS_AS(measurePairGap(x, x.slice(0, 0, 2)), Error);  // no pairing, different counts
    CHECK_THROWS_AS(measurePairGap(x, x, torch::tensor({0, 1}, torch::kLong)), Error);
    CHECK_THROWS_WITH(measurePairGap(x, x, {}, 0.0), Catch::Contains("temperature"));
}
