// The built-in generator's pieces without a workspace: U-Net shapes and conditioning, the noise
// schedule's closed forms, and the samplers (exact on a known denoiser, deterministic per seed, and
// on a CUDA device the CPU's images for the same seeds).
#include "core/gen/diffusion.h"
#include "core/gen/unet.h"
#include "core/util/error.h"
#include "support/test_support.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdlib>
#include <iostream>
#include <set>

using namespace genra;

namespace {

gen::UNetConfig tinyConfig() {
    gen::UNetConfig c;
    c.imageSize = 16;
    c.baseChannels = 16;
    c.channelMults = {1, 2};
    c.attentionResolutions = {8};
    c.heads = 2;
    c.contextDim = 12;
    c.groups = 4;
    return c;
}

// Zero-initialised output layers make a fresh U-Net ignore everything; perturb every weight so the
// tests can see what reaches the output.
gen::UNet perturbedUNet(std::uint64_t seed) {
    torch::manual_seed(seed);
    gen::UNet unet(tinyConfig());
    torch::NoGradGuard noGrad;
    for (auto& p : unet->parameters()) p.add_(torch::randn_like(p) * 0.1);
    unet->eval();
    return unet;
}

const torch::Device kCuda(torch::kCUDA);

double maxAbsDiff(const torch::Tensor& a, const torch::Tensor& b) {
    return (a.cpu().to(torch::kFloat64) - b.cpu().to(torch::kFloat64)).abs().max().item<double>();
}

void report(const std::string& what, double value) {
    if (std::getenv("GENRA_TEST_VERBOSE") != nullptr) std::cout << "cuda: " << what << " " << value << "\n";
}

}  // namespace

TEST_CASE("U-Net: output shape, conditioning by caption tokens and timestep, masked padding", "[gen]") {
    auto unet = perturbedUNet(3);
    torch::NoGradGuard noGrad;
    const auto x = torch::randn({2, 3, 16, 16});
    const auto t = torch::tensor({10, 500});
    auto context = torch::randn({2, 5, 12});
    auto mask = torch::tensor({1, 1, 1, 0, 0, 1, 1, 1, 1, 1}, torch::kBool).view({2, 5});
    const auto out = unet->forward(x, t, context, mask);
    REQUIRE(out.sizes() == x.sizes());
    CHECK(torch::isfinite(out).all().item<bool>());

    SECTION("a different caption for row 0 changes row 0 only") {
        auto other = context.clone();
        other[0].narrow(0, 0, 3).add_(1.0);
        const auto changed = unet->forward(x, t, other, mask);
        CHECK((changed[0] - out[0]).abs().max().item<double>() > 1e-4);
        CHECK((changed[1] - out[1]).abs().max().item<double>() < 1e-5);
    }
    SECTION("features of masked padding tokens are ignored") {
        auto other = context.clone();
        other[0].narrow(0, 3, 2).add_(5.0);
        const auto changed = unet->forward(x, t, other, mask);
        CHECK((changed - out).abs().max().item<double>() < 1e-5);
    }
    SECTION("the timestep matters") {
        const auto changed = unet->forward(x, torch::tensor({11, 500}), context, mask);
        CHECK((changed[0] - out[0]).abs().max().item<double>() > 1e-5);
    }
    SECTION("caption length is free: a longer context with the extra tokens masked gives the same result") {
        const auto longer = torch::cat({context, torch::randn({2, 3, 12})}, 1);
        const auto longerMask = torch::cat({mask, torch::zeros({2, 3}, torch::kBool)}, 1);
        CHECK((unet->forward(x, t, longer, longerMask) - out).abs().max().item<double>() < 1e-5);
    }
    SECTION("wrong shapes are errors naming what was expected") {
        CHECK_THROWS_WITH(unet->forward(torch::randn({2, 3, 8, 8}), t, context, mask), Catch::Contains("expected images"));
        CHECK_THROWS_WITH(unet->forward(x, t, torch::randn({2, 5, 7}), mask), Catch::Contains("caption features"));
    }
}

