#include "core/gen/generator_bundle.h"

#include "core/data/shapes.h"
#include "core/gen/builtin_generator.h"
#include "core/model/clip_config.h"
#include "core/model/model_store.h"
#include "core/model/safetensors.h"
#include "core/model/weights.h"
#include "core/store/workspace.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "core/util/json_file.h"
#include "core/util/names.h"


namespace fs = std::filesystem;
using nlohmann::json;

namespace genra::gen {

namespace {

constexpr const char* kTextPrefix = "text.";
constexpr const char* kVisualPrefix = "visual.";

bool startsWith(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

}  // namespace

json toJson(const FixedAdherenceOptions& o) {
    return {{"captions", o.captions}, {"scene_seed", o.sceneSeed}, {"steps", o.steps}, {"guidance", o.guidance}};
}

FixedAdherenceOptions fixedAdherenceOptionsFromJson(const json& j) {
    FixedAdherenceOptions o;
    o.captions = j.value("captions", o.captions);
    o.sceneSeed = j.value("scene_seed", o.sceneSeed);
    o.steps = j.value("steps", o.steps);
    o.guidance = j.value("guidance", o.guidance);
    return o;
}

data::AdherenceRates fixedCaptionAdherence(BuiltinGenerator& generator, const FixedAdherenceOptions& options) {
    if (options.captions <= 0) throw Error("fixed-caption adherence: the caption count must be positive");
    std::vector<std::string> captions;
    std::vector<data::ShapesTarget> targets;
    std::vector<std::uint64_t> seeds;
    for (int i = 0; i < options.captions; ++i) {
        const auto scene = data::makeShapesScene(options.sceneSeed, i, 64, 2);
        const auto target = data::shapesTargetFromAttributes(data::shapesAttributes(scene));
        if (!target) throw Error("fixed-caption adherence: Shapes scene " + std::to_string(i) + " has no target");
        captions.push_back(scene.captions.at(0));
        targets.push_back(*target);
        seeds.push_back(static_cast<std::uint64_t>(i));
    }
    SampleOptions sampling;
    sampling.steps = options.steps;
    sampling.guidance = options.guidance;
    data::AdherenceTally tally;
    constexpr std::size_t kBatch = 25;
    for (std::size_t begin = 0; begin < captions.size(); begin += kBatch) {
        const auto end = std::min(captions.size(), begin + kBatch);
        const std::vector<std::string> batchCaptions(captions.begin() + static_cast<std::ptrdiff_t>(begin),
                                                     captions.begin() + static_cast<std::ptrdiff_t>(end));
        const std::vector<std::uint64_t> batchSeeds(seeds.begin() + static_cast<std::ptrdiff_t>(begin),
                                                    seeds.begin() + static_cast<std::ptrdiff_t>(end));
        const auto images = generator.generate(batchCaptions, batchSeeds, sampling).to(torch::kCPU).contiguous();
        for (std::size_t i = begin; i < end; ++i) {
            const auto pixels = images[static_cast<std::int64_t>(i - begin)];
            data::Image image;
            image.height = static_cast<int>(pixels.size(0));
            image.width = static_cast<int>(pixels.size(1));
            image.channels = 3;
            image.pixels.assign(pixels.data_ptr<std::uint8_t>(), pixels.data_ptr<std::uint8_t>() + pixels.numel());
            tally.add(data::scoreShapesAdherence(image, targets[i]), targets[i].positionStated);
        }
    }
    return tally.rates();
}

json exportGeneratorBundle(store::Workspace& ws, const GeneratorExportOptions& options) {
    const auto record = model::findModel(ws, options.name);
    if (!record) throw Error("workspace " + ws.dir().string() + " has no model named \"" + options.name + "\"");
    if (record->kind != kModelKindGenerator) {
        throw Error("model \"" + options.name + "\" is a " + record->kind + " model; only generators export as a bundle");
    }
    const auto files = model::loadModelFiles(ws.resolve(record->path));
    json config = files.config;
    // A generator imported from a bundle is self-contained already: its text tensors are in the file.
    const bool embedded = config.contains("text_clip");
    model::StateDict tensors;
    for (const auto& [key, value] : files.stateDict) {
        if (!embedded && startsWith(key, kTextPrefix)) throw Error("generator \"" + options.name + "\" has a tensor named " + key);
        tensors[key] = value;
    }
    fs::path vocab;
    if (embedded) {
        vocab = ws.resolve(config.value("vocab", std::string()));
    } else {
        std::string textName = config.value("text_model", std::string());
        std::optional<model::ModelRecord> text;
        if (config.contains("text_model_id")) text = model::findModelById(ws, config["text_model_id"].get<std::int64_t>());
        if (!text) text = model::findModel(ws, textName);
        if (!text) throw Error("generator \"" + options.name + "\": its text model \"" + textName + "\" is not in the workspace");
        auto clip = model::loadClip(&ws, text->name);
        for (const auto& item : clip.real->named_parameters(true)) {
            if (!startsWith(item.key(), kVisualPrefix)) tensors[kTextPrefix + item.key()] = item.value().detach().clone();
        }
        for (const auto& item : clip.real->named_buffers(true)) {
            if (!startsWith(item.key(), kVisualPrefix)) tensors[kTextPrefix + item.key()] = item.value().detach().clone();
        }
        config["text_clip"] = model::toJson(clip.real->config());
        config["text_model"] = text->name;
        vocab = model::vocabPathOf(ws, *text);
    }
    if (vocab.empty() || !fs::is_regular_file(vocab)) {
        throw Error("generator \"" + options.name + "\": the vocabulary of its text model is missing (" + vocab.string() + ")");
    }
    if (options.half) {
        for (auto& [key, value] : tensors) {
            if (value.is_floating_point()) value = value.to(torch::kHalf);
        }
    }
    for (const char* key : {"run_id", "text_model_id"}) config.erase(key);
    config["format"] = kGeneratorBundleFormat;
    config["format_version"] = 1;
    config["vocab"] = "vocab.txt";
    config["weights_dtype"] = options.half ? "float16" : "float32";
    json provenance = config.value("provenance", json::object());
    provenance["exported_from"] = options.name;
    for (const auto& [key, value] : options.provenance.items()) provenance[key] = value;
    config["provenance"] = provenance;

    fs::create_directories(options.outDir);
    fs::copy_file(vocab, options.outDir / "vocab.txt", fs::copy_options::overwrite_existing);
    model::saveModelFiles(options.outDir / "model", tensors, config);
    if (options.checkCaptions > 0) {
        // Measured on what was written (float16 weights included), so the bundle's record holds for it.
        auto generator = loadGeneratorBundle(options.outDir, "cpu");
        FixedAdherenceOptions fixed;
        fixed.captions = options.checkCaptions;
        const auto rates = fixedCaptionAdherence(generator, fixed);
        json check = toJson(fixed);
        check["rates"] = data::toJson(rates);
        config["adherence_check"] = check;
        model::saveModelFiles(options.outDir / "model", tensors, config);
    }
    return config;
}

json readGeneratorBundleConfig(const fs::path& dir) {
    const fs::path configPath = dir / "model.json";
    if (!fs::is_regular_file(configPath)) throw Error(dir.string() + ": not a generator bundle (no model.json)");
    const auto files = model::modelFilePaths(dir / "model");
    json config = util::readJsonFile(files.config);
    if (!config.is_object() || config.value("format", std::string()) != kGeneratorBundleFormat) {
        throw Error(files.config.string() + ": not a generator bundle (\"format\" is not \"" + kGeneratorBundleFormat + "\")");
    }
    if (!config.contains("unet") || !config.contains("text_clip")) {
        throw Error(files.config.string() + ": a generator bundle needs \"unet\" and \"text_clip\"");
    }
    return config;
}

std::int64_t importGeneratorBundle(store::Workspace& ws, const fs::path& dir, const std::string& name, bool overwrite) {
    util::validateName(name, "model");
    if (auto existing = model::findModel(ws, name); existing && !overwrite) {
        throw Error("workspace " + ws.dir().string() + " already has a " + existing->kind + " model named \"" + name +
                    "\"; choose another name, or pass --overwrite to replace it");
    }
    json config = readGeneratorBundleConfig(dir);
    // Loads it once: the tensors, their shapes and the vocabulary are checked before anything is written.
    loadGeneratorBundle(dir, "cpu");
    const fs::path relative = fs::path("checkpoints") / name;
    const fs::path target = ws.dir() / relative;
    fs::create_directories(target);
    fs::copy_file(dir / "vocab.txt", target / "vocab.txt", fs::copy_options::overwrite_existing);
    fs::copy_file(dir / "model.safetensors", target / "model.safetensors", fs::copy_options::overwrite_existing);
    config["vocab"] = (relative / "vocab.txt").string();
    json provenance = config.value("provenance", json::object());
    provenance["imported_from"] = fs::absolute(dir).lexically_normal().string();
    config["provenance"] = provenance;
    util::writeFileAtomically(target / "model.json", config.dump(2) + "\n");
    model::ModelRecord record;
    record.name = name;
    record.kind = kModelKindGenerator;
    record.path = (relative / "model.safetensors").string();
    record.config = config;
    return model::upsertModel(ws, record);
}

}  // namespace genra::gen
