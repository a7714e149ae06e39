// LoRA on CLIP: attaching low-rank adapters to the attention (and optionally MLP) projections of
// either tower, freezing the base, merging adapters into the base weights and back, and saving
// adapters apart from the base model.
//
// Adapter tensor names (the keys of loraStateDict) extend the OpenAI names of the layer adapted:
//   <block>.attn.lora_q.A / .B     q slice of in_proj_weight (rows [0, D))
//   <block>.attn.lora_k.A / .B     k slice (rows [D, 2D))
//   <block>.attn.lora_v.A / .B     v slice (rows [2D, 3D))
//   <block>.attn.lora_out.A / .B   attn.out_proj.weight
//   <block>.mlp.lora_c_fc.A / .B   mlp.c_fc.weight
//   <block>.mlp.lora_c_proj.A / .B mlp.c_proj.weight
// with <block> = "visual.transformer.resblocks.N" (image tower) or "transformer.resblocks.N"
// (text tower); A is [rank, in], B is [out, rank]; the update of W is (alpha / rank) * B A.
// Example: "visual.transformer.resblocks.3.attn.lora_q.A".
//
// GenRA holds two image encoders: f_r (frozen) and f_g = cloneClip(f_r) (core/model/clip.h)
// + applyLora(f_g, LoraOptions().trainVisualProjection(true)), giving f_g trainable adapters and
// a projection of its own, initialised from f_r's.
#pragma once

#include "core/model/clip.h"
#include "core/model/lora_adapter.h"
#include "core/model/state_dict.h"

#include <nlohmann/json_fwd.hpp>

#include <string>
#include <vector>

namespace genra::model {

enum class LoraTower { Visual = 1, Text = 2, Both = 3 };

std::string loraTowerName(LoraTower tower);            // "visual", "text", "both"
LoraTower loraTowerFromName(const std::string& name);  // throws genra::Error

struct LoraOptions {
    TORCH_ARG(std::int64_t, rank) = 4;
    TORCH_ARG(double, alpha) = 4.0;    // scaling = alpha / rank
    TORCH_ARG(double, dropout) = 0.0;  // adapter-input dropout while training
    // Any of "q", "k", "v", "out", "c_fc", "c_proj"; "mlp" means c_fc and c_proj; "attn" means
    // q, k, v and out.
    TORCH_ARG(std::vector<std::string>, targets) = std::vector<std::string>{"q", "v"};
    TORCH_ARG(LoraTower, tower) = LoraTower::Visual;
    // Set requires_grad = false on every non-adapter parameter of the whole model (both towers).
    TORCH_ARG(bool, freezeBase) = true;
    // Leave visual.proj trainable (GenRA's "dual projection"), after freezing.
    TORCH_ARG(bool, trainVisualProjection) = false;
};

// {"rank": 4, "alpha": 4.0, "dropout": 0.0, "targets": ["q", "v"], "tower": "visual",
//  "freeze_base": true, "train_visual_projection": false}; reading fills absent fields with the
// defaults and throws genra::Error on bad values.
nlohmann::json toJson(const LoraOptions& options);
LoraOptions loraOptionsFromJson(const nlohmann::json& json);

// Expands and checks target names ("mlp" -> c_fc, c_proj). Throws genra::Error on unknown names.
std::vector<LoraTarget> parseLoraTargets(const std::vector<std::string>& names);

// Attaches fresh adapters (A Kaiming-uniform, B zero: outputs unchanged) to every residual block
// of the chosen tower(s), on the device and dtype of the weights they adapt, in the model's
// training mode. Throws genra::Error if a chosen layer already has an adapter.
void applyLora(ClipModel& model, const LoraOptions& options);
// Unmerges merged adapters, then detaches every adapter. The base weights are as before applyLora.
void removeLora(ClipModel& model);
bool hasLora(const ClipModel& model);

// Folds every unmerged adapter into its base weight (W += scaling * B A) and marks it merged, so
// the forward pass stops adding it; unmergeLora subtracts it again (equal within float rounding).
void mergeLora(ClipModel& model);
void unmergeLora(ClipModel& model);
bool loraMerged(const ClipModel& model);  // true when any adapter is merged

// Every adapter tensor (A and B of each adapter), in module order: what the optimiser trains.
std::vector<torch::Tensor> loraParameters(const ClipModel& model);
// Every parameter with requires_grad (adapters, plus e.g. visual.proj when made trainable).
std::vector<torch::Tensor> trainableParameters(const ClipModel& model);

// requires_grad = false on every non-adapter parameter; adapters keep requires_grad = true.
void freezeBase(ClipModel& model);
void setVisualProjectionTrainable(ClipModel& model, bool trainable);

// The adapter tensors under the names documented above (detached, sharing storage). With
// includeTrainableBase, also every non-adapter parameter that has requires_grad (visual.proj of
// a dual-projection f_g) under its OpenAI name.
StateDict loraStateDict(const ClipModel& model, bool includeTrainableBase = false);

// Copies adapter tensors (and any base tensors present, e.g. visual.proj) into a model that
// already carries matching adapters (applyLora with the saved options, or inferLoraOptions).
// Strict: every adapter of the model must be present, nothing unknown or mis-shaped, else
// genra::Error listing all problems and nothing copied. Throws if an adapter is merged.
void loadLoraStateDict(ClipModel& model, const StateDict& adapters, LoadReport& report,
                       LoadMode mode = LoadMode::Strict);

// The options an adapter state dict was made with, as far as its tensors tell: rank (A's rows),
// targets and tower (from the names). alpha and dropout are not stored in tensors: given here.
LoraOptions inferLoraOptions(const StateDict& adapters, double alpha, double dropout = 0.0);

}  // namespace genra::model
