#include "core/gen/diffusion.h"

#include "core/util/error.h"
#include "core/util/random.h"

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <cmath>

namespace genra::gen {

BetaSchedule betaScheduleFromName(const std::string& name) {
    if (name == "linear") return BetaSchedule::Linear;
    if (name == "cosine") return BetaSchedule::Cosine;
    throw Error("unknown noise schedule \"" + name + "\" (expected linear or cosine)");
}

std::string betaScheduleName(BetaSchedule schedule) { return schedule == BetaSchedule::Linear ? "linear" : "cosine"; }

NoiseSchedule::NoiseSchedule(int timesteps, BetaSchedule kind) : kind_(kind) {
    if (timesteps < 2) throw Error("noise schedule: timesteps must be at least 2, got " + std::to_string(timesteps));
    const auto n = static_cast<std::size_t>(timesteps);
    betas_.resize(n);
    if (kind == BetaSchedule::Linear) {
        const double scale = 1000.0 / timesteps;
        const double lo = 1e-4 * scale;
        const double hi = 0.02 * scale;
        for (std::size_t i = 0; i < n; ++i) betas_[i] = lo + (hi - lo) * static_cast<double>(i) / static_cast<double>(n - 1);
    } else {
        const double s = 0.008;
        auto f = [&](double t) {
            const double c = std::cos((t / timesteps + s) / (1.0 + s) * M_PI / 2.0);
            return c * c;
        };
        for (std::size_t i = 0; i < n; ++i) {
            betas_[i] = std::min(0.999, 1.0 - f(static_cast<double>(i) + 1.0) / f(static_cast<double>(i)));
        }
    }
    alphaBars_.resize(n);
    double product = 1.0;
    for (std::size_t i = 0; i < n; ++i) {
        product *= 1.0 - betas_[i];
        alphaBars_[i] = product;
    }
}

double NoiseSchedule::alphaBar(int t) const {
    if (t < 0) return 1.0;
    return alphaBars_.at(static_cast<std::size_t>(t));
}

torch::Tensor NoiseSchedule::addNoise(const torch::Tensor& x0, const torch::Tensor& noise, const torch::Tensor& t) const {
    const auto table = torch::tensor(alphaBars_, torch::kFloat64).to(x0.device());
    const auto ab = table.index_select(0, t.to(x0.device(), torch::kLong).reshape({-1})).to(x0.scalar_type());
    std::vector<std::int64_t> shape(static_cast<std::size_t>(x0.dim()), 1);
    shape[0] = x0.size(0);
    const auto abView = ab.view(shape);
    return abView.sqrt() * x0 + (1.0 - abView).sqrt() * noise;
}

NoiseSchedule::Posterior NoiseSchedule::posterior(int t, int tPrev) const {
    if (t < 0 || t >= timesteps() || tPrev >= t || tPrev < -1) {
        throw Error("noise schedule: posterior needs -1 <= t' < t < T, got t=" + std::to_string(t) +
                    " t'=" + std::to_string(tPrev));
    }
    const double ab = alphaBar(t);
    const double abPrev = alphaBar(tPrev);
    const double alpha = ab / abPrev;  // the product of (1 - β) over (t', t]
    const double beta = 1.0 - alpha;
    Posterior p;
    p.coefX0 = std::sqrt(abPrev) * beta / (1.0 - ab);
    p.coefXt = std::sqrt(alpha) * (1.0 - abPrev) / (1.0 - ab);
    p.variance = beta * (1.0 - abPrev) / (1.0 - ab);
    return p;
}

std::vector<int> samplingTimesteps(int timesteps, int steps) {
    steps = std::clamp(steps, 1, timesteps);
    std::vector<int> out;
    out.reserve(static_cast<std::size_t>(steps));
    for (int i = steps - 1; i >= 0; --i) {
        const double position = steps == 1 ? timesteps - 1.0 : static_cast<double>(i) * (timesteps - 1) / (steps - 1);
        out.push_back(static_cast<int>(std::lround(position)));
    }
    return out;
}

namespace {

// ᾱ of each element of `t`, in double.
std::vector<double> alphaBarValues(const NoiseSchedule& schedule, const torch::Tensor& t) {
    const auto tc = t.to(torch::kCPU, torch::kLong).reshape({-1}).contiguous();
    std::vector<double> values(static_cast<std::size_t>(tc.size(0)));
    const auto* ts = tc.data_ptr<std::int64_t>();
    for (std::size_t i = 0; i < values.size(); ++i) values[i] = schedule.alphaBar(static_cast<int>(ts[i]));
    return values;
}

}  // namespace

torch::Tensor alphaBarRows(const NoiseSchedule& schedule, const torch::Tensor& t) {
    return torch::tensor(alphaBarValues(schedule, t), torch::kFloat64).to(torch::kFloat32).view({-1, 1, 1, 1}).to(t.device());
}

torch::Tensor velocityTarget(const NoiseSchedule& schedule, const torch::Tensor& t, const torch::Tensor& x0,
                             const torch::Tensor& noise) {
    const auto ab = alphaBarRows(schedule, t).to(x0.device());
    return ab.sqrt() * noise - (1.0 - ab).sqrt() * x0;
}

torch::Tensor minSnrVelocityWeights(const NoiseSchedule& schedule, const torch::Tensor& t, double gamma) {
    // In double from the schedule: 1 - ᾱ in float32 loses the low-noise steps' SNR.
    auto weights = alphaBarValues(schedule, t);
    for (auto& w : weights) {
        const double snr = w / std::max(1.0 - w, 1e-12);  // w holds ᾱ until replaced
        w = std::min(snr, gamma) / (snr + 1.0);
    }
    return torch::tensor(weights, torch::kFloat64).to(torch::kFloat32).to(t.device());
}

torch::Tensor edgeLossWeights(const torch::Tensor& x0, double strength) {
    torch::NoGradGuard noGrad;
    const auto n = x0.size(0);
    auto ones = torch::ones({n, 1, x0.size(2), x0.size(3)}, x0.options());
    if (strength <= 0) return ones;
    namespace F = torch::nn::functional;
    // |x[i+1] - x[i]| along each axis, padded back to the image size, summed over channels.
    const auto dx = F::pad(torch::diff(x0, 1, 3).abs(), F::PadFuncOptions({0, 1, 0, 0}));
    const auto dy = F::pad(torch::diff(x0, 1, 2).abs(), F::PadFuncOptions({0, 0, 0, 1}));
    const auto contrast = torch::maximum(dx, dy).sum(1, true);
    const auto spread = F::max_pool2d(contrast, F::MaxPool2dFuncOptions(3).stride(1).padding(1));
    const auto mean = spread.mean(std::vector<std::int64_t>{1, 2, 3}, true).clamp_min(1e-6);
    const auto weights = ones + strength * spread / mean;
    return weights / weights.mean(std::vector<std::int64_t>{1, 2, 3}, true);
}

torch::Tensor velocityLoss(const NoiseSchedule& schedule, const torch::Tensor& t, const torch::Tensor& predicted,
                           const torch::Tensor& target, double minSnrGamma, const torch::Tensor& pixelWeights) {
    auto squared = (predicted - target).pow(2);
    if (pixelWeights.defined()) squared = squared * pixelWeights.to(squared.device());
    if (minSnrGamma <= 0) return squared.mean();
    const auto perRow = squared.flatten(1).mean(1);
    return (perRow * minSnrVelocityWeights(schedule, t, minSnrGamma).to(perRow.device())).mean();
}

torch::Tensor epsilonFromVelocity(const NoiseSchedule& schedule, const torch::Tensor& t, const torch::Tensor& xt,
                                  const torch::Tensor& v) {
    const auto ab = alphaBarRows(schedule, t).to(xt.device());
    return (1.0 - ab).sqrt() * xt + ab.sqrt() * v;
}

Sampler samplerFromName(const std::string& name) {
    if (name == "ddim") return Sampler::Ddim;
    if (name == "ddpm") return Sampler::Ddpm;
    throw Error("unknown sampler \"" + name + "\" (expected ddim or ddpm)");
}

std::string samplerName(Sampler sampler) { return sampler == Sampler::Ddim ? "ddim" : "ddpm"; }

namespace {

// One generator per image, so noise is a function of that image's seed alone.
struct PerImageNoise {
    std::vector<at::Generator> generators;
    explicit PerImageNoise(const std::vector<std::uint64_t>& seeds) {
        for (auto seed : seeds) generators.push_back(at::detail::createCPUGenerator(seed));
    }
    torch::Tensor draw(std::int64_t channels, std::int64_t size, torch::Device device) {
        std::vector<torch::Tensor> rows;
        rows.reserve(generators.size());
        for (auto& g : generators) rows.push_back(torch::randn({channels, size, size}, g, torch::kFloat32));
        return torch::stack(rows).to(device);
    }
};

}  // namespace

torch::Tensor sample(const NoiseSchedule& schedule, const GuidedEpsilonFn& epsilon, const std::vector<std::uint64_t>& seeds,
                     std::int64_t channels, std::int64_t size, const SampleOptions& options, torch::Device device,
                     const std::function<void(int, int)>& onStep) {
    if (seeds.empty()) return torch::empty({0, channels, size, size});
    if (options.eta < 0) throw Error("sampler: eta must be >= 0, got " + std::to_string(options.eta));
    torch::NoGradGuard noGrad;
    PerImageNoise noise(seeds);
    auto x = noise.draw(channels, size, device);
    const auto steps = samplingTimesteps(schedule.timesteps(), options.steps);
    const auto batch = static_cast<std::int64_t>(seeds.size());
    for (std::size_t i = 0; i < steps.size(); ++i) {
        if (onStep) onStep(static_cast<int>(i), static_cast<int>(steps.size()));
        const int t = steps[i];
        const int tPrev = i + 1 < steps.size() ? steps[i + 1] : -1;
        const auto tTensor = torch::full({batch}, t, torch::TensorOptions().dtype(torch::kLong).device(device));
        auto [epsCond, epsUncond] = epsilon(x, tTensor);
        torch::Tensor eps = epsCond;
        if (options.guidance != 1.0) eps = epsUncond + options.guidance * (epsCond - epsUncond);
        const double ab = schedule.alphaBar(t);
        const double abPrev = schedule.alphaBar(tPrev);
        auto x0 = (x - std::sqrt(1.0 - ab) * eps) / std::sqrt(ab);
        if (options.clipX0) {
            x0 = x0.clamp(-options.clipRange, options.clipRange);
            eps = (x - std::sqrt(ab) * x0) / std::sqrt(1.0 - ab);
        }
        double sigma = 0.0;
        if (options.sampler == Sampler::Ddim) {
            sigma = options.eta * std::sqrt((1.0 - abPrev) / (1.0 - ab)) * std::sqrt(1.0 - ab / abPrev);
            const double dirScale = std::sqrt(std::max(0.0, 1.0 - abPrev - sigma * sigma));
            x = std::sqrt(abPrev) * x0 + dirScale * eps;
        } else {
            const auto post = schedule.posterior(t, tPrev);
            sigma = std::sqrt(post.variance);
            x = post.coefX0 * x0 + post.coefXt * x;
        }
        if (tPrev >= 0 && sigma > 0) x = x + sigma * noise.draw(channels, size, device);
        else if (tPrev < 0) x = x0;
    }
    return x.clamp(-options.clipRange, options.clipRange);
}

std::uint64_t imageSeed(std::uint64_t baseSeed, std::int64_t captionId, int k) {
    const std::uint64_t z = baseSeed * util::kSplitMix64Increment +
                            static_cast<std::uint64_t>(captionId) * 0xD1B54A32D192ED03ULL +
                            static_cast<std::uint64_t>(k) * 0x8CB92BA72F3D8DD7ULL + 0x2545F4914F6CDD1DULL;
    return util::splitMix64Finalize(z) & 0xFFFFFFFFULL;
}

torch::Tensor toUint8Images(const torch::Tensor& images) {
    return ((images.detach().to(torch::kCPU, torch::kFloat32).clamp(-1.0, 1.0) + 1.0) * 127.5)
        .round()
        .to(torch::kUInt8)
        .permute({0, 2, 3, 1})
        .contiguous();
}

}  // namespace genra::gen
