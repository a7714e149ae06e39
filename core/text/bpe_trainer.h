// Learns byte-level BPE merges from captions, so a project can build its own vocabulary in
// CLIP's format (and the benchmark needs no downloaded file). Words are made exactly as the
// tokenizer makes them, so a tokenizer loaded from the result reproduces the training text.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/text/bpe_vocab_file.h"

namespace genra::jobs {
class JobContext;
}

namespace genra::text {

struct BpeTrainerOptions {
    // At most this many merges; CLIP's vocabulary has kClipMergeCount.
    std::size_t maxMerges = kClipMergeCount;
    // Stop once the most frequent pair occurs fewer times than this (over all captions).
    std::int64_t minPairCount = 2;
};

struct BpeTrainingResult {
    std::vector<BpeMerge> merges;
    std::size_t captions = 0;
    std::size_t distinctWords = 0;
};

// Cleans and splits every caption as ClipTokenizer does, counts the words, then repeatedly
// merges the most frequent adjacent pair, weighting each word by its count. Ties go to the pair
// whose (left, right) symbols sort first bytewise, so the result depends only on the captions
// and the options, never on hashing or thread timing. `context` (optional) receives progress
// and may cancel (genra::Cancelled).
BpeTrainingResult trainBpe(const std::vector<std::string>& captions, const BpeTrainerOptions& options = {},
                           jobs::JobContext* context = nullptr);

}  // namespace genra::text