TEST_CASE("U-Net: a fresh model predicts zero, gradients reach the cross-attention", "[gen]") {
    torch::manual_seed(1);
    gen::UNet fresh(tinyConfig());
    const auto x = torch::randn({2, 3, 16, 16});
    const auto out = fresh->forward(x, torch::tensor({1, 2}), torch::randn({2, 4, 12}), torch::ones({2, 4}, torch::kBool));
    CHECK(out.abs().max().item<double>() == 0.0);

    auto unet = perturbedUNet(4);
    unet->train();
    const auto loss = unet->forward(x, torch::tensor({1, 2}), torch::randn({2, 4, 12}), torch::ones({2, 4}, torch::kBool))
                          .pow(2)
                          .mean();
    loss.backward();
    bool crossGrad = false;
    for (const auto& item : unet->named_parameters()) {
        if (item.key().find("cross_attn.to_k") != std::string::npos && item.value().grad().defined() &&
            item.value().grad().abs().sum().item<double>() > 0)
            crossGrad = true;
    }
    CHECK(crossGrad);
}

TEST_CASE("U-Net: learnt token embeddings start at zero, then tell captions apart by their token ids", "[gen]") {
    auto config = tinyConfig();
    config.tokenVocab = 20;
    torch::manual_seed(6);
    gen::UNet unet(config);
    {
        torch::NoGradGuard noGrad;
        for (auto& item : unet->named_parameters())
            if (item.key() != "token_embedding.weight") item.value().add_(torch::randn_like(item.value()) * 0.1);
    }
    unet->eval();
    REQUIRE(unet->token_embedding);
    CHECK(unet->token_embedding->weight.sizes() == torch::IntArrayRef({20, 12}));
    CHECK(unet->token_embedding->weight.abs().max().item<double>() == 0.0);
    torch::NoGradGuard noGrad;
    const auto x = torch::randn({2, 3, 16, 16});
    const auto t = torch::tensor({10, 500});
    const auto context = torch::randn({2, 4, 12});
    const auto mask = torch::ones({2, 4}, torch::kBool);
    // Identical frozen features, different words: "circle" (id 5) against "square" (id 6).
    const auto circle = torch::tensor({1, 3, 5, 19, 1, 3, 5, 19}, torch::kLong).view({2, 4});
    auto square = circle.clone();
    square[0][2] = 6;
    const auto a = unet->forward(x, t, context, mask, circle);
    CHECK((unet->forward(x, t, context, mask, square) - a).abs().max().item<double>() == 0.0);
    unet->token_embedding->weight.normal_(0.0, 0.5);
    const auto b = unet->forward(x, t, context, mask, circle);
    const auto c = unet->forward(x, t, context, mask, square);
    CHECK((c[0] - b[0]).abs().max().item<double>() > 1e-4);
    CHECK((c[1] - b[1]).abs().max().item<double>() < 1e-5);
    CHECK_THROWS_WITH(unet->forward(x, t, context, mask), Catch::Contains("token ids"));
    CHECK_THROWS_WITH(unet->forward(x, t, context, mask, torch::full({2, 4}, 20, torch::kLong)),
                      Catch::Contains("vocabulary of 20"));
    // A model without the table ignores token ids.
    auto plain = perturbedUNet(3);
    CHECK(torch::equal(plain->forward(x, t, context, mask, circle), plain->forward(x, t, context, mask)));
    CHECK(gen::unetConfigFromJson(gen::toJson(config)).tokenVocab == 20);
    CHECK(gen::unetConfigFromJson(nlohmann::json::object()).tokenVocab == 0);
    config.tokenVocab = -1;
    CHECK_THROWS_WITH(config.validate(), Catch::Contains("token_vocab"));
}

TEST_CASE("U-Net config: validation names the field, JSON round trip", "[gen]") {
    auto c = tinyConfig();
    CHECK(gen::unetConfigFromJson(gen::toJson(c)).channelMults == c.channelMults);
    c.groups = 5;
    CHECK_THROWS_WITH(c.validate(), Catch::Contains("groups"));
    c = tinyConfig();
    c.imageSize = 15;
    CHECK_THROWS_WITH(c.validate(), Catch::Contains("patch_size"));
    c.patchSize = 1;
    CHECK_THROWS_WITH(c.validate(), Catch::Contains("cannot be halved"));
    c.imageSize = 16;
    CHECK_NOTHROW(c.validate());
    CHECK_THROWS_WITH(gen::unetConfigFromJson(nlohmann::json{{"heads", "four"}}), Catch::Contains("heads"));
}

