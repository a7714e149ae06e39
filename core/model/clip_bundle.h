// A pre-trained CLIP as a self-contained folder that travels without its workspace: model.safetensors
// (the weights, float16 by default), model.json (format "genra-clip-bundle", the CLIP configuration,
// provenance, what it was trained on) and vocab.txt (its BPE vocabulary). `genra demo` ships one
// (resources/demo-clip/, written by scripts/train-demo-clip) as its f_r: a CLIP pre-trained for
// longer than the demo can afford, as the paper's f_r is a CLIP pre-trained on the web.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <string>

namespace genra::store {
class Workspace;
}

namespace genra::model {

inline constexpr const char* kClipBundleFormat = "genra-clip-bundle";

struct ClipExportOptions {
    std::string name;              // workspace CLIP model (kind "clip")
    std::filesystem::path outDir;  // created; existing bundle files in it are replaced
    bool half = true;              // store floating-point weights as float16
    nlohmann::json provenance = nlohmann::json::object();  // merged into model.json "provenance"
};

// Writes the bundle of workspace CLIP model `options.name` and returns its model.json. Throws
// genra::Error naming the model when it is missing, not a plain CLIP model (a LoRA model exports
// through its base), or has no vocabulary file.
nlohmann::json exportClipBundle(store::Workspace& workspace, const ClipExportOptions& options);

// model.json of a bundle (genra::Error naming the file when the folder is not one).
nlohmann::json readClipBundleConfig(const std::filesystem::path& dir);

// Registers the bundle in `dir` as CLIP model `name` (weights and vocabulary copied to
// checkpoints/<name>/; the bundle's provenance kept in the model's config). The weights and the
// vocabulary are loaded and checked before anything is written; an existing model of that name is
// replaced only with `overwrite`. Returns the model id.
std::int64_t importClipBundle(store::Workspace& workspace, const std::filesystem::path& dir, const std::string& name,
                              bool overwrite);

}  // namespace genra::model
