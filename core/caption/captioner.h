// The ClipCap-style captioner: a mapping network turns a CLIP image embedding into K prefix
// embeddings that a GPT-2-architecture decoder continues with the caption. Two mapping networks
// as in ClipCap: the MLP (Linear - Tanh - Linear to K x width) and the transformer mapper (the
// embedding projected to `clipLength` tokens, K learned constant tokens appended, a bidirectional
// transformer, the K constant positions read out).
#pragma once

#include "core/caption/decode.h"
#include "core/caption/gpt2.h"

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <cstdint>
#include <string>

namespace genra::caption {

enum class MapperKind { Mlp = 1, Transformer };
const char* toString(MapperKind kind);
MapperKind mapperKindFromName(const std::string& name);  // "mlp" | "transformer"; genra::Error otherwise

struct CaptionerConfig {
    MapperKind mapper = MapperKind::Mlp;
    std::int64_t clipDim = 512;       // the CLIP embedding's size
    std::int64_t prefixLength = 10;   // K
    std::int64_t clipLength = 10;     // transformer mapper: tokens the embedding is projected to
    std::int64_t mapperLayers = 8;    // transformer mapper depth
    std::int64_t mapperHeads = 8;     // transformer mapper heads (must divide the decoder width)
    bool normalizePrefix = true;      // L2-normalise the CLIP embedding first
    Gpt2Config decoder;

    void validate() const;  // genra::Error naming the field
};

nlohmann::json toJson(const CaptionerConfig& config);
CaptionerConfig captionerConfigFromJson(const nlohmann::json& json, const std::string& source);

// Registered as "clip_project" in the captioner, with ClipCap's parameter names: the MLP as
// "model.0" / "model.2"; the transformer mapper as "linear", "prefix_const", "transformer.N".
class MappingNetworkImpl : public torch::nn::Module {
public:
    explicit MappingNetworkImpl(const CaptionerConfig& config);
    // [B, clipDim] -> [B, K, width]
    torch::Tensor forward(const torch::Tensor& clipEmbedding);

private:
    CaptionerConfig config_;
    torch::nn::Sequential model{nullptr};
    torch::nn::Linear linear{nullptr};
    torch::Tensor prefix_const;
    torch::nn::ModuleList transformer{nullptr};
    std::vector<Gpt2Block> layers_;
};
TORCH_MODULE(MappingNetwork);

class ClipCaptionerImpl : public torch::nn::Module {
public:
    explicit ClipCaptionerImpl(const CaptionerConfig& config);
    // Prefix embeddings [B, K, width] of CLIP embeddings [B, clipDim].
    torch::Tensor prefix(const torch::Tensor& clipEmbedding);
    // Teacher forcing: logits [B, K + T, vocab] for the prefix followed by the tokens [B, T].
    torch::Tensor forward(const torch::Tensor& clipEmbedding, const torch::Tensor& tokens);
    // Logits [B, K + T, vocab] for given prefixes [B, K, width] followed by tokens [B, T] (T may be 0).
    torch::Tensor forwardPrefix(const torch::Tensor& prefixEmbeds, const torch::Tensor& tokens);
    const CaptionerConfig& config() const { return config_; }

    MappingNetwork clip_project{nullptr};
    Gpt2 gpt{nullptr};

private:
    CaptionerConfig config_;
};
TORCH_MODULE(ClipCaptioner);

// Mean cross-entropy of each caption token given the prefix and the tokens before it. `tokens`
// [B, T] hold each caption followed by the end token; `mask` [B, T] (bool) marks real tokens
// (padding is excluded from the mean).
torch::Tensor captionLoss(ClipCaptioner& model, const torch::Tensor& clipEmbedding, const torch::Tensor& tokens,
                          const torch::Tensor& mask);
// The same cross-entropies summed instead of averaged (a data-parallel shard divides the sum by
// the global batch's token count, so that the shards' gradients add up to the mean's).
torch::Tensor captionLossSum(ClipCaptioner& model, const torch::Tensor& clipEmbedding, const torch::Tensor& tokens,
                             const torch::Tensor& mask);

// Token ids of captions for prefixes [N, K, width] (greedy or beam search per `options`), without
// the end token. With `useCache` the decoder keeps each row's keys and values and feeds one new
// token per step (reordered as the search drops and continues rows); without, every step runs the
// prefix and all tokens so far again. Both give the same tokens; the cache is much faster.
std::vector<std::vector<std::int64_t>> decodePrefixes(ClipCaptioner& model, const torch::Tensor& prefixEmbeds,
                                                      std::int64_t endToken, const DecodeOptions& options,
                                                      bool useCache = true);

}  // namespace genra::caption
