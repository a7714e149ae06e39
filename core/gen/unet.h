// The built-in generator's denoiser: a text-conditional U-Net that predicts the noise ε in a noisy
// image x_t given the timestep t and the per-token features of a caption. Pixels are first folded
// into channels in p x p patches (pixel unshuffle) and unfolded at the end, which divides the cost
// of the full-resolution level by p² — what makes CPU training in minutes possible. Residual blocks with
// group norm and a timestep embedding (sinusoidal, then an MLP), strided-conv downsampling, nearest
// upsampling, skip connections, and at the resolutions named in `attentionResolutions` a
// transformer block: self-attention over the pixels, cross-attention onto the caption tokens
// (padding masked), a feed-forward layer; its output projection starts at zero so a fresh block is
// the identity. Optionally the caption's mean token feature joins the timestep embedding too, and
// a learnt embedding of the caption's token ids is added to the frozen features (GLIDE trains its
// whole text encoder with the denoiser; this is the smallest version of that).
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <torch/torch.h>

#include <cstdint>
#include <vector>

namespace genra::gen {

struct UNetConfig {
    std::int64_t imageSize = 32;              // images are imageSize x imageSize
    std::int64_t channels = 3;                // image channels in and out
    std::int64_t patchSize = 2;               // p x p pixels folded into channels (space-to-depth) first
    std::int64_t baseChannels = 64;
    std::vector<std::int64_t> channelMults{1, 2, 2};  // one level per entry; each level halves the size
    std::int64_t resBlocks = 1;               // residual blocks per level on the way down
    std::vector<std::int64_t> attentionResolutions{8};  // feature-map sizes with attention blocks
    std::int64_t heads = 4;
    std::int64_t contextDim = 64;             // width of the caption token features
    std::int64_t groups = 8;                  // group-norm groups (must divide every width)
    // Also add the caption's mean token feature (through a linear layer) to the timestep embedding,
    // so every residual block sees the caption, not only the attention blocks. Global attributes
    // (colour, shape, position) are then learnt in far fewer steps.
    bool pooledContext = false;
    // > 0: a trainable embedding table of this many token ids (the text tower's vocabulary), zero when
    // constructed (train-generator then draws it at random, GeneratorTrainOptions::tokenInit), added
    // to the frozen caption features. A tiny CLIP trained on Shapes barely tells
    // "circle" from "square" in its text features (it never learnt shape from the images); the
    // table lets the denoiser learn what each word should draw.
    std::int64_t tokenVocab = 0;

    std::int64_t timeEmbedDim() const { return baseChannels * 4; }
    std::int64_t gridSize() const { return imageSize / patchSize; }  // size of the first feature map
    // Throws genra::Error naming the first inconsistent field.
    void validate() const;
};

nlohmann::json toJson(const UNetConfig& config);
// Missing keys keep their defaults; wrong types throw genra::Error naming the key.
UNetConfig unetConfigFromJson(const nlohmann::json& json);

// Sinusoidal embedding of (float) timesteps [B] -> [B, dim] (half sines, half cosines, periods
// from 1 to 10000 as in "Attention is all you need").
torch::Tensor timestepEmbedding(const torch::Tensor& timesteps, std::int64_t dim);

class ResBlockImpl : public torch::nn::Module {
public:
    ResBlockImpl(std::int64_t in, std::int64_t out, std::int64_t timeDim, std::int64_t groups);
    torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& timeEmbedding);

    torch::nn::GroupNorm norm1{nullptr};
    torch::nn::Conv2d conv1{nullptr};
    torch::nn::Linear time_proj{nullptr};
    torch::nn::GroupNorm norm2{nullptr};
    torch::nn::Conv2d conv2{nullptr};
    torch::nn::Conv2d skip{nullptr};  // 1x1 when the width changes
};
TORCH_MODULE(ResBlock);

// Multi-head attention of queries [B, N, C] onto keys/values [B, M, Ck]; `keyMask` [B, M] bool
// (true = attend) or undefined.
class AttentionImpl : public torch::nn::Module {
public:
    AttentionImpl(std::int64_t queryDim, std::int64_t keyDim, std::int64_t heads);
    torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& context, const torch::Tensor& keyMask = {});

    torch::nn::Linear to_q{nullptr};
    torch::nn::Linear to_k{nullptr};
    torch::nn::Linear to_v{nullptr};
    torch::nn::Linear to_out{nullptr};

private:
    std::int64_t heads_ = 1;
};
TORCH_MODULE(Attention);

class SpatialTransformerImpl : public torch::nn::Module {
public:
    SpatialTransformerImpl(std::int64_t channels, std::int64_t contextDim, std::int64_t heads, std::int64_t groups);
    torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& context, const torch::Tensor& contextMask);

    torch::nn::GroupNorm norm{nullptr};
    torch::nn::Conv2d proj_in{nullptr};
    torch::nn::LayerNorm ln_self{nullptr};
    Attention self_attn{nullptr};
    torch::nn::LayerNorm ln_cross{nullptr};
    Attention cross_attn{nullptr};
    torch::nn::LayerNorm ln_ff{nullptr};
    torch::nn::Linear ff_in{nullptr};
    torch::nn::Linear ff_out{nullptr};
    torch::nn::Conv2d proj_out{nullptr};
};
TORCH_MODULE(SpatialTransformer);

class UNetImpl : public torch::nn::Module {
public:
    explicit UNetImpl(const UNetConfig& config);
    const UNetConfig& config() const { return config_; }

    // x [B, C, S, S], timesteps [B] (float or integer), context [B, L, contextDim],
    // contextMask [B, L] bool (true = a real token), tokens [B, L] ids (needed with tokenVocab > 0)
    // -> predicted noise [B, C, S, S].
    torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& timesteps, const torch::Tensor& context,
                          const torch::Tensor& contextMask, const torch::Tensor& tokens = {});

    torch::nn::Sequential time_mlp{nullptr};
    torch::nn::Linear context_proj{nullptr};     // only with pooledContext
    torch::nn::Embedding token_embedding{nullptr};  // only with tokenVocab > 0
    torch::nn::Conv2d conv_in{nullptr};
    torch::nn::ModuleList down_blocks{nullptr};   // ResBlock per (level, block)
    torch::nn::ModuleList down_attn{nullptr};     // SpatialTransformers of the blocks that have one
    torch::nn::ModuleList downsample{nullptr};    // one per level but the last
    ResBlock mid_block1{nullptr};
    SpatialTransformer mid_attn{nullptr};
    ResBlock mid_block2{nullptr};
    torch::nn::ModuleList up_blocks{nullptr};
    torch::nn::ModuleList up_attn{nullptr};
    torch::nn::ModuleList upsample{nullptr};      // one per level but the first
    torch::nn::GroupNorm norm_out{nullptr};
    torch::nn::Conv2d conv_out{nullptr};

private:
    UNetConfig config_;
    std::vector<int> downAttnIndex_;  // per down block: index into down_attn, or -1
    std::vector<int> upAttnIndex_;
};
TORCH_MODULE(UNet);

}  // namespace genra::gen
