#include "core/model/lora_adapter.h"

#include "core/util/error.h"

#include <cmath>

namespace genra::model {

std::string loraTargetName(LoraTarget target) {
    switch (target) {
    case LoraTarget::Q: return "q";
    case LoraTarget::K: return "k";
    case LoraTarget::V: return "v";
    case LoraTarget::Out: return "out";
    case LoraTarget::MlpFc: return "c_fc";
    case LoraTarget::MlpProj: return "c_proj";
    }
    return "unknown";
}

std::string loraModuleName(LoraTarget target) { return "lora_" + loraTargetName(target); }

LoraAdapterImpl::LoraAdapterImpl(const LoraAdapterOptions& options_) : options(options_) {
    if (options.rank() <= 0) throw Error("LoRA: rank must be positive, got " + std::to_string(options.rank()));
    if (options.inFeatures() <= 0 || options.outFeatures() <= 0) throw Error("LoRA: adapter sizes must be positive");
    if (options.dropout() < 0.0 || options.dropout() >= 1.0)
        throw Error("LoRA: dropout must be in [0, 1), got " + std::to_string(options.dropout()));
    A = register_parameter("A", torch::empty({options.rank(), options.inFeatures()}));
    B = register_parameter("B", torch::zeros({options.outFeatures(), options.rank()}));
    torch::NoGradGuard noGrad;
    torch::nn::init::kaiming_uniform_(A, std::sqrt(5.0));
}

torch::Tensor LoraAdapterImpl::forward(const torch::Tensor& x) {
    auto input = x;
    if (options.dropout() > 0.0) input = torch::dropout(input, options.dropout(), is_training());
    return torch::matmul(torch::matmul(input, A.t()), B.t()) * scaling();
}

torch::Tensor LoraAdapterImpl::deltaWeight() const { return torch::matmul(B, A) * scaling(); }

}  // namespace genra::model
