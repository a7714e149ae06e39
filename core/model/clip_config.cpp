#include "core/model/clip_config.h"

#include <cstdio>
#include <iterator>

#include "core/util/error.h"
#include "core/util/shape_text.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>
#include <sstream>

namespace genra::model {

namespace {

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

using util::shapeText;

const torch::Tensor& need(const StateDict& sd, const std::string& key, std::int64_t dims) {
    const auto it = sd.find(key);
    if (it == sd.end()) throw Error("CLIP state dict: missing tensor '" + key + "'");
    if (it->second.dim() != dims)
        throw Error("CLIP state dict: '" + key + "' has shape " + shapeText(it->second) + ", expected " +
                    std::to_string(dims) + " dimensions");
    return it->second;
}

bool startsWith(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

// Block indices under `prefix` ("visual.transformer.resblocks."), which must run 0..n-1.
std::int64_t countBlocks(const StateDict& sd, const std::string& prefix) {
    std::set<std::int64_t> indices;
    for (const auto& [key, tensor] : sd) {
        if (!startsWith(key, prefix)) continue;
        const auto rest = key.substr(prefix.size());
        const auto dot = rest.find('.');
        const auto digits = rest.substr(0, dot);
        if (digits.empty() || !std::all_of(digits.begin(), digits.end(), [](unsigned char c) { return std::isdigit(c); }))
            throw Error("CLIP state dict: unexpected key '" + key + "' (no block index after '" + prefix + "')");
        indices.insert(std::stoll(digits));
    }
    const auto n = static_cast<std::int64_t>(indices.size());
    if (n > 0 && *indices.rbegin() != n - 1)
        throw Error("CLIP state dict: blocks under '" + prefix + "' are not numbered 0.." + std::to_string(n - 1));
    return n;
}

std::int64_t headsFor(std::int64_t width) { return std::max<std::int64_t>(1, width / 64); }

}  // namespace

std::string activationName(Activation activation) {
    switch (activation) {
    case Activation::QuickGelu: return "quick_gelu";
    case Activation::Gelu: return "gelu";
    }
    return "unknown";
}

Activation activationFromName(const std::string& name) {
    const auto n = lower(name);
    if (n == "quick_gelu" || n == "quickgelu") return Activation::QuickGelu;
    if (n == "gelu") return Activation::Gelu;
    throw Error("unknown activation '" + name + "' (expected quick_gelu or gelu)");
}

std::string visionStemName(VisionStem stem) {
    return stem == VisionStem::Conv ? "conv" : "patch";
}

VisionStem visionStemFromName(const std::string& name) {
    const auto n = lower(name);
    if (n == "patch") return VisionStem::Patch;
    if (n == "conv") return VisionStem::Conv;
    throw Error("unknown vision stem '" + name + "' (expected patch or conv)");
}

void ClipConfig::validate() const {
    const std::pair<const char*, std::int64_t> positive[] = {
        {"embedDim", embedDim},         {"imageResolution", imageResolution},   {"visionLayers", visionLayers},
        {"visionWidth", visionWidth},   {"visionPatchSize", visionPatchSize},   {"visionHeads", visionHeads},
        {"contextLength", contextLength}, {"vocabSize", vocabSize},           {"transformerWidth", transformerWidth},
        {"transformerHeads", transformerHeads}, {"transformerLayers", transformerLayers}};
    for (const auto& [name, value] : positive)
        if (value <= 0) throw Error(std::string("CLIP config: ") + name + " must be positive, got " + std::to_string(value));
    const std::pair<const char*, std::int64_t> capped[] = {
        {"embedDim", kMaxClipWidth},          {"visionWidth", kMaxClipWidth},   {"transformerWidth", kMaxClipWidth},
        {"visionLayers", kMaxClipLayers},     {"transformerLayers", kMaxClipLayers},
        {"vocabSize", kMaxClipVocab},         {"contextLength", kMaxClipContext},
        {"imageResolution", kMaxClipResolution}, {"visionPatchSize", kMaxClipResolution}};
    const std::int64_t values[] = {embedDim,    visionWidth, transformerWidth, visionLayers,   transformerLayers,
                                   vocabSize,   contextLength, imageResolution, visionPatchSize};
    for (std::size_t i = 0; i < std::size(capped); ++i) {
        if (values[i] > capped[i].second) {
            throw Error(std::string("CLIP config: ") + capped[i].first + " " + std::to_string(values[i]) +
                        " is past the cap of " + std::to_string(capped[i].second) +
                        " for architectures read from files (docs/security.md)");
        }
    }
    if (imageResolution % visionPatchSize != 0)
        throw Error("CLIP config: imageResolution " + std::to_string(imageResolution) +
                    " is not a multiple of visionPatchSize " + std::to_string(visionPatchSize));
    if (visionStem == VisionStem::Conv &&
        (visionPatchSize < 2 || visionPatchSize > 64 || (visionPatchSize & (visionPatchSize - 1)) != 0))
        throw Error("CLIP config: a conv stem needs a visionPatchSize that is a power of two from 2 to 64, got " +
                    std::to_string(visionPatchSize));
    if (visionWidth % visionHeads != 0)
        throw Error("CLIP config: visionWidth " + std::to_string(visionWidth) + " is not divisible by visionHeads " +
                    std::to_string(visionHeads));
    if (transformerWidth % transformerHeads != 0)
        throw Error("CLIP config: transformerWidth " + std::to_string(transformerWidth) +
                    " is not divisible by transformerHeads " + std::to_string(transformerHeads));
}

double ClipConfig::parameterLowerBound() const {
    auto d = [](std::int64_t v) { return static_cast<double>(v); };
    const double grid = d(imageResolution / visionPatchSize);
    const double vision = d(visionLayers) * 12.0 * d(visionWidth) * d(visionWidth) +
                          (grid * grid + 1.0) * d(visionWidth) + d(visionWidth) * d(embedDim);
    const double text = d(transformerLayers) * 12.0 * d(transformerWidth) * d(transformerWidth) +
                        d(vocabSize) * d(transformerWidth) + d(contextLength) * d(transformerWidth) +
                        d(transformerWidth) * d(embedDim);
    return vision + text;
}

void checkStateDictCanFill(const ClipConfig& config, const StateDict& stateDict, const std::string& source) {
    double values = 0.0;
    for (const auto& [key, tensor] : stateDict) values += static_cast<double>(tensor.numel());
    const double needed = config.parameterLowerBound();
    if (values < needed) {
        char text[160];
        std::snprintf(text, sizeof text, "%.0f values, but the architecture it describes needs at least %.0f", values,
                      needed);
        throw Error(source + ": " + text + " (width " + std::to_string(config.visionWidth) + "/" +
                    std::to_string(config.transformerWidth) + ", " + std::to_string(config.visionLayers) + "+" +
                    std::to_string(config.transformerLayers) +
                    " layers); shapes that do not match the tensors' data, not loaded");
    }
}

bool ClipConfig::operator==(const ClipConfig& o) const {
    return embedDim == o.embedDim && imageResolution == o.imageResolution && visionLayers == o.visionLayers &&
           visionWidth == o.visionWidth && visionPatchSize == o.visionPatchSize && visionHeads == o.visionHeads &&
           contextLength == o.contextLength && vocabSize == o.vocabSize && transformerWidth == o.transformerWidth &&
           transformerHeads == o.transformerHeads && transformerLayers == o.transformerLayers &&
           activation == o.activation && visionStem == o.visionStem;
}

nlohmann::json toJson(const ClipConfig& c) {
    nlohmann::json j = {{"embed_dim", c.embedDim},
            {"quick_gelu", c.activation == Activation::QuickGelu},
            {"vision_cfg",
             {{"image_size", c.imageResolution},
              {"layers", c.visionLayers},
              {"width", c.visionWidth},
              {"patch_size", c.visionPatchSize},
              {"heads", c.visionHeads}}},
            {"text_cfg",
             {{"context_length", c.contextLength},
              {"vocab_size", c.vocabSize},
              {"width", c.transformerWidth},
              {"heads", c.transformerHeads},
              {"layers", c.transformerLayers}}}};
    if (c.visionStem != VisionStem::Patch) j["vision_cfg"]["stem"] = visionStemName(c.visionStem);
    return j;
}

ClipConfig clipConfigFromJson(const nlohmann::json& j) {
    auto integer = [](const nlohmann::json& obj, const std::string& where, const char* key) -> std::int64_t {
        if (!obj.is_object() || !obj.contains(key)) throw Error("CLIP config JSON: missing '" + where + key + "'");
        const auto& v = obj.at(key);
        if (!v.is_number_integer())
            throw Error("CLIP config JSON: '" + where + key + "' must be an integer (ResNet towers are not supported)");
        return v.get<std::int64_t>();
    };
    if (!j.is_object()) throw Error("CLIP config JSON: expected an object");
    if (!j.contains("vision_cfg") || !j.contains("text_cfg"))
        throw Error("CLIP config JSON: expected 'vision_cfg' and 'text_cfg'");
    const auto& v = j.at("vision_cfg");
    const auto& t = j.at("text_cfg");
    ClipConfig c;
    c.embedDim = integer(j, "", "embed_dim");
    c.imageResolution = integer(v, "vision_cfg.", "image_size");
    c.visionLayers = integer(v, "vision_cfg.", "layers");
    c.visionWidth = integer(v, "vision_cfg.", "width");
    c.visionPatchSize = integer(v, "vision_cfg.", "patch_size");
    if (v.contains("heads")) {
        c.visionHeads = integer(v, "vision_cfg.", "heads");
    } else {
        const std::int64_t headWidth = v.contains("head_width") ? integer(v, "vision_cfg.", "head_width") : 64;
        if (headWidth <= 0) throw Error("CLIP config JSON: 'vision_cfg.head_width' must be positive");
        c.visionHeads = c.visionWidth / headWidth;
    }
    if (v.contains("stem")) {
        if (!v.at("stem").is_string()) throw Error("CLIP config JSON: 'vision_cfg.stem' must be \"patch\" or \"conv\"");
        try {
            c.visionStem = visionStemFromName(v.at("stem").get<std::string>());
        } catch (const Error& e) {
            throw Error(std::string("CLIP config JSON: 'vision_cfg.stem': ") + e.what());
        }
    }
    c.contextLength = t.contains("context_length") ? integer(t, "text_cfg.", "context_length") : 77;
    c.vocabSize = t.contains("vocab_size") ? integer(t, "text_cfg.", "vocab_size") : 49408;
    c.transformerWidth = integer(t, "text_cfg.", "width");
    c.transformerHeads = integer(t, "text_cfg.", "heads");
    c.transformerLayers = integer(t, "text_cfg.", "layers");
    c.activation = j.value("quick_gelu", false) ? Activation::QuickGelu : Activation::Gelu;
    c.validate();
    return c;
}

namespace {

struct Preset {
    const char* name;
    ClipConfig config;
};

ClipConfig makeConfig(std::int64_t embed, std::int64_t res, std::int64_t vLayers, std::int64_t vWidth,
                      std::int64_t patch, std::int64_t context, std::int64_t tWidth, std::int64_t tLayers) {
    ClipConfig c;
    c.embedDim = embed;
    c.imageResolution = res;
    c.visionLayers = vLayers;
    c.visionWidth = vWidth;
    c.visionPatchSize = patch;
    c.visionHeads = headsFor(vWidth);
    c.contextLength = context;
    c.vocabSize = 49408;
    c.transformerWidth = tWidth;
    c.transformerHeads = headsFor(tWidth);
    c.transformerLayers = tLayers;
    c.activation = Activation::QuickGelu;
    return c;
}

ClipConfig withConvStem(ClipConfig c) {
    c.visionStem = VisionStem::Conv;
    return c;
}

const std::vector<Preset>& presets() {
    static const std::vector<Preset> all = {
        {"ViT-B-32", makeConfig(512, 224, 12, 768, 32, 77, 512, 12)},
        {"ViT-B-16", makeConfig(512, 224, 12, 768, 16, 77, 512, 12)},
        {"ViT-L-14", makeConfig(768, 224, 24, 1024, 14, 77, 768, 12)},
        {"ViT-L-14-336", makeConfig(768, 336, 24, 1024, 14, 77, 768, 12)},
        {"tiny", makeConfig(64, 32, 2, 64, 8, 32, 64, 2)},
        {"tiny-conv", withConvStem(makeConfig(64, 32, 2, 64, 8, 32, 64, 2))},
        {"small", makeConfig(256, 64, 4, 256, 8, 77, 256, 4)},
    };
    return all;
}

}  // namespace

ClipConfig clipPreset(const std::string& name) {
    auto key = lower(name);
    std::replace(key.begin(), key.end(), '/', '-');
    for (const auto& p : presets())
        if (lower(p.name) == key) return p.config;
    std::string known;
    for (const auto& p : presets()) known += (known.empty() ? "" : ", ") + std::string(p.name);
    throw Error("unknown CLIP preset '" + name + "' (known: " + known + ")");
}

std::vector<std::string> clipPresetNames() {
    std::vector<std::string> names;
    for (const auto& p : presets()) names.emplace_back(p.name);
    return names;
}

ClipConfig inferConfig(const StateDict& sd, Activation activation) {
    if (sd.count("visual.layer1.0.conv1.weight") != 0 || sd.count("visual.attnpool.positional_embedding") != 0)
        throw Error("CLIP state dict: ResNet image towers (visual.layer1..., visual.attnpool) are not supported");
    ClipConfig c;
    const auto& conv = need(sd, "visual.conv1.weight", 4);
    c.visionWidth = conv.size(0);
    // A conv stem: "visual.stem.<i>.weight" of rank 4 are its convolutions, conv1 is 1x1.
    std::int64_t stemConvs = 0;
    for (const auto& [key, tensor] : sd)
        if (startsWith(key, "visual.stem.") && key.size() > 7 && key.compare(key.size() - 7, 7, ".weight") == 0 &&
            tensor.dim() == 4)
            ++stemConvs;
    if (stemConvs > 0) {
        c.visionStem = VisionStem::Conv;
        c.visionPatchSize = std::int64_t{1} << stemConvs;
        if (conv.size(2) != 1 || conv.size(3) != 1)
            throw Error("CLIP state dict: 'visual.conv1.weight' has shape " + shapeText(conv) +
                        ", expected [width, channels, 1, 1] after a conv stem");
    } else {
        c.visionPatchSize = conv.size(-1);
        if (conv.size(1) != 3 || conv.size(2) != conv.size(3))
            throw Error("CLIP state dict: 'visual.conv1.weight' has shape " + shapeText(conv) +
                        ", expected [width, 3, patch, patch]");
    }
    c.visionLayers = countBlocks(sd, "visual.transformer.resblocks.");
    const auto& vpos = need(sd, "visual.positional_embedding", 2);
    const auto tokens = vpos.size(0);
    const auto grid = static_cast<std::int64_t>(std::llround(std::sqrt(static_cast<double>(tokens - 1))));
    if (grid * grid + 1 != tokens)
        throw Error("CLIP state dict: 'visual.positional_embedding' has " + std::to_string(tokens) +
                    " rows, which is not 1 + a square grid");
    c.imageResolution = c.visionPatchSize * grid;
    c.visionHeads = headsFor(c.visionWidth);

    c.embedDim = need(sd, "text_projection", 2).size(1);
    c.contextLength = need(sd, "positional_embedding", 2).size(0);
    c.vocabSize = need(sd, "token_embedding.weight", 2).size(0);
    c.transformerWidth = need(sd, "ln_final.weight", 1).size(0);
    c.transformerHeads = headsFor(c.transformerWidth);
    c.transformerLayers = countBlocks(sd, "transformer.resblocks.");
    c.activation = activation;
    if (c.visionLayers == 0) throw Error("CLIP state dict: no 'visual.transformer.resblocks.*' tensors");
    if (c.transformerLayers == 0) throw Error("CLIP state dict: no 'transformer.resblocks.*' tensors");
    c.validate();
    checkStateDictCanFill(c, sd, "CLIP state dict");
    return c;
}

}  // namespace genra::model
