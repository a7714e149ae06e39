#include "core/model/model_store.h"

#include "core/model/lora.h"
#include "core/model/weights.h"
#include "core/store/models.h"
#include "core/store/workspace.h"
#include "core/util/error.h"
#include "core/util/names.h"

#include <map>
#include <mutex>

namespace fs = std::filesystem;

namespace genra::model {

namespace {

ModelRecord fromRow(store::ModelRow row) {
    ModelRecord r;
    r.id = row.id;
    r.name = std::move(row.name);
    r.kind = std::move(row.kind);
    r.path = std::move(row.path);
    r.config = row.configJson.empty() ? nlohmann::json::object() : nlohmann::json::parse(row.configJson);
    r.baseModelId = row.baseModelId;
    r.runId = row.runId;
    r.createdAt = std::move(row.createdAt);
    return r;
}

store::ModelRow toRow(const ModelRecord& r) {
    store::ModelRow row;
    row.id = r.id;
    row.name = r.name;
    row.kind = r.kind;
    row.path = r.path;
    row.configJson = r.config.dump();
    row.baseModelId = r.baseModelId;
    row.runId = r.runId;
    return row;
}

fs::path resolvePath(store::Workspace* ws, const std::string& stored) {
    fs::path p(stored);
    if (p.is_absolute() || !ws) return p;
    return ws->dir() / p;
}

}  // namespace

std::int64_t registerModel(store::Workspace& ws, const ModelRecord& r) {
    util::validateName(r.name, "model");
    if (findModel(ws, r.name)) {
        throw Error("workspace " + ws.dir().string() + " already has a model named \"" + r.name + "\"");
    }
    return store::insertModel(ws, toRow(r));
}

std::int64_t upsertModel(store::Workspace& ws, const ModelRecord& r) {
    util::validateName(r.name, "model");
    if (auto existing = findModel(ws, r.name)) {
        if (r.baseModelId && *r.baseModelId == existing->id) {
            // Every later load would follow the base chain forever.
            throw Error("model \"" + r.name + "\" cannot replace its own base model; give the new model another name");
        }
        auto row = toRow(r);
        row.id = existing->id;
        store::updateModel(ws, row);
        return existing->id;
    }
    return registerModel(ws, r);
}

std::optional<ModelRecord> findModel(store::Workspace& ws, const std::string& name) {
    auto row = store::modelByName(ws, name);
    if (!row) return std::nullopt;
    return fromRow(std::move(*row));
}

std::optional<ModelRecord> findModelById(store::Workspace& ws, std::int64_t id) {
    auto row = store::modelById(ws, id);
    if (!row) return std::nullopt;
    return fromRow(std::move(*row));
}

ModelRecord requireModel(store::Workspace& ws, const std::string& name) {
    auto r = findModel(ws, name);
    if (!r) throw Error("workspace " + ws.dir().string() + " has no model named \"" + name + "\"");
    return *r;
}

std::vector<ModelRecord> listModels(store::Workspace& ws) {
    std::vector<ModelRecord> out;
    for (auto& row : store::allModels(ws)) out.push_back(fromRow(std::move(row)));
    return out;
}

RealImageEncoder realImageEncoderFromName(const std::string& name) {
    if (name == "frozen-real") return RealImageEncoder::FrozenReal;
    if (name == "lora-real-projection") return RealImageEncoder::LoraRealProjection;
    if (name == "lora-generated-projection") return RealImageEncoder::LoraGeneratedProjection;
    throw Error("unknown inference encoder \"" + name +
                "\" (expected frozen-real, lora-real-projection or lora-generated-projection)");
}

std::string realImageEncoderName(RealImageEncoder encoder) {
    switch (encoder) {
        case RealImageEncoder::FrozenReal: return "frozen-real";
        case RealImageEncoder::LoraRealProjection: return "lora-real-projection";
        case RealImageEncoder::LoraGeneratedProjection: return "lora-generated-projection";
    }
    return "frozen-real";
}

ClipModel LoadedClip::realImageEncoder() {
    if (!generated || inference == RealImageEncoder::FrozenReal) return real;
    if (inference == RealImageEncoder::LoraGeneratedProjection) return generated;
    if (!realEncoder_) {
        // The adapted backbone of f_g with Proj for Real (trained under the App. A reading), or
        // with f_r's projection for models trained without one.
        realEncoder_ = cloneClip(generated);
        torch::NoGradGuard noGrad;
        realEncoder_->visual->proj.copy_(realProjection.defined() ? realProjection : real->visual->proj);
        realEncoder_->eval();
    }
    return realEncoder_;
}

fs::path vocabPathOf(store::Workspace& ws, const ModelRecord& record) {
    const std::string vocab = record.config.value("vocab", std::string());
    if (!vocab.empty()) return ws.resolve(vocab);
    if (record.baseModelId) {
        if (auto base = findModelById(ws, *record.baseModelId)) return vocabPathOf(ws, *base);
    }
    return {};
}

std::shared_ptr<const text::ClipTokenizer> tokenizerFor(const fs::path& vocabPath) {
    static std::mutex mutex;
    static std::map<std::string, std::shared_ptr<const text::ClipTokenizer>> cache;
    const std::string key = fs::weakly_canonical(vocabPath).string();
    std::lock_guard<std::mutex> lock(mutex);
    auto it = cache.find(key);
    if (it != cache.end()) return it->second;
    auto tokenizer = std::make_shared<const text::ClipTokenizer>(text::ClipTokenizer::fromFile(vocabPath));
    cache[key] = tokenizer;
    return tokenizer;
}

ModelRecord saveClipModel(store::Workspace& ws, const std::string& name, const ClipModel& model,
                          const std::string& vocabPath, nlohmann::json extraConfig) {
    util::validateName(name, "model");  // before the name becomes a folder
    const fs::path relative = fs::path("checkpoints") / name / "model";
    nlohmann::json config = extraConfig.is_object() ? extraConfig : nlohmann::json::object();
    config["clip"] = toJson(model->config());
    config["vocab"] = vocabPath;
    StateDict state;
    for (const auto& [key, tensor] : exportStateDict(model)) state[key] = tensor.detach().to(torch::kCPU).contiguous().clone();
    fs::create_directories((ws.dir() / relative).parent_path());
    saveModelFiles(ws.dir() / relative, state, config);
    ModelRecord r;
    r.name = name;
    r.kind = kModelKindClip;
    r.path = (relative.string() + ".safetensors");
    r.config = config;
    if (extraConfig.contains("run_id")) r.runId = extraConfig["run_id"].get<std::int64_t>();
    r.id = upsertModel(ws, r);
    return *findModel(ws, name);
}

ModelRecord importClipModel(store::Workspace& ws, const std::string& name, const fs::path& weights,
                            const std::string& vocabPath, bool overwrite) {
    util::validateName(name, "model");
    if (auto existing = findModel(ws, name); existing && !overwrite) {
        throw Error("workspace " + ws.dir().string() + " already has a " + existing->kind + " model named \"" + name +
                    "\"; choose another name, or pass --overwrite to replace it");
    }
    auto loaded = loadClip(nullptr, weights.string(), vocabPath);
    const std::string vocab = vocabPath.empty() ? std::string() : fs::absolute(vocabPath).string();
    nlohmann::json extra = {{"source", fs::absolute(weights).string()}};
    return saveClipModel(ws, name, loaded.real, vocab, extra);
}

namespace {

ClipModel buildClip(const StateDict& state, const nlohmann::json& config) {
    Activation activation = Activation::QuickGelu;
    if (config.is_object() && config.contains("clip")) {
        const ClipConfig c = clipConfigFromJson(config["clip"]);
        checkStateDictCanFill(c, state, "CLIP weights");
        ClipModel model(c);
        LoadReport report;
        loadStateDict(model, state, report, LoadMode::Strict);
        model->eval();
        return model;
    }
    return createFromStateDict(state, activation);
}

void freezeAll(ClipModel& model) {
    for (auto& p : model->parameters()) p.set_requires_grad(false);
    model->eval();
}

}  // namespace

LoadedClip loadClip(store::Workspace* ws, const std::string& nameOrPath, const std::string& vocabPath) {
    LoadedClip out;
    out.name = nameOrPath;
    std::optional<ModelRecord> record;
    if (ws) record = findModel(*ws, nameOrPath);
    if (!record) {
        if (!fs::is_regular_file(nameOrPath)) {
            throw Error("no model named \"" + nameOrPath + "\"" + (ws ? " in workspace " + ws->dir().string() : "") +
                        " and no weights file at that path");
        }
        auto weights = loadWeights(nameOrPath);
        out.real = buildClip(weights.stateDict, weights.config);
        freezeAll(out.real);
        std::string vocab = vocabPath;
        if (vocab.empty() && weights.config.is_object() && weights.config.value("vocab", std::string()) != "") {
            vocab = weights.config["vocab"].get<std::string>();
        }
        if (!vocab.empty()) out.tokenizer = tokenizerFor(vocab);
        out.record.name = nameOrPath;
        out.record.kind = kModelKindClip;
        out.record.path = nameOrPath;
        return out;
    }
    out.record = *record;
    if (record->kind == kModelKindClip) {
        auto files = loadWeights(resolvePath(ws, record->path), WeightsFormat::GenraModel);
        out.real = buildClip(files.stateDict, record->config);
        freezeAll(out.real);
    } else if (record->kind == kModelKindLora) {
        if (!record->baseModelId) throw Error("model \"" + record->name + "\" has no base model");
        auto base = findModelById(*ws, *record->baseModelId);
        if (!base) throw Error("the base model of \"" + record->name + "\" is missing from the workspace");
        LoadedClip baseClip = loadClip(ws, base->name, vocabPath);
        out.real = baseClip.real;
        out.tokenizer = baseClip.tokenizer;
        auto adapters = loadWeights(resolvePath(ws, record->path), WeightsFormat::GenraModel);
        out.generated = cloneClip(out.real);
        if (auto it = adapters.stateDict.find(kRealProjectionKey); it != adapters.stateDict.end()) {
            const auto& proj = out.real->visual->proj;
            if (it->second.sizes() != proj.sizes()) {
                throw Error("model \"" + record->name + "\": " + kRealProjectionKey + " has shape " +
                            std::to_string(it->second.size(0)) + "x" + std::to_string(it->second.dim() > 1 ? it->second.size(1) : 0) +
                            ", the base model's projection " + std::to_string(proj.size(0)) + "x" + std::to_string(proj.size(1)));
            }
            out.realProjection = it->second.to(proj.dtype()).clone();
            adapters.stateDict.erase(it);
        }
        const auto options = loraOptionsFromJson(record->config.at("lora"));
        applyLora(out.generated, options);
        LoadReport report;
        loadLoraStateDict(out.generated, adapters.stateDict, report, LoadMode::Strict);
        freezeAll(out.generated);
        out.inference = realImageEncoderFromName(record->config.value("inference_encoder", std::string("frozen-real")));
        return out;
    } else {
        throw Error("model \"" + record->name + "\" is a " + record->kind + ", not a CLIP model");
    }
    if (record->baseModelId && record->config.value("dual_encoder", false)) {
        // A fully fine-tuned second image encoder (full-ft): f_g is these weights, f_r the base.
        auto base = findModelById(*ws, *record->baseModelId);
        if (base) {
            LoadedClip baseClip = loadClip(ws, base->name, vocabPath);
            out.generated = out.real;
            out.real = baseClip.real;
            out.inference =
                realImageEncoderFromName(record->config.value("inference_encoder", std::string("lora-generated-projection")));
        }
    }
    std::string vocab = vocabPath.empty() ? record->config.value("vocab", std::string()) : vocabPath;
    if (!vocab.empty()) out.tokenizer = tokenizerFor(resolvePath(ws, vocab));
    return out;
}

}  // namespace genra::model
