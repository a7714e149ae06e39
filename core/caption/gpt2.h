// A GPT-2-architecture decoder in LibTorch: token and learned position embeddings, pre-LN blocks
// of causal self-attention and a tanh-GELU MLP, a final layer norm and an output layer tied to the
// token embedding. Submodules carry the names of Hugging Face's GPT2LMHeadModel
// ("transformer.wte", "transformer.h.0.attn.c_attn", ...), so released GPT-2 weights load with a
// direct key mapping (HF's Conv1D stores [in, out]; our Linear layers hold [out, in]).
#pragma once

#include "core/model/state_dict.h"

#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace genra::caption {

// Sizes, with the keys of Hugging Face's GPT-2 config.json.
struct Gpt2Config {
    std::int64_t vocabSize = 50257;     // vocab_size
    std::int64_t contextLength = 1024;  // n_positions
    std::int64_t width = 768;           // n_embd
    std::int64_t layers = 12;           // n_layer
    std::int64_t heads = 12;            // n_head
    double layerNormEps = 1e-5;         // layer_norm_epsilon

    // Throws genra::Error naming the bad field.
    void validate() const;
};

nlohmann::json toJson(const Gpt2Config& config);
// Reads the keys above (missing ones keep their defaults); `source` names the file in errors.
Gpt2Config gpt2ConfigFromJson(const nlohmann::json& json, const std::string& source);

// Keys and values of the positions a causal decoder has already seen, per layer, for incremental
// decoding: each step feeds only the new positions and attends to the cached ones. Rows are the
// sequences being decoded; reorder() follows the decoding search when it drops, repeats or
// permutes rows (beam search continuing a hypothesis from another beam).
struct Gpt2KvCache {
    std::vector<torch::Tensor> keys;    // per layer [rows, heads, length, headDim]; empty before the first step
    std::vector<torch::Tensor> values;  // per layer, as keys

    std::int64_t length() const { return keys.empty() ? 0 : keys.front().size(2); }
    std::int64_t rows() const { return keys.empty() ? 0 : keys.front().size(0); }
    // Row r of the result is row rows[r] (int64) of the cache now.
    void reorder(const torch::Tensor& rows);
    void clear();
};

// Multi-head self-attention with GPT-2's fused q/k/v projection; causal or not (the transformer
// mapping network reuses the block without the mask).
class Gpt2AttentionImpl : public torch::nn::Module {
public:
    Gpt2AttentionImpl(std::int64_t width, std::int64_t heads, bool causal);
    torch::Tensor forward(const torch::Tensor& x);
    // Causal attention of new positions x [B, T, width] that follow the `pastKeys`/`pastValues`
    // [B, heads, P, headDim] (undefined when P = 0), which are replaced by the keys and values of all
    // P + T positions.
    torch::Tensor forwardCached(const torch::Tensor& x, torch::Tensor& pastKeys, torch::Tensor& pastValues);

    torch::nn::Linear c_attn{nullptr};
    torch::nn::Linear c_proj{nullptr};

private:
    torch::Tensor attend(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v, std::int64_t past);
    std::int64_t heads_;
    bool causal_;
};
TORCH_MODULE(Gpt2Attention);

class Gpt2MlpImpl : public torch::nn::Module {
public:
    explicit Gpt2MlpImpl(std::int64_t width);
    torch::Tensor forward(const torch::Tensor& x);

    torch::nn::Linear c_fc{nullptr};
    torch::nn::Linear c_proj{nullptr};
};
TORCH_MODULE(Gpt2Mlp);

// x + attn(ln_1(x)), then x + mlp(ln_2(x)).
class Gpt2BlockImpl : public torch::nn::Module {
public:
    Gpt2BlockImpl(std::int64_t width, std::int64_t heads, double layerNormEps, bool causal);
    torch::Tensor forward(const torch::Tensor& x);
    torch::Tensor forwardCached(const torch::Tensor& x, torch::Tensor& pastKeys, torch::Tensor& pastValues);

    torch::nn::LayerNorm ln_1{nullptr};
    Gpt2Attention attn{nullptr};
    torch::nn::LayerNorm ln_2{nullptr};
    Gpt2Mlp mlp{nullptr};
};
TORCH_MODULE(Gpt2Block);

