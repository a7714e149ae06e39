// Decoding captions from a next-token distribution: greedy and beam search, batched over inputs.
// The model is seen only through a callback, so the search is tested on hand-built distributions
// and serves any decoder.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <vector>

namespace genra::caption {

struct DecodeOptions {
    int beamSize = 5;            // 1 = greedy
    int maxLength = 20;          // tokens generated at most, the end token included
    double lengthPenalty = 1.0;  // beam: a finished hypothesis scores sum(log p) / length^lengthPenalty
};

// Log-probabilities [N, vocab] of the next token for N rows: `sources` [N] (int64) says which input
// each row continues, `tokens` [N, t] (int64) the tokens generated so far (t may be 0).
using NextTokenLogProbs = std::function<torch::Tensor(const torch::Tensor& sources, const torch::Tensor& tokens)>;

// One token sequence per input, without the end token. Greedy takes the most likely token until the
// end token or maxLength. Beam search keeps `beamSize` live hypotheses per input; a hypothesis that
// emits the end token (from among the best `beamSize` candidates of a step) is finished and scored
// with the length penalty (length = generated tokens, the end token included); an input stops once
// it has `beamSize` finished hypotheses, or at maxLength, when its live hypotheses are finished as
// they are. The best-scoring finished hypothesis wins (ties: the first found).
std::vector<std::vector<std::int64_t>> greedyDecode(std::int64_t inputs, std::int64_t endToken,
                                                    const NextTokenLogProbs& next, const DecodeOptions& options);
std::vector<std::vector<std::int64_t>> beamSearch(std::int64_t inputs, std::int64_t endToken, const NextTokenLogProbs& next,
                                                  const DecodeOptions& options);
// beamSize <= 1: greedy; otherwise beam search.
std::vector<std::vector<std::int64_t>> decode(std::int64_t inputs, std::int64_t endToken, const NextTokenLogProbs& next,
                                              const DecodeOptions& options);

// For a model that keeps state per row between calls (a decoder's key/value cache): as
// NextTokenLogProbs, plus `parents` [N] (int64), the row of the previous call that each row
// continues by its last token (all -1 on the first call, when `tokens` is [N, 0]). Rows of finished
// inputs disappear and beam search may continue one row several times, so the model's state must
// follow `parents` before it reads the last column of `tokens`.
using IncrementalLogProbs =
    std::function<torch::Tensor(const torch::Tensor& sources, const torch::Tensor& tokens, const torch::Tensor& parents)>;
// The same searches as above, with the same results, over an incremental model.
std::vector<std::vector<std::int64_t>> decodeIncremental(std::int64_t inputs, std::int64_t endToken,
                                                         const IncrementalLogProbs& next, const DecodeOptions& options);

}  // namespace genra::caption
