#include "core/model/clip_bundle.h"

#include "core/model/clip.h"
#include "core/model/model_store.h"
#include "core/model/weights.h"
#include "core/store/workspace.h"
#include "core/util/error.h"
#include "core/util/json_file.h"
#include "core/util/names.h"

#include <torch/torch.h>

namespace fs = std::filesystem;
using nlohmann::json;

namespace genra::model {

json exportClipBundle(store::Workspace& ws, const ClipExportOptions& options) {
    const auto record = requireModel(ws, options.name);
    if (record.kind != kModelKindClip || record.baseModelId) {
        throw Error("model \"" + options.name + "\" is a " + record.kind +
                    (record.baseModelId ? " model with a base model" : " model") +
                    "; only a plain CLIP model (pre-trained or imported) exports as a CLIP bundle");
    }
    const fs::path vocab = vocabPathOf(ws, record);
    if (vocab.empty() || !fs::is_regular_file(vocab)) {
        throw Error("model \"" + options.name + "\": its vocabulary is missing (" +
                    (vocab.empty() ? std::string("none recorded") : vocab.string()) +
                    "); a CLIP bundle carries the vocabulary its text tower was trained with");
    }
    const auto loaded = loadClip(&ws, options.name);
    StateDict tensors;
    for (const auto& [key, value] : exportStateDict(loaded.real)) {
        auto t = value.detach().to(torch::kCPU).contiguous();
        tensors[key] = options.half && t.is_floating_point() ? t.to(torch::kHalf) : t.clone();
    }
    json config = json::object();
    config["format"] = kClipBundleFormat;
    config["format_version"] = 1;
    config["clip"] = toJson(loaded.real->config());
    config["method"] = record.config.value("method", std::string());
    config["vocab"] = "vocab.txt";
    config["weights_dtype"] = options.half ? "float16" : "float32";
    json provenance = record.config.value("provenance", json::object());
    if (!provenance.is_object()) provenance = json::object();
    provenance["exported_from"] = options.name;
    for (const auto& [key, value] : options.provenance.items()) provenance[key] = value;
    config["provenance"] = provenance;

    fs::create_directories(options.outDir);
    fs::copy_file(vocab, options.outDir / "vocab.txt", fs::copy_options::overwrite_existing);
    saveModelFiles(options.outDir / "model", tensors, config);
    return config;
}

json readClipBundleConfig(const fs::path& dir) {
    const auto files = modelFilePaths(dir / "model");
    if (!fs::is_regular_file(files.config)) throw Error(dir.string() + ": not a CLIP bundle (no model.json)");
    json config = util::readJsonFile(files.config);
    if (!config.is_object() || config.value("format", std::string()) != kClipBundleFormat) {
        throw Error(files.config.string() + ": not a CLIP bundle (\"format\" is not \"" + kClipBundleFormat + "\")");
    }
    if (!config.contains("clip") || !config["clip"].is_object()) {
        throw Error(files.config.string() + ": a CLIP bundle needs a \"clip\" configuration object");
    }
    if (!fs::is_regular_file(files.weights)) throw Error(dir.string() + ": the CLIP bundle has no " + files.weights.filename().string());
    if (!fs::is_regular_file(dir / "vocab.txt")) throw Error(dir.string() + ": the CLIP bundle has no vocab.txt");
    return config;
}

std::int64_t importClipBundle(store::Workspace& ws, const fs::path& dir, const std::string& name, bool overwrite) {
    util::validateName(name, "model");
    if (auto existing = findModel(ws, name); existing && !overwrite) {
        throw Error("workspace " + ws.dir().string() + " already has a " + existing->kind + " model named \"" + name +
                    "\"; choose another name, or pass --overwrite to replace it");
    }
    const json bundle = readClipBundleConfig(dir);
    // Loads it once: the weights must fill the configuration and the vocabulary must parse, and its
    // size must match the text tower's, before anything is written.
    auto loaded = loadClip(nullptr, modelFilePaths(dir / "model").weights.string(), (dir / "vocab.txt").string());
    const auto vocabSize = loaded.real->config().vocabSize;
    if (loaded.tokenizer && static_cast<std::int64_t>(loaded.tokenizer->vocabularySize()) > vocabSize) {
        throw Error(dir.string() + ": vocab.txt has " + std::to_string(loaded.tokenizer->vocabularySize()) +
                    " tokens, more than the text tower's " + std::to_string(vocabSize));
    }
    const fs::path relative = fs::path("checkpoints") / name;
    fs::create_directories(ws.dir() / relative);
    fs::copy_file(dir / "vocab.txt", ws.dir() / relative / "vocab.txt", fs::copy_options::overwrite_existing);
    json extra = json::object();
    extra["method"] = bundle.value("method", std::string());
    json provenance = bundle.value("provenance", json::object());
    provenance["imported_from"] = fs::absolute(dir).lexically_normal().string();
    extra["provenance"] = provenance;
    extra["bundle"] = kClipBundleFormat;
    return saveClipModel(ws, name, loaded.real, (relative / "vocab.txt").string(), extra).id;
}

}  // namespace genra::model
