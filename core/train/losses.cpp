#include "core/train/losses.h"

namespace genra::train {

namespace {
torch::Tensor normalise(const torch::Tensor& x) { return x / x.norm(2, -1, true).clamp_min(1e-12); }
}  // namespace

torch::Tensor clipLoss(const torch::Tensor& imageFeatures, const torch::Tensor& textFeatures,
                       const torch::Tensor& logitScale) {
    const auto image = normalise(imageFeatures.to(torch::kFloat));
    const auto text = normalise(textFeatures.to(torch::kFloat));
    const auto logits = logitScale.to(torch::kFloat) * image.matmul(text.t());
    const auto labels = torch::arange(logits.size(0), torch::TensorOptions().dtype(torch::kLong).device(logits.device()));
    return 0.5 * (torch::nn::functional::cross_entropy(logits, labels) +
                  torch::nn::functional::cross_entropy(logits.t(), labels));
}

torch::Tensor alignLoss(const torch::Tensor& generatedFeatures, const torch::Tensor& realFeatures,
                        const torch::Tensor& temperature, bool symmetric) {
    const auto gen = normalise(generatedFeatures.to(torch::kFloat));
    const auto real = normalise(realFeatures.to(torch::kFloat));
    const auto logits = gen.matmul(real.t()) / temperature.to(torch::kFloat);
    const auto labels = torch::arange(logits.size(0), torch::TensorOptions().dtype(torch::kLong).device(logits.device()));
    auto loss = torch::nn::functional::cross_entropy(logits, labels);
    if (symmetric) loss = 0.5 * (loss + torch::nn::functional::cross_entropy(logits.t(), labels));
    return loss;
}

}  // namespace genra::train
