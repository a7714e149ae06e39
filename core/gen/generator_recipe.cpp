#include "core/gen/generator_recipe.h"

#include "core/gen/shift_control.h"
#include "core/util/error.h"
#include "core/util/json_file.h"
#include "core/util/names.h"
#include "core/util/settings_schema.h"

#include <algorithm>

namespace fs = std::filesystem;
using nlohmann::json;

namespace genra::gen {

const util::SettingsSchema<GeneratorTrainOptions>& generatorRecipeSchema() {
    static const auto* table = [] {
        auto* t = new util::SettingsSchema<GeneratorTrainOptions>("genra train-generator --doc");
        using O = GeneratorTrainOptions;
        t->add("name", &O::name, "Run and model name (files in checkpoints/NAME/)");
        t->add("dataset", &O::dataset, "Dataset whose real images and captions are learnt");
        t->add("split", &O::split, "Split of the real images");
        t->add("text_model", &O::textModel, "Workspace CLIP whose frozen text tower conditions the model");
        t->add("steps", &O::steps, "Optimiser steps").above(0);
        t->add("image_size", &O::imageSize, "Image size in pixels").above(0).flag("--size");
        t->add("batch_size", &O::batchSize, "Images per step").above(0).flag("--batch");
        t->add("lr", &O::learningRate, "Peak learning rate (AdamW, warm-up then cosine decay)").above(0);
        t->add("warmup_steps", &O::warmupSteps, "Warm-up steps").atLeast(0).flag("--warmup");
        t->add("min_lr", &O::minLearningRate, "Learning rate at the end").atLeast(0);
        t->add("weight_decay", &O::weightDecay, "AdamW weight decay").atLeast(0);
        t->add("grad_clip_norm", &O::gradClipNorm, "Clip the gradient's global L2 norm to this value (0: no clipping)").atLeast(0);
        t->add("ema_decay", &O::emaDecay, "EMA decay of the weights that are saved").atLeast(0).below(1);
        t->add("min_snr_gamma", &O::minSnrGamma, "Min-SNR-gamma loss weighting (0: plain MSE)").atLeast(0);
        t->add("edge_weight", &O::edgeWeight,
               "Extra loss weight on the real images' edges, in multiples of the mean (0: plain MSE)")
            .atLeast(0);
        t->add("condition_dropout", &O::conditionDropout, "Probability of the empty caption (for guidance)")
            .atLeast(0)
            .below(1)
            .flag("--cond-dropout");
        t->add("timesteps", &O::timesteps, "Diffusion timesteps T").atLeast(1);
        t->add("schedule", &O::schedule, "Noise schedule").choices({"linear", "cosine"});
        t->add("patch_size", &O::patchSize, "Pixels per side folded into channels before the U-Net").atLeast(1).flag("--patch");
        t->add("base_channels", &O::baseChannels, "U-Net width of the first level").atLeast(1);
        t->add("channel_mults", &O::channelMults, "Width multiplier per level (each level halves the size)").atLeast(1);
        t->add("res_blocks", &O::resBlocks, "Residual blocks per level").atLeast(0);
        t->add("attention_resolutions", &O::attentionResolutions, "Feature-map sizes with self/cross-attention")
            .atLeast(1)
            .flag("--attention-res");
        t->add("heads", &O::heads, "Attention heads").atLeast(1);
        t->add("pooled_context", &O::pooledContext,
               "Also add the caption's mean token feature to the timestep embedding (true/false)");
        t->add("learn_tokens", &O::learnTokens,
               "Learn an embedding per caption token, added to the text tower's frozen features (true/false)");
        t->add("token_init", &O::tokenInit,
               "Start the learnt token embeddings at this many feature standard deviations (0: at zero)")
            .atLeast(0);
        t->add("checkpoint_every", &O::checkpointEvery, "Steps between checkpoints").atLeast(0);
        t->add("seed", &O::seed, "Seed of initialisation and batches");
        t->add("device", &O::device, "cpu, cuda, cuda:N or auto");
        t->add("workers", &O::workers, "Image decoding threads").atLeast(0);
        return t;
    }();
    return *table;
}

json toJson(const GeneratorTrainOptions& o) { return generatorRecipeSchema().toJson(o); }

GeneratorTrainOptions generatorTrainOptionsFromJson(const json& j, const std::string& where) {
    return generatorRecipeSchema().parse(j, where);
}

std::string generatorRecipeMarkdown() { return generatorRecipeSchema().markdown(); }

GeneratorTrainOptions loadGeneratorRecipe(const fs::path& file) {
    return generatorTrainOptionsFromJson(util::readJsonFile(file), file.string());
}

void validate(const GeneratorTrainOptions& o) {
    // The name is the folder checkpoints/<name>/; "run-<id>" would be a training run's.
    util::validateName(o.name, "generator");
    if (o.name == kShiftControlName) {
        throw Error(std::string("generator name \"") + kShiftControlName + "\" is reserved: " + kShiftControlGenerator +
                    " is the shift control (real images under an appearance change), not a trained model; choose another --name");
    }
    if (o.dataset.empty()) throw Error("train-generator: no dataset given");
    if (o.textModel.empty()) throw Error("train-generator: no text model given (a workspace CLIP, e.g. --text-model shapes-clip)");
    // Options built in code (the demo, the GUI) meet the table's ranges and choices too.
    generatorRecipeSchema().check(o, "train-generator");
    unetConfigFor(o, 64).validate();
}

UNetConfig unetConfigFor(const GeneratorTrainOptions& o, std::int64_t contextDim, std::int64_t vocabSize) {
    UNetConfig c;
    c.imageSize = o.imageSize;
    c.patchSize = o.patchSize;
    c.baseChannels = o.baseChannels;
    c.channelMults = o.channelMults;
    c.resBlocks = o.resBlocks;
    c.attentionResolutions = o.attentionResolutions;
    c.heads = o.heads;
    c.pooledContext = o.pooledContext;
    c.contextDim = contextDim;
    c.tokenVocab = o.learnTokens ? vocabSize : 0;
    c.groups = std::min<std::int64_t>(8, o.baseChannels);
    return c;
}

}  // namespace genra::gen
