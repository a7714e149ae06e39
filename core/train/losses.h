// Contrastive losses of the method: the symmetric CLIP InfoNCE and the gen-real alignment loss
// (paper Eq. 1). Inputs are raw features; both functions L2-normalise them first (sim = cosine).
#pragma once

#include <torch/torch.h>

namespace genra::train {

// Symmetric CLIP loss: mean of cross-entropy over image→text and text→image logits,
// logits = logitScale * cos(image_i, text_j). Row i of each input is a positive pair.
torch::Tensor clipLoss(const torch::Tensor& imageFeatures, const torch::Tensor& textFeatures,
                       const torch::Tensor& logitScale);

// Eq. 1: L_align = -1/|B| Σ_i log( exp(sim(g_i, r_i)/τ) / Σ_j exp(sim(g_i, r_j)/τ) ), where g = f_g(x_g)
// and r = f_r(x_r) with row i of both from the same caption. `symmetric` averages it with the
// transposed term (real → generated).
torch::Tensor alignLoss(const torch::Tensor& generatedFeatures, const torch::Tensor& realFeatures,
                        const torch::Tensor& temperature, bool symmetric = false);

}  // namespace genra::train
