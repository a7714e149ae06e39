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

// How far each generated row sits from its own real row compared with the other real rows: the
// measures in which Eq. 1's effect shows. Eq. 1 is a ranking loss (InfoNCE over the real rows):
// adding a constant to a generated row's similarities with every real row leaves it unchanged, so
// what it moves is the paired similarity RELATIVE to the unmatched ones, seen in the margin and in
// generated->real retrieval. The raw paired cosine also rises when a method collapses every
// embedding towards one common direction (every cosine, matched or not, goes to 1), so it cannot
// tell alignment from collapse on its own: report it next to the margin and the recalls.
struct PairGap {
    // Mean cosine of each generated row with its own (paired) real row.
    double pairedCosineMean = 0.0;
    // Mean cosine of each generated row with every real row other than its pair (each row's mean
    // over the N - 1 others, averaged over the rows).
    double unmatchedCosineMean = 0.0;
    // pairedCosineMean - unmatchedCosineMean: rises only when a row moves towards its own pair more
    // than towards the others; collapse drives it towards 0.
    double margin = 0.0;
    // Paired cosine after removing each modality's offset: subtract from each set the mean of its
    // L2-normalised rows, re-normalise, then take the paired cosine. The common-direction part of
    // the raw cosine (the modality gap's offset, or collapse) no longer counts.
    double centredPairedCosineMean = 0.0;
    // Generated->real retrieval by cosine over all real rows, in percent: a hit at K when the paired
    // real row's rank (the number of real rows with a strictly greater cosine; ties count in its
    // favour) is below K.
    double genToRealRecallAt1 = 0.0;
    double genToRealRecallAt5 = 0.0;
    // Held-out Eq. 1: mean over generated rows g of -log softmax_r(cos(g, r) / tau)[pair(g)], the
    // softmax over ALL real rows. Lower is better; log(N) is chance.
    double alignLoss = 0.0;
    double tau = 0.07;
    std::int64_t realRows = 0;
    // One value per generated row, in row order (for paired statistics between methods):
    std::vector<double> perItemMargin;        // paired cosine - mean unmatched cosine of that row
    std::vector<double> perItemHit1;          // 1 when the pair ranks first, else 0
    std::vector<double> perItemHit5;          // 1 when the pair ranks in the top 5, else 0
    std::vector<double> perItemPairedCosine;  // raw paired cosine
};

// Pair-gap measures of generated [M, D] against real [N, D] embeddings (any float type, any
// device; computed in float64 on the CPU, in blocks of generated rows so that memory stays bounded
// for large sets). pairing as in pairedCosineSimilarity. Throws genra::Error when there are fewer
// than 2 real rows, the widths differ, the pairing is malformed or out of range, or tau <= 0.
PairGap measurePairGap(const torch::Tensor& real, const torch::Tensor& generated,
                       const torch::Tensor& pairing = {}, double tau = 0.07);

}  // namespace genra::eval
