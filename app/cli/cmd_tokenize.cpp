// `genra tokenize` (CLIP token ids for captions on stdin) and `genra train-vocab`.
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>

#include "app/cli/commands.h"
#include "core/text/bpe_trainer.h"
#include "core/text/clip_tokenizer.h"
#include "core/util/error.h"

namespace genra::cli {

namespace {

void addTokenize(CLI::App& app, CliState& state) {
    auto* cmd = app.add_subcommand("tokenize",
                                   "Print CLIP token ids for each caption read from stdin (one per line): "
                                   "start token, tokens, end token");
    auto vocab = std::make_shared<std::string>();
    auto contextLength = std::make_shared<int>(text::kClipContextLength);
    cmd->add_option("--vocab", *vocab, "BPE merge list, e.g. bpe_simple_vocab_16e6.txt.gz (plain or gzip)")
        ->required();
    cmd->add_option("--context-length", *contextLength,
                    "Longest output line in tokens; longer captions are cut, keeping the end token last")
        ->check(CLI::Range(1, 1 << 20));
    cmd->callback([&state, vocab, contextLength] {
        state.action = [vocab, contextLength] {
            const auto tokenizer = text::ClipTokenizer::fromFile(*vocab);
            std::ios::sync_with_stdio(false);
            std::string line;
            std::string out;
            while (std::getline(std::cin, line)) {
                const auto ids = tokenizer.tokenizeOne(line, *contextLength, true);
                out.clear();
                for (std::size_t i = 0; i < ids.size(); ++i) {
                    if (i > 0) out.push_back(' ');
                    out += std::to_string(ids[i]);
                }
                out.push_back('\n');
                std::cout << out;
            }
            std::cout.flush();
            if (!std::cout) throw Error("cannot write to standard output");
            return 0;
        };
    });
}

void addTrainVocab(CLI::App& app, CliState& state) {
    auto* cmd = app.add_subcommand(
        "train-vocab", "Learn a byte-level BPE merge list (CLIP's format) from captions, one per line");
    auto captionsPath = std::make_shared<std::string>();
    auto outPath = std::make_shared<std::string>();
    auto maxMerges = std::make_shared<std::size_t>(text::kClipMergeCount);
    cmd->add_option("--captions", *captionsPath, "Text file with one caption per line")->required();
    cmd->add_option("--out", *outPath, "Merge list to write (gzip-compressed when it ends in .gz)")
        ->required();
    cmd->add_option("--merges", *maxMerges, "Most merges to learn (stops earlier when no pair repeats)")
        ->check(CLI::Range(static_cast<std::size_t>(1), static_cast<std::size_t>(1) << 30));
    cmd->callback([&state, captionsPath, outPath, maxMerges] {
        state.action = [captionsPath, outPath, maxMerges] {
            std::ifstream in(*captionsPath, std::ios::binary);
            if (!in) throw Error(*captionsPath + ": cannot open the captions file");
            std::vector<std::string> captions;
            std::string line;
            while (std::getline(in, line)) captions.push_back(line);
            if (in.bad()) throw Error(*captionsPath + ": cannot read the captions file");

            text::BpeTrainerOptions options;
            options.maxMerges = *maxMerges;
            const auto result = text::trainBpe(captions, options);
            text::writeMergeFile(*outPath, result.merges);
            std::printf(
                "learned %zu merges from %zu captions (%zu distinct words); vocabulary of %zu tokens "
                "written to %s\n",
                result.merges.size(), result.captions, result.distinctWords, result.merges.size() + 514,
                outPath->c_str());
            return 0;
        };
    });
}

}  // namespace

void addTokenizeCommands(CLI::App& app, CliState& state) {
    addTokenize(app, state);
    addTrainVocab(app, state);
}

}  // namespace genra::cli