TEST_CASE("Noise schedule: closed forms of the forward process and the posterior", "[gen]") {
    for (const auto kind : {gen::BetaSchedule::Linear, gen::BetaSchedule::Cosine}) {
        const gen::NoiseSchedule s(1000, kind);
        long double product = 1.0L;
        for (int t = 0; t < 1000; ++t) {
            product *= 1.0L - s.beta(t);
            REQUIRE(std::abs(static_cast<double>(product) - s.alphaBar(t)) < 1e-12);
        }
        CHECK(s.alphaBar(-1) == 1.0);
        CHECK(s.alphaBar(999) < 1e-3);  // the last step is (almost) pure noise
        for (int t : {1, 10, 250, 999}) {
            for (int tPrev : {-1, 0, t / 2, t - 1}) {
                if (tPrev >= t) continue;
                const auto p = s.posterior(t, tPrev);
                const double ab = s.alphaBar(t);
                const double abPrev = s.alphaBar(tPrev);
                // With no noise in x_t the posterior mean is the marginal mean √ᾱ_{t'} x_0 ...
                CHECK(p.coefX0 + p.coefXt * std::sqrt(ab) == Approx(std::sqrt(abPrev)).epsilon(1e-9));
                // ... and the total variance of x_{t'} given x_0 is 1 - ᾱ_{t'}.
                CHECK(p.coefXt * p.coefXt * (1.0 - ab) + p.variance == Approx(1.0 - abPrev).epsilon(1e-9));
                if (tPrev == t - 1) CHECK(p.variance == Approx(s.beta(t) * (1.0 - abPrev) / (1.0 - ab)).epsilon(1e-12));
            }
        }
    }
    const gen::NoiseSchedule linear(1000, gen::BetaSchedule::Linear);
    CHECK(linear.beta(0) == Approx(1e-4));
    CHECK(linear.beta(999) == Approx(0.02));
    const gen::NoiseSchedule cosine(1000, gen::BetaSchedule::Cosine);
    const auto f = [](double t) { return std::pow(std::cos((t / 1000.0 + 0.008) / 1.008 * M_PI / 2), 2); };
    for (int t : {0, 100, 500, 900}) CHECK(cosine.alphaBar(t) == Approx(f(t + 1) / f(0)).epsilon(1e-9));

    const auto x0 = torch::rand({3, 3, 4, 4}) * 2 - 1;
    const auto noise = torch::randn({3, 3, 4, 4});
    const auto xt = cosine.addNoise(x0, noise, torch::tensor({0, 500, 999}));
    for (int i = 0; i < 3; ++i) {
        const int t = std::vector<int>{0, 500, 999}[static_cast<std::size_t>(i)];
        const auto expected = std::sqrt(cosine.alphaBar(t)) * x0[i] + std::sqrt(1 - cosine.alphaBar(t)) * noise[i];
        CHECK((xt[i] - expected).abs().max().item<double>() < 1e-5);
    }
    CHECK_THROWS_WITH(gen::NoiseSchedule(1000, gen::betaScheduleFromName("sigmoid")), Catch::Contains("sigmoid"));
}

