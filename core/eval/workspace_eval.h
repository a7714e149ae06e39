// Evaluations of a workspace model on a workspace dataset, stored with their provenance.
//
// EvaluateJob embeds what it needs once per model (through EmbedWorkspaceJob, so the embeddings
// table doubles as a cache and a re-run only embeds what is missing; real images go through the
// model's real-image encoder as its recipe chose, generated images through f_g, captions through
// the text tower), computes one benchmark and appends rows to eval_results:
//   retrieval  — real images of the split and their captions: i2t_R@K, t2i_R@K (percent);
//   zeroshot   — one task per attribute: zeroshot_<attr>_top1, _top5, _mean_per_class (percent),
//                with per-class accuracy in details; "zeroshot_gen_<attr>_..." when the images
//                classified are the generated ones (labelled by the real image of their caption);
//   similarity — generated images against the real image of their caption (paper Table 13):
//                paired_cosine_mean/std, centroid_distance, centroid_cosine, probe_accuracy,
//                frechet_distance; details of paired_cosine_mean hold the histogram and the mean
//                cosine of every caption (the GUI draws the histogram, lists the worst captions).
// Every row carries model_id, run_id (the training run that produced the model, if any),
// dataset_id, split, created_at, and details {"model", "model_kind", "run", "dataset", "split",
// "settings", "counts", "inference_encoder", "evaluated_at"}.
#pragma once

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/eval/similarity.h"
#include "core/store/eval_results.h"
#include "core/jobs/job.h"

namespace genra::store {
class Workspace;
}

namespace genra::eval {

enum class Benchmark { Retrieval = 1, ZeroShot, Similarity };
const char* toString(Benchmark benchmark);
// "retrieval", "zeroshot" (also "zero-shot"), "similarity"; throws genra::Error otherwise.
Benchmark parseBenchmark(const std::string& text);

struct EvalOptions {
    std::filesystem::path workspace;
    std::string model;  // workspace model name
    Benchmark benchmark = Benchmark::Retrieval;
    std::string dataset;
    std::string split;  // empty = every split
    std::string device = "auto";
    int batchSize = 64;
    int workers = 0;  // image decoding threads; 0 = every core

    // Retrieval.
    std::vector<std::int64_t> ks{1, 5, 10};

    // Zero-shot. Each attribute is one task; the label of an image is images.attributes[attribute],
    // or its parent folder's name for the attribute "folder" (image-folder datasets). Classes come
    // from classesFile when given (one attribute only), else the built-in Shapes classes for
    // shape/color/size/position, else the distinct labels found. Templates from templatesFile,
    // else the built-in Shapes prompts (Shapes attributes) or defaultZeroShotTemplates().
    // Empty attributes: every Shapes attribute the dataset's images carry.
    std::vector<std::string> attributes;
    std::filesystem::path classesFile;
    std::filesystem::path templatesFile;
    bool zeroShotGenerated = false;  // classify the generated images instead of the real ones

    // Similarity and zero-shot on generated images: only images of this generator (as stored in
    // generations.generator, e.g. "builtin:demo-gen", "builtin:shift"); empty = every generator.
    // Recorded in the results' details as "generator".
    std::string generator;

    // Similarity.
    SimilarityOptions similarity;
};

// One stored number.
struct EvalMetric {
    std::string name;
    double value = 0.0;
    nlohmann::json details = nlohmann::json::object();  // merged into the row's details
};

struct EvalOutcome {
    std::string task;  // retrieval | zeroshot | similarity
    std::int64_t modelId = 0;
    std::optional<std::int64_t> runId;
    std::int64_t datasetId = 0;
    std::string split;
    std::vector<EvalMetric> metrics;
    nlohmann::json provenance;            // the details every row shares
    std::vector<std::int64_t> resultIds;  // eval_results ids written
};

class EvaluateJob : public jobs::Job {
public:
    explicit EvaluateJob(EvalOptions options) : options_(std::move(options)) {}
    std::string name() const override;
    bool run(jobs::JobContext& context) override;
    const EvalOutcome& outcome() const { return outcome_; }

private:
    EvalOptions options_;
    EvalOutcome outcome_;
};

// Appends the outcome's metrics to eval_results in one transaction (all or nothing) and fills
// outcome.resultIds.
void storeEvalOutcome(store::Workspace& workspace, EvalOutcome& outcome);

// Embedding rows of `ids` (in order) stored in the embeddings table for a model, item kind
// ("image" | "caption") and encoder (model::kEncoder*); ids without a stored row are dropped from
// `ids`, so ids[i] is the item of row i. Returns float32 [ids.size(), dim].
torch::Tensor loadStoredEmbeddings(store::Workspace& workspace, std::int64_t modelId, const char* kind,
                                   const char* encoder, std::vector<std::int64_t>& ids);

// Runs EmbedWorkspaceJob for the items an evaluation needs (it only embeds what is not stored
// yet), its progress mapped into [from, to] of `context`.
struct EmbedRequest {
    std::filesystem::path workspace;
    std::string model;
    std::string dataset;
    std::string split;
    std::string device = "auto";
    int batchSize = 64;
    int workers = 0;
    bool realImages = true;
    bool generatedImages = true;
    bool captions = false;
};
void embedForEvaluation(const EmbedRequest& request, jobs::JobContext& context, double from, double to);

// Which stored eval_results rows (store::EvalResultRecord) queryEvalResults returns.
struct EvalResultQuery {
    std::vector<std::string> models;   // names; empty = any
    std::vector<std::string> runs;     // training run names or ids: rows of the models they produced
    std::string task;                  // empty = any
    std::string dataset;               // empty = any
    std::optional<std::string> split;  // unset = any
    bool latestOnly = true;            // keep only the newest row per (model, task, dataset, split, metric)
};

// store::listEvalResults narrowed by model, run and newest: rows in id order. Unknown model, run or
// dataset names are errors naming them.
std::vector<store::EvalResultRecord> queryEvalResults(store::Workspace& workspace, const EvalResultQuery& query);

}  // namespace genra::eval
