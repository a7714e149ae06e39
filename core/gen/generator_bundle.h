// A built-in generator as a self-contained folder that travels without its workspace: the U-Net's
// EMA weights and the frozen CLIP text tower that conditions it in one model.safetensors (text
// tensors under "text."), model.json (the generator's configuration, the text tower's CLIP
// configuration, provenance) and vocab.txt (the text tower's BPE vocabulary). `genra demo` ships one
// (resources/demo-generator/) so that its generated modality is a model trained for longer than the
// demo can afford.
#pragma once

#include "core/data/shapes_adherence.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <string>

namespace genra::store {
class Workspace;
}

namespace genra::gen {

struct BuiltinGenerator;

inline constexpr const char* kGeneratorBundleFormat = "genra-generator-bundle";

struct GeneratorExportOptions {
    std::string name;               // workspace generator
    std::filesystem::path outDir;   // created; existing bundle files in it are replaced
    bool half = true;               // store floating-point weights as float16
    // Measured on the exported bundle and recorded in model.json ("adherence_check"): see
    // fixedCaptionAdherence. 0 skips the measurement.
    int checkCaptions = 50;
    nlohmann::json provenance = nlohmann::json::object();  // merged into model.json "provenance"
};

// Writes the bundle of workspace generator `options.name`. Throws genra::Error naming the model
// when it is not a generator or its text model is missing.
nlohmann::json exportGeneratorBundle(store::Workspace& workspace, const GeneratorExportOptions& options);

// Registers the bundle in `dir` as generator `name` (files copied to checkpoints/<name>/). An
// existing model of that name is replaced only with `overwrite`; the bundle is checked (format,
// tensors, vocabulary) before anything is written. Returns the model id.
std::int64_t importGeneratorBundle(store::Workspace& workspace, const std::filesystem::path& dir, const std::string& name,
                                   bool overwrite);

// model.json of a bundle (genra::Error naming the file when it is not one).
nlohmann::json readGeneratorBundleConfig(const std::filesystem::path& dir);

// Caption adherence of `generator` on a fixed set: the first caption of Shapes v2 scenes 0..count-1
// of `sceneSeed`, one image per caption with seed = scene index, sampled with DDIM at `steps` steps
// and guidance `guidance` (the demo's settings). Scenes of another seed than the generator's
// training data, so the captions are new to it (the grammar is not).
struct FixedAdherenceOptions {
    int captions = 50;
    std::uint64_t sceneSeed = 7;
    int steps = 20;
    double guidance = 8.0;
};
data::AdherenceRates fixedCaptionAdherence(BuiltinGenerator& generator, const FixedAdherenceOptions& options);
nlohmann::json toJson(const FixedAdherenceOptions& options);
FixedAdherenceOptions fixedAdherenceOptionsFromJson(const nlohmann::json& json);

}  // namespace genra::gen
