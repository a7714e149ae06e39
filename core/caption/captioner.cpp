#include "core/caption/captioner.h"

#include "core/util/error.h"

namespace genra::caption {

const char* toString(MapperKind kind) { return kind == MapperKind::Transformer ? "transformer" : "mlp"; }

MapperKind mapperKindFromName(const std::string& name) {
    if (name == "mlp") return MapperKind::Mlp;
    if (name == "transformer") return MapperKind::Transformer;
    throw Error("unknown mapping network \"" + name + "\" (expected mlp or transformer)");
}

void CaptionerConfig::validate() const {
    auto positive = [](std::int64_t v, const char* key) {
        if (v <= 0) throw Error(std::string("captioner config: ") + key + " must be positive (got " + std::to_string(v) + ")");
    };
    positive(clipDim, "clip_dim");
    positive(prefixLength, "prefix_length");
    decoder.validate();
    if (mapper == MapperKind::Transformer) {
        positive(clipLength, "clip_length");
        positive(mapperLayers, "mapper_layers");
        positive(mapperHeads, "mapper_heads");
        if (decoder.width % mapperHeads != 0) throw Error("captioner config: mapper_heads must divide the decoder width");
    }
    if (prefixLength >= decoder.contextLength) {
        throw Error("captioner config: prefix_length (" + std::to_string(prefixLength) + ") leaves no room in the decoder's " +
                    std::to_string(decoder.contextLength) + " positions");
    }
}

nlohmann::json toJson(const CaptionerConfig& c) {
    return {{"mapper", toString(c.mapper)},        {"clip_dim", c.clipDim},           {"prefix_length", c.prefixLength},
            {"clip_length", c.clipLength},         {"mapper_layers", c.mapperLayers}, {"mapper_heads", c.mapperHeads},
            {"normalize_prefix", c.normalizePrefix}, {"decoder", toJson(c.decoder)}};
}

CaptionerConfig captionerConfigFromJson(const nlohmann::json& j, const std::string& source) {
    if (!j.is_object()) throw ParseError(source, "captioner", "expected a JSON object");
    CaptionerConfig c;
    try {
        c.mapper = mapperKindFromName(j.at("mapper").get<std::string>());
        c.clipDim = j.at("clip_dim").get<std::int64_t>();
        c.prefixLength = j.at("prefix_length").get<std::int64_t>();
        c.clipLength = j.value("clip_length", c.clipLength);
        c.mapperLayers = j.value("mapper_layers", c.mapperLayers);
        c.mapperHeads = j.value("mapper_heads", c.mapperHeads);
        c.normalizePrefix = j.value("normalize_prefix", c.normalizePrefix);
    } catch (const nlohmann::json::exception& e) {
        throw ParseError(source, "captioner", e.what());
    }
    if (!j.contains("decoder")) throw ParseError(source, "captioner", "missing key \"decoder\"");
    c.decoder = gpt2ConfigFromJson(j["decoder"], source);
    c.validate();
    return c;
}

MappingNetworkImpl::MappingNetworkImpl(const CaptionerConfig& config) : config_(config) {
    const auto width = config.decoder.width;
    const auto k = config.prefixLength;
    if (config.mapper == MapperKind::Mlp) {
        const auto hidden = std::max<std::int64_t>(1, width * k / 2);
        model = register_module("model", torch::nn::Sequential(torch::nn::Linear(config.clipDim, hidden), torch::nn::Tanh(),
                                                               torch::nn::Linear(hidden, width * k)));
    } else {
        linear = register_module("linear", torch::nn::Linear(config.clipDim, config.clipLength * width));
        prefix_const = register_parameter("prefix_const", torch::randn({k, width}));
        transformer = register_module("transformer", torch::nn::ModuleList());
        for (std::int64_t i = 0; i < config.mapperLayers; ++i) {
            layers_.emplace_back(width, config.mapperHeads, config.decoder.layerNormEps, false);
            transformer->push_back(layers_.back());
        }
    }
}

torch::Tensor MappingNetworkImpl::forward(const torch::Tensor& clipEmbedding) {
    const auto batch = clipEmbedding.size(0);
    const auto width = config_.decoder.width;
    torch::Tensor x = clipEmbedding.to(torch::kFloat);
    if (config_.normalizePrefix) x = x / x.norm(2, -1, true).clamp_min(1e-12);
    if (config_.mapper == MapperKind::Mlp) return model->forward(x).view({batch, config_.prefixLength, width});
    auto tokens = torch::cat({linear(x).view({batch, config_.clipLength, width}),
                              prefix_const.unsqueeze(0).expand({batch, config_.prefixLength, width})},
                             1);
    for (auto& layer : layers_) tokens = layer(tokens);
    return tokens.slice(1, config_.clipLength);
}

ClipCaptionerImpl::ClipCaptionerImpl(const CaptionerConfig& config) : config_(config) {
    config.validate();
    clip_project = register_module("clip_project", MappingNetwork(config));
    gpt = register_module("gpt", Gpt2(config.decoder));
}

torch::Tensor ClipCaptionerImpl::prefix(const torch::Tensor& clipEmbedding) { return clip_project(clipEmbedding); }

torch::Tensor ClipCaptionerImpl::forwardPrefix(const torch::Tensor& prefixEmbeds, const torch::Tensor& tokens) {
    if (tokens.numel() == 0) return gpt->forwardEmbeds(prefixEmbeds);
    return gpt->forwardEmbeds(torch::cat({prefixEmbeds, gpt->embedTokens(tokens)}, 1));
}

torch::Tensor ClipCaptionerImpl::forward(const torch::Tensor& clipEmbedding, const torch::Tensor& tokens) {
    return forwardPrefix(prefix(clipEmbedding), tokens);
}

namespace {
torch::Tensor tokenCrossEntropy(ClipCaptioner& model, const torch::Tensor& clipEmbedding, const torch::Tensor& tokens,
                                const torch::Tensor& mask, torch::nn::functional::CrossEntropyFuncOptions::reduction_t reduction) {
    const auto k = model->config().prefixLength;
    const auto length = tokens.size(1);
    // The input stops one token short: the last token (the end token) is only predicted.
    const auto logits = model->forward(clipEmbedding, tokens.slice(1, 0, length - 1));
    const auto predicting = logits.slice(1, k - 1, k - 1 + length);  // position k-1+t predicts token t
    const auto targets = tokens.masked_fill(mask.logical_not(), -100);
    return torch::nn::functional::cross_entropy(
        predicting.reshape({-1, predicting.size(-1)}), targets.reshape({-1}),
        torch::nn::functional::CrossEntropyFuncOptions().ignore_index(-100).reduction(reduction));
}
}  // namespace

torch::Tensor captionLoss(ClipCaptioner& model, const torch::Tensor& clipEmbedding, const torch::Tensor& tokens,
                          const torch::Tensor& mask) {
    return tokenCrossEntropy(model, clipEmbedding, tokens, mask, torch::kMean);
}

torch::Tensor captionLossSum(ClipCaptioner& model, const torch::Tensor& clipEmbedding, const torch::Tensor& tokens,
                             const torch::Tensor& mask) {
    return tokenCrossEntropy(model, clipEmbedding, tokens, mask, torch::kSum);
}

std::vector<std::vector<std::int64_t>> decodePrefixes(ClipCaptioner& model, const torch::Tensor& prefixEmbeds,
                                                      std::int64_t endToken, const DecodeOptions& options, bool useCache) {
    const auto device = prefixEmbeds.device();
    auto lastLogProbs = [](const torch::Tensor& logits) {
        return torch::log_softmax(logits.select(1, logits.size(1) - 1).to(torch::kFloat), -1);
    };
    if (!useCache) {
        auto next = [&](const torch::Tensor& sources, const torch::Tensor& tokens) {
            return lastLogProbs(model->forwardPrefix(prefixEmbeds.index_select(0, sources.to(device)), tokens.to(device)));
        };
        return decode(prefixEmbeds.size(0), endToken, next, options);
    }
    Gpt2KvCache cache;
    auto next = [&](const torch::Tensor& sources, const torch::Tensor& tokens, const torch::Tensor& parents) {
        if (tokens.size(1) == 0) {
            cache.clear();
            return lastLogProbs(model->gpt->forwardEmbedsCached(prefixEmbeds.index_select(0, sources.to(device)), cache));
        }
        cache.reorder(parents);
        const auto last = tokens.slice(1, tokens.size(1) - 1).to(device);
        return lastLogProbs(model->gpt->forwardEmbedsCached(model->gpt->embedTokens(last), cache));
    };
    return decodeIncremental(prefixEmbeds.size(0), endToken, next, options);
}

}  // namespace genra::caption
