// Internals shared by the files of the built-in Shapes benchmark: shapes.cpp (vocabulary, layout,
// captions, splits, style assignment), shapes_render.cpp (the photo, studio and version 1 looks)
// and shapes_job.cpp (make-shapes). Not part of the public API; include only from those files.
#pragma once

#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "core/data/shapes.h"
#include "core/util/error.h"
#include "core/util/random.h"

namespace genra::data::shapes_detail {

constexpr double kPi = 3.14159265358979323846;

// ---------------------------------------------------------------------------------------------
// Random numbers. std::mt19937_64's output is fixed by the standard, but std:: distributions are
// not (libstdc++ and libc++ differ), so every distribution here is written out.

using util::splitMix64;

// Independent streams per purpose, so changing how captions are drawn never changes pixels.
enum class Stream : std::uint64_t { Layout = 1, Render = 2, Splits = 3, Style = 4 };

class Rng {
public:
    Rng(std::uint64_t seed, Stream stream, std::uint64_t index)
        : engine_(splitMix64(splitMix64(seed) ^
                             splitMix64(static_cast<std::uint64_t>(stream) * 0x100000001ull) ^
                             splitMix64(index + 0x51ED270B27ull))) {}

    // [0, 1) with 53 random bits.
    double uniform() { return static_cast<double>(engine_() >> 11) * (1.0 / 9007199254740992.0); }
    double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
    // [0, n); the modulo bias is below 2^-40 for any n the maker uses.
    int below(int n) { return static_cast<int>(engine_() % static_cast<std::uint64_t>(n)); }
    bool chance(double p) { return uniform() < p; }
    // Standard normal by Box-Muller (both values used).
    double normal() {
        if (hasSpare_) {
            hasSpare_ = false;
            return spare_;
        }
        double u1 = uniform();
        while (u1 <= 1e-300) u1 = uniform();
        const double u2 = uniform();
        const double radius = std::sqrt(-2.0 * std::log(u1));
        spare_ = radius * std::sin(2.0 * kPi * u2);
        hasSpare_ = true;
        return radius * std::cos(2.0 * kPi * u2);
    }
    template <class T>
    const T& pick(const std::vector<T>& items) {
        return items[static_cast<std::size_t>(below(static_cast<int>(items.size())))];
    }

private:
    std::mt19937_64 engine_;
    bool hasSpare_ = false;
    double spare_ = 0.0;
};

// ---------------------------------------------------------------------------------------------
// Shared helpers.

inline double length(double x, double y) {
    return std::sqrt(x * x + y * y);
}

inline void checkVersion(int version) {
    if (version < kShapesVersionMin || version > kShapesVersionMax) {
        throw Error("Shapes version must be 1 or 2 (got " + std::to_string(version) + ")");
    }
}

// Mixed styles (shapes.cpp): whether a pretrain image of a mixed set is drawn in the studio look,
// and the phrases that name the look in its captions.
bool drawnInStudio(std::uint64_t seed, int index, double fraction);
void nameStudioStyle(ShapesScene& scene, std::uint64_t seed);

}  // namespace genra::data::shapes_detail
