// The built-in text-to-image generator: a U-Net (unet.h) conditioned on the token features of a
// frozen workspace CLIP text tower (text_condition.h), loaded from a workspace model of kind
// "generator" or from a bundle, and sampled with classifier-free guidance. Training it is a
// workspace run: core/train/generator_training.h.
#pragma once

#include "core/gen/diffusion.h"
#include "core/gen/generator_recipe.h"
#include "core/gen/text_condition.h"
#include "core/gen/unet.h"
#include "core/jobs/job.h"
#include "core/model/model_store.h"

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

// The workspace CLIP `name` whose frozen text tower conditions a generator; it must have its
// vocabulary recorded.
model::LoadedClip loadTextModel(store::Workspace& workspace, const std::string& name);

// Loads a workspace model of kind "generator" (and the CLIP text tower it was trained with).
BuiltinGenerator loadBuiltinGenerator(store::Workspace& workspace, const std::string& name,
                                      const std::string& device = "cpu");

// Loads a generator bundle folder (generator_bundle.h) for sampling, without a workspace.
BuiltinGenerator loadGeneratorBundle(const std::filesystem::path& dir, const std::string& device = "cpu");

}  // namespace genra::gen
