// Mixed precision for a model's forward pass: the precision names and autocast scopes, used by
// embedding as well as training (core/train/precision.h adds fp16 loss scaling).
//
// A recipe's "precision" selects how the forward pass runs; master weights, optimiser state and
// the losses stay in float32 either way:
//   fp32 - no autocast.
//   bf16 - autocast to bfloat16 (CPU and CUDA). bfloat16 has float32's exponent range, so no loss
//          scaling is needed.
//   fp16 - autocast to float16 (CUDA only; CPU autocast in LibTorch has no float16 kernels), with
//          dynamic loss scaling so small gradients do not flush to zero.
#pragma once

#include <torch/torch.h>

#include <string>

namespace genra::model {

enum class Precision { Fp32, Bf16, Fp16 };

// "fp32" | "bf16" | "fp16"; throws naming the value otherwise.
Precision parsePrecision(const std::string& text);
const char* toString(Precision p);

// Throws a clear error when `p` cannot run on `device` (fp16 on a CPU).
void checkPrecisionSupported(Precision p, const torch::Device& device);

// Enables autocast for the device's type for the guard's lifetime and restores the previous state
// (enabled flag, dtype) on exit. Does nothing for Fp32.
class AutocastScope {
public:
    AutocastScope(Precision precision, const torch::Device& device);
    ~AutocastScope();
    AutocastScope(const AutocastScope&) = delete;
    AutocastScope& operator=(const AutocastScope&) = delete;

private:
    bool active_ = false;
    bool cuda_ = false;
    bool previousEnabled_ = false;
    at::ScalarType previousDtype_ = at::kFloat;
};

}  // namespace genra::model
