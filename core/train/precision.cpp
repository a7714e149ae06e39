#include "core/train/precision.h"

#include <algorithm>
#include <cmath>

namespace genra::train {

LossScaler::LossScaler(bool enabled, Options options)
    : enabled_(enabled), options_(options), scale_(enabled ? options.initialScale : 1.0) {}

torch::Tensor LossScaler::scale(const torch::Tensor& loss) const { return enabled_ ? loss * scale_ : loss; }

bool LossScaler::unscale(const std::vector<torch::Tensor>& params) const {
    if (!enabled_) return true;
    torch::NoGradGuard noGrad;
    bool finite = true;
    for (const auto& p : params) {
        auto g = p.grad();
        if (!g.defined()) continue;
        g.div_(scale_);
        if (finite && !torch::isfinite(g).all().item<bool>()) finite = false;
    }
    return finite;
}

void LossScaler::update(bool finite) {
    if (!enabled_) return;
    if (!finite) {
        scale_ = std::max(options_.minScale, scale_ * options_.backoffFactor);
        goodSteps_ = 0;
        return;
    }
    if (++goodSteps_ >= options_.growthInterval) {
        scale_ *= options_.growthFactor;
        goodSteps_ = 0;
    }
}

void LossScaler::restore(double scale, int goodSteps) {
    if (!enabled_) return;
    scale_ = scale;
    goodSteps_ = goodSteps;
}

}  // namespace genra::train
