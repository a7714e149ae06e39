// Caption metrics computed as the COCO caption evaluation code (coco-caption / pycocoevalcap)
// computes them, so numbers can be compared with published ones:
// - BLEU-1..4: corpus BLEU, clipped n-gram counts summed over all images, brevity penalty from the
//   summed lengths with the reference length closest to each candidate (ties: the shorter), and
//   the code's 1e-15 / 1e-9 constants in every ratio;
// - ROUGE-L: LCS precision and recall, each maximised over an image's references, combined with
//   beta = 1.2, averaged over images;
// - CIDEr-D: TF-IDF n-gram vectors (n = 1..4) with document frequencies over the reference sets,
//   idf = log(images) - log(max(1, df)), candidate weights clipped to the reference's, Gaussian
//   length penalty (sigma = 6, lengths counted as the code counts them: in bigrams), mean over n
//   and references, x10, averaged over images (reported unscaled, e.g. 1.05);
// - METEOR: the official METEOR 1.5 jar when configured (see java_scorers.h); otherwise a built-in
//   approximation reported as METEOR_builtin, which is NOT comparable to published METEOR.
// Scores are fractions (BLEU 0.31, not 31). Averages use NumPy's summation order, so per-image
// and corpus values match the Python code to the last bit on the same tokens.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <map>
#include <nlohmann/json.hpp>

namespace genra::eval {

// One candidate caption per image with that image's references, in evaluation order. The scorers
// expect the strings already tokenised (cocoTokenize: lower-case, space-separated).
struct CaptionSet {
    std::vector<std::string> imageIds;                   // as written in the JSON, for messages
    std::vector<std::vector<std::string>> references;    // at least one per image
    std::vector<std::string> candidates;                 // exactly one per image
};

struct MetricScore {
    double corpus = 0.0;
    std::vector<double> perImage;
};

// BLEU-1..4, each with the corpus score and the per-image sentence scores the code also returns.
std::array<MetricScore, 4> bleuScores(const CaptionSet& tokenized);
MetricScore rougeLScore(const CaptionSet& tokenized);
MetricScore ciderDScore(const CaptionSet& tokenized);

// Built-in METEOR approximation (Banerjee & Lavie 2005 with the parameters alpha = 0.9,
// beta = 3.0, gamma = 0.5): words aligned by exact match, then by Porter stem; synonym and
// paraphrase matching need WordNet / METEOR's tables and are not done. Per reference,
// F = P R / (alpha P + (1 - alpha) R), penalty = gamma (chunks / matches)^beta,
// score = F (1 - penalty); an image takes its best reference; the corpus score is the mean.
MetricScore meteorBuiltinScore(const CaptionSet& tokenized);

// Mean of `values` as numpy.mean computes it for a float64 array (pairwise summation in blocks of
// 8192), so our averages are bit-identical to the Python code's. 0 for an empty input.
double numpyMean(const std::vector<double>& values);

// Reads references in COCO annotation format ({"images": [{"id"}], "annotations": [{"image_id",
// "caption"}]}) and predictions in COCO results format ([{"image_id", "caption"}]), pairing them
// in the order of the references' "images" list (then first appearance in "annotations"), as
// COCOEvalCap does. Throws genra::Error naming the image for predictions of unknown images,
// images predicted twice, and referenced images without a prediction. Captions are raw text.
CaptionSet loadCocoCaptions(const std::filesystem::path& referencesPath,
                            const std::filesystem::path& predictionsPath);

// Applies text::cocoTokenize to every caption.
CaptionSet tokenizeCaptions(const CaptionSet& raw);

struct CaptionEvalOptions {
    std::filesystem::path meteorJar;  // empty: use METEOR_builtin
    std::filesystem::path spiceJar;   // empty: SPICE is reported as null
    std::string java = "java";        // the Java launcher, looked up on PATH
};

struct CaptionEvalResult {
    // Bleu_1..Bleu_4, METEOR or METEOR_builtin, ROUGE_L, CIDEr, SPICE (null when unavailable).
    nlohmann::ordered_json scores;
    // Per-image scores of each metric that has them, in the CaptionSet's order (the corpus BLEU is
    // not their mean: these are sentence-level BLEU; CIDEr, ROUGE-L and METEOR are their mean).
    std::map<std::string, std::vector<double>> perImage;
    std::vector<std::string> notes;  // what was approximated or skipped, for the user
};

// Tokenises `raw` and computes every metric.
CaptionEvalResult evaluateCaptions(const CaptionSet& raw, const CaptionEvalOptions& options = {});

}  // namespace genra::eval
