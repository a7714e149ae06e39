// CLIP models registered in a workspace, and loading them for use: plain CLIP weights (imported or
// pre-trained here), fully fine-tuned copies, and LoRA-aligned encoders (GenRA) stored as adapters
// on top of a base model. Every consumer (embedding, evaluation, panels) picks the image encoder
// for real or generated images through LoadedClip, so the recipe's inference-encoder choice is
// honoured in one place.
#pragma once

#include "core/model/clip.h"
#include "core/text/clip_tokenizer.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace genra::store {
class Workspace;
}

namespace genra::model {

// Kinds in the models table.
constexpr const char* kModelKindClip = "clip";        // full CLIP weights (<path>.safetensors + .json)
constexpr const char* kModelKindLora = "clip-lora";   // adapters (+ f_g's projection) on a base model
// The adapters file's tensor for GenRA's Proj for Real ([width, embedDim], App. A reading): the
// projection real images take through f_g's LoRA backbone at inference.
constexpr const char* kRealProjectionKey = "visual.proj_real";

struct ModelRecord {
    std::int64_t id = 0;
    std::string name;
    std::string kind;
    std::string path;            // weights, relative to the workspace folder or absolute
    nlohmann::json config = nlohmann::json::object();
    std::optional<std::int64_t> baseModelId;
    std::optional<std::int64_t> runId;
    std::string createdAt;
};

std::int64_t registerModel(store::Workspace& workspace, const ModelRecord& record);
// Replaces path/config of an existing model of that name, or registers it.
std::int64_t upsertModel(store::Workspace& workspace, const ModelRecord& record);
std::optional<ModelRecord> findModel(store::Workspace& workspace, const std::string& name);
ModelRecord requireModel(store::Workspace& workspace, const std::string& name);
std::optional<ModelRecord> findModelById(store::Workspace& workspace, std::int64_t id);
std::vector<ModelRecord> listModels(store::Workspace& workspace);

// Which image encoder serves real images (see core/train/recipe.h InferenceEncoder).
enum class RealImageEncoder { FrozenReal = 1, LoraRealProjection, LoraGeneratedProjection };
RealImageEncoder realImageEncoderFromName(const std::string& name);
std::string realImageEncoderName(RealImageEncoder encoder);

struct LoadedClip {
    std::string name;
    ModelRecord record;
    ClipModel real{nullptr};       // f_r: the base model (text tower too), eval mode
    ClipModel generated{nullptr};  // f_g: LoRA/fine-tuned copy; null for a plain CLIP
    std::shared_ptr<const text::ClipTokenizer> tokenizer;  // null when no vocabulary is known
    RealImageEncoder inference = RealImageEncoder::FrozenReal;
    // GenRA's trained Proj for Real (App. A reading); undefined for models trained without one,
    // whose lora-real-projection encoder uses f_r's projection.
    torch::Tensor realProjection;

    // The encoder for real images under the model's inference setting (built on first use).
    ClipModel realImageEncoder();
    // The encoder for generated images: f_g when there is one, else f_r.
    ClipModel generatedImageEncoder() const { return generated ? generated : real; }
    int imageSize() const { return static_cast<int>(real->config().imageResolution); }

private:
    ClipModel realEncoder_{nullptr};
};

// Saves full CLIP weights in the project's format under checkpoints/<name>/ and registers them.
// `vocabPath` (may be empty) is recorded so the model's tokenizer can be rebuilt.
ModelRecord saveClipModel(store::Workspace& workspace, const std::string& name, const ClipModel& model,
                          const std::string& vocabPath, nlohmann::json extraConfig = nlohmann::json::object());

// `genra model import`: reads CLIP weights in any format loadWeights understands and saves them as
// the model `name` (see saveClipModel). The name is validated first, and an existing model of that
// name is replaced only when `overwrite` is true; otherwise nothing is written and genra::Error
// names the model.
ModelRecord importClipModel(store::Workspace& workspace, const std::string& name, const std::filesystem::path& weights,
                            const std::string& vocabPath, bool overwrite);

// Loads a workspace model by name, or — when `nameOrPath` is an existing file — CLIP weights in any
// format loadWeights understands (with `vocabPath` for the tokenizer). Models are on the CPU.
LoadedClip loadClip(store::Workspace* workspace, const std::string& nameOrPath, const std::string& vocabPath = {});

// The vocabulary file of a model record, resolved in the workspace (a LoRA model's is its base's);
// empty when none is recorded.
std::filesystem::path vocabPathOf(store::Workspace& workspace, const ModelRecord& record);

// The tokenizer for a vocabulary file (the standard CLIP merges file or one the BPE trainer wrote),
// cached by path.
std::shared_ptr<const text::ClipTokenizer> tokenizerFor(const std::filesystem::path& vocabPath);

}  // namespace genra::model
