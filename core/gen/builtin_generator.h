// The built-in text-to-image generator: a U-Net (unet.h) trained with the ε-prediction DDPM
// objective on a workspace dataset's real images and captions, conditioned on the token features of
// a frozen workspace CLIP text tower (text_condition.h), with condition dropout so classifier-free
// guidance works. Training is a resumable Job with checkpoints and per-step metrics like the CLIP
// training runs; the result is a workspace model of kind "generator" whose files live in
// checkpoints/<name>/ (model.safetensors with the EMA weights, model.json with the configuration,
// last.pt with the training state).
#pragma once

#include "core/gen/diffusion.h"
#include "core/gen/generator_recipe.h"
#include "core/gen/text_condition.h"
#include "core/gen/unet.h"
#include "core/jobs/job.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace genra::store {
class Workspace;
}

namespace genra::gen {

constexpr const char* kModelKindGenerator = "generator";

class TrainGeneratorJob : public jobs::Job {
public:
    // A new run; if a run of that name exists and did not finish, it is resumed from its last
    // checkpoint instead (with the options it was started with). A finished one is an error.
    TrainGeneratorJob(std::filesystem::path workspace, GeneratorTrainOptions options);
    std::string name() const override { return "train-generator " + options_.name; }
    bool run(jobs::JobContext& context) override;

    const GeneratorTrainOptions& options() const { return options_; }
    std::int64_t runId() const { return runId_; }
    bool resumed() const { return resumed_; }
    std::int64_t resumedFromStep() const { return resumedFromStep_; }
    // Tests and benchmarks: return after this many steps of this session as if killed.
    void setStopAfterSteps(std::int64_t steps) { stopAfterSteps_ = steps; }
    // Benchmarks: no checkpoint, no model registered.
    void setDryRun(bool dryRun) { dryRun_ = dryRun; }

private:
    std::filesystem::path workspace_;
    GeneratorTrainOptions options_;
    std::int64_t runId_ = 0;
    bool resumed_ = false;
    std::int64_t resumedFromStep_ = 0;
    std::optional<std::int64_t> stopAfterSteps_;
    bool dryRun_ = false;
};

// A trained generator loaded for sampling.
struct BuiltinGenerator {
    std::string name;
    std::int64_t modelId = 0;
    nlohmann::json config;
    UNet unet{nullptr};
    std::shared_ptr<NoiseSchedule> schedule;
    std::shared_ptr<TextConditioner> text;
    torch::Device device{torch::kCPU};
    bool predictsVelocity = false;  // config "parametrization": "v" (see gen::velocityTarget); else ε
    // Per-channel statistics the training images were standardised with (config "data_mean",
    // "data_std"; to a standard deviation of kGeneratorDataStd); empty: images used as they are.
    std::vector<double> dataMean;
    std::vector<double> dataStd;

    std::int64_t imageSize() const { return unet->config().imageSize; }
    // One image per (caption, seed) pair: uint8 [B, S, S, 3]. Batched; every image depends only on its
    // caption, its seed and the options. `onStep` as in gen::sample.
    torch::Tensor generate(const std::vector<std::string>& captions, const std::vector<std::uint64_t>& seeds,
                           const SampleOptions& options, const std::function<void(int, int)>& onStep = {});
};

// Loads a workspace model of kind "generator" (and the CLIP text tower it was trained with).
BuiltinGenerator loadBuiltinGenerator(store::Workspace& workspace, const std::string& name,
                                      const std::string& device = "cpu");

// Loads a generator bundle folder (generator_bundle.h) for sampling, without a workspace.
BuiltinGenerator loadGeneratorBundle(const std::filesystem::path& dir, const std::string& device = "cpu");

}  // namespace genra::gen