TEST_CASE("Min-SNR-gamma weights of the v-loss: brute-force formula, capped steps, plain MSE at gamma 0", "[gen]") {
    const gen::NoiseSchedule s(1000, gen::BetaSchedule::Cosine);
    const std::vector<std::int64_t> ts{0, 10, 100, 400, 700, 999};
    const auto t = torch::tensor(ts);
    const double gamma = 5.0;
    const auto w = gen::minSnrVelocityWeights(s, t, gamma);
    REQUIRE(w.sizes() == torch::IntArrayRef{6});
    for (std::size_t i = 0; i < ts.size(); ++i) {
        const double ab = s.alphaBar(static_cast<int>(ts[i]));
        const double snr = ab / (1.0 - ab);
        const double expected = std::min(snr, gamma) / (snr + 1.0);
        CHECK(w[static_cast<std::int64_t>(i)].item<double>() == Approx(expected).epsilon(1e-5));
    }
    // Low-noise steps (SNR > gamma) get gamma / (SNR + 1) < 1; noisy ones SNR / (SNR + 1), not capped.
    CHECK(w[0].item<double>() < 0.01);
    CHECK(w[5].item<double>() == Approx(s.alphaBar(999) / 1.0).margin(1e-4));

    const auto predicted = torch::randn({6, 3, 4, 4});
    const auto target = torch::randn({6, 3, 4, 4});
    double bruteForce = 0;
    for (std::int64_t i = 0; i < 6; ++i) {
        bruteForce += w[i].item<double>() * (predicted[i] - target[i]).pow(2).mean().item<double>();
    }
    CHECK(gen::velocityLoss(s, t, predicted, target, gamma).item<double>() == Approx(bruteForce / 6).epsilon(1e-5));
    CHECK(gen::velocityLoss(s, t, predicted, target, 0.0).item<double>() ==
          Approx(torch::mse_loss(predicted, target).item<double>()).epsilon(1e-6));
}

TEST_CASE("Edge loss weights: outline pixels outweigh flat ones, each image averages 1, strength 0 is plain MSE", "[gen]") {
    // Image 0: a 6x6 square of contrast 2 on a flat 16x16 background; image 1: flat everywhere.
    auto x0 = torch::zeros({2, 3, 16, 16});
    x0.index_put_({0, torch::indexing::Slice(), torch::indexing::Slice(5, 11), torch::indexing::Slice(5, 11)}, 2.0);
    const double strength = 4.0;
    const auto w = gen::edgeLossWeights(x0, strength);
    REQUIRE(w.sizes() == torch::IntArrayRef{2, 1, 16, 16});
    CHECK(w[0].mean().item<double>() == Approx(1.0).epsilon(1e-5));
    CHECK(w[1].mean().item<double>() == Approx(1.0).epsilon(1e-5));
    // The flat image has no edges: all ones.
    CHECK(w[1].min().item<double>() == Approx(1.0).epsilon(1e-5));
    CHECK(w[1].max().item<double>() == Approx(1.0).epsilon(1e-5));
    // Square: the pixels on either side of its outline share the top weight; the corner of the
    // background and the square's centre (3 pixels from the outline) get the bottom one.
    const double outside = w[0][0][4][8].item<double>();
    const double inside = w[0][0][5][8].item<double>();
    const double far = w[0][0][0][0].item<double>();
    const double centre = w[0][0][8][8].item<double>();
    CHECK(outside == Approx(w[0].max().item<double>()));
    CHECK(inside == Approx(outside));
    CHECK(far == Approx(w[0].min().item<double>()));
    CHECK(centre == Approx(far));
    // Before the rescaling flat pixels weigh 1 and the Ne edge pixels (all of contrast 6, summed over
    // channels) 1 + strength * 256 / Ne; the mean is then 1 + strength.
    const double edgePixels = (w[0] > far + 1e-4).sum().item<double>();
    CHECK(edgePixels > 24);  // the ring is two or more pixels wide
    CHECK(edgePixels < 100);
    CHECK(far == Approx(1.0 / (1.0 + strength)).epsilon(1e-5));
    CHECK(outside == Approx((1.0 + strength * 256.0 / edgePixels) / (1.0 + strength)).epsilon(1e-5));
    CHECK(gen::edgeLossWeights(x0, 0.0).equal(torch::ones({2, 1, 16, 16})));

    // The loss weights each pixel's squared error.
    const gen::NoiseSchedule s(1000, gen::BetaSchedule::Cosine);
    const auto t = torch::tensor(std::vector<std::int64_t>{10, 500}, torch::kLong);
    const auto predicted = torch::randn({2, 3, 16, 16});
    const auto target = torch::randn({2, 3, 16, 16});
    const double expected = ((predicted - target).pow(2) * w).mean().item<double>();
    CHECK(gen::velocityLoss(s, t, predicted, target, 0.0, w).item<double>() == Approx(expected).epsilon(1e-5));
    CHECK(gen::velocityLoss(s, t, predicted, target, 0.0, w).item<double>() !=
          Approx(gen::velocityLoss(s, t, predicted, target, 0.0).item<double>()).epsilon(1e-3));
}

