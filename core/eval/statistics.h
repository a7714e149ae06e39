// Statistics a report needs to tell an effect from noise: mean and spread over seeds, a paired
// bootstrap interval for a difference of means over the same test items, and the verdict that
// interval gives against the direction the paper reports. Pure functions, no workspace.
#pragma once

#include <cstdint>
#include <vector>

namespace genra::eval {

struct MeanStd {
    double mean = 0.0;
    double std = 0.0;  // sample standard deviation (ddof 1); 0 when n < 2
    int n = 0;
};

// Mean and sample standard deviation; an empty input gives {0, 0, 0}.
MeanStd meanStd(const std::vector<double>& values);

struct DiffInterval {
    double diff = 0.0;  // mean over every (seed, item) of method - baseline
    double low = 0.0;   // percentile interval of the bootstrap means
    double high = 0.0;
    int resamples = 0;
    std::int64_t items = 0;  // (seed, item) pairs in all
};

// Paired bootstrap of the difference of means between a method and a baseline scored on the same
// test items. The outer vectors are seeds (the same count for both); a seed's two vectors index the
// same items in the same order. Each resample draws, within every seed, as many items as that seed
// has, with replacement (the same drawn items for method and baseline), pools the differences of
// all seeds and takes their mean. The interval is the percentile interval of those means at
// (1 - level) / 2 and (1 + level) / 2, interpolated linearly between order statistics (NumPy's
// default quantile). The generator is std::mt19937_64 with a rejection-sampled integer draw, so a
// seed gives the same interval on every platform and standard library. Throws genra::Error on
// mismatched seeds or lengths (naming the seed), empty input, non-finite values, resamples < 1 or
// level outside (0, 1).
DiffInterval pairedBootstrap(const std::vector<std::vector<double>>& method,
                             const std::vector<std::vector<double>>& baseline, int resamples = 2000,
                             std::uint64_t seed = 0, double level = 0.95);

enum class Verdict { Paper = 1, Opposite, Inconclusive };
enum class Direction { Higher = 1, Lower };

// Inconclusive when the interval contains 0 (touching it counts, as does a NaN bound); Paper when
// the whole interval lies on the side the paper reports (> 0 for Higher, < 0 for Lower); else
// Opposite.
Verdict verdictFor(const DiffInterval& interval, Direction paperDirection);

const char* toString(Verdict verdict);      // "paper", "opposite", "inconclusive"
const char* toString(Direction direction);  // "higher", "lower"

}  // namespace genra::eval
