// Captioner training: a workspace run (core/train/run_driver.h: metrics, checkpoints, resume and
// cancel) that trains a ClipCap-style captioner (core/caption) on cached CLIP image embeddings —
// generated images through f_g, or real images through the CLIP model's inference encoder for real
// images — and registers a model of kind "captioner" (loaded by caption::loadCaptioner).
#pragma once

#include "core/caption/caption_recipe.h"
#include "core/jobs/job.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace genra::train {

class CaptionTrainJob : public jobs::Job {
public:
    // A new run named `runName` (empty: "caption-<time>"); the model it registers has that name.
    CaptionTrainJob(std::filesystem::path workspace, caption::CaptionRecipe recipe, std::string runName = {});
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
    caption::CaptionRecipe recipe_;
    std::string runName_;
    std::int64_t runId_ = 0;
    bool resuming_ = false;
    std::optional<std::int64_t> stopAfterSteps_;
    std::string modelName_;
    double finalLoss_ = 0.0;
};

// A recipe JSON for the built-in configuration (what `genra caption recipe --default` prints).
nlohmann::json defaultCaptionRecipeJson();

}  // namespace genra::train
