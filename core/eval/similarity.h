// Modality-gap measures between real and generated image embeddings (the paper's Table 13): how
// close each generated image sits to the real image it was made from, how far apart the two clouds
// are as wholes, and whether a linear classifier can still tell them apart.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <vector>

#include "core/jobs/job.h"

namespace genra::eval {

struct CosineHistogram {
    std::vector<double> edges;  // bins + 1 edges, equal width over [-1, 1]
    std::vector<std::int64_t> counts;
};

struct ProbeOptions {
    double trainFraction = 0.7;  // of each class; the rest is held out
    std::uint64_t seed = 0;
    // L2 penalty in scikit-learn's convention (C = 1 / strength): minimise
    // sum(log-loss) + 0.5 |w|^2 / C over the standardised training features.
    double inverseRegularisation = 1.0;
    int maxIterations = 200;  // L-BFGS iterations
};

struct ProbeResult {
    double trainAccuracy = 0.0;
    double testAccuracy = 0.0;  // held-out: the reported number (0.5 = indistinguishable)
    std::int64_t trainSize = 0;
    std::int64_t testSize = 0;
};

struct SimilarityOptions {
    int histogramBins = 20;
    ProbeOptions probe;
};

struct ModalityGap {
    torch::Tensor pairedCosine;  // float64 [M], one per generated row
    double pairedCosineMean = 0.0;
    double pairedCosineStd = 0.0;  // population std (ddof 0)
    CosineHistogram pairedCosineHistogram;
    double centroidDistance = 0.0;
    double centroidCosine = 0.0;
    ProbeResult probe;
    double frechetDistance = 0.0;
};

// Cosine similarity of each generated row with its real row: pairing[g] is the real row index of
// generated row g (int64 [M]); an undefined pairing means row g pairs with row g (same counts).
// Returns float64 [M].
torch::Tensor pairedCosineSimilarity(const torch::Tensor& real, const torch::Tensor& generated,
                                     const torch::Tensor& pairing = {});

// Equal-width histogram over [-1, 1]; values outside are clamped into the end bins.
CosineHistogram cosineHistogram(const torch::Tensor& cosines, int bins);

// L2 distance and cosine similarity between the means of the L2-normalised rows of each set.
double centroidDistance(const torch::Tensor& real, const torch::Tensor& generated);
double centroidCosine(const torch::Tensor& real, const torch::Tensor& generated);

// Logistic regression real (0) vs generated (1), trained with LibTorch's L-BFGS on a seeded
// stratified split; features are standardised with the training statistics.
ProbeResult linearProbeAccuracy(const torch::Tensor& real, const torch::Tensor& generated,
                                const ProbeOptions& options = {});

// Fréchet distance between Gaussians fitted to the two sets (as FID does on its features):
// |mu1 - mu2|^2 + tr(S1) + tr(S2) - 2 tr((S1 S2)^1/2), covariances with ddof 1. The trace of the
// square root is taken from the symmetric matrix S1^1/2 S2 S1^1/2, which has the same eigenvalues
// as S1 S2 but can go through a symmetric eigen-solver: no complex parts, no iteration that can
// fail to converge, tiny negative eigenvalues from rounding clamped to 0. Computed in float64.
double frechetDistance(const torch::Tensor& real, const torch::Tensor& generated);

// All of the above. Embeddings are [N, D] and [M, D] float tensors, any device.
ModalityGap measureModalityGap(const torch::Tensor& real, const torch::Tensor& generated,
                               const torch::Tensor& pairing = {}, const SimilarityOptions& options = {},
                               jobs::JobContext* context = nullptr);

}  // namespace genra::eval
