// The built-in generator's training recipe: GeneratorTrainOptions, the keys of a recipe file and of
// a trained generator's model.json "options" (one field table: parsing, toJson, `--doc`, the
// `genra train-generator` flags); its validation; and the U-Net configuration it builds.
#pragma once

#include "core/gen/unet.h"
#include "core/util/settings_schema.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace genra::gen {

struct GeneratorTrainOptions {
    std::string name = "shapes-gen";  // run and model name; files in checkpoints/<name>/
    std::string dataset;
    std::string split = "pretrain";    // real images (with captions) of this split are the training set
    std::string textModel;             // workspace CLIP whose frozen text tower conditions the U-Net
    // 800 steps at batch 64 (measured with genra shapes-adherence, docs/generator.md): caption position
    // 43 -> 74 % against 900 steps at batch 32 in about the same CPU time (a step of 64 costs
    // ~1.15x one of 32 on 2 cores); a higher learning rate and min-SNR weighting measured worse.
    std::int64_t steps = 800;
    std::int64_t imageSize = 32;
    std::int64_t batchSize = 64;
    double learningRate = 1e-3;
    std::int64_t warmupSteps = 50;
    double minLearningRate = 1e-4;     // cosine decay from learningRate to this
    double weightDecay = 0.0;
    double gradClipNorm = 1.0;
    double emaDecay = 0.995;           // EMA of the weights; warmed up as min(decay, (1+n)/(10+n))
    double minSnrGamma = 0.0;          // > 0: min-SNR-γ loss weighting (gen::minSnrVelocityWeights); 0: plain MSE
    // > 0: per-pixel loss weights favouring the real images' edges (gen::edgeLossWeights); 0: plain
    // MSE. On 500 test captions (docs/generator.md) 4 raised colour and position for both training seeds at 800
    // steps (its ~2-point shape gain there is within noise: weights 1, 2 and 8 gave none), and at
    // 2,400 steps gave colour / position / shape 94.8 / 93.9 / 16.2 % against 87.2 / 87.8 / 10.6 %;
    // backgrounds come out noisier.
    double edgeWeight = 4.0;
    double conditionDropout = 0.1;     // probability of training on the empty caption
    int timesteps = 1000;
    std::string schedule = "cosine";   // linear | cosine
    std::int64_t patchSize = 2;        // pixels folded into channels: the U-Net runs at size / patch
    std::int64_t baseChannels = 32;
    std::vector<std::int64_t> channelMults{1, 2, 2};
    std::int64_t resBlocks = 1;
    std::vector<std::int64_t> attentionResolutions{8, 4};  // feature-map sizes (after patching)
    std::int64_t heads = 4;
    bool pooledContext = true;         // the caption's mean token feature joins the timestep embedding
    // Learn an embedding per token id, added to the frozen features (UNetConfig::tokenVocab). With
    // the demo's tiny-conv CLIP, whose text tower separates position words poorly, colour 79.5 ->
    // 88.5 % and position 68 -> 78 % (docs/generator.md); shape unchanged.
    bool learnTokens = true;
    // > 0: the learnt token table starts as N(0, (tokenInit * σ)^2), σ the frozen features' standard
    // deviation, so every word is told apart from the first step; 0: it starts at zero. With Adam a
    // zero table grows by about the learning rate per step and stays small over a few hundred
    // steps. Measured on 500 test captions (docs/generator.md), the caption's position rose from 74.9 to 82.7 %
    // (training seed 0) and from 63.1 to 79.3 % (seed 1); colour and shape moved within noise.
    double tokenInit = 1.0;
    std::int64_t checkpointEvery = 200;
    std::int64_t seed = 0;
    std::string device = "cpu";        // cpu | cuda | cuda:N | auto
    int workers = 2;                   // image decoding threads
};

// The field table (util::SettingsSchema): JSON keys, types, defaults, ranges, help and the
// `genra train-generator` flags (most are the key with '-' for '_'; --size, --batch, --warmup,
// --patch, --attention-res and --cond-dropout are shorter).
const util::SettingsSchema<GeneratorTrainOptions>& generatorRecipeSchema();
nlohmann::json toJson(const GeneratorTrainOptions& options);
// Unknown keys, wrong types and out-of-range values throw genra::Error naming the key (`where`
// prefixes messages).
GeneratorTrainOptions generatorTrainOptionsFromJson(const nlohmann::json& json, const std::string& where);
// The table's ranges and choices, the name, the required keys and the U-Net configuration.
void validate(const GeneratorTrainOptions& options);
// Markdown table of every key (`genra train-generator --doc`).
std::string generatorRecipeMarkdown();
// A recipe file: generatorTrainOptionsFromJson of its JSON (errors name the file).
GeneratorTrainOptions loadGeneratorRecipe(const std::filesystem::path& file);

// Builds the U-Net configuration of the options (context width and vocabulary size from the text
// model; the vocabulary matters only with learnTokens).
UNetConfig unetConfigFor(const GeneratorTrainOptions& options, std::int64_t contextDim, std::int64_t vocabSize = 1);

}  // namespace genra::gen
