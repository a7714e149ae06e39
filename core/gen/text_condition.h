// Caption conditioning of the built-in generator: the per-token features of a frozen CLIP text
// tower (the last layer after ln_final, before pooling and projection), with a mask of the real
// tokens (start, words, end-of-text; the padding after it is masked). The empty caption's features
// serve as the unconditional input for classifier-free guidance.
#pragma once

#include "core/model/clip.h"
#include "core/text/clip_tokenizer.h"

#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

namespace genra::gen {

struct TokenFeatures {
    torch::Tensor features;  // [B, L, width] float32
    torch::Tensor mask;      // [B, L] bool, true for real tokens
    torch::Tensor tokens;    // [B, L] long, the token ids (0 in the padding after end-of-text)
};

// Runs the text transformer of `clip` on token ids [B, L] and returns every position's features
// (what CLIP's encodeText pools at the end-of-text token, before text_projection).
torch::Tensor clipTokenFeatures(model::ClipModel& clip, const torch::Tensor& tokens);

class TextConditioner {
public:
    TextConditioner(model::ClipModel clip, std::shared_ptr<const text::ClipTokenizer> tokenizer);
    std::int64_t width() const;
    std::int64_t vocabSize() const;  // token ids are below this
    // Features of the captions, trimmed to the longest caption (through its end-of-text token).
    TokenFeatures encode(const std::vector<std::string>& captions);

private:
    model::ClipModel clip_;
    std::shared_ptr<const text::ClipTokenizer> tokenizer_;
};

// Rows of `a` and `b` (each [B_i, L_i, W]) stacked into one [B_a + B_b, max L, W] batch, the
// shorter ones padded with masked zeros.
TokenFeatures concatFeatures(const TokenFeatures& a, const TokenFeatures& b);
// Rows `index` of `features`.
TokenFeatures selectRows(const TokenFeatures& features, const torch::Tensor& index);

}  // namespace genra::gen
