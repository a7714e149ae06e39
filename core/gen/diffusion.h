// The diffusion process of the built-in generator: the forward noise schedule with its closed forms
// (DDPM, Ho et al. 2020), ε-prediction training targets, and the samplers: DDIM (Song et al. 2021;
// η = 0 deterministic, η = 1 ancestral) and DDPM ancestral sampling on a respaced timestep
// sequence, both with classifier-free guidance. Every image of a batch draws its noise from a
// generator of its own seeded with that image's seed, so an image depends on its seed alone, not on
// the rest of its batch.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace genra::gen {

enum class BetaSchedule { Linear = 1, Cosine };
BetaSchedule betaScheduleFromName(const std::string& name);  // "linear" | "cosine"; throws genra::Error
std::string betaScheduleName(BetaSchedule schedule);

class NoiseSchedule {
public:
    // Linear: β from 1e-4 to 0.02 (rescaled by 1000 / T); cosine: ᾱ(t) = cos²((t/T + s)/(1 + s) · π/2) / ᾱ(0)
    // with s = 0.008, β clipped to 0.999 (Nichol & Dhariwal 2021).
    NoiseSchedule(int timesteps, BetaSchedule kind);

    int timesteps() const { return static_cast<int>(betas_.size()); }
    BetaSchedule kind() const { return kind_; }
    double beta(int t) const { return betas_.at(static_cast<std::size_t>(t)); }
    double alphaBar(int t) const;  // ∏_{s<=t} (1 - β_s); alphaBar(-1) = 1
    // q(x_t | x_0) = N(√ᾱ_t x_0, (1 - ᾱ_t) I): x_t = √ᾱ_t x_0 + √(1 - ᾱ_t) ε, per batch row's t.
    torch::Tensor addNoise(const torch::Tensor& x0, const torch::Tensor& noise, const torch::Tensor& t) const;
    // Posterior q(x_{t'} | x_t, x_0) for an earlier step t' < t (t' = -1 for the data):
    // mean = c0 · x_0 + ct · x_t, variance as returned.
    struct Posterior {
        double coefX0 = 0.0;
        double coefXt = 0.0;
        double variance = 0.0;
    };
    Posterior posterior(int t, int tPrev) const;

private:
    BetaSchedule kind_;
    std::vector<double> betas_;
    std::vector<double> alphaBars_;
};

// `steps` timesteps from T-1 down to 0, evenly spaced (what DDIM's "uniform" skip does); steps is
// clamped to [1, T].
// v-parametrisation (Salimans & Ho 2022): the U-Net predicts v = sqrt(ᾱ) ε - sqrt(1 - ᾱ) x_0.
// An untrained U-Net (v = 0) then denoises to a flat image instead of leaving the noise in, and a
// generator trained for a few minutes on a CPU samples blurry shapes instead of coloured noise.
// ᾱ of each row of `t`, shaped [B, 1, 1, 1] (float32, on t's device).
torch::Tensor alphaBarRows(const NoiseSchedule& schedule, const torch::Tensor& t);
// The standard deviation the built-in generator standardises its training images to.
inline constexpr double kGeneratorDataStd = 0.5;
// The training target v for (x_0, ε) at t.
torch::Tensor velocityTarget(const NoiseSchedule& schedule, const torch::Tensor& t, const torch::Tensor& x0,
                             const torch::Tensor& noise);
// Min-SNR-γ loss weights for the v-objective (Hang et al. 2023): min(SNR, γ) / (SNR + 1) per row
// of `t`, with SNR = ᾱ / (1 - ᾱ); shape [B] (float32, on t's device). It caps the weight of the
// nearly noise-free steps, which dominate the plain v-loss's gradient conflicts, at γ / (SNR + 1).
torch::Tensor minSnrVelocityWeights(const NoiseSchedule& schedule, const torch::Tensor& t, double gamma);
// Per-pixel loss weights [B, 1, H, W] that favour the clean images' edges: 1 + strength * e / mean(e),
// e the local contrast of x0 (the largest absolute difference between neighbouring pixels, summed
// over channels, spread to a pixel's 3x3 neighbourhood), rescaled so that each image's weights average
// 1. strength 0 gives all ones. Outlines are a few dozen of an image's pixels, so under a plain MSE
// the textured background outweighs them.
torch::Tensor edgeLossWeights(const torch::Tensor& x0, double strength);
// The training loss: mean squared error of v, each row weighted by minSnrVelocityWeights when
// gamma > 0, unweighted (plain MSE) otherwise; with pixelWeights ([B, 1, H, W], e.g. edgeLossWeights)
// each pixel's squared error is weighted first.
torch::Tensor velocityLoss(const NoiseSchedule& schedule, const torch::Tensor& t, const torch::Tensor& predicted,
                           const torch::Tensor& target, double minSnrGamma,
                           const torch::Tensor& pixelWeights = torch::Tensor());
// ε implied by a predicted v at x_t: sqrt(1 - ᾱ) x_t + sqrt(ᾱ) v.
torch::Tensor epsilonFromVelocity(const NoiseSchedule& schedule, const torch::Tensor& t, const torch::Tensor& xt,
                                  const torch::Tensor& v);

std::vector<int> samplingTimesteps(int timesteps, int steps);

enum class Sampler { Ddim = 1, Ddpm };
Sampler samplerFromName(const std::string& name);  // "ddim" | "ddpm"
std::string samplerName(Sampler sampler);

struct SampleOptions {
    Sampler sampler = Sampler::Ddim;
    int steps = 25;
    double eta = 0.0;        // DDIM only
    double guidance = 3.0;   // classifier-free guidance scale; 1 = conditional only
    bool clipX0 = true;      // clamp the predicted x_0 to [-clipRange, clipRange]
    double clipRange = 1.0;  // the data's range in the space the model works in (the final x too)
};

// The denoiser: (x_t [B,C,S,S], t [B] long) -> (conditional ε, unconditional ε), both evaluated in
// one batch; the unconditional one may be undefined when guidance is 1.
using GuidedEpsilonFn = std::function<std::pair<torch::Tensor, torch::Tensor>(const torch::Tensor& xt, const torch::Tensor& t)>;

// Samples one image per seed ([B, C, S, S] in [-1, 1], on `device`). Cancellation or progress can
// be handled in `onStep(stepIndex, steps)` (may be empty; may throw).
torch::Tensor sample(const NoiseSchedule& schedule, const GuidedEpsilonFn& epsilon, const std::vector<std::uint64_t>& seeds,
                     std::int64_t channels, std::int64_t size, const SampleOptions& options, torch::Device device,
                     const std::function<void(int, int)>& onStep = {});

// A per-image seed from (base seed, caption id, k): splitmix64-mixed and reduced to 32 bits, so
// external generators (NumPy, torch.Generator) accept it. Same inputs, same seed, everywhere.
std::uint64_t imageSeed(std::uint64_t baseSeed, std::int64_t captionId, int k);

// Images in [-1, 1] [B, C, S, S] -> uint8 [B, S, S, C] on the CPU (rounded, clamped).
torch::Tensor toUint8Images(const torch::Tensor& images);

}  // namespace genra::gen
