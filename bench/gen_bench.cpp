// The built-in generator's speed: training steps/s (mean-squared loss, AdamW) and sampled
// images/s (DDIM, classifier-free guidance) at 32 and 64 pixels, with the default architecture of
// `genra train-generator` (2x2 patches, base 32, levels 1-2-2, attention at the two smallest levels,
// the caption's pooled feature in the timestep embedding, learnt token embeddings over a 1000-word
// vocabulary, a tiny-CLIP-wide caption context of 12 tokens) at its default batch unless --batch.
// Each figure is also given per GFLOP/s of a float32 1024x1024 matmul measured in the same
// process, so runs on different machines compare. The defaults finish in about two minutes on a
// 2-core CPU; sampling time is linear in steps and batch, so images/s at 25 steps is 10/25 of the
// figure at the default 10.
//
//   genra_gen_bench [--train-steps N] [--batch N] [--sample-steps N] [--sample-batch N] [--threads T]
#include "core/gen/builtin_generator.h"
#include "core/gen/diffusion.h"
#include "core/gen/unet.h"
#include "core/util/threads.h"

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>

using Clock = std::chrono::steady_clock;
using namespace genra;

namespace {

double seconds(Clock::time_point since) { return std::chrono::duration<double>(Clock::now() - since).count(); }

double matmulGflops() {
    torch::NoGradGuard noGrad;
    const auto a = torch::randn({1024, 1024});
    const auto b = torch::randn({1024, 1024});
    torch::matmul(a, b);
    int reps = 0;
    const auto start = Clock::now();
    while (seconds(start) < 1.0) {
        torch::matmul(a, b);
        ++reps;
    }
    return 2.0 * 1024 * 1024 * 1024 * reps / seconds(start) / 1e9;
}

}  // namespace

int main(int argc, char** argv) {
    ensurePassiveOpenMp(argv);
    int trainSteps = 5;
    int sampleSteps = 10;
    std::int64_t sampleBatch = 8;
    int threads = 0;
    std::int64_t batch = gen::GeneratorTrainOptions{}.batchSize;
    for (int i = 1; i + 1 < argc; ++i) {
        if (!std::strcmp(argv[i], "--train-steps")) trainSteps = std::stoi(argv[++i]);
        else if (!std::strcmp(argv[i], "--sample-steps")) sampleSteps = std::stoi(argv[++i]);
        else if (!std::strcmp(argv[i], "--sample-batch")) sampleBatch = std::stoll(argv[++i]);
        else if (!std::strcmp(argv[i], "--threads")) threads = std::stoi(argv[++i]);
        else if (!std::strcmp(argv[i], "--batch")) batch = std::stoll(argv[++i]);
    }
    const int used = configureThreads(threads);
    const double gflops = matmulGflops();
    std::printf("threads %d, reference matmul %.1f GFLOP/s; training batch %lld, %d steps; sampling batch %lld, %d DDIM steps\n",
                used, gflops, static_cast<long long>(batch), trainSteps, static_cast<long long>(sampleBatch), sampleSteps);
    std::printf("%-6s %-12s %-14s %-12s %-14s %s\n", "size", "train st/s", "st/s per GF/s", "sample im/s", "im/s per GF/s",
                "parameters");
    for (const std::int64_t size : {32, 64}) {
        gen::GeneratorTrainOptions o;
        o.imageSize = size;
        o.attentionResolutions = {size / 8, size / 4};
        torch::manual_seed(0);
        const std::int64_t vocab = 1000;
        gen::UNet unet(gen::unetConfigFor(o, 64, vocab));
        std::int64_t parameters = 0;
        for (const auto& p : unet->parameters()) parameters += p.numel();
        const gen::NoiseSchedule schedule(1000, gen::BetaSchedule::Cosine);
        const auto context = torch::randn({batch, 12, 64});
        const auto mask = torch::ones({batch, 12}, torch::kBool);
        const auto tokens = torch::randint(vocab, {batch, 12}, torch::kLong);
        const auto images = torch::rand({batch, 3, size, size}) * 2 - 1;
        torch::optim::AdamW optimizer(unet->parameters(), torch::optim::AdamWOptions(1e-3));
        auto step = [&] {
            const auto t = torch::randint(1000, {batch}, torch::kLong);
            const auto noise = torch::randn_like(images);
            const auto loss = torch::mse_loss(unet->forward(schedule.addNoise(images, noise, t), t, context, mask, tokens), noise);
            optimizer.zero_grad();
            loss.backward();
            optimizer.step();
        };
        unet->train();
        step();  // warm-up
        auto start = Clock::now();
        for (int i = 0; i < trainSteps; ++i) step();
        const double stepsPerSecond = trainSteps / seconds(start);

        unet->eval();
        const auto sampleContext = context.narrow(0, 0, std::min(batch, sampleBatch));
        const auto both = torch::cat({sampleContext, torch::zeros_like(sampleContext)});
        const auto bothMask = torch::cat({mask, mask}).narrow(0, 0, both.size(0));
        const auto sampleTokens = tokens.narrow(0, 0, sampleContext.size(0));
        const auto bothTokens = torch::cat({sampleTokens, torch::zeros_like(sampleTokens)});
        const auto rows = sampleContext.size(0);
        gen::GuidedEpsilonFn epsilon = [&](const torch::Tensor& xt, const torch::Tensor& t) {
            const auto eps = unet->forward(torch::cat({xt, xt}), torch::cat({t, t}), both, bothMask, bothTokens);
            return std::make_pair(eps.narrow(0, 0, rows), eps.narrow(0, rows, rows));
        };
        std::vector<std::uint64_t> seeds;
        for (std::int64_t i = 0; i < rows; ++i) seeds.push_back(static_cast<std::uint64_t>(i));
        gen::SampleOptions sampling;
        sampling.steps = sampleSteps;
        start = Clock::now();
        gen::sample(schedule, epsilon, seeds, 3, size, sampling, torch::kCPU);
        const double imagesPerSecond = static_cast<double>(rows) / seconds(start);
        std::printf("%-6lld %-12.2f %-14.4f %-12.2f %-14.4f %lld\n", static_cast<long long>(size), stepsPerSecond,
                    stepsPerSecond / gflops, imagesPerSecond, imagesPerSecond / gflops, static_cast<long long>(parameters));
    }
    return 0;
}
