#include "core/gen/builtin_generator.h"

#include "core/gen/generator_bundle.h"
#include "core/model/clip_config.h"
#include "core/model/embed.h"
#include "core/model/weights.h"
#include "core/store/workspace.h"
#include "core/util/error.h"

#include <set>

namespace fs = std::filesystem;
using nlohmann::json;

namespace genra::gen {

model::LoadedClip loadTextModel(store::Workspace& ws, const std::string& name) {
    auto clip = model::loadClip(&ws, name);
    if (!clip.tokenizer) {
        throw Error("text model \"" + name + "\" has no vocabulary recorded; import it with its vocab file");
    }
    return clip;
}

torch::Tensor BuiltinGenerator::generate(const std::vector<std::string>& captions, const std::vector<std::uint64_t>& seeds,
                                         const SampleOptions& options, const std::function<void(int, int)>& onStep) {
    if (captions.size() != seeds.size()) throw Error("generator: one seed per caption expected");
    if (captions.empty()) return torch::empty({0, imageSize(), imageSize(), 3}, torch::kUInt8);
    torch::NoGradGuard noGrad;
    unet->eval();
    const auto batch = static_cast<std::int64_t>(captions.size());
    const TokenFeatures cond = text->encode(captions);
    const TokenFeatures null = text->encode({""});
    const TokenFeatures nullRows = selectRows(null, torch::zeros({batch}, torch::kLong));
    const bool guided = options.guidance != 1.0;
    const TokenFeatures both = guided ? concatFeatures(cond, nullRows) : cond;
    const auto features = both.features.to(device);
    const auto mask = both.mask.to(device);
    const auto tokens = both.tokens.to(device);
    GuidedEpsilonFn epsilon = [&](const torch::Tensor& xt, const torch::Tensor& t) {
        auto toEpsilon = [&](const torch::Tensor& out) {
            return predictsVelocity ? epsilonFromVelocity(*schedule, t, xt, out) : out;
        };
        if (!guided) return std::make_pair(toEpsilon(unet->forward(xt, t, features, mask, tokens)), torch::Tensor());
        const auto out = unet->forward(torch::cat({xt, xt}), torch::cat({t, t}), features, mask, tokens);
        return std::make_pair(toEpsilon(out.narrow(0, 0, batch)), toEpsilon(out.narrow(0, batch, batch)));
    };
    SampleOptions o = options;
    torch::Tensor mean, scale;
    if (dataMean.size() == 3 && dataStd.size() == 3) {
        mean = torch::tensor(dataMean, torch::kFloat64).to(torch::kFloat32).view({1, 3, 1, 1}).to(device);
        scale = torch::tensor(dataStd, torch::kFloat64).to(torch::kFloat32).view({1, 3, 1, 1}).to(device) / kGeneratorDataStd;
        // The range [-1, 1] of pixels, in the standardised space the model samples in.
        o.clipRange = ((1.0 + mean.abs()) / scale).max().item<double>();
    }
    auto images = sample(*schedule, epsilon, seeds, unet->config().channels, imageSize(), o, device, onStep);
    if (mean.defined()) images = images * scale + mean;
    return toUint8Images(images);
}

namespace {

constexpr const char* kEmbeddedTextPrefix = "text.";

// The U-Net, schedule and data statistics of a generator from its files; `where` names them in
// errors. Tensors under "text." (a bundle's text tower) are left to embeddedTextModel.
BuiltinGenerator buildGenerator(const std::string& name, const std::string& where, const model::StateDict& state,
                                const json& config, const std::string& device) {
    BuiltinGenerator g;
    g.name = name;
    g.config = config;
    g.device = model::resolveDevice(device);
    if (!config.contains("unet")) throw Error("generator \"" + name + "\": " + where + " has no \"unet\" configuration");
    g.unet = UNet(unetConfigFromJson(config["unet"]));
    {
        torch::NoGradGuard noGrad;
        std::set<std::string> seen;
        for (auto& item : g.unet->named_parameters()) {
            const auto it = state.find(item.key());
            if (it == state.end() || it->second.sizes() != item.value().sizes()) {
                throw Error("generator \"" + name + "\": weights " + where + " lack or mis-shape " + item.key());
            }
            item.value().copy_(it->second);  // float16 bundles widen here
            seen.insert(item.key());
        }
        for (const auto& [key, value] : state) {
            if (!seen.count(key) && key.rfind(kEmbeddedTextPrefix, 0) != 0) {
                throw Error("generator \"" + name + "\": unexpected tensor " + key + " in " + where);
            }
        }
    }
    g.unet->to(g.device);
    g.unet->eval();
    g.predictsVelocity = config.value("parametrization", std::string("eps")) == "v";
    if (config.contains("data_mean") && config.contains("data_std")) {
        g.dataMean = config["data_mean"].get<std::vector<double>>();
        g.dataStd = config["data_std"].get<std::vector<double>>();
        if (g.dataMean.size() != 3 || g.dataStd.size() != 3) {
            throw Error("generator \"" + name + "\": data_mean and data_std must have 3 entries");
        }
    }
    g.schedule = std::make_shared<NoiseSchedule>(config.value("timesteps", 1000),
                                                 betaScheduleFromName(config.value("schedule", std::string("cosine"))));
    return g;
}

// A bundle's own text tower: a CLIP of config "text_clip" whose non-visual tensors are the
// "text."-prefixed ones of `state` (its image tower stays unused and uninitialised).
model::LoadedClip embeddedTextModel(const std::string& where, const model::StateDict& state, const json& config,
                                    const fs::path& vocab) {
    model::LoadedClip out;
    out.real = model::ClipModel(model::clipConfigFromJson(config["text_clip"]));
    torch::NoGradGuard noGrad;
    auto load = [&](const std::string& key, torch::Tensor& value) {
        if (key.rfind("visual.", 0) == 0) return;
        const auto it = state.find(kEmbeddedTextPrefix + key);
        if (it == state.end() || it->second.sizes() != value.sizes()) {
            throw Error(where + ": the text tower's tensor " + kEmbeddedTextPrefix + key + " is missing or mis-shaped");
        }
        value.copy_(it->second);
    };
    for (auto& item : out.real->named_parameters(true)) load(item.key(), item.value());
    for (auto& item : out.real->named_buffers(true)) {
        if (state.count(kEmbeddedTextPrefix + item.key())) load(item.key(), item.value());
    }
    for (auto& p : out.real->parameters()) p.set_requires_grad(false);
    out.real->eval();
    if (!fs::is_regular_file(vocab)) throw Error(where + ": the text tower's vocabulary " + vocab.string() + " is missing");
    out.tokenizer = model::tokenizerFor(vocab);
    return out;
}

void attachText(BuiltinGenerator& g, model::LoadedClip clip, const std::string& textModel) {
    const std::string& name = g.name;
    clip.real->to(g.device);
    if (clip.real->config().transformerWidth != g.unet->config().contextDim) {
        throw Error("generator \"" + name + "\": text model \"" + textModel + "\" has width " +
                    std::to_string(clip.real->config().transformerWidth) + ", the generator expects " +
                    std::to_string(g.unet->config().contextDim));
    }
    const auto tokenVocab = g.unet->config().tokenVocab;
    if (tokenVocab > 0 && clip.real->config().vocabSize != tokenVocab) {
        throw Error("generator \"" + name + "\": text model \"" + textModel + "\" has a vocabulary of " +
                    std::to_string(clip.real->config().vocabSize) + " tokens, the generator learnt embeddings for " +
                    std::to_string(tokenVocab));
    }
    g.text = std::make_shared<TextConditioner>(clip.real, clip.tokenizer);
}

}  // namespace

BuiltinGenerator loadBuiltinGenerator(store::Workspace& ws, const std::string& name, const std::string& device) {
    const auto record = model::findModel(ws, name);
    if (!record) throw Error("workspace " + ws.dir().string() + " has no generator named \"" + name + "\"");
    if (record->kind != kModelKindGenerator) {
        throw Error("model \"" + name + "\" is a " + record->kind + " model, not a generator");
    }
    const auto files = model::loadModelFiles(ws.resolve(record->path));
    const json& config = files.config;
    BuiltinGenerator g = buildGenerator(name, record->path, files.stateDict, config, device);
    g.modelId = record->id;
    if (config.contains("text_clip")) {
        attachText(g, embeddedTextModel(record->path, files.stateDict, config, ws.resolve(config.value("vocab", std::string()))),
                   name + " (its own text tower)");
        return g;
    }
    std::string textModel = config.value("text_model", std::string());
    if (config.contains("text_model_id")) {
        if (auto byId = model::findModelById(ws, config["text_model_id"].get<std::int64_t>())) textModel = byId->name;
    }
    attachText(g, loadTextModel(ws, textModel), textModel);
    return g;
}

BuiltinGenerator loadGeneratorBundle(const fs::path& dir, const std::string& device) {
    const json config = readGeneratorBundleConfig(dir);
    const auto files = model::loadModelFiles(dir / "model");
    const std::string where = (dir / "model.safetensors").string();
    const std::string name = config.value("provenance", json::object()).value("exported_from", dir.filename().string());
    BuiltinGenerator g = buildGenerator(name, where, files.stateDict, config, device);
    attachText(g, embeddedTextModel(where, files.stateDict, config, dir / config.value("vocab", std::string("vocab.txt"))),
               name + " (its own text tower)");
    return g;
}

}  // namespace genra::gen
