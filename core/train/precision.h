#pragma once
// Mixed-precision training: autocast scopes and dynamic loss scaling.
//
// A recipe's "precision" selects how the forward pass runs; master weights, optimiser state and
// the losses stay in float32 either way:
//   fp32 - no autocast.
//   bf16 - autocast to bfloat16 (CPU and CUDA). bfloat16 has float32's exponent range, so no loss
//          scaling is needed.
//   fp16 - autocast to float16 (CUDA only; CPU autocast in LibTorch has no float16 kernels), with
//          dynamic loss scaling so small gradients do not flush to zero.
#include <torch/torch.h>

#include <string>
#include <vector>

namespace genra::train {

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

// Dynamic loss scaling for fp16. scale(loss) multiplies by the current factor; after backward,
// unscale() divides every gradient by it and reports whether all are finite. update() then halves
// the factor after an overflow (the caller skips that optimiser step) and doubles it after
// `growthInterval` consecutive finite steps. With enabled = false every call is the identity and
// unscale() reports true without looking at the gradients.
class LossScaler {
public:
    struct Options {
        double initialScale = 65536.0;
        double growthFactor = 2.0;
        double backoffFactor = 0.5;
        int growthInterval = 2000;
        double minScale = 1.0;
    };
    LossScaler(bool enabled, Options options);
    explicit LossScaler(bool enabled) : LossScaler(enabled, Options()) {}

    bool enabled() const { return enabled_; }
    double scale() const { return scale_; }
    int goodSteps() const { return goodSteps_; }
    torch::Tensor scale(const torch::Tensor& loss) const;
    // Divides the gradients of `params` in place; returns true when every gradient is finite.
    bool unscale(const std::vector<torch::Tensor>& params) const;
    void update(bool finite);
    // Checkpointed state: {scale, good steps}.
    void restore(double scale, int goodSteps);

private:
    bool enabled_;
    Options options_;
    double scale_;
    int goodSteps_ = 0;
};

}  // namespace genra::train
