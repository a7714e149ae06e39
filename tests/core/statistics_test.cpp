// Mean/std, the paired bootstrap against closed-form cases, its determinism, input errors, and the
// verdict rule at its edges.
#include "core/eval/statistics.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <vector>

#include "core/util/error.h"

using namespace genra;
using namespace genra::eval;

TEST_CASE("meanStd uses the sample standard deviation", "[statistics]") {
    const auto a = meanStd({2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0});
    CHECK(a.n == 8);
    CHECK(a.mean == Approx(5.0));
    CHECK(a.std == Approx(std::sqrt(32.0 / 7.0)));  // ddof 1: sum of squares 32 over 7
    const auto one = meanStd({3.5});
    CHECK(one.n == 1);
    CHECK(one.mean == 3.5);
    CHECK(one.std == 0.0);
    const auto none = meanStd({});
    CHECK(none.n == 0);
    CHECK(none.mean == 0.0);
    CHECK(none.std == 0.0);
    const auto two = meanStd({1.0, 3.0});
    CHECK(two.std == Approx(std::sqrt(2.0)));
}

TEST_CASE("paired bootstrap: a constant difference has a zero-width interval", "[statistics]") {
    std::vector<std::vector<double>> baseline = {{0.1, 0.7, 0.3, 0.9}, {0.2, 0.5, 0.4}};
    auto method = baseline;
    for (auto& seed : method)
        for (auto& v : seed) v += 0.25;
    const auto r = pairedBootstrap(method, baseline, 500, 3);
    // (b + 0.25) - b is 0.25 only to the last bit, so the width is rounding, no more.
    CHECK(r.diff == Approx(0.25).margin(1e-15));
    CHECK(r.low == Approx(0.25).margin(1e-15));
    CHECK(r.high == Approx(0.25).margin(1e-15));
    CHECK(r.resamples == 500);
    CHECK(r.items == 7);

    // Differences that are exactly the same number: the interval is that number, exactly.
    const std::vector<std::vector<double>> ones(3, std::vector<double>(50, 1.0));
    const std::vector<std::vector<double>> zeros(3, std::vector<double>(50, 0.0));
    const auto e = pairedBootstrap(ones, zeros);
    CHECK(e.diff == 1.0);
    CHECK(e.low == 1.0);
    CHECK(e.high == 1.0);
    CHECK(e.resamples == 2000);
    CHECK(e.items == 150);
}

TEST_CASE("paired bootstrap: half zeros half ones matches the normal interval", "[statistics]") {
    // The bootstrap mean of n draws from {0, 1} (half each) is Binomial(n, 1/2) / n: sd
    // sqrt(0.25 / n). With n = 400 the 95% interval is about 0.5 +- 1.96 * 0.025.
    const double halfWidth = 1.96 * std::sqrt(0.25 / 400.0);
    SECTION("one seed of 400 items") {
        std::vector<double> base(400), meth(400);
        for (int i = 0; i < 400; ++i) {
            base[static_cast<std::size_t>(i)] = 0.3 * (i % 7);  // the baseline's own values cancel
            meth[static_cast<std::size_t>(i)] = base[static_cast<std::size_t>(i)] + (i % 2);
        }
        const auto r = pairedBootstrap({meth}, {base}, 4000, 1);
        CHECK(r.diff == Approx(0.5));
        CHECK(r.low == Approx(0.5 - halfWidth).margin(0.01));
        CHECK(r.high == Approx(0.5 + halfWidth).margin(0.01));
        CHECK(r.items == 400);
    }
    SECTION("four seeds of 100 items, resampled within each seed") {
        std::vector<std::vector<double>> meth(4, std::vector<double>(100)), base(4, std::vector<double>(100, 0.0));
        for (auto& seed : meth)
            for (std::size_t i = 0; i < seed.size(); ++i) seed[i] = static_cast<double>(i % 2);
        const auto r = pairedBootstrap(meth, base, 4000, 2);
        CHECK(r.diff == Approx(0.5));
        CHECK(r.low == Approx(0.5 - halfWidth).margin(0.01));
        CHECK(r.high == Approx(0.5 + halfWidth).margin(0.01));
        CHECK(r.items == 400);
    }
    SECTION("a lower level gives a narrower interval") {
        std::vector<double> meth(400), base(400, 0.0);
        for (std::size_t i = 0; i < meth.size(); ++i) meth[i] = static_cast<double>(i % 2);
        const auto wide = pairedBootstrap({meth}, {base}, 2000, 5, 0.95);
        const auto narrow = pairedBootstrap({meth}, {base}, 2000, 5, 0.5);
        CHECK(narrow.low > wide.low);
        CHECK(narrow.high < wide.high);
        // The 50% interval of a normal: +- 0.674 sd.
        CHECK(narrow.high - narrow.low == Approx(2 * 0.674 * 0.025).margin(0.01));
    }
}

