// The token vocabulary a captioner writes in: either GPT-2's byte-level BPE (vocab.json +
// merges.txt, with released GPT-2 weights) or a CLIP-format BPE merge list learned from the
// training captions (core/text/bpe_trainer.h) for decoders trained from scratch. A caption is
// encoded as its tokens followed by the end token; there is no start token (the prefix starts it).
#pragma once

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace genra::caption {

class CaptionTokenizer {
public:
    virtual ~CaptionTokenizer() = default;
    virtual std::vector<std::int64_t> encode(const std::string& caption) const = 0;
    // Caption text of generated ids (the end token excluded), trimmed.
    virtual std::string decode(const std::vector<std::int64_t>& ids) const = 0;
    virtual std::int64_t endToken() const = 0;
    virtual std::int64_t vocabularySize() const = 0;
    // How to rebuild it: {"type": "clip-bpe", "vocab": path} or {"type": "gpt2", "vocab_json",
    // "merges"}; paths as given to the factory.
    virtual nlohmann::json describe() const = 0;
};

// A CLIP-format merge list (the tokenizer lower-cases and cleans like CLIP's).
std::shared_ptr<const CaptionTokenizer> clipBpeCaptionTokenizer(const std::filesystem::path& mergeFile,
                                                                const std::string& recordedPath);
std::shared_ptr<const CaptionTokenizer> gpt2CaptionTokenizer(const std::filesystem::path& vocabJson,
                                                             const std::filesystem::path& merges);
// From describe()'s JSON; relative paths are resolved against `baseDir`. Errors name the key.
std::shared_ptr<const CaptionTokenizer> captionTokenizerFromJson(const nlohmann::json& json,
                                                                 const std::filesystem::path& baseDir,
                                                                 const std::string& source);

// One caption's tokens cut to maxTokens - 1, then the end token.
std::vector<std::int64_t> captionTokenRow(const CaptionTokenizer& tokenizer, const std::string& caption, int maxTokens);
// Rows zero padded to the longest: {tokens [B, T] int64, mask [B, T] bool marking real tokens}.
std::pair<torch::Tensor, torch::Tensor> padTokenRows(const std::vector<std::vector<std::int64_t>>& rows);

// Encodes captions for teacher forcing: each row its tokens cut to maxTokens - 1, then the end
// token, zero padded. Returns {tokens [B, T] int64, mask [B, T] bool}, T the longest row.
std::pair<torch::Tensor, torch::Tensor> encodeCaptionBatch(const CaptionTokenizer& tokenizer,
                                                           const std::vector<std::string>& captions, int maxTokens);

}  // namespace genra::caption
