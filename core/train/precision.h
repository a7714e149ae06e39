// Mixed-precision training: dynamic loss scaling for fp16 (the precision names and autocast
// scopes are core/model/precision.h).
#pragma once

#include "core/model/precision.h"

#include <torch/torch.h>

#include <vector>

namespace genra::train {

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
