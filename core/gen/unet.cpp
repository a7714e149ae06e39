#include "core/gen/unet.h"

#include "core/util/error.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>

namespace genra::gen {

namespace nn = torch::nn;

void UNetConfig::validate() const {
    auto positive = [](std::int64_t v, const char* key) {
        if (v <= 0) throw Error("generator config: \"" + std::string(key) + "\" must be positive, got " + std::to_string(v));
    };
    positive(imageSize, "image_size");
    positive(channels, "channels");
    positive(patchSize, "patch_size");
    if (tokenVocab < 0) throw Error("generator config: \"token_vocab\" must be 0 (off) or positive, got " + std::to_string(tokenVocab));
    if (imageSize % patchSize != 0) {
        throw Error("generator config: image_size " + std::to_string(imageSize) + " is not a multiple of patch_size " +
                    std::to_string(patchSize));
    }
    positive(baseChannels, "base_channels");
    positive(resBlocks, "res_blocks");
    positive(heads, "heads");
    positive(contextDim, "context_dim");
    positive(groups, "groups");
    if (channelMults.empty()) throw Error("generator config: \"channel_mults\" must have at least one level");
    std::int64_t size = gridSize();
    for (std::size_t i = 0; i < channelMults.size(); ++i) {
        positive(channelMults[i], "channel_mults");
        const std::int64_t width = baseChannels * channelMults[i];
        if (width % groups != 0 || width % heads != 0) {
            throw Error("generator config: width " + std::to_string(width) + " of level " + std::to_string(i) +
                        " is not divisible by \"groups\" (" + std::to_string(groups) + ") and \"heads\" (" +
                        std::to_string(heads) + ")");
        }
        if (i + 1 < channelMults.size()) {
            if (size % 2 != 0) {
                throw Error("generator config: image_size / patch_size = " + std::to_string(gridSize()) + " cannot be halved " +
                            std::to_string(channelMults.size() - 1) + " times");
            }
            size /= 2;
        }
    }
}

nlohmann::json toJson(const UNetConfig& c) {
    return {{"image_size", c.imageSize},   {"channels", c.channels}, {"patch_size", c.patchSize}, {"base_channels", c.baseChannels},
            {"channel_mults", c.channelMults}, {"res_blocks", c.resBlocks}, {"attention_resolutions", c.attentionResolutions},
            {"heads", c.heads},            {"context_dim", c.contextDim}, {"groups", c.groups},
            {"pooled_context", c.pooledContext}, {"token_vocab", c.tokenVocab}};
}

UNetConfig unetConfigFromJson(const nlohmann::json& j) {
    UNetConfig c;
    auto read = [&](const char* key, auto& field) {
        if (!j.contains(key)) return;
        try {
            j.at(key).get_to(field);
        } catch (const nlohmann::json::exception&) {
            throw Error("generator config: key \"" + std::string(key) + "\" has the wrong type: " + j.at(key).dump());
        }
    };
    read("image_size", c.imageSize);
    read("channels", c.channels);
    read("patch_size", c.patchSize);
    read("base_channels", c.baseChannels);
    read("channel_mults", c.channelMults);
    read("res_blocks", c.resBlocks);
    read("attention_resolutions", c.attentionResolutions);
    read("heads", c.heads);
    read("context_dim", c.contextDim);
    read("groups", c.groups);
    read("pooled_context", c.pooledContext);
    read("token_vocab", c.tokenVocab);
    c.validate();
    return c;
}

torch::Tensor timestepEmbedding(const torch::Tensor& timesteps, std::int64_t dim) {
    const std::int64_t half = dim / 2;
    const auto options = torch::TensorOptions().dtype(torch::kFloat32).device(timesteps.device());
    const auto freqs = torch::exp(-std::log(10000.0) * torch::arange(half, options) / static_cast<double>(half));
    const auto args = timesteps.to(torch::kFloat32).unsqueeze(1) * freqs.unsqueeze(0);
    auto emb = torch::cat({torch::sin(args), torch::cos(args)}, 1);
    if (dim % 2 == 1) emb = torch::cat({emb, torch::zeros({emb.size(0), 1}, options)}, 1);
    return emb;
}

namespace {

nn::Conv2d conv3(std::int64_t in, std::int64_t out, std::int64_t stride = 1) {
    return nn::Conv2d(nn::Conv2dOptions(in, out, 3).stride(stride).padding(1));
}

void zeroInit(nn::Conv2d& conv) {
    torch::NoGradGuard noGrad;
    conv->weight.zero_();
    if (conv->bias.defined()) conv->bias.zero_();
}

}  // namespace

ResBlockImpl::ResBlockImpl(std::int64_t in, std::int64_t out, std::int64_t timeDim, std::int64_t groups) {
    norm1 = register_module("norm1", nn::GroupNorm(nn::GroupNormOptions(groups, in)));
    conv1 = register_module("conv1", conv3(in, out));
    time_proj = register_module("time_proj", nn::Linear(timeDim, out));
    norm2 = register_module("norm2", nn::GroupNorm(nn::GroupNormOptions(groups, out)));
    conv2 = register_module("conv2", conv3(out, out));
    zeroInit(conv2);  // a fresh block starts as the identity (skip path only)
    if (in != out) skip = register_module("skip", nn::Conv2d(nn::Conv2dOptions(in, out, 1)));
}

torch::Tensor ResBlockImpl::forward(const torch::Tensor& x, const torch::Tensor& timeEmbedding) {
    auto h = conv1->forward(torch::silu(norm1->forward(x)));
    h = h + time_proj->forward(torch::silu(timeEmbedding)).unsqueeze(-1).unsqueeze(-1);
    h = conv2->forward(torch::silu(norm2->forward(h)));
    return (skip ? skip->forward(x) : x) + h;
}

AttentionImpl::AttentionImpl(std::int64_t queryDim, std::int64_t keyDim, std::int64_t heads) : heads_(heads) {
    to_q = register_module("to_q", nn::Linear(nn::LinearOptions(queryDim, queryDim).bias(false)));
    to_k = register_module("to_k", nn::Linear(nn::LinearOptions(keyDim, queryDim).bias(false)));
    to_v = register_module("to_v", nn::Linear(nn::LinearOptions(keyDim, queryDim).bias(false)));
    to_out = register_module("to_out", nn::Linear(queryDim, queryDim));
}

torch::Tensor AttentionImpl::forward(const torch::Tensor& x, const torch::Tensor& context, const torch::Tensor& keyMask) {
    const auto b = x.size(0);
    const auto n = x.size(1);
    const auto m = context.size(1);
    const auto width = to_q->options.out_features();
    const auto headDim = width / heads_;
    auto split = [&](const torch::Tensor& t, std::int64_t len) {
        return t.reshape({b, len, heads_, headDim}).transpose(1, 2);  // [B, H, len, d]
    };
    const auto q = split(to_q->forward(x), n);
    const auto k = split(to_k->forward(context), m);
    const auto v = split(to_v->forward(context), m);
    auto scores = torch::matmul(q, k.transpose(-2, -1)) / std::sqrt(static_cast<double>(headDim));
    if (keyMask.defined()) {
        scores = scores.masked_fill(keyMask.logical_not().view({b, 1, 1, m}), -std::numeric_limits<float>::infinity());
    }
    const auto out = torch::matmul(torch::softmax(scores, -1), v).transpose(1, 2).reshape({b, n, width});
    return to_out->forward(out);
}

SpatialTransformerImpl::SpatialTransformerImpl(std::int64_t channels, std::int64_t contextDim, std::int64_t heads,
                                               std::int64_t groups) {
    norm = register_module("norm", nn::GroupNorm(nn::GroupNormOptions(groups, channels)));
    proj_in = register_module("proj_in", nn::Conv2d(nn::Conv2dOptions(channels, channels, 1)));
    ln_self = register_module("ln_self", nn::LayerNorm(nn::LayerNormOptions({channels})));
    self_attn = register_module("self_attn", Attention(channels, channels, heads));
    ln_cross = register_module("ln_cross", nn::LayerNorm(nn::LayerNormOptions({channels})));
    cross_attn = register_module("cross_attn", Attention(channels, contextDim, heads));
    ln_ff = register_module("ln_ff", nn::LayerNorm(nn::LayerNormOptions({channels})));
    ff_in = register_module("ff_in", nn::Linear(channels, channels * 4));
    ff_out = register_module("ff_out", nn::Linear(channels * 4, channels));
    proj_out = register_module("proj_out", nn::Conv2d(nn::Conv2dOptions(channels, channels, 1)));
    zeroInit(proj_out);
}

torch::Tensor SpatialTransformerImpl::forward(const torch::Tensor& x, const torch::Tensor& context,
                                              const torch::Tensor& contextMask) {
    const auto b = x.size(0);
    const auto c = x.size(1);
    const auto h = x.size(2);
    const auto w = x.size(3);
    auto t = proj_in->forward(norm->forward(x)).flatten(2).transpose(1, 2);  // [B, HW, C]
    auto normed = ln_self->forward(t);
    t = t + self_attn->forward(normed, normed);
    t = t + cross_attn->forward(ln_cross->forward(t), context, contextMask);
    t = t + ff_out->forward(torch::gelu(ff_in->forward(ln_ff->forward(t))));
    t = t.transpose(1, 2).reshape({b, c, h, w});
    return x + proj_out->forward(t);
}

UNetImpl::UNetImpl(const UNetConfig& config) : config_(config) {
    config_.validate();
    const auto& c = config_;
    const std::int64_t timeDim = c.timeEmbedDim();
    time_mlp = register_module("time_mlp", nn::Sequential(nn::Linear(c.baseChannels, timeDim), nn::SiLU(),
                                                          nn::Linear(timeDim, timeDim)));
    if (c.pooledContext) context_proj = register_module("context_proj", nn::Linear(c.contextDim, timeDim));
    if (c.tokenVocab > 0) {
        token_embedding = register_module("token_embedding", nn::Embedding(c.tokenVocab, c.contextDim));
        torch::NoGradGuard noGrad;
        token_embedding->weight.zero_();  // a fresh table leaves the frozen features as they are
    }
    const std::int64_t patchChannels = c.channels * c.patchSize * c.patchSize;
    conv_in = register_module("conv_in", conv3(patchChannels, c.baseChannels));
    down_blocks = register_module("down_blocks", nn::ModuleList());
    down_attn = register_module("down_attn", nn::ModuleList());
    downsample = register_module("downsample", nn::ModuleList());
    up_blocks = register_module("up_blocks", nn::ModuleList());
    up_attn = register_module("up_attn", nn::ModuleList());
    upsample = register_module("upsample", nn::ModuleList());

    auto hasAttn = [&](std::int64_t size) {
        return std::find(c.attentionResolutions.begin(), c.attentionResolutions.end(), size) != c.attentionResolutions.end();
    };
    const std::size_t levels = c.channelMults.size();
    std::vector<std::int64_t> skipWidths{c.baseChannels};
    std::int64_t width = c.baseChannels;
    std::int64_t size = c.gridSize();
    for (std::size_t l = 0; l < levels; ++l) {
        const std::int64_t out = c.baseChannels * c.channelMults[l];
        for (std::int64_t i = 0; i < c.resBlocks; ++i) {
            down_blocks->push_back(ResBlock(width, out, timeDim, c.groups));
            width = out;
            if (hasAttn(size)) {
                downAttnIndex_.push_back(static_cast<int>(down_attn->size()));
                down_attn->push_back(SpatialTransformer(width, c.contextDim, c.heads, c.groups));
            } else {
                downAttnIndex_.push_back(-1);
            }
            skipWidths.push_back(width);
        }
        if (l + 1 < levels) {
            downsample->push_back(conv3(width, width, 2));
            skipWidths.push_back(width);
            size /= 2;
        }
    }
    mid_block1 = register_module("mid_block1", ResBlock(width, width, timeDim, c.groups));
    mid_attn = register_module("mid_attn", SpatialTransformer(width, c.contextDim, c.heads, c.groups));
    mid_block2 = register_module("mid_block2", ResBlock(width, width, timeDim, c.groups));
    for (std::size_t l = levels; l-- > 0;) {
        const std::int64_t out = c.baseChannels * c.channelMults[l];
        for (std::int64_t i = 0; i <= c.resBlocks; ++i) {
            const std::int64_t skipWidth = skipWidths.back();
            skipWidths.pop_back();
            up_blocks->push_back(ResBlock(width + skipWidth, out, timeDim, c.groups));
            width = out;
            if (hasAttn(size)) {
                upAttnIndex_.push_back(static_cast<int>(up_attn->size()));
                up_attn->push_back(SpatialTransformer(width, c.contextDim, c.heads, c.groups));
            } else {
                upAttnIndex_.push_back(-1);
            }
        }
        if (l > 0) {
            upsample->push_back(conv3(width, width));
            size *= 2;
        }
    }
    norm_out = register_module("norm_out", nn::GroupNorm(nn::GroupNormOptions(c.groups, width)));
    conv_out = register_module("conv_out", conv3(width, patchChannels));
    zeroInit(conv_out);
}

torch::Tensor UNetImpl::forward(const torch::Tensor& x, const torch::Tensor& timesteps, const torch::Tensor& contextIn,
                                const torch::Tensor& contextMask, const torch::Tensor& tokens) {
    const auto& c = config_;
    if (x.dim() != 4 || x.size(1) != c.channels || x.size(2) != c.imageSize || x.size(3) != c.imageSize) {
        throw Error("generator U-Net: expected images [B, " + std::to_string(c.channels) + ", " +
                    std::to_string(c.imageSize) + ", " + std::to_string(c.imageSize) + "], got " +
                    std::string(x.sizes().vec().empty() ? "a scalar" : c10::str(x.sizes())));
    }
    if (contextIn.dim() != 3 || contextIn.size(0) != x.size(0) || contextIn.size(2) != c.contextDim) {
        throw Error("generator U-Net: expected caption features [" + std::to_string(x.size(0)) + ", L, " +
                    std::to_string(c.contextDim) + "], got " + c10::str(contextIn.sizes()));
    }
    auto context = contextIn;
    if (token_embedding) {
        if (!tokens.defined() || tokens.dim() != 2 || tokens.size(0) != contextIn.size(0) ||
            tokens.size(1) != contextIn.size(1)) {
            throw Error("generator U-Net: this model learnt token embeddings and needs the caption's token ids [" +
                        std::to_string(contextIn.size(0)) + ", " + std::to_string(contextIn.size(1)) + "]");
        }
        const auto ids = tokens.to(contextIn.device(), torch::kLong);
        if (ids.numel() > 0 && (ids.min().item<std::int64_t>() < 0 || ids.max().item<std::int64_t>() >= c.tokenVocab)) {
            throw Error("generator U-Net: a token id is outside the learnt vocabulary of " + std::to_string(c.tokenVocab));
        }
        context = contextIn + token_embedding->forward(ids).to(contextIn.dtype());
    }
    auto temb = time_mlp->forward(timestepEmbedding(timesteps.to(x.device()).reshape({-1}), c.baseChannels));
    if (c.pooledContext) {
        // Mean over the caption's real tokens (all tokens when no mask is given).
        const auto weights = contextMask.defined() ? contextMask.to(context.dtype()).unsqueeze(2)
                                                   : torch::ones({context.size(0), context.size(1), 1}, context.options());
        const auto pooled = (context * weights).sum(1) / weights.sum(1).clamp_min(1.0);
        temb = temb + context_proj->forward(pooled);
    }
    std::vector<torch::Tensor> skips;
    auto h = conv_in->forward(c.patchSize > 1 ? torch::pixel_unshuffle(x, c.patchSize) : x);
    skips.push_back(h);
    const std::size_t levels = c.channelMults.size();
    std::size_t block = 0;
    for (std::size_t l = 0; l < levels; ++l) {
        for (std::int64_t i = 0; i < c.resBlocks; ++i, ++block) {
            h = down_blocks->ptr<ResBlockImpl>(block)->forward(h, temb);
            if (downAttnIndex_[block] >= 0)
                h = down_attn->ptr<SpatialTransformerImpl>(static_cast<std::size_t>(downAttnIndex_[block]))
                        ->forward(h, context, contextMask);
            skips.push_back(h);
        }
        if (l + 1 < levels) {
            h = downsample->ptr<nn::Conv2dImpl>(l)->forward(h);
            skips.push_back(h);
        }
    }
    h = mid_block1->forward(h, temb);
    h = mid_attn->forward(h, context, contextMask);
    h = mid_block2->forward(h, temb);
    block = 0;
    std::size_t up = 0;
    for (std::size_t l = levels; l-- > 0;) {
        for (std::int64_t i = 0; i <= c.resBlocks; ++i, ++block) {
            h = up_blocks->ptr<ResBlockImpl>(block)->forward(torch::cat({h, skips.back()}, 1), temb);
            skips.pop_back();
            if (upAttnIndex_[block] >= 0)
                h = up_attn->ptr<SpatialTransformerImpl>(static_cast<std::size_t>(upAttnIndex_[block]))
                        ->forward(h, context, contextMask);
        }
        if (l > 0) {
            h = nn::functional::interpolate(h, nn::functional::InterpolateFuncOptions()
                                                    .size(std::vector<std::int64_t>{h.size(2) * 2, h.size(3) * 2})
                                                    .mode(torch::kNearest));
            h = upsample->ptr<nn::Conv2dImpl>(up++)->forward(h);
        }
    }
    h = conv_out->forward(torch::silu(norm_out->forward(h)));
    return c.patchSize > 1 ? torch::pixel_shuffle(h, c.patchSize) : h;
}

}  // namespace genra::gen