TEST_CASE("Sampling timesteps: from T-1 down to 0, evenly spaced", "[gen]") {
    const auto steps = gen::samplingTimesteps(1000, 25);
    REQUIRE(steps.size() == 25);
    CHECK(steps.front() == 999);
    CHECK(steps.back() == 0);
    for (std::size_t i = 1; i < steps.size(); ++i) CHECK(steps[i] < steps[i - 1]);
    CHECK(gen::samplingTimesteps(10, 50).size() == 10);
}

TEST_CASE("Samplers: exact with the optimal denoiser of a point mass, for DDIM (any eta) and DDPM", "[gen]") {
    const gen::NoiseSchedule schedule(1000, gen::BetaSchedule::Cosine);
    torch::manual_seed(9);
    const auto target = torch::rand({1, 3, 8, 8}) * 1.8 - 0.9;
    // The data is the single image `target`: the ideal ε is (x_t - √ᾱ_t target) / √(1 - ᾱ_t).
    gen::GuidedEpsilonFn ideal = [&](const torch::Tensor& xt, const torch::Tensor& t) {
        std::vector<double> ab;
        for (std::int64_t i = 0; i < t.size(0); ++i) ab.push_back(schedule.alphaBar(static_cast<int>(t[i].item<std::int64_t>())));
        const auto a = torch::tensor(ab, torch::kFloat32).view({-1, 1, 1, 1});
        const auto eps = (xt - a.sqrt() * target) / (1 - a).sqrt();
        return std::make_pair(eps, eps);
    };
    for (const auto& [sampler, eta] : std::vector<std::pair<gen::Sampler, double>>{
             {gen::Sampler::Ddim, 0.0}, {gen::Sampler::Ddim, 1.0}, {gen::Sampler::Ddpm, 0.0}}) {
        gen::SampleOptions o;
        o.sampler = sampler;
        o.eta = eta;
        o.steps = 20;
        o.guidance = 4.0;
        const auto out = gen::sample(schedule, ideal, {1, 2, 3}, 3, 8, o, torch::kCPU);
        REQUIRE(out.sizes() == torch::IntArrayRef({3, 3, 8, 8}));
        CHECK((out - target).abs().max().item<double>() < 1e-4);
    }
}

TEST_CASE("DDIM with eta 0 is deterministic for a seed and independent of the rest of the batch", "[gen]") {
    auto unet = perturbedUNet(5);
    const gen::NoiseSchedule schedule(1000, gen::BetaSchedule::Cosine);
    torch::manual_seed(2);
    const auto features = torch::randn({1, 4, 12});
    const auto mask = torch::ones({1, 4}, torch::kBool);
    gen::GuidedEpsilonFn epsilon = [&](const torch::Tensor& xt, const torch::Tensor& t) {
        const auto b = xt.size(0);
        const auto cond = unet->forward(xt, t, features.expand({b, 4, 12}), mask.expand({b, 4}));
        const auto uncond = unet->forward(xt, t, torch::zeros({b, 4, 12}), mask.expand({b, 4}));
        return std::make_pair(cond, uncond);
    };
    gen::SampleOptions o;
    o.steps = 8;
    o.guidance = 2.0;
    const auto a = gen::sample(schedule, epsilon, {7, 8}, 3, 16, o, torch::kCPU);
    const auto b = gen::sample(schedule, epsilon, {7, 8}, 3, 16, o, torch::kCPU);
    CHECK(torch::equal(a, b));
    CHECK((a[0] - a[1]).abs().max().item<double>() > 1e-2);  // another seed, another image
    const auto alone = gen::sample(schedule, epsilon, {8}, 3, 16, o, torch::kCPU);
    CHECK((alone[0] - a[1]).abs().max().item<double>() < 1e-4);
    o.eta = 1.0;
    const auto stochastic = gen::sample(schedule, epsilon, {7, 8}, 3, 16, o, torch::kCPU);
    CHECK((stochastic - a).abs().max().item<double>() > 1e-3);  // eta > 0 adds fresh noise ...
    CHECK(torch::equal(stochastic, gen::sample(schedule, epsilon, {7, 8}, 3, 16, o, torch::kCPU)));  // ... from the seed
}

