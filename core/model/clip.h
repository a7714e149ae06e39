// CLIP (Radford et al., 2021): a ViT image tower and a causal Transformer text tower projected
// into one embedding space. Modules are registered under OpenAI's Python attribute names with the
// same nesting, so parameter names equal the keys of OpenAI/open_clip checkpoints one for one:
//   visual.conv1.weight, visual.class_embedding, visual.positional_embedding, visual.ln_pre.*,
//   visual.transformer.resblocks.N.{attn.in_proj_weight, attn.in_proj_bias, attn.out_proj.*,
//   ln_1.*, mlp.c_fc.*, mlp.c_proj.*, ln_2.*}, visual.ln_post.*, visual.proj,
//   token_embedding.weight, positional_embedding, transformer.resblocks.N.*, ln_final.*,
//   text_projection, logit_scale.
// LoRA adapters (core/model/lora.h) hang off the attention and MLP modules as "lora_*" children;
// they are not part of the OpenAI key set and are saved separately.
#pragma once

#include "core/model/clip_config.h"
#include "core/model/lora_adapter.h"
#include "core/model/state_dict.h"

#include <torch/torch.h>

#include <string>
#include <tuple>
#include <vector>

namespace genra::model {

// Multi-head self-attention with PyTorch nn.MultiheadAttention's parameter layout
// (in_proj_weight [3D, D] = [W_q; W_k; W_v], in_proj_bias [3D], out_proj). Batch-first.
class ClipAttentionImpl : public torch::nn::Module {
public:
    ClipAttentionImpl(std::int64_t width, std::int64_t heads);

    // x [B, N, D]; mask [N, N] added to the attention scores (-inf hides), or undefined.
    torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& mask = {});
    // q, k, v [B, N, D] before the head split, LoRA updates included (unless merged).
    std::tuple<torch::Tensor, torch::Tensor, torch::Tensor> project(const torch::Tensor& x);

    // The adapter for q, k, v or out (null when none); set registers it as "lora_<target>".
    LoraAdapter adapter(LoraTarget target) const;
    void setAdapter(LoraTarget target, LoraAdapter adapter);
    void removeAdapter(LoraTarget target);

    std::int64_t width() const { return width_; }
    std::int64_t heads() const { return heads_; }

    torch::Tensor in_proj_weight;
    torch::Tensor in_proj_bias;
    torch::nn::Linear out_proj{nullptr};

private:
    LoraAdapter& slot(LoraTarget target);
    std::int64_t width_ = 0;
    std::int64_t heads_ = 0;
    LoraAdapter loraQ_{nullptr};
    LoraAdapter loraK_{nullptr};
    LoraAdapter loraV_{nullptr};
    LoraAdapter loraOut_{nullptr};
};
TORCH_MODULE(ClipAttention);

// c_fc (D -> 4D), activation, c_proj (4D -> D).
class ClipMlpImpl : public torch::nn::Module {
public:
    ClipMlpImpl(std::int64_t width, Activation activation);
    torch::Tensor forward(const torch::Tensor& x);

    LoraAdapter adapter(LoraTarget target) const;  // MlpFc or MlpProj
    void setAdapter(LoraTarget target, LoraAdapter adapter);
    void removeAdapter(LoraTarget target);

    torch::nn::Linear c_fc{nullptr};
    torch::nn::Linear c_proj{nullptr};

private:
    LoraAdapter& slot(LoraTarget target);
    Activation activation_ = Activation::QuickGelu;
    LoraAdapter loraFc_{nullptr};
    LoraAdapter loraProj_{nullptr};
};
TORCH_MODULE(ClipMlp);

// Pre-LayerNorm residual block: x + attn(ln_1(x)), then x + mlp(ln_2(x)).
class ResidualAttentionBlockImpl : public torch::nn::Module {
public:
    ResidualAttentionBlockImpl(std::int64_t width, std::int64_t heads, Activation activation);
    torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& mask = {});

    ClipAttention attn{nullptr};
    torch::nn::LayerNorm ln_1{nullptr};
    ClipMlp mlp{nullptr};
    torch::nn::LayerNorm ln_2{nullptr};
};
TORCH_MODULE(ResidualAttentionBlock);

// A stack of residual blocks registered as "resblocks.N".
class ClipTransformerImpl : public torch::nn::Module {
public:
    ClipTransformerImpl(std::int64_t width, std::int64_t layers, std::int64_t heads, Activation activation);
    torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& mask = {});

    torch::nn::ModuleList resblocks{nullptr};
    std::vector<ResidualAttentionBlock> blocks;  // the same modules, typed
};
TORCH_MODULE(ClipTransformer);

