#include "core/model/clip.h"

#include "core/util/error.h"
#include "core/util/shape_text.h"

#include <cmath>
#include <limits>
#include <numeric>
#include <set>
#include <sstream>

namespace genra::model {

namespace {

using util::shapeText;

torch::Tensor activate(const torch::Tensor& x, Activation activation) {
    if (activation == Activation::QuickGelu) return x * torch::sigmoid(1.702 * x);
    return torch::gelu(x);
}

// Adds an adapter's update unless there is none or it is folded into the weight already.
torch::Tensor withAdapter(torch::Tensor base, LoraAdapter& adapter, const torch::Tensor& input) {
    if (adapter.is_empty() || adapter->merged()) return base;
    return base + adapter->forward(input);
}

torch::nn::LayerNorm layerNorm(std::int64_t width) {
    return torch::nn::LayerNorm(torch::nn::LayerNormOptions({width}).eps(1e-5));
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Attention

ClipAttentionImpl::ClipAttentionImpl(std::int64_t width, std::int64_t heads) : width_(width), heads_(heads) {
    if (width <= 0 || heads <= 0 || width % heads != 0)
        throw Error("CLIP attention: width " + std::to_string(width) + " is not divisible into " +
                    std::to_string(heads) + " heads");
    in_proj_weight = register_parameter("in_proj_weight", torch::empty({3 * width, width}));
    in_proj_bias = register_parameter("in_proj_bias", torch::zeros({3 * width}));
    out_proj = register_module("out_proj", torch::nn::Linear(width, width));
    torch::NoGradGuard noGrad;
    // nn.MultiheadAttention's own initialisation.
    torch::nn::init::xavier_uniform_(in_proj_weight);
    out_proj->bias.zero_();
}

LoraAdapter& ClipAttentionImpl::slot(LoraTarget target) {
    switch (target) {
    case LoraTarget::Q: return loraQ_;
    case LoraTarget::K: return loraK_;
    case LoraTarget::V: return loraV_;
    case LoraTarget::Out: return loraOut_;
    default: break;
    }
    throw Error("CLIP attention: LoRA target '" + loraTargetName(target) + "' belongs to the MLP");
}

LoraAdapter ClipAttentionImpl::adapter(LoraTarget target) const {
    return const_cast<ClipAttentionImpl*>(this)->slot(target);
}

void ClipAttentionImpl::setAdapter(LoraTarget target, LoraAdapter adapter) {
    auto& s = slot(target);
    const auto& o = adapter->options;
    if (o.inFeatures() != width_ || o.outFeatures() != width_)
        throw Error("CLIP attention: LoRA adapter for " + loraTargetName(target) + " must map " +
                    std::to_string(width_) + " -> " + std::to_string(width_));
    if (!s.is_empty()) unregister_module(loraModuleName(target));
    s = register_module(loraModuleName(target), adapter);
}

void ClipAttentionImpl::removeAdapter(LoraTarget target) {
    auto& s = slot(target);
    if (s.is_empty()) return;
    unregister_module(loraModuleName(target));
    s = LoraAdapter{nullptr};
}

std::tuple<torch::Tensor, torch::Tensor, torch::Tensor> ClipAttentionImpl::project(const torch::Tensor& x) {
    auto qkv = torch::linear(x, in_proj_weight, in_proj_bias).chunk(3, -1);
    return {withAdapter(qkv[0], loraQ_, x), withAdapter(qkv[1], loraK_, x), withAdapter(qkv[2], loraV_, x)};
}

torch::Tensor ClipAttentionImpl::forward(const torch::Tensor& x, const torch::Tensor& mask) {
    const auto batch = x.size(0);
    const auto tokens = x.size(1);
    const auto headDim = width_ / heads_;
    auto [q, k, v] = project(x);
    auto split = [&](const torch::Tensor& t) { return t.reshape({batch, tokens, heads_, headDim}).transpose(1, 2); };
    const double scale = 1.0 / std::sqrt(static_cast<double>(headDim));
    auto scores = torch::matmul(split(q) * scale, split(k).transpose(-2, -1));  // [B, H, N, N]
    if (mask.defined()) scores = scores + mask;
    auto weights = torch::softmax(scores, -1);
    auto heads = torch::matmul(weights, split(v)).transpose(1, 2).reshape({batch, tokens, width_});
    return withAdapter(out_proj->forward(heads), loraOut_, heads);
}

// ---------------------------------------------------------------------------------------------
// MLP

ClipMlpImpl::ClipMlpImpl(std::int64_t width, Activation activation) : activation_(activation) {
    c_fc = register_module("c_fc", torch::nn::Linear(width, 4 * width));
    c_proj = register_module("c_proj", torch::nn::Linear(4 * width, width));
}

LoraAdapter& ClipMlpImpl::slot(LoraTarget target) {
    if (target == LoraTarget::MlpFc) return loraFc_;
    if (target == LoraTarget::MlpProj) return loraProj_;
    throw Error("CLIP MLP: LoRA target '" + loraTargetName(target) + "' belongs to the attention");
}

LoraAdapter ClipMlpImpl::adapter(LoraTarget target) const { return const_cast<ClipMlpImpl*>(this)->slot(target); }

void ClipMlpImpl::setAdapter(LoraTarget target, LoraAdapter adapter) {
    auto& s = slot(target);
    const auto& linear = target == LoraTarget::MlpFc ? c_fc : c_proj;
    const auto& o = adapter->options;
    if (o.inFeatures() != linear->options.in_features() || o.outFeatures() != linear->options.out_features())
        throw Error("CLIP MLP: LoRA adapter for " + loraTargetName(target) + " has the wrong shape");
    if (!s.is_empty()) unregister_module(loraModuleName(target));
    s = register_module(loraModuleName(target), adapter);
}

void ClipMlpImpl::removeAdapter(LoraTarget target) {
    auto& s = slot(target);
    if (s.is_empty()) return;
    unregister_module(loraModuleName(target));
    s = LoraAdapter{nullptr};
}

torch::Tensor ClipMlpImpl::forward(const torch::Tensor& x) {
    auto hidden = activate(withAdapter(c_fc->forward(x), loraFc_, x), activation_);
    return withAdapter(c_proj->forward(hidden), loraProj_, hidden);
}

// ---------------------------------------------------------------------------------------------
// Blocks and towers

ResidualAttentionBlockImpl::ResidualAttentionBlockImpl(std::int64_t width, std::int64_t heads,
                                                       Activation activation) {
    attn = register_module("attn", ClipAttention(width, heads));
    ln_1 = register_module("ln_1", layerNorm(width));
    mlp = register_module("mlp", ClipMlp(width, activation));
    ln_2 = register_module("ln_2", layerNorm(width));
}

torch::Tensor ResidualAttentionBlockImpl::forward(const torch::Tensor& x, const torch::Tensor& mask) {
    auto y = x + attn->forward(ln_1->forward(x), mask);
    return y + mlp->forward(ln_2->forward(y));
}

ClipTransformerImpl::ClipTransformerImpl(std::int64_t width, std::int64_t layers, std::int64_t heads,
                                         Activation activation) {
    resblocks = register_module("resblocks", torch::nn::ModuleList());
    for (std::int64_t i = 0; i < layers; ++i) {
        blocks.emplace_back(width, heads, activation);
        resblocks->push_back(blocks.back());
    }
}

torch::Tensor ClipTransformerImpl::forward(const torch::Tensor& x, const torch::Tensor& mask) {
    auto y = x;
    for (auto& block : blocks) y = block->forward(y, mask);
    return y;
}

VisionTransformerImpl::VisionTransformerImpl(const ClipConfig& c) : resolution_(c.imageResolution) {
    const auto width = c.visionWidth;
    const auto grid = c.gridSize();
    if (c.visionStem == VisionStem::Conv) {
        // Channels double up to the width: 16, 32, 64 for the tiny preset (never below 16).
        std::int64_t convs = 0;
        while ((std::int64_t{1} << convs) < c.visionPatchSize) ++convs;
        stem = register_module("stem", torch::nn::Sequential());
        std::int64_t in = 3;
        for (std::int64_t i = 0; i < convs; ++i) {
            const std::int64_t out = std::max<std::int64_t>(16, width >> (convs - 1 - i));
            stem->push_back(torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, 3).stride(2).padding(1).bias(false)));
            stem->push_back(torch::nn::GroupNorm(torch::nn::GroupNormOptions(std::gcd<std::int64_t>(8, out), out)));
            stem->push_back(torch::nn::GELU());
            in = out;
        }
        conv1 = register_module("conv1", torch::nn::Conv2d(torch::nn::Conv2dOptions(in, width, 1).bias(false)));
    } else {
        conv1 = register_module(
            "conv1",
            torch::nn::Conv2d(torch::nn::Conv2dOptions(3, width, c.visionPatchSize).stride(c.visionPatchSize).bias(false)));
    }
    class_embedding = register_parameter("class_embedding", torch::empty({width}));
    positional_embedding = register_parameter("positional_embedding", torch::empty({grid * grid + 1, width}));
    ln_pre = register_module("ln_pre", layerNorm(width));
    transformer = register_module("transformer",
                                  ClipTransformer(width, c.visionLayers, c.visionHeads, c.activation));
    ln_post = register_module("ln_post", layerNorm(width));
    proj = register_parameter("proj", torch::empty({width, c.embedDim}));
}

torch::Tensor VisionTransformerImpl::forward(const torch::Tensor& images) { return torch::matmul(features(images), proj); }

torch::Tensor VisionTransformerImpl::features(const torch::Tensor& images) {
    if (images.dim() != 4 || images.size(1) != 3 || images.size(2) != resolution_ || images.size(3) != resolution_)
        throw Error("CLIP image tower: expected images [B, 3, " + std::to_string(resolution_) + ", " +
                    std::to_string(resolution_) + "], got " + shapeText(images));
    auto x = images.to(conv1->weight.dtype());
    if (stem) {
        // CPU autocast runs the convolutions in bfloat16 but (in LibTorch 1.13) has no float32
        // policy for group_norm, whose kernel then refuses a bfloat16 input with float32 weights;
        // the norms run in their weights' type, as CUDA autocast runs them in float32.
        for (auto& module : *stem) {
            if (auto* norm = module.ptr()->as<torch::nn::GroupNormImpl>()) x = norm->forward(x.to(norm->weight.scalar_type()));
            else x = module.forward(x);
        }
    }
    x = conv1->forward(x);  // [B, W, g, g]
    x = x.flatten(2).transpose(1, 2);                            // [B, g*g, W]
    auto cls = class_embedding.reshape({1, 1, -1}).expand({x.size(0), 1, x.size(2)});
    x = torch::cat({cls, x}, 1) + positional_embedding;
    x = transformer->forward(ln_pre->forward(x));
    return ln_post->forward(x.select(1, 0));
}

// ---------------------------------------------------------------------------------------------
// CLIP

ClipModelImpl::ClipModelImpl(const ClipConfig& config) : config_(config) {
    config_.validate();
    const auto& c = config_;
    visual = register_module("visual", VisionTransformer(c));
    transformer = register_module("transformer", ClipTransformer(c.transformerWidth, c.transformerLayers,
                                                                 c.transformerHeads, c.activation));
    token_embedding = register_module("token_embedding", torch::nn::Embedding(c.vocabSize, c.transformerWidth));
    positional_embedding = register_parameter("positional_embedding", torch::empty({c.contextLength, c.transformerWidth}));
    ln_final = register_module("ln_final", layerNorm(c.transformerWidth));
    text_projection = register_parameter("text_projection", torch::empty({c.transformerWidth, c.embedDim}));
    logit_scale = register_parameter("logit_scale", torch::empty({}));
    initialize();
}

void ClipModelImpl::initialize() {
    torch::NoGradGuard noGrad;
    namespace init = torch::nn::init;
    const auto& c = config_;

    // Image tower: OpenAI's VisionTransformer keeps PyTorch's layer defaults and draws the
    // embeddings and projection from width^-0.5 normals.
    const double visionScale = 1.0 / std::sqrt(static_cast<double>(c.visionWidth));
    visual->conv1->reset_parameters();
    if (visual->stem)
        for (auto& module : visual->stem->children()) {
            if (auto* conv = module->as<torch::nn::Conv2dImpl>()) conv->reset_parameters();
            if (auto* norm = module->as<torch::nn::GroupNormImpl>()) norm->reset_parameters();
        }
    visual->class_embedding.normal_(0.0, visionScale);
    visual->positional_embedding.normal_(0.0, visionScale);
    visual->proj.normal_(0.0, visionScale);
    for (auto* ln : {&visual->ln_pre, &visual->ln_post}) (*ln)->reset_parameters();
    for (auto& block : visual->transformer->blocks) {
        init::xavier_uniform_(block->attn->in_proj_weight);
        block->attn->in_proj_bias.zero_();
        block->attn->out_proj->reset_parameters();
        block->attn->out_proj->bias.zero_();
        block->mlp->c_fc->reset_parameters();
        block->mlp->c_proj->reset_parameters();
        block->ln_1->reset_parameters();
        block->ln_2->reset_parameters();
    }

    // Text tower: OpenAI's initialize_parameters().
    token_embedding->weight.normal_(0.0, 0.02);
    positional_embedding.normal_(0.0, 0.01);
    const double width = static_cast<double>(c.transformerWidth);
    const double projStd = std::pow(width, -0.5) * std::pow(2.0 * static_cast<double>(c.transformerLayers), -0.5);
    const double attnStd = std::pow(width, -0.5);
    const double fcStd = std::pow(2.0 * width, -0.5);
    for (auto& block : transformer->blocks) {
        block->attn->in_proj_weight.normal_(0.0, attnStd);
        block->attn->in_proj_bias.zero_();
        block->attn->out_proj->weight.normal_(0.0, projStd);
        block->attn->out_proj->bias.zero_();
        block->mlp->c_fc->reset_parameters();
        block->mlp->c_fc->weight.normal_(0.0, fcStd);
        block->mlp->c_proj->reset_parameters();
        block->mlp->c_proj->weight.normal_(0.0, projStd);
        block->ln_1->reset_parameters();
        block->ln_2->reset_parameters();
    }
    ln_final->reset_parameters();
    text_projection.normal_(0.0, attnStd);
    logit_scale.fill_(std::log(1.0 / 0.07));
}

torch::Tensor ClipModelImpl::encodeImage(const torch::Tensor& images) { return visual->forward(images); }

torch::Tensor ClipModelImpl::encodeText(const torch::Tensor& tokens) {
    if (tokens.dim() != 2 || tokens.size(1) > config_.contextLength || tokens.size(1) == 0)
        throw Error("CLIP text tower: expected tokens [B, L] with 0 < L <= " + std::to_string(config_.contextLength) +
                    ", got " + shapeText(tokens));
    if (tokens.is_floating_point() || tokens.is_complex())
        throw Error("CLIP text tower: token ids must be an integer tensor");
    const auto ids = tokens.to(positional_embedding.device(), torch::kLong);
    const auto length = ids.size(1);
    auto x = token_embedding->forward(ids) + positional_embedding.narrow(0, 0, length);
    x = transformer->forward(x, causalMask(length, x.options()));
    x = ln_final->forward(x);
    const auto eot = ids.argmax(-1);
    const auto rows = torch::arange(ids.size(0), eot.options());
    x = x.index({rows, eot});
    return torch::matmul(x, text_projection);
}

std::tuple<torch::Tensor, torch::Tensor> ClipModelImpl::forward(const torch::Tensor& images,
                                                                const torch::Tensor& tokens) {
    auto image = encodeImage(images);
    auto text = encodeText(tokens);
    image = image / image.norm(2, -1, true);
    text = text / text.norm(2, -1, true);
    auto logitsPerImage = logit_scale.exp() * torch::matmul(image, text.t());
    return {logitsPerImage, logitsPerImage.t()};
}

torch::Tensor causalMask(std::int64_t n, const torch::TensorOptions& options) {
    return torch::full({n, n}, -std::numeric_limits<float>::infinity(), options).triu(1);
}

bool isLoraKey(const std::string& name) {
    std::size_t start = 0;
    while (start <= name.size()) {
        const auto dot = name.find('.', start);
        if (name.compare(start, 5, "lora_") == 0) return true;
        if (dot == std::string::npos) break;
        start = dot + 1;
    }
    return false;
}

// ---------------------------------------------------------------------------------------------
// State dicts

std::string LoadReport::summary() const {
    if (ok()) return "ok (" + std::to_string(loaded.size()) + " tensors)";
    std::string text;
    for (const auto& k : missing) text += "missing: " + k + "\n";
    for (const auto& k : unexpected) text += "unexpected: " + k + "\n";
    for (const auto& k : mismatched) text += "shape mismatch: " + k + "\n";
    if (!text.empty()) text.pop_back();
    return text;
}

namespace {

bool isMetadataKey(const std::string& key) {
    return key == "input_resolution" || key == "context_length" || key == "vocab_size";
}

// The model's own tensors by OpenAI name (adapters excluded).
std::map<std::string, torch::Tensor> baseTensors(const ClipModelImpl& model) {
    std::map<std::string, torch::Tensor> out;
    for (const auto& item : model.named_parameters(true))
        if (!isLoraKey(item.key())) out.emplace(item.key(), item.value());
    for (const auto& item : model.named_buffers(true))
        if (!isLoraKey(item.key())) out.emplace(item.key(), item.value());
    return out;
}

}  // namespace

void loadStateDict(ClipModel& model, const StateDict& stateDict, LoadReport& report, LoadMode mode) {
    report = LoadReport{};
    const auto targets = baseTensors(*model);
    std::vector<std::pair<torch::Tensor, torch::Tensor>> copies;
    for (const auto& [key, source] : stateDict) {
        if (isMetadataKey(key)) {
            report.ignored.push_back(key);
            continue;
        }
        const auto it = targets.find(key);
        if (it == targets.end()) {
            report.unexpected.push_back(key);
            continue;
        }
        if (!source.defined() || source.sizes() != it->second.sizes()) {
            report.mismatched.push_back(key + ": checkpoint " + (source.defined() ? shapeText(source) : "undefined") +
                                        " vs model " + shapeText(it->second));
            continue;
        }
        if (source.scalar_type() != it->second.scalar_type()) report.converted.push_back(key);
        copies.emplace_back(it->second, source);
        report.loaded.push_back(key);
    }
    for (const auto& [key, target] : targets)
        if (stateDict.count(key) == 0) report.missing.push_back(key);

    if (mode == LoadMode::Strict && !report.ok()) {
        const std::string problems = report.summary();
        report.loaded.clear();
        report.converted.clear();
        throw Error("CLIP state dict does not match the model (nothing loaded):\n" + problems);
    }
    torch::NoGradGuard noGrad;
    for (auto& [target, source] : copies) target.copy_(source.to(target.device(), target.scalar_type()));
}

StateDict exportStateDict(const ClipModel& model) {
    StateDict out;
    for (const auto& [key, tensor] : baseTensors(*model)) out.emplace(key, tensor.detach());
    return out;
}

ClipModel createFromStateDict(const StateDict& stateDict, Activation activation) {
    ClipModel model(inferConfig(stateDict, activation));
    LoadReport report;
    loadStateDict(model, stateDict, report, LoadMode::Strict);
    model->eval();
    return model;
}

ClipModel cloneClip(const ClipModel& source) {
    ClipModel copy(source->config());
    const auto sourceModules = source->named_modules();
    const auto copyModules = copy->named_modules();
    for (const auto& item : sourceModules) {
        // The copy's tree lacks the adapters until they are attached below.
        const auto* found = copyModules.find(item.key());
        if (found == nullptr) continue;
        const auto& target = *found;
        if (const auto* attn = item.value()->as<ClipAttentionImpl>()) {
            for (auto t : {LoraTarget::Q, LoraTarget::K, LoraTarget::V, LoraTarget::Out}) {
                const auto a = attn->adapter(t);
                if (a.is_empty()) continue;
                LoraAdapter fresh(a->options);
                fresh->setMerged(a->merged());
                target->as<ClipAttentionImpl>()->setAdapter(t, fresh);
            }
        } else if (const auto* mlp = item.value()->as<ClipMlpImpl>()) {
            for (auto t : {LoraTarget::MlpFc, LoraTarget::MlpProj}) {
                const auto a = mlp->adapter(t);
                if (a.is_empty()) continue;
                LoraAdapter fresh(a->options);
                fresh->setMerged(a->merged());
                target->as<ClipMlpImpl>()->setAdapter(t, fresh);
            }
        }
    }
    const auto sourceParams = source->named_parameters(true);
    if (sourceParams.is_empty()) return copy;
    const auto first = sourceParams.begin()->value();
    copy->to(first.device(), first.scalar_type());
    auto copyParams = copy->named_parameters(true);
    {
        torch::NoGradGuard noGrad;
        for (const auto& item : sourceParams) {
            auto& target = copyParams[item.key()];
            if (target.scalar_type() != item.value().scalar_type() || target.device() != item.value().device())
                target.set_data(torch::empty_like(item.value()));
            target.copy_(item.value());
            target.set_requires_grad(item.value().requires_grad());
        }
        auto copyBuffers = copy->named_buffers(true);
        for (const auto& item : source->named_buffers(true)) copyBuffers[item.key()].copy_(item.value());
    }
    copy->train(source->is_training());
    return copy;
}

}  // namespace genra::model