TEST_CASE("Image seeds: a function of (base seed, caption, k), distinct, 32-bit", "[gen]") {
    std::set<std::uint64_t> seen;
    for (std::uint64_t base : {0ULL, 1ULL}) {
        for (std::int64_t caption = 1; caption <= 50; ++caption) {
            for (int k = 0; k < 5; ++k) {
                const auto seed = gen::imageSeed(base, caption, k);
                CHECK(seed == gen::imageSeed(base, caption, k));
                CHECK(seed < (1ULL << 32));
                seen.insert(seed);
            }
        }
    }
    CHECK(seen.size() == 500);
}

TEST_CASE("CUDA: DDIM sampling is deterministic per seed and gives the CPU's images", "[cuda][gen]") {
    if (!test::cudaOrSkip("sampling on CUDA")) return;
    test::StrictFloat32 strict;
    auto unet = perturbedUNet(5);
    const gen::NoiseSchedule schedule(1000, gen::BetaSchedule::Cosine);
    const auto features = torch::randn({1, 4, 12});
    const auto mask = torch::ones({1, 4}, torch::kBool);
    auto epsilonOn = [&](const torch::Device& device) {
        const auto f = features.to(device);
        const auto m = mask.to(device);
        return gen::GuidedEpsilonFn([&unet, f, m](const torch::Tensor& xt, const torch::Tensor& t) {
            const auto b = xt.size(0);
            const auto cond = unet->forward(xt, t, f.expand({b, 4, 12}), m.expand({b, 4}));
            const auto uncond = unet->forward(xt, t, torch::zeros_like(f).expand({b, 4, 12}), m.expand({b, 4}));
            return std::make_pair(cond, uncond);
        });
    };
    gen::SampleOptions o;
    o.steps = 8;
    o.guidance = 2.0;
    torch::NoGradGuard noGrad;
    const auto cpu = gen::sample(schedule, epsilonOn(torch::kCPU), {7, 8}, 3, 16, o, torch::kCPU);
    unet->to(kCuda);
    const auto gpu = gen::sample(schedule, epsilonOn(kCuda), {7, 8}, 3, 16, o, kCuda);
    const auto again = gen::sample(schedule, epsilonOn(kCuda), {7, 8}, 3, 16, o, kCuda);
    report("DDIM CPU vs CUDA max |diff|", maxAbsDiff(gpu, cpu));
    report("DDIM CUDA repeat max |diff|", maxAbsDiff(again, gpu));
    CHECK(maxAbsDiff(again, gpu) <= 1e-6);
    CHECK(maxAbsDiff(gpu, cpu) <= 1e-3);
    CHECK(maxAbsDiff(gpu[0], gpu[1]) > 1e-2);  // another seed, another image
    o.eta = 1.0;  // DDPM-like noise is drawn from the seed too, so it also matches the CPU
    const auto stochasticCpu = [&] {
        unet->to(torch::kCPU);
        auto out = gen::sample(schedule, epsilonOn(torch::kCPU), {7}, 3, 16, o, torch::kCPU);
        unet->to(kCuda);
        return out;
    }();
    const auto stochasticGpu = gen::sample(schedule, epsilonOn(kCuda), {7}, 3, 16, o, kCuda);
    report("DDIM eta 1 CPU vs CUDA max |diff|", maxAbsDiff(stochasticGpu, stochasticCpu));
    CHECK(maxAbsDiff(stochasticGpu, stochasticCpu) <= 1e-3);
}
