// Captioner evaluation: COCO caption metrics of a captioner's predictions (made here, or read from a
// COCO results file) against the split's reference captions, stored in eval_results with
// provenance.
#pragma once

#include "core/caption/caption_predict.h"
#include "core/eval/caption_metrics.h"
#include "core/jobs/job.h"

#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace genra::store {
class Workspace;
}

namespace genra::caption {

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

}  // namespace genra::caption