TEST_CASE("paired bootstrap is deterministic per seed", "[statistics]") {
    std::vector<std::vector<double>> meth(2), base(2);
    for (int s = 0; s < 2; ++s)
        for (int i = 0; i < 137; ++i) {
            meth[static_cast<std::size_t>(s)].push_back(std::sin(1.7 * i + s));
            base[static_cast<std::size_t>(s)].push_back(std::cos(0.9 * i - s));
        }
    const auto a = pairedBootstrap(meth, base, 1000, 42);
    const auto b = pairedBootstrap(meth, base, 1000, 42);
    CHECK(a.diff == b.diff);
    CHECK(std::memcmp(&a.low, &b.low, sizeof(double)) == 0);
    CHECK(std::memcmp(&a.high, &b.high, sizeof(double)) == 0);
    const auto c = pairedBootstrap(meth, base, 1000, 43);
    CHECK(c.diff == a.diff);
    CHECK((c.low != a.low || c.high != a.high));
    CHECK(a.low < a.diff);
    CHECK(a.diff < a.high);
}

TEST_CASE("paired bootstrap rejects malformed input", "[statistics]") {
    const std::vector<std::vector<double>> two = {{1.0, 2.0}, {3.0, 4.0}};
    const std::vector<std::vector<double>> shortSeed1 = {{1.0, 2.0}, {3.0}};
    CHECK_THROWS_WITH(pairedBootstrap(two, shortSeed1), Catch::Contains("seed 1"));
    CHECK_THROWS_WITH(pairedBootstrap(shortSeed1, two), Catch::Contains("seed 1"));
    CHECK_THROWS_AS(pairedBootstrap(two, {{1.0, 2.0}}), Error);  // seed counts differ
    CHECK_THROWS_AS(pairedBootstrap({}, {}), Error);
    CHECK_THROWS_WITH(pairedBootstrap({{}, {1.0}}, {{}, {1.0}}), Catch::Contains("seed 0"));
    CHECK_THROWS_AS(pairedBootstrap(two, two, 0), Error);
    CHECK_THROWS_AS(pairedBootstrap(two, two, 100, 0, 1.0), Error);
    CHECK_THROWS_AS(pairedBootstrap(two, two, 100, 0, 0.0), Error);
    CHECK_THROWS_WITH(pairedBootstrap({{1.0, std::nan("")}}, {{1.0, 2.0}}), Catch::Contains("seed 0"));
}

TEST_CASE("verdict at the edges of the interval", "[statistics]") {
    auto interval = [](double low, double high) {
        DiffInterval d;
        d.low = low;
        d.high = high;
        d.diff = 0.5 * (low + high);
        return d;
    };
    CHECK(verdictFor(interval(0.0, 0.3), Direction::Higher) == Verdict::Inconclusive);
    CHECK(verdictFor(interval(0.0, 0.3), Direction::Lower) == Verdict::Inconclusive);
    CHECK(verdictFor(interval(-0.3, 0.0), Direction::Lower) == Verdict::Inconclusive);
    CHECK(verdictFor(interval(-0.3, 0.0), Direction::Higher) == Verdict::Inconclusive);
    CHECK(verdictFor(interval(-0.1, 0.2), Direction::Higher) == Verdict::Inconclusive);
    CHECK(verdictFor(interval(0.0, 0.0), Direction::Higher) == Verdict::Inconclusive);
    CHECK(verdictFor(interval(1e-12, 0.2), Direction::Higher) == Verdict::Paper);
    CHECK(verdictFor(interval(1e-12, 0.2), Direction::Lower) == Verdict::Opposite);
    CHECK(verdictFor(interval(-0.2, -1e-12), Direction::Lower) == Verdict::Paper);
    CHECK(verdictFor(interval(-0.2, -1e-12), Direction::Higher) == Verdict::Opposite);
    CHECK(verdictFor(interval(std::nan(""), 0.2), Direction::Higher) == Verdict::Inconclusive);

    CHECK(std::string(toString(Verdict::Paper)) == "paper");
    CHECK(std::string(toString(Verdict::Opposite)) == "opposite");
    CHECK(std::string(toString(Verdict::Inconclusive)) == "inconclusive");
    CHECK(std::string(toString(Direction::Higher)) == "higher");
    CHECK(std::string(toString(Direction::Lower)) == "lower");
}
