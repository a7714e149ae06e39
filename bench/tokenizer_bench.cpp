// CLIP tokenizer throughput on 100k captions, as a ratio to a plain whitespace split of the same
// captions measured in the same process (the cheapest "tokenizer" there is). Needs no download:
// the vocabulary is learned from the captions by the BPE trainer unless one is given.
//
//   genra_tokenizer_bench [VOCAB [CAPTIONS]]   VOCAB e.g. bpe_simple_vocab_16e6.txt.gz
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "core/text/bpe_trainer.h"
#include "core/text/clip_tokenizer.h"

using Clock = std::chrono::steady_clock;

namespace {

double seconds(Clock::time_point a, Clock::time_point b) {
    return std::chrono::duration<double>(b - a).count();
}

// Captions shaped like real ones: a mostly small vocabulary with a long tail, punctuation,
// numbers, the odd accent and emoji, mixed case.
std::vector<std::string> makeCaptions(std::size_t count) {
    std::mt19937 rng(12345);
    const char* syllables[] = {"ka",  "ri",  "to",  "men", "sa", "lo",  "ne",  "ph",
                               "ot",  "gra", "ber", "ing", "on", "cat", "dog", "tree",
                               "sky", "red", "blu", "ly",  "st", "qu",  "ex",  "tion"};
    const char* frequent[] = {"a",     "the",     "of",   "on",    "in",    "with", "and",
                              "photo", "picture", "man",  "woman", "dog",   "cat",  "street",
                              "table", "red",     "blue", "small", "large", "two"};
    const char* extras[] = {",", ".", "!", "'s", " - ", "caf\xc3\xa9", "\xf0\x9f\x90\xb1", "&amp;", "(", ")"};
    std::vector<std::string> words;
    for (int i = 0; i < 5000; ++i) {
        std::string w;
        const int parts = 1 + static_cast<int>(rng() % 4);
        for (int p = 0; p < parts; ++p) w += syllables[rng() % (sizeof syllables / sizeof *syllables)];
        words.push_back(w);
    }
    std::vector<std::string> captions;
    captions.reserve(count);
    for (std::size_t c = 0; c < count; ++c) {
        std::string caption;
        const int length = 6 + static_cast<int>(rng() % 14);
        for (int i = 0; i < length; ++i) {
            if (i > 0) caption += ' ';
            const unsigned pick = rng() % 100;
            if (pick < 55)
                caption += frequent[rng() % (sizeof frequent / sizeof *frequent)];
            else if (pick < 90)
                caption += words[std::min(rng() % 5000, rng() % 5000)];  // skewed to the front
            else if (pick < 95)
                caption += std::to_string(rng() % 2000);
            else
                caption += extras[rng() % (sizeof extras / sizeof *extras)];
            if (i == 0) caption[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(caption[0])));
        }
        captions.push_back(std::move(caption));
    }
    return captions;
}

// The reference: split on spaces and count the words, touching every byte once.
std::size_t whitespaceSplit(const std::vector<std::string>& captions) {
    std::size_t words = 0;
    for (const auto& caption : captions) {
        bool inWord = false;
        for (char c : caption) {
            const bool space = c == ' ' || c == '\t' || c == '\n' || c == '\r';
            if (!space && !inWord) ++words;
            inWord = !space;
        }
    }
    return words;
}

}  // namespace

int main(int argc, char** argv) {
    const std::size_t count = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 100000;
    const auto captions = makeCaptions(count);

    const auto t0 = Clock::now();
    std::vector<genra::text::BpeMerge> merges;
    std::string vocabName;
    if (argc > 1) {
        merges = genra::text::readMergeFile(argv[1]);
        vocabName = argv[1];
    } else {
        genra::text::BpeTrainerOptions options;
        options.maxMerges = 8000;
        const std::vector<std::string> sample(captions.begin(),
                                              captions.begin() + std::min<std::size_t>(count, 20000));
        merges = genra::text::trainBpe(sample, options).merges;
        vocabName = "trained on 20k of the captions";
    }
    const auto t1 = Clock::now();

    // Best of three for each, alternating, so neither side gets a warmer machine.
    double splitSeconds = 1e30;
    double coldSeconds = 0.0;
    double warmSeconds = 1e30;
    std::size_t words = 0;
    std::int64_t tokenSum = 0;
    for (int round = 0; round < 3; ++round) {
        auto a = Clock::now();
        words = whitespaceSplit(captions);
        auto b = Clock::now();
        splitSeconds = std::min(splitSeconds, seconds(a, b));

        // A fresh tokenizer each round: the first pass fills the word cache as a real run would.
        const auto tokenizer = genra::text::ClipTokenizer::fromMerges(merges);
        a = Clock::now();
        auto tokens = tokenizer.tokenize(captions);
        b = Clock::now();
        coldSeconds = round == 0 ? seconds(a, b) : std::min(coldSeconds, seconds(a, b));
        tokenSum = tokens.sum().item<std::int64_t>();
        a = Clock::now();
        tokens = tokenizer.tokenize(captions);
        b = Clock::now();
        warmSeconds = std::min(warmSeconds, seconds(a, b));
    }

    const double n = static_cast<double>(count);
    std::printf("CLIP tokenizer benchmark: %zu captions (%zu words), %zu merges (%s, %.2f s)\n", count, words,
                merges.size(), vocabName.c_str(), seconds(t0, t1));
    std::printf("  whitespace split (reference): %12.0f captions/s\n", n / splitSeconds);
    std::printf("  tokenize, empty word cache  : %12.0f captions/s = 1/%.1f of the split\n", n / coldSeconds,
                coldSeconds / splitSeconds);
    std::printf("  tokenize, warm word cache   : %12.0f captions/s = 1/%.1f of the split\n", n / warmSeconds,
                warmSeconds / splitSeconds);
    std::printf("  (checksum %lld)\n", static_cast<long long>(tokenSum));
    return 0;
}
