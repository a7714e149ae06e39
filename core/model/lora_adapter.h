// One LoRA adapter (Hu et al., 2021): a low-rank update scaling * B A added to a frozen linear
// map W (out x in). The CLIP layers hold these as optional submodules; core/model/lora.h attaches,
// merges and saves them.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <string>

namespace genra::model {

// Which linear map of a CLIP residual block an adapter updates. OpenAI's attention fuses q, k and
// v into one in_proj_weight [3 width, width]; each slice gets an adapter of its own.
enum class LoraTarget { Q = 1, K = 2, V = 3, Out = 4, MlpFc = 5, MlpProj = 6 };

// "q", "k", "v", "out", "c_fc", "c_proj".
std::string loraTargetName(LoraTarget target);
// The submodule name the adapter is registered under: "lora_q", ..., "lora_c_proj".
std::string loraModuleName(LoraTarget target);

struct LoraAdapterOptions {
    LoraAdapterOptions(std::int64_t inFeatures, std::int64_t outFeatures)
        : inFeatures_(inFeatures), outFeatures_(outFeatures) {}
    TORCH_ARG(std::int64_t, inFeatures);
    TORCH_ARG(std::int64_t, outFeatures);
    TORCH_ARG(std::int64_t, rank) = 4;
    TORCH_ARG(double, alpha) = 4.0;    // scaling = alpha / rank
    TORCH_ARG(double, dropout) = 0.0;  // on the adapter's input only, in training mode
};

// Parameters "A" [rank, in] (Kaiming-uniform, a = sqrt(5), as the LoRA reference code and peft)
// and "B" [out, rank] (zeros, so a fresh adapter changes nothing).
class LoraAdapterImpl : public torch::nn::Module {
public:
    explicit LoraAdapterImpl(const LoraAdapterOptions& options);

    // The update for input x [..., in]: scaling * dropout(x) A^T B^T, shape [..., out].
    torch::Tensor forward(const torch::Tensor& x);
    // scaling * B A, shape [out, in]: what merging adds to W.
    torch::Tensor deltaWeight() const;
    double scaling() const { return options.alpha() / static_cast<double>(options.rank()); }

    // True while the update is folded into the base weight; the owning layer then skips forward().
    bool merged() const { return merged_; }
    void setMerged(bool merged) { merged_ = merged; }

    LoraAdapterOptions options;
    torch::Tensor A;
    torch::Tensor B;

private:
    bool merged_ = false;
};
TORCH_MODULE(LoraAdapter);

}  // namespace genra::model
