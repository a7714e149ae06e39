// Caption decoding with the decoder's key/value cache against decoding that runs the prefix and
// every token so far again at each step, both measured in this process on the same random
// captioner: captions of a realistic length (the search never stops early: no end token is ever
// emitted, so every caption has exactly LENGTH tokens), for two decoder sizes: the built-in
// recipe's (width 128, 2 layers; greedy and beam 5 over IMAGES images) and GPT-2 small's (width
// 768, 12 layers, 50257 tokens; greedy over a quarter of the images, to keep the uncached run short
// on a small CPU). The uncached path is the one decoding used before the cache: each step also
// computes logits at every earlier position.
//
//   genra_caption_decode_bench [LENGTH [IMAGES]]   defaults: 20 tokens, 16 images
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/caption/captioner.h"

using Clock = std::chrono::steady_clock;

namespace {

struct Size {
    const char* name;
    std::int64_t width;
    std::int64_t layers;
    std::int64_t heads;
    std::int64_t vocab;
    std::int64_t prefix;
    int imageDivisor;
    std::vector<int> beams;
};

double secondsOf(genra::caption::ClipCaptioner& model, const torch::Tensor& prefix, const genra::caption::DecodeOptions& options,
                 bool useCache, std::vector<std::vector<std::int64_t>>& out) {
    const auto t0 = Clock::now();
    out = genra::caption::decodePrefixes(model, prefix, -1, options, useCache);
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
    const int length = argc > 1 ? std::atoi(argv[1]) : 20;
    const int images = argc > 2 ? std::atoi(argv[2]) : 16;
    if (length < 1 || images < 1) {
        std::fprintf(stderr, "usage: genra_caption_decode_bench [LENGTH [IMAGES]]\n");
        return 2;
    }
    torch::NoGradGuard noGrad;
    const Size sizes[] = {{"builtin (128 wide, 2 layers)", 128, 2, 4, 600, 8, 1, {1, 5}},
                          {"GPT-2 small (768 wide, 12 layers)", 768, 12, 12, 50257, 10, 4, {1}}};
    std::printf("%d images, %d tokens per caption, %d threads\n", images, length, torch::get_num_threads());
    std::printf("%-36s %-6s %6s %12s %12s %8s %s\n", "decoder", "search", "images", "uncached s", "cached s", "ratio",
                "same tokens");
    for (const auto& size : sizes) {
        genra::caption::CaptionerConfig config;
        config.clipDim = 512;
        config.prefixLength = size.prefix;
        config.decoder.vocabSize = size.vocab;
        config.decoder.contextLength = size.prefix + length + 1;
        config.decoder.width = size.width;
        config.decoder.layers = size.layers;
        config.decoder.heads = size.heads;
        torch::manual_seed(1);
        genra::caption::ClipCaptioner model(config);
        model->eval();
        const int count = std::max(1, images / size.imageDivisor);
        const auto prefix = model->prefix(torch::randn({count, 512}));
        for (int beam : size.beams) {
            genra::caption::DecodeOptions options;
            options.beamSize = beam;
            options.maxLength = length;
            std::vector<std::vector<std::int64_t>> cachedTokens;
            std::vector<std::vector<std::int64_t>> uncachedTokens;
            const double uncached = secondsOf(model, prefix, options, false, uncachedTokens);
            const double cached = secondsOf(model, prefix, options, true, cachedTokens);
            std::printf("%-36s %-6s %6d %12.3f %12.3f %7.2fx %s\n", size.name, beam == 1 ? "greedy" : "beam 5", count, uncached,
                        cached, uncached / cached, cachedTokens == uncachedTokens ? "yes" : "NO");
        }
    }
    return 0;
}
