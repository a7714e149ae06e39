// Training the built-in text-to-image generator (core/gen/builtin_generator.h): a workspace run
// (core/train/run_driver.h: metrics, checkpoints, resume and cancel) that trains the U-Net with the
// v-prediction diffusion objective on a dataset's real images and captions, conditioned on the
// frozen token features of a workspace CLIP text tower, with condition dropout so classifier-free
// guidance works. The result is a workspace model of kind "generator" whose files live in
// checkpoints/<name>/ (model.safetensors with the EMA weights, model.json with the configuration,
// last.pt with the training state).
#pragma once

#include "core/gen/generator_recipe.h"
#include "core/jobs/job.h"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace genra::train {

class TrainGeneratorJob : public jobs::Job {
public:
    // A new run; if a run of that name exists and did not finish, it is resumed from its last
    // checkpoint instead (with the options it was started with). A finished one is an error.
    TrainGeneratorJob(std::filesystem::path workspace, gen::GeneratorTrainOptions options);
    std::string name() const override { return "train-generator " + options_.name; }
    bool run(jobs::JobContext& context) override;

    const gen::GeneratorTrainOptions& options() const { return options_; }
    std::int64_t runId() const { return runId_; }
    bool resumed() const { return resumed_; }
    std::int64_t resumedFromStep() const { return resumedFromStep_; }
    // Tests and benchmarks: return after this many steps of this session as if killed.
    void setStopAfterSteps(std::int64_t steps) { stopAfterSteps_ = steps; }
    // Benchmarks: no checkpoint, no model registered.
    void setDryRun(bool dryRun) { dryRun_ = dryRun; }

private:
    std::filesystem::path workspace_;
    gen::GeneratorTrainOptions options_;
    std::int64_t runId_ = 0;
    bool resumed_ = false;
    std::int64_t resumedFromStep_ = 0;
    std::optional<std::int64_t> stopAfterSteps_;
    bool dryRun_ = false;
};

}  // namespace genra::train
