// The shift control: a positive control for alignment, not a generator. `genra generate
// --generator builtin:shift` "generates", for each caption, the caption's own REAL image under a
// fixed, documented appearance change (hue rotation, lower contrast, a slight blur, pixel noise).
//
// Why: GenRA aligns generated images with real ones. When alignment on real generator output is
// poor, it is either because the generator is weak (its images do not carry their caption's
// content) or because the alignment method is broken. A "generated" image made from the very real
// image its caption describes carries the pairing perfectly, differing only in appearance (a
// domain shift of known size), so what alignment achieves on it is what the method can reach when
// the generator is not the limit. If alignment fails on this control, the method is at fault.
// Images made this way are recorded like generated ones, but their generations rows (and the run's
// recipe) say "control": true and "kind": "shift", so they are never mistaken for a model's output.
//
// The change is a pure function of (image, options, seed): the same inputs give bit-identical
// images. The noise comes from std::mt19937_64 (fully specified by the standard) through a
// Box-Muller transform written here, not std::normal_distribution, whose algorithm differs between
// standard libraries; only a last-bit difference of a maths library's log or cos could move a
// value, which the rounding to 8 bits absorbs in practice. The seed only draws the noise: with
// noise 0 every seed gives the same image.
#pragma once

#include "core/data/image.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <random>

namespace genra::gen {

// The name after "builtin:" reserved for the control; a built-in diffusion model cannot be
// trained under it.
inline constexpr const char* kShiftControlName = "shift";
inline constexpr const char* kShiftControlGenerator = "builtin:shift";

// Defaults of the change (genra generate --shift-hue / --shift-contrast / --shift-blur / --shift-noise).
inline constexpr double kShiftDefaultHue = 60.0;
inline constexpr double kShiftDefaultContrast = 0.7;
inline constexpr double kShiftDefaultBlur = 0.8;
inline constexpr double kShiftDefaultNoise = 6.0;

// The appearance change, applied in this order, in floating point, rounded to 8 bits once at the end.
struct ShiftOptions {
    // Hue rotation in degrees on OpenCV's HSV (floating-point conversion, the full 360-degree wheel:
    // 120 turns pure red into pure green, 240 into pure blue); any finite value, taken modulo 360.
    // Saturation and value are kept; grey pixels (and grey images) have no hue and stay as they are.
    // Default 60.
    double hueDegrees = kShiftDefaultHue;
    // Contrast factor f > 0, per channel: out = mean + f * (in - mean), the mean over the whole image
    // (after the hue rotation). 1 keeps the image, 0.5 halves every pixel's deviation from the mean.
    // Default 0.7.
    double contrast = kShiftDefaultContrast;
    // Gaussian blur sigma in pixels (OpenCV GaussianBlur, kernel size from sigma, reflected
    // borders); 0: no blur. Default 0.8.
    double blurSigma = kShiftDefaultBlur;
    // Standard deviation of additive Gaussian noise in grey levels (0-255), drawn independently for
    // every pixel and channel from the seed; 0: no noise. Default 6.
    double noiseStd = kShiftDefaultNoise;
};

// Throws genra::Error naming the field when an option is out of range (contrast <= 0, blur < 0,
// noise < 0, or any not finite).
void validate(const ShiftOptions& options);

// The options and "control": true, "kind": "shift", as recorded with every image and run.
nlohmann::json toJson(const ShiftOptions& options);

// The changed image: same size and channel count as `image` (3 = RGB or 1 = grey). `seed` draws
// the noise (use the image's gen::imageSeed, so every (caption, k) gets its own noise). Pure:
// depends on nothing but its arguments. Throws genra::Error on invalid options or an empty image.
data::Image applyShift(const data::Image& image, const ShiftOptions& options, std::uint64_t seed);

// Standard normal draws from std::mt19937_64 by the Box-Muller transform (both values of each
// pair used): the same sequence for a seed whatever the standard library. Exposed for tests.
class NormalStream {
public:
    explicit NormalStream(std::uint64_t seed) : engine_(seed) {}
    double next();

private:
    std::mt19937_64 engine_;
    double spare_ = 0.0;
    bool haveSpare_ = false;
};

}  // namespace genra::gen
