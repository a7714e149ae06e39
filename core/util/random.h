// SplitMix64 (Steele, Lea and Flood 2014), the one deterministic generator behind the engine's
// seeds and shuffles. Its output is fixed here, bit for bit, never by a standard library's
// distributions (libstdc++ and libc++ differ), so Shapes images, training batches, shuffles and
// t-SNE starts come out the same on every platform. Changing a constant changes saved outputs.
#pragma once

#include <cmath>
#include <cstdint>

namespace genra::util {

constexpr std::uint64_t kSplitMix64Increment = 0x9E3779B97F4A7C15ULL;  // 2^64 / golden ratio

// SplitMix64's output function: a 64-bit avalanche of z.
constexpr std::uint64_t splitMix64Finalize(std::uint64_t z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

// The first output of a SplitMix64 started at x: a stateless hash for deriving seeds.
constexpr std::uint64_t splitMix64(std::uint64_t x) { return splitMix64Finalize(x + kSplitMix64Increment); }

// Advances `state` and returns the next output, for callers that keep the bare state.
constexpr std::uint64_t splitMix64Next(std::uint64_t& state) {
    state += kSplitMix64Increment;
    return splitMix64Finalize(state);
}

class SplitMix64 {
public:
    explicit SplitMix64(std::uint64_t seed) : state_(seed) {}
    std::uint64_t next() { return splitMix64Next(state_); }
    // Uniform in (0, 1) with 53 random bits: never 0, so log() is safe.
    double uniform() { return (static_cast<double>(next() >> 11) + 0.5) * (1.0 / 9007199254740992.0); }
    // Standard normal by Box-Muller (the cosine half only).
    double normal() {
        const double u1 = uniform();
        const double u2 = uniform();
        return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
    }
    // [0, n); the modulo bias is below n / 2^64.
    std::int64_t below(std::int64_t n) { return static_cast<std::int64_t>(next() % static_cast<std::uint64_t>(n)); }

private:
    std::uint64_t state_;
};

}  // namespace genra::util
