// Captioner jobs over a workspace: training (a run with metrics, checkpoints, resume and cancel,
// registering a model of kind "captioner"), prediction (captions of a split's images in COCO
// results format) and evaluation (COCO caption metrics against the split's reference captions,
// stored in eval_results with provenance). Image embeddings are computed once per (CLIP model,
// image, encoder) and cached in the embeddings table: generated images through f_g, real images
// through the CLIP model's inference encoder for real images.
#pragma once

#include "core/caption/caption_recipe.h"
#include "core/caption/caption_tokenizer.h"
#include "core/caption/captioner.h"
#include "core/caption/decode.h"
#include "core/eval/caption_metrics.h"
#include "core/jobs/job.h"
#include "core/model/model_store.h"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace genra::store {
class Workspace;
}

namespace genra::caption {

constexpr const char* kModelKindCaptioner = "captioner";

class CaptionTrainJob : public jobs::Job {
public:
    // A new run named `runName` (empty: "caption-<time>"); the model it registers has that name.
    CaptionTrainJob(std::filesystem::path workspace, CaptionRecipe recipe, std::string runName = {});
    // Resumes an interrupted, cancelled or failed captioner run from its last checkpoint.
    static CaptionTrainJob resume(std::filesystem::path workspace, const std::string& runIdOrName);

    std::string name() const override { return "caption train " + runName_; }
    bool run(jobs::JobContext& context) override;

    std::int64_t runId() const { return runId_; }
    const std::string& runName() const { return runName_; }
    const std::string& modelName() const { return modelName_; }  // empty until registered
    double finalLoss() const { return finalLoss_; }

    // Tests: stop after this many steps of this session as if the process were killed.
    void setStopAfterSteps(std::int64_t steps) { stopAfterSteps_ = steps; }

private:
    CaptionTrainJob() = default;
    std::filesystem::path workspace_;
    CaptionRecipe recipe_;
    std::string runName_;
    std::int64_t runId_ = 0;
    bool resuming_ = false;
    std::optional<std::int64_t> stopAfterSteps_;
    std::string modelName_;
    double finalLoss_ = 0.0;
};

// A registered captioner, loaded for decoding (CPU, eval mode).
struct LoadedCaptioner {
    model::ModelRecord record;
    ClipCaptioner model{nullptr};
    std::shared_ptr<const CaptionTokenizer> tokenizer;
    std::string clipModel;  // the CLIP model whose embeddings it reads
    DecodeOptions decode;   // the defaults recorded at training
};
LoadedCaptioner loadCaptioner(store::Workspace& workspace, const std::string& name);

// Captions for CLIP embeddings [N, D] (batched decoding on `device`).
std::vector<std::string> captionEmbeddings(LoadedCaptioner& captioner, const torch::Tensor& embeddings,
                                           const DecodeOptions& options, int batchSize, torch::Device device,
                                           jobs::JobContext* context = nullptr);

struct CaptionPrediction {
    std::int64_t imageId = 0;  // workspace image id (images.id), the "image_id" of the results file
    std::string caption;
};

struct CaptionPredictOptions {
    std::filesystem::path workspace;
    std::string model;                 // captioner name
    std::string dataset;
    std::string split = "test";
    std::string modality = "real";     // real (the real-image encoder) | generated (f_g)
    std::optional<int> beamSize;       // unset: the model's defaults
    std::optional<int> maxLength;
    std::optional<double> lengthPenalty;
    int batchSize = 64;
    std::string device = "auto";
    std::filesystem::path out;         // COCO results JSON; empty: not written
};

class CaptionPredictJob : public jobs::Job {
public:
    explicit CaptionPredictJob(CaptionPredictOptions options) : options_(std::move(options)) {}
    std::string name() const override { return "caption predict " + options_.model; }
    bool run(jobs::JobContext& context) override;
    const std::vector<CaptionPrediction>& predictions() const { return predictions_; }
    const DecodeOptions& decodeOptions() const { return decode_; }

private:
    CaptionPredictOptions options_;
    std::vector<CaptionPrediction> predictions_;
    DecodeOptions decode_;
};

// [{"image_id", "caption"}] written atomically; and read back (errors name the file and entry).
void writeCocoResults(const std::filesystem::path& path, const std::vector<CaptionPrediction>& predictions);
std::vector<CaptionPrediction> readCocoResults(const std::filesystem::path& path);

struct CaptionEvalOptions {
    CaptionPredictOptions predict;       // workspace, model, dataset, split, decoding
    std::filesystem::path predictions;   // given: score this file instead of predicting
    eval::CaptionEvalOptions metrics;    // METEOR / SPICE jars
    bool store = true;                   // write eval_results rows
};

class CaptionEvalJob : public jobs::Job {
public:
    explicit CaptionEvalJob(CaptionEvalOptions options) : options_(std::move(options)) {}
    std::string name() const override { return "caption eval " + options_.predict.model; }
    bool run(jobs::JobContext& context) override;
    const eval::CaptionEvalResult& result() const { return result_; }
    const std::vector<CaptionPrediction>& predictions() const { return predictions_; }

private:
    CaptionEvalOptions options_;
    eval::CaptionEvalResult result_;
    std::vector<CaptionPrediction> predictions_;
};

// The reference captions of a split's images ({image id -> captions}, images with status ok and
// at least one caption, in image id order).
std::vector<std::pair<std::int64_t, std::vector<std::string>>> referenceCaptions(store::Workspace& workspace,
                                                                                 const std::string& dataset,
                                                                                 const std::string& split);

// A recipe JSON for the built-in configuration (what `genra caption recipe --default` prints).
nlohmann::json defaultCaptionRecipeJson();

}  // namespace genra::caption
