#include "core/caption/gpt2.h"

#include "core/model/safetensors.h"
#include "core/util/error.h"
#include "core/util/json_file.h"

#include <cmath>
#include <fstream>
#include <regex>
#include <set>

namespace fs = std::filesystem;

namespace genra::caption {

void Gpt2Config::validate() const {
    auto positive = [](std::int64_t v, const char* key) {
        if (v <= 0) throw Error(std::string("decoder config: ") + key + " must be positive (got " + std::to_string(v) + ")");
    };
    positive(vocabSize, "vocab_size");
    positive(contextLength, "n_positions");
    positive(width, "n_embd");
    positive(layers, "n_layer");
    positive(heads, "n_head");
    if (width % heads != 0) {
        throw Error("decoder config: n_embd (" + std::to_string(width) + ") must be a multiple of n_head (" +
                    std::to_string(heads) + ")");
    }
    if (!(layerNormEps > 0)) throw Error("decoder config: layer_norm_epsilon must be positive");
}

nlohmann::json toJson(const Gpt2Config& c) {
    return {{"vocab_size", c.vocabSize}, {"n_positions", c.contextLength}, {"n_embd", c.width},
            {"n_layer", c.layers},       {"n_head", c.heads},             {"layer_norm_epsilon", c.layerNormEps}};
}

Gpt2Config gpt2ConfigFromJson(const nlohmann::json& json, const std::string& source) {
    if (!json.is_object()) throw ParseError(source, "top level", "expected a JSON object");
    Gpt2Config c;
    auto integer = [&](const char* key, std::int64_t& out) {
        if (!json.contains(key)) return;
        if (!json[key].is_number_integer()) throw ParseError(source, std::string("key \"") + key + "\"", "expected an integer");
        out = json[key].get<std::int64_t>();
    };
    integer("vocab_size", c.vocabSize);
    integer("n_positions", c.contextLength);
    integer("n_embd", c.width);
    integer("n_layer", c.layers);
    integer("n_head", c.heads);
    if (json.contains("layer_norm_epsilon")) {
        if (!json["layer_norm_epsilon"].is_number()) throw ParseError(source, "key \"layer_norm_epsilon\"", "expected a number");
        c.layerNormEps = json["layer_norm_epsilon"].get<double>();
    }
    c.validate();
    return c;
}

Gpt2AttentionImpl::Gpt2AttentionImpl(std::int64_t width, std::int64_t heads, bool causal)
    : heads_(heads), causal_(causal) {
    c_attn = register_module("c_attn", torch::nn::Linear(width, 3 * width));
    c_proj = register_module("c_proj", torch::nn::Linear(width, width));
}

void Gpt2KvCache::reorder(const torch::Tensor& rows) {
    for (auto& k : keys) k = k.index_select(0, rows.to(k.device()));
    for (auto& v : values) v = v.index_select(0, rows.to(v.device()));
}

void Gpt2KvCache::clear() {
    keys.clear();
    values.clear();
}

// Attention of queries [B, H, T, d] at positions past .. past + T - 1 over keys and values
// [B, H, past + T, d]; causal: query i sees keys 0 .. past + i.
torch::Tensor Gpt2AttentionImpl::attend(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v,
                                        std::int64_t past) {
    const auto batch = q.size(0);
    const auto length = q.size(2);
    const auto headDim = q.size(3);
    auto scores = torch::matmul(q, k.transpose(-2, -1)) / std::sqrt(static_cast<double>(headDim));
    if (causal_ && length > 1) {
        const auto future = torch::ones({length, past + length}, torch::TensorOptions().dtype(torch::kBool).device(q.device()))
                                .triu(past + 1);
        scores = scores.masked_fill(future, -std::numeric_limits<float>::infinity());
    }
    return c_proj(torch::matmul(torch::softmax(scores, -1), v).permute({0, 2, 1, 3}).reshape({batch, length, heads_ * headDim}));
}

torch::Tensor Gpt2AttentionImpl::forward(const torch::Tensor& x) {
    const auto batch = x.size(0);
    const auto length = x.size(1);
    const auto headDim = x.size(2) / heads_;
    auto qkv = c_attn(x).view({batch, length, 3, heads_, headDim}).permute({2, 0, 3, 1, 4});
    return attend(qkv[0], qkv[1], qkv[2], 0);
}

torch::Tensor Gpt2AttentionImpl::forwardCached(const torch::Tensor& x, torch::Tensor& pastKeys, torch::Tensor& pastValues) {
    if (!causal_) throw Error("a cached attention pass needs a causal attention layer");
    const auto batch = x.size(0);
    const auto length = x.size(1);
    const auto headDim = x.size(2) / heads_;
    auto qkv = c_attn(x).view({batch, length, 3, heads_, headDim}).permute({2, 0, 3, 1, 4});
    const std::int64_t past = pastKeys.defined() ? pastKeys.size(2) : 0;
    if (past > 0 && pastKeys.size(0) != batch) {
        throw Error("decoder cache holds " + std::to_string(pastKeys.size(0)) + " rows, the input " + std::to_string(batch));
    }
    pastKeys = past > 0 ? torch::cat({pastKeys, qkv[1]}, 2) : qkv[1].contiguous();
    pastValues = past > 0 ? torch::cat({pastValues, qkv[2]}, 2) : qkv[2].contiguous();
    return attend(qkv[0], pastKeys, pastValues, past);
}

Gpt2MlpImpl::Gpt2MlpImpl(std::int64_t width) {
    c_fc = register_module("c_fc", torch::nn::Linear(width, 4 * width));
    c_proj = register_module("c_proj", torch::nn::Linear(4 * width, width));
}

// GPT-2's "gelu_new" is the tanh approximation.
torch::Tensor Gpt2MlpImpl::forward(const torch::Tensor& x) { return c_proj(torch::gelu(c_fc(x), "tanh")); }

Gpt2BlockImpl::Gpt2BlockImpl(std::int64_t width, std::int64_t heads, double layerNormEps, bool causal) {
    const auto norm = torch::nn::LayerNormOptions({width}).eps(layerNormEps);
    ln_1 = register_module("ln_1", torch::nn::LayerNorm(norm));
    attn = register_module("attn", Gpt2Attention(width, heads, causal));
    ln_2 = register_module("ln_2", torch::nn::LayerNorm(norm));
    mlp = register_module("mlp", Gpt2Mlp(width));
}

torch::Tensor Gpt2BlockImpl::forward(const torch::Tensor& x) {
    const auto y = x + attn(ln_1(x));
    return y + mlp(ln_2(y));
}

torch::Tensor Gpt2BlockImpl::forwardCached(const torch::Tensor& x, torch::Tensor& pastKeys, torch::Tensor& pastValues) {
    const auto y = x + attn->forwardCached(ln_1(x), pastKeys, pastValues);
    return y + mlp(ln_2(y));
}

Gpt2TransformerImpl::Gpt2TransformerImpl(const Gpt2Config& config) {
    config.validate();
    wte = register_module("wte", torch::nn::Embedding(config.vocabSize, config.width));
    wpe = register_module("wpe", torch::nn::Embedding(config.contextLength, config.width));
    h = register_module("h", torch::nn::ModuleList());
    for (std::int64_t i = 0; i < config.layers; ++i) {
        blocks.emplace_back(config.width, config.heads, config.layerNormEps, true);
        h->push_back(blocks.back());
    }
    ln_f = register_module("ln_f", torch::nn::LayerNorm(torch::nn::LayerNormOptions({config.width}).eps(config.layerNormEps)));
    // GPT-2's initialisation: normal(0, 0.02) for embeddings and linear weights, zero biases.
    torch::NoGradGuard noGrad;
    for (auto& item : named_parameters()) {
        if (item.key().find("ln_") != std::string::npos) continue;
        if (item.value().dim() >= 2) {
            item.value().normal_(0.0, 0.02);
        } else {
            item.value().zero_();
        }
    }
}

torch::Tensor Gpt2TransformerImpl::forward(const torch::Tensor& inputEmbeds) {
    auto x = inputEmbeds + positionEmbeddings(0, inputEmbeds.size(1));
    for (auto& block : blocks) x = block(x);
    return ln_f(x);
}

torch::Tensor Gpt2TransformerImpl::forwardCached(const torch::Tensor& inputEmbeds, Gpt2KvCache& cache) {
    const auto past = cache.length();
    if (cache.keys.empty()) {
        cache.keys.resize(blocks.size());
        cache.values.resize(blocks.size());
    }
    auto x = inputEmbeds + positionEmbeddings(past, inputEmbeds.size(1));
    for (std::size_t i = 0; i < blocks.size(); ++i) x = blocks[i]->forwardCached(x, cache.keys[i], cache.values[i]);
    return ln_f(x);
}

// Position embeddings [1, length, width] of positions first .. first + length - 1.
torch::Tensor Gpt2TransformerImpl::positionEmbeddings(std::int64_t first, std::int64_t length) {
    if (first + length > wpe->weight.size(0)) {
        throw Error("decoder input of " + std::to_string(first + length) + " positions exceeds its context of " +
                    std::to_string(wpe->weight.size(0)));
    }
    return wpe->weight.slice(0, first, first + length).unsqueeze(0);
}

Gpt2Impl::Gpt2Impl(const Gpt2Config& config) : config_(config) {
    transformer = register_module("transformer", Gpt2Transformer(config));
}

torch::Tensor Gpt2Impl::embedTokens(const torch::Tensor& tokens) { return transformer->wte(tokens); }
torch::Tensor Gpt2Impl::logits(const torch::Tensor& hidden) { return torch::matmul(hidden, transformer->wte->weight.t()); }
torch::Tensor Gpt2Impl::forwardEmbeds(const torch::Tensor& inputEmbeds) { return logits(transformer(inputEmbeds)); }
torch::Tensor Gpt2Impl::forwardEmbedsCached(const torch::Tensor& inputEmbeds, Gpt2KvCache& cache) {
    return logits(transformer->forwardCached(inputEmbeds, cache));
}
torch::Tensor Gpt2Impl::forward(const torch::Tensor& tokens) { return forwardEmbeds(embedTokens(tokens)); }

namespace {

bool endsWith(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

model::StateDict gpt2FromHf(const model::StateDict& hf, std::vector<std::string>* notes) {
    static const char* const kConv1d[] = {".attn.c_attn.weight", ".attn.c_proj.weight", ".mlp.c_fc.weight",
                                          ".mlp.c_proj.weight"};
    model::StateDict out;
    std::size_t dropped = 0;
    for (const auto& [key, tensor] : hf) {
        std::string k = key.rfind("transformer.", 0) == 0 ? key.substr(std::string("transformer.").size()) : key;
        if (k == "lm_head.weight") {
            if (notes) notes->push_back("lm_head.weight dropped: the output layer is tied to wte");
            continue;
        }
        if (endsWith(k, ".attn.bias") || endsWith(k, ".attn.masked_bias")) {
            ++dropped;
            continue;
        }
        torch::Tensor value = tensor.to(torch::kFloat);
        for (const char* suffix : kConv1d) {
            if (endsWith(k, suffix)) {
                if (value.dim() != 2) throw Error("GPT-2 weight " + key + " should be a matrix (Conv1D [in, out])");
                value = value.t();
            }
        }
        out["transformer." + k] = value.contiguous();
    }
    if (notes && dropped) notes->push_back(std::to_string(dropped) + " causal-mask buffers (attn.bias) dropped");
    return out;
}

Gpt2Config gpt2ConfigFromStateDict(const model::StateDict& ours, std::int64_t heads) {
    auto require = [&](const std::string& key) -> const torch::Tensor& {
        auto it = ours.find(key);
        if (it == ours.end()) throw Error("GPT-2 weights have no " + key);
        return it->second;
    };
    Gpt2Config c;
    const auto& wte = require("transformer.wte.weight");
    const auto& wpe = require("transformer.wpe.weight");
    c.vocabSize = wte.size(0);
    c.width = wte.size(1);
    c.contextLength = wpe.size(0);
    const std::regex layer(R"(^transformer\.h\.(\d+)\.)");
    std::int64_t layers = 0;
    for (const auto& item : ours) {
        std::smatch m;
        if (std::regex_search(item.first, m, layer)) layers = std::max<std::int64_t>(layers, std::stoll(m[1].str()) + 1);
    }
    c.layers = layers;
    c.heads = heads;
    c.validate();
    return c;
}

void loadGpt2StateDict(Gpt2& model, const model::StateDict& stateDict, const std::string& source, const std::string& prefix) {
    loadModuleStateDict(*model, stateDict, source, prefix);
}

void loadModuleStateDict(torch::nn::Module& module, const model::StateDict& stateDict, const std::string& source,
                         const std::string& prefix) {
    torch::NoGradGuard noGrad;
    std::set<std::string> used;
    for (auto& item : module.named_parameters()) {
        const std::string key = prefix + item.key();
        auto it = stateDict.find(key);
        if (it == stateDict.end()) throw Error(source + ": missing tensor " + key);
        if (it->second.sizes() != item.value().sizes()) {
            throw Error(source + ": tensor " + key + " has shape " + c10::str(it->second.sizes()) + ", the model expects " +
                        c10::str(item.value().sizes()));
        }
        item.value().copy_(it->second);
        used.insert(key);
    }
    for (const auto& item : stateDict) {
        if (item.first.rfind(prefix, 0) == 0 && !used.count(item.first)) {
            throw Error(source + ": unexpected tensor " + item.first + " (not a parameter of the model)");
        }
    }
}

Gpt2 loadHfGpt2(const fs::path& path, std::vector<std::string>* notes) {
    fs::path weights = path;
    if (fs::is_directory(path)) weights = path / "model.safetensors";
    if (!fs::exists(weights)) throw Error("GPT-2 weights not found: " + weights.string());
    const fs::path configPath = weights.parent_path() / "config.json";
    std::int64_t heads = 12;
    nlohmann::json configJson;
    if (fs::exists(configPath)) {
        configJson = util::readJsonFile(configPath);
        if (configJson.contains("n_head") && configJson["n_head"].is_number_integer()) heads = configJson["n_head"].get<std::int64_t>();
    } else if (notes) {
        notes->push_back("no config.json beside " + weights.string() + "; assuming 12 attention heads");
    }
    const auto ours = gpt2FromHf(model::readSafetensors(weights).tensors, notes);
    Gpt2Config config = gpt2ConfigFromStateDict(ours, heads);
    if (configJson.is_object()) {
        const auto declared = gpt2ConfigFromJson(configJson, configPath.string());
        if (declared.vocabSize != config.vocabSize || declared.width != config.width || declared.layers != config.layers) {
            throw Error(configPath.string() + " does not describe " + weights.string() + " (vocabulary, width or layers differ)");
        }
        config.layerNormEps = declared.layerNormEps;
    }
    Gpt2 model(config);
    loadGpt2StateDict(model, ours, weights.string());
    model->eval();
    return model;
}

}  // namespace genra::caption
