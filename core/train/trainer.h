// The training job: CLIP pre-training, GenRA alignment and the paper's baselines, resumable and
// logged. One Job runs one workspace run; every step logs each loss term, the total, the learning
// rate, the gradient norm and images/s (to the workspace's metrics and to JobContext::metric);
// checkpoints are written atomically every `checkpoint_every` steps, on cancel and at the end.
#pragma once

#include "core/jobs/job.h"
#include "core/train/recipe.h"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace genra::train {

class TrainJob : public jobs::Job {
public:
    // A new run named `runName` (empty: derived from the method and time).
    TrainJob(std::filesystem::path workspace, Recipe recipe, std::string runName);
    // Resumes an interrupted, cancelled or failed run from its last checkpoint.
    static TrainJob resume(std::filesystem::path workspace, const std::string& runIdOrName);

    std::string name() const override;
    bool run(jobs::JobContext& context) override;

    std::int64_t runId() const { return runId_; }
    const std::string& runName() const { return runName_; }
    // The model registered at the end (empty until then).
    const std::string& modelName() const { return modelName_; }

    // Testing and benchmarking: stop after this many steps of this session as if killed (no final
    // checkpoint, run left 'running' with a dead owner... i.e. the process simply returns).
    void setStopAfterSteps(std::int64_t steps) { stopAfterSteps_ = steps; }
    // Benchmarks: do not register a model or write the final checkpoint.
    void setDryRun(bool dryRun) { dryRun_ = dryRun; }

private:
    TrainJob() = default;
    std::filesystem::path workspace_;
    Recipe recipe_;
    std::string runName_;
    std::int64_t runId_ = 0;
    bool resuming_ = false;
    std::optional<std::int64_t> stopAfterSteps_;
    bool dryRun_ = false;
    std::string modelName_;
};

// A default recipe for a method, as JSON (what `genra recipe --default METHOD` prints).
nlohmann::json defaultRecipeJson(Method method);

// A recipe that pre-trains a tiny conv-stem CLIP from scratch on `split` of `dataset` for `steps`
// steps of `batchSize` at peak learning rate `lr`, as the demo, the tests and the benches do: a
// vocabulary of 400 merges learnt from the captions, a learnt temperature, warm-up over the first
// 5 % of the steps, no checkpoints, CPU, seed 0. Callers override what differs.
nlohmann::json pretrainRecipeJson(const std::string& dataset, const std::string& split, int steps, int batchSize,
                                  double lr);

}  // namespace genra::train
