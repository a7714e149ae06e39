// Loading CLIP checkpoints in the formats people actually have, into one StateDict in OpenAI /
// open_clip naming: safetensors (OpenAI, open_clip or Hugging Face transformers names),
// torch.save'd state dicts (open_clip *.bin / *.pt), OpenAI's released TorchScript archives, and
// the project's own <name>.safetensors + <name>.json pair. Half-precision weights are returned as
// stored; converting them is the model's business.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/model/safetensors.h"
#include "core/model/state_dict.h"

namespace genra::model {

enum class WeightsFormat {
    Auto = 1,     // detect from the file's contents
    Safetensors,  // a .safetensors file (OpenAI/open_clip or Hugging Face names)
    TorchSave,    // a zip-format torch.save() pickle of a state dict
    TorchScript,  // a torch.jit.save() archive such as OpenAI's ViT-B-32.pt
    GenraModel,   // this project's <name>.safetensors + <name>.json pair
};

// Which naming scheme a checkpoint's keys follow.
enum class ClipNaming {
    OpenAi = 1,   // "visual.conv1.weight", "transformer.resblocks.0.attn.in_proj_weight"
    HuggingFace,  // "vision_model.embeddings.patch_embedding.weight", transformers' CLIPModel
};

std::string weightsFormatName(WeightsFormat format);

struct LoadedWeights {
    StateDict stateDict;                           // OpenAI naming, dtypes as stored
    WeightsFormat format = WeightsFormat::Auto;    // the format actually read, never Auto
    ClipNaming sourceNaming = ClipNaming::OpenAi;  // HuggingFace when keys were translated
    nlohmann::json config;           // the GenraModel config (or a folder's config.json); null otherwise
    SafetensorsMetadata metadata;    // safetensors "__metadata__", when there was one
    std::vector<std::string> notes;  // what was done on the way: prefixes stripped, keys dropped
};

// Loads any supported checkpoint. `path` may be a file, a GenraModel pair named with or without
// its extension, or a folder holding model.safetensors (+ model.json or a Hugging Face
// config.json). Errors name the file and say which format was expected.
LoadedWeights loadWeights(const std::filesystem::path& path, WeightsFormat format = WeightsFormat::Auto);

// Looks at the file's first bytes (and a zip's table of contents) to tell the format.
WeightsFormat detectWeightsFormat(const std::filesystem::path& path);

// A zip-format torch.save() file holding a dict of str -> Tensor, possibly wrapped as
// {"state_dict": {...}} (open_clip training checkpoints). Keys are returned as saved; loadWeights()
// strips a "module." prefix and translates Hugging Face names.
StateDict loadTorchSave(const std::filesystem::path& path, std::vector<std::string>* notes = nullptr);

// A TorchScript archive's parameters and buffers by their qualified names, minus the
// input_resolution / context_length / vocab_size scalars OpenAI stores beside the weights.
StateDict loadTorchScript(const std::filesystem::path& path, std::vector<std::string>* notes = nullptr);

// Hugging Face transformers CLIPModel names <-> OpenAI names. q/k/v projections become one
// in_proj (in that order), the projections are transposed, position_ids buffers are dropped.
// Keys neither scheme knows are kept unchanged (and noted).
ClipNaming detectClipNaming(const StateDict& stateDict);
StateDict hfToOpenAi(const StateDict& hf, std::vector<std::string>* notes = nullptr);
StateDict openAiToHf(const StateDict& openAi);

// If every key starts with `prefix` (e.g. "module." from DistributedDataParallel), strips it.
// Returns whether it did.
bool stripCommonPrefix(StateDict& stateDict, const std::string& prefix);

// The project's own format: weights in OpenAI naming, so the .safetensors opens in Python as an
// open_clip state dict, beside a JSON file holding whatever the caller wants to keep with them
// (model config, provenance).
struct ModelFiles {
    StateDict stateDict;
    nlohmann::json config;
};
struct ModelFilePaths {
    std::filesystem::path weights;  // <name>.safetensors
    std::filesystem::path config;   // <name>.json
};
// "dir/name", "dir/name.safetensors" and "dir/name.json" all mean the pair dir/name.*; an existing
// folder means folder/model.*.
ModelFilePaths modelFilePaths(const std::filesystem::path& path);
void saveModelFiles(const std::filesystem::path& path, const StateDict& stateDict,
                    const nlohmann::json& config);
ModelFiles loadModelFiles(const std::filesystem::path& path);

}  // namespace genra::model
