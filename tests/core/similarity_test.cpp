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
    if (!test::pythonHas("numpy")) {
        WARN("skipped: " << test::pythonExecutable().string() << " has no numpy");
        return;
    }
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
