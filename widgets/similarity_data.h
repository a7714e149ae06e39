// Data behind the Similarity view (paper Table 13): a model's stored embeddings of a dataset's
// real images and of the generated images made from their captions, paired through the caption,
// measured with core/eval's modality-gap measures; the worst-aligned pairs; a cosine heat-map of a
// chosen subset of pairs (the first, the worst aligned, or those of chosen captions). (Storing the
// measures as eval_results is core/eval's EvaluateJob.)
#pragma once

#include "core/eval/similarity.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace genra::store {
class Workspace;
}

namespace genra::widgets {

struct SimilarityPair {
    std::int64_t realImageId = 0;
    std::int64_t generatedImageId = 0;
    std::int64_t captionId = 0;
    std::string caption;
    double cosine = 0.0;
};

struct SimilarityReport {
    std::string model;
    std::string dataset;
    std::vector<SimilarityPair> pairs;  // in generated-image id order
    double mean = 0.0;
    double std = 0.0;
    double centroidDistance = 0.0;
    double centroidCosine = 0.0;
    double probeAccuracy = 0.0;
    double frechetDistance = 0.0;
    // What Eq. 1 (a ranking loss) moves, for the model's own pair: margin, unmatched and centred
    // cosines, gen->real recalls, held-out loss.
    eval::PairGap own;
    // The same for the pair Eq. 1 optimises, f_r (the base model) on real images against this
    // model on generated ones; only when the model has a base model whose embeddings are stored.
    std::optional<eval::PairGap> eq1;
    std::vector<double> histogramEdges;
    std::vector<std::int64_t> histogramCounts;
    int heatmapSize = 0;          // the first heatmapSize pairs
    std::vector<double> heatmap;  // [real i][generated j] cosine, row-major heatmapSize^2
};

// Throws genra::Error naming the model and dataset when they or their embeddings are missing
// ("embed them first"). split empty = every split.
// `generator`, when not empty, keeps only generated images of that generator (generations.generator,
// e.g. "builtin:demo-gen" or the "builtin:shift" control).
SimilarityReport computeSimilarity(store::Workspace& workspace, const std::string& model, const std::string& dataset,
                                   const std::string& split = {}, int histogramBins = 20, int heatmapSize = 32,
                                   const std::string& generator = {});
// The generators whose images a dataset holds (distinct generations.generator), in name order.
std::vector<std::string> datasetGenerators(store::Workspace& workspace, const std::string& dataset);

// Pairs sorted from worst aligned (lowest cosine) up; at most `count`.
std::vector<SimilarityPair> worstAligned(const SimilarityReport& report, std::size_t count);

enum class HeatmapSubset { First = 1, Worst, Captions };
// The pairs a heat-map shows: the first `count` pairs, the `count` worst aligned (worst first), or
// the pairs of `captionIds` (in pair order; at most `count`).
std::vector<SimilarityPair> heatmapPairs(const SimilarityReport& report, HeatmapSubset subset, std::size_t count,
                                         const std::vector<std::int64_t>& captionIds = {});
// [i][j] (row-major): cosine between the real image of pairs[i] and the generated image of
// pairs[j] under `model`, from its stored embeddings. Throws genra::Error naming an image whose
// embedding is missing.
std::vector<double> pairHeatmap(store::Workspace& workspace, const std::string& model,
                                const std::vector<SimilarityPair>& pairs);

}  // namespace genra::widgets