// GPT2Model: embeddings, blocks, final norm.
class Gpt2TransformerImpl : public torch::nn::Module {
public:
    explicit Gpt2TransformerImpl(const Gpt2Config& config);
    // Input embeddings [B, T, width] (token embeddings, possibly preceded by a prefix); adds the
    // position embeddings and returns the final hidden states [B, T, width].
    torch::Tensor forward(const torch::Tensor& inputEmbeds);
    // The same for positions cache.length() .. cache.length() + T - 1 of sequences whose earlier
    // positions are in `cache` (empty: none), which grows by the T new positions.
    torch::Tensor forwardCached(const torch::Tensor& inputEmbeds, Gpt2KvCache& cache);

    torch::nn::Embedding wte{nullptr};
    torch::nn::Embedding wpe{nullptr};
    torch::nn::ModuleList h{nullptr};
    torch::nn::LayerNorm ln_f{nullptr};
    std::vector<Gpt2Block> blocks;  // the entries of h, typed

private:
    torch::Tensor positionEmbeddings(std::int64_t first, std::int64_t length);
};
TORCH_MODULE(Gpt2Transformer);

// GPT2LMHeadModel: the transformer plus the tied output layer (lm_head.weight == wte.weight, so it
// is not a parameter of its own).
class Gpt2Impl : public torch::nn::Module {
public:
    explicit Gpt2Impl(const Gpt2Config& config);
    // Token ids [B, T] -> logits [B, T, vocab].
    torch::Tensor forward(const torch::Tensor& tokens);
    // Input embeddings [B, T, width] -> logits [B, T, vocab].
    torch::Tensor forwardEmbeds(const torch::Tensor& inputEmbeds);
    // Incremental: logits [B, T, vocab] of T new positions after those held in `cache` (updated).
    torch::Tensor forwardEmbedsCached(const torch::Tensor& inputEmbeds, Gpt2KvCache& cache);
    torch::Tensor embedTokens(const torch::Tensor& tokens);
    torch::Tensor logits(const torch::Tensor& hidden);
    const Gpt2Config& config() const { return config_; }

    Gpt2Transformer transformer{nullptr};

private:
    Gpt2Config config_;
};
TORCH_MODULE(Gpt2);

// Hugging Face GPT-2 keys (with or without the "transformer." prefix) to ours: Conv1D weights
// (attn.c_attn, attn.c_proj, mlp.c_fc, mlp.c_proj) transposed from [in, out] to [out, in]; the
// causal-mask buffers (attn.bias, attn.masked_bias) and the tied lm_head.weight dropped. Other
// keys are kept as they are (and then reported by loadGpt2StateDict). Tensors become float32.
model::StateDict gpt2FromHf(const model::StateDict& hf, std::vector<std::string>* notes = nullptr);

// Sizes read off the tensor shapes (vocabulary, positions, width, layer count); the head count
// cannot be seen in the weights and is passed in.
Gpt2Config gpt2ConfigFromStateDict(const model::StateDict& ours, std::int64_t heads);

// Copies every parameter of `module` from `stateDict` (keys prefixed by `prefix`). Throws
// genra::Error naming the first missing key, a shape mismatch, or a key under the prefix that the
// module does not have; `source` names the file in messages.
void loadModuleStateDict(torch::nn::Module& module, const model::StateDict& stateDict, const std::string& source,
                         const std::string& prefix = {});

// Copies every parameter of `model` from `stateDict` (our names, prefixed by `prefix`). Throws
// genra::Error naming the first missing key, a shape mismatch or an unexpected key; `source`
// names the file in messages.
void loadGpt2StateDict(Gpt2& model, const model::StateDict& stateDict, const std::string& source,
                       const std::string& prefix = {});

// Loads released GPT-2 weights: a folder holding model.safetensors and config.json (as Hugging Face
// publishes gpt2), or a .safetensors file with config.json beside it (without one, 12 heads are
// assumed and noted). The model is on the CPU in eval mode.
Gpt2 loadHfGpt2(const std::filesystem::path& path, std::vector<std::string>* notes = nullptr);

}  // namespace genra::caption