// The image tower: patchify with conv1 (after the conv stem, when the config has one), prepend the
// class token, add positions, ln_pre, transformer, ln_post on the class token, project with proj
// [width, embedDim].
class VisionTransformerImpl : public torch::nn::Module {
public:
    explicit VisionTransformerImpl(const ClipConfig& config);
    // images [B, 3, R, R] -> features [B, embedDim] (not normalised): features(images) @ proj.
    torch::Tensor forward(const torch::Tensor& images);
    // The backbone's output before the projection: ln_post of the class token, [B, width]. GenRA's
    // "Proj for Real" is a second projection applied to these (core/train/trainer.cpp).
    torch::Tensor features(const torch::Tensor& images);

    torch::nn::Sequential stem{nullptr};  // VisionStem::Conv only: (conv 3x3 stride 2, GroupNorm, GELU) x log2(patch)
    torch::nn::Conv2d conv1{nullptr};     // patch x patch stride patch, or 1x1 after a conv stem
    torch::Tensor class_embedding;
    torch::Tensor positional_embedding;
    torch::nn::LayerNorm ln_pre{nullptr};
    ClipTransformer transformer{nullptr};
    torch::nn::LayerNorm ln_post{nullptr};
    torch::Tensor proj;

private:
    std::int64_t resolution_ = 0;
};
TORCH_MODULE(VisionTransformer);

class ClipModelImpl : public torch::nn::Module {
public:
    // Builds the model with OpenAI's initialisation (initialize() below).
    explicit ClipModelImpl(const ClipConfig& config);

    const ClipConfig& config() const { return config_; }

    // images [B, 3, R, R] float (already CLIP-normalised) -> [B, embedDim], not normalised.
    torch::Tensor encodeImage(const torch::Tensor& images);
    // tokens [B, L] integer ids, L <= contextLength, each row holding its end-of-text token as the
    // row's largest id (true of the CLIP tokenizer) -> [B, embedDim] taken at that position.
    torch::Tensor encodeText(const torch::Tensor& tokens);
    // (logitsPerImage [B_img, B_txt], logitsPerText [B_txt, B_img]) = exp(logit_scale) * cosines.
    std::tuple<torch::Tensor, torch::Tensor> forward(const torch::Tensor& images, const torch::Tensor& tokens);

    // OpenAI's initialize_parameters(): normal(0.02) token embedding, normal(0.01) positions,
    // width-scaled normals for attention, MLP and projections, logit_scale = ln(1 / 0.07).
    void initialize();

    VisionTransformer visual{nullptr};
    ClipTransformer transformer{nullptr};
    torch::nn::Embedding token_embedding{nullptr};
    torch::Tensor positional_embedding;
    torch::nn::LayerNorm ln_final{nullptr};
    torch::Tensor text_projection;
    torch::Tensor logit_scale;

private:
    ClipConfig config_;
};
TORCH_MODULE(ClipModel);

// The causal mask OpenAI's text tower uses: [n, n], 0 on and below the diagonal, -inf above.
torch::Tensor causalMask(std::int64_t n, const torch::TensorOptions& options = {});

// True for names of LoRA adapter tensors ("...attn.lora_q.A"): any dotted part starting "lora_".
bool isLoraKey(const std::string& name);

// What loadStateDict found, each list naming keys (mismatched entries carry both shapes).
struct LoadReport {
    std::vector<std::string> loaded;      // copied into the model
    std::vector<std::string> missing;     // the model has it, the state dict does not
    std::vector<std::string> unexpected;  // the state dict has it, the model does not
    std::vector<std::string> mismatched;  // "name: checkpoint [a, b] vs model [c, d]"
    std::vector<std::string> converted;   // loaded with a dtype conversion (e.g. fp16 -> fp32)
    std::vector<std::string> ignored;     // metadata keys of OpenAI's TorchScript archives
                                          // (input_resolution, context_length, vocab_size)
    bool ok() const { return missing.empty() && unexpected.empty() && mismatched.empty(); }
    // One line per problem, or "ok (N tensors)".
    std::string summary() const;
};

enum class LoadMode {
    Strict = 1,  // any missing, unexpected or mis-shaped key: throw genra::Error naming all of
                 // them, and leave the model untouched
    Lenient = 2  // copy what matches, report the rest
};

// Copies every tensor by name (under NoGradGuard), converting dtype and device to the model's.
// LoRA adapter parameters are never expected from a checkpoint (see loadLoraStateDict).
// `report` is filled in both modes before anything is thrown.
void loadStateDict(ClipModel& model, const StateDict& stateDict, LoadReport& report,
                   LoadMode mode = LoadMode::Strict);

// The model's tensors under OpenAI's key set (LoRA adapters excluded; merged updates included).
// The tensors are detached and share storage with the model: clone them to keep a snapshot.
StateDict exportStateDict(const ClipModel& model);

// inferConfig + construct + strict load. The result is on the CPU in float32, in eval mode.
ClipModel createFromStateDict(const StateDict& stateDict, Activation activation = Activation::QuickGelu);

// A deep copy: same config, device, dtype, training mode, LoRA adapters (with their merged state)
// and requires_grad flags; no storage shared. GenRA's f_g starts as cloneClip(f_r).
ClipModel cloneClip(const ClipModel& model);

}  // namespace genra::model
