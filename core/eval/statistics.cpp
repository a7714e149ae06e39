// Mean/std, paired bootstrap and verdicts. Deterministic everywhere: std::mt19937_64 is fully
// specified by the standard, and the integer draw below is our own (the standard distributions
// are not portable between libraries).
#include "core/eval/statistics.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <string>

#include "core/util/error.h"

namespace genra::eval {

namespace {

// Uniform integer in [0, bound) by rejection: drop the top partial block of 2^64 so that every
// residue is equally likely.
std::uint64_t uniformBelow(std::mt19937_64& rng, std::uint64_t bound) {
    const std::uint64_t threshold = (0 - bound) % bound;  // 2^64 mod bound
    for (;;) {
        const std::uint64_t x = rng();
        if (x >= threshold) return x % bound;
    }
}

// NumPy's default ("linear") quantile of sorted values.
double quantileSorted(const std::vector<double>& sorted, double q) {
    const double position = q * static_cast<double>(sorted.size() - 1);
    const auto lower = static_cast<std::size_t>(std::floor(position));
    const auto upper = std::min(lower + 1, sorted.size() - 1);
    const double fraction = position - static_cast<double>(lower);
    return sorted[lower] + fraction * (sorted[upper] - sorted[lower]);
}

}  // namespace

MeanStd meanStd(const std::vector<double>& values) {
    MeanStd out;
    out.n = static_cast<int>(values.size());
    if (values.empty()) return out;
    double sum = 0.0;
    for (double v : values) sum += v;
    out.mean = sum / static_cast<double>(values.size());
    if (values.size() >= 2) {
        double squares = 0.0;
        for (double v : values) squares += (v - out.mean) * (v - out.mean);
        out.std = std::sqrt(squares / static_cast<double>(values.size() - 1));
    }
    return out;
}

DiffInterval pairedBootstrap(const std::vector<std::vector<double>>& method,
                             const std::vector<std::vector<double>>& baseline, int resamples, std::uint64_t seed,
                             double level) {
    if (method.size() != baseline.size())
        throw Error("paired bootstrap: the method has " + std::to_string(method.size()) +
                    " seeds and the baseline " + std::to_string(baseline.size()));
    if (method.empty()) throw Error("paired bootstrap: no seeds to compare");
    if (resamples < 1) throw Error("paired bootstrap: needs at least one resample");
    if (!(level > 0.0 && level < 1.0))
        throw Error("paired bootstrap: the interval level must lie strictly between 0 and 1, got " +
                    std::to_string(level));

    std::vector<std::vector<double>> differences(method.size());
    std::int64_t items = 0;
    for (std::size_t s = 0; s < method.size(); ++s) {
        const auto& a = method[s];
        const auto& b = baseline[s];
        if (a.size() != b.size())
            throw Error("paired bootstrap: seed " + std::to_string(s) + " has " + std::to_string(a.size()) +
                        " method items but " + std::to_string(b.size()) +
                        " baseline items; both must score the same test items in the same order");
        if (a.empty()) throw Error("paired bootstrap: seed " + std::to_string(s) + " has no items");
        auto& d = differences[s];
        d.resize(a.size());
        for (std::size_t i = 0; i < a.size(); ++i) {
            if (!std::isfinite(a[i]) || !std::isfinite(b[i]))
                throw Error("paired bootstrap: seed " + std::to_string(s) + ", item " + std::to_string(i) +
                            " is not a finite number");
            d[i] = a[i] - b[i];
        }
        items += static_cast<std::int64_t>(a.size());
    }

    DiffInterval out;
    out.resamples = resamples;
    out.items = items;
    // The observed difference and every resample sum in the same way (one running sum over the
    // seeds in order), so a constant difference gives low == high == diff exactly.
    double total = 0.0;
    for (const auto& d : differences)
        for (double v : d) total += v;
    out.diff = total / static_cast<double>(items);

    std::mt19937_64 rng(seed);
    std::vector<double> means(static_cast<std::size_t>(resamples));
    for (auto& mean : means) {
        double sum = 0.0;
        for (const auto& d : differences) {
            const auto n = static_cast<std::uint64_t>(d.size());
            for (std::uint64_t k = 0; k < n; ++k) sum += d[static_cast<std::size_t>(uniformBelow(rng, n))];
        }
        mean = sum / static_cast<double>(items);
    }
    std::sort(means.begin(), means.end());
    out.low = quantileSorted(means, (1.0 - level) / 2.0);
    out.high = quantileSorted(means, (1.0 + level) / 2.0);
    return out;
}

Verdict verdictFor(const DiffInterval& interval, Direction paperDirection) {
    if (std::isnan(interval.low) || std::isnan(interval.high)) return Verdict::Inconclusive;
    if (interval.low <= 0.0 && 0.0 <= interval.high) return Verdict::Inconclusive;
    const bool above = interval.low > 0.0;  // else the whole interval is below 0
    const bool paperSide = paperDirection == Direction::Higher ? above : !above;
    return paperSide ? Verdict::Paper : Verdict::Opposite;
}

const char* toString(Verdict verdict) {
    switch (verdict) {
        case Verdict::Paper: return "paper";
        case Verdict::Opposite: return "opposite";
        case Verdict::Inconclusive: return "inconclusive";
    }
    return "inconclusive";
}

const char* toString(Direction direction) {
    switch (direction) {
        case Direction::Higher: return "higher";
        case Direction::Lower: return "lower";
    }
    return "higher";
}

}  // namespace genra::eval
