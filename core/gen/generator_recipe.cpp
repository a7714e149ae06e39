#include "core/gen/generator_recipe.h"

#include "core/gen/diffusion.h"
#include "core/gen/shift_control.h"
#include "core/util/error.h"
#include "core/util/json_file.h"
#include "core/util/names.h"

#include <algorithm>

namespace fs = std::filesystem;
using nlohmann::json;

namespace genra::gen {

namespace {

template <typename T>
void readKey(const json& j, const char* key, T& field, const std::string& where) {
    if (!j.contains(key)) return;
    try {
        j.at(key).get_to(field);
    } catch (const json::exception&) {
        throw Error(where + ": key \"" + key + "\" has the wrong type: " + j.at(key).dump());
    }
}

}  // namespace

json toJson(const GeneratorTrainOptions& o) {
    return {{"name", o.name},
            {"dataset", o.dataset},
            {"split", o.split},
            {"text_model", o.textModel},
            {"steps", o.steps},
            {"image_size", o.imageSize},
            {"batch_size", o.batchSize},
            {"lr", o.learningRate},
            {"warmup_steps", o.warmupSteps},
            {"min_lr", o.minLearningRate},
            {"weight_decay", o.weightDecay},
            {"grad_clip_norm", o.gradClipNorm},
            {"ema_decay", o.emaDecay},
            {"min_snr_gamma", o.minSnrGamma},
            {"edge_weight", o.edgeWeight},
            {"condition_dropout", o.conditionDropout},
            {"timesteps", o.timesteps},
            {"schedule", o.schedule},
            {"patch_size", o.patchSize},
            {"base_channels", o.baseChannels},
            {"channel_mults", o.channelMults},
            {"res_blocks", o.resBlocks},
            {"attention_resolutions", o.attentionResolutions},
            {"heads", o.heads},
            {"pooled_context", o.pooledContext},
            {"learn_tokens", o.learnTokens},
            {"token_init", o.tokenInit},
            {"checkpoint_every", o.checkpointEvery},
            {"seed", o.seed},
            {"device", o.device},
            {"workers", o.workers}};
}

GeneratorTrainOptions generatorTrainOptionsFromJson(const json& j, const std::string& where) {
    if (!j.is_object()) throw Error(where + ": expected a JSON object");
    GeneratorTrainOptions o;
    const json known = toJson(o);
    for (const auto& item : j.items()) {
        if (!known.contains(item.key())) throw Error(where + ": unknown key \"" + item.key() + "\"");
    }
    readKey(j, "name", o.name, where);
    readKey(j, "dataset", o.dataset, where);
    readKey(j, "split", o.split, where);
    readKey(j, "text_model", o.textModel, where);
    readKey(j, "steps", o.steps, where);
    readKey(j, "image_size", o.imageSize, where);
    readKey(j, "batch_size", o.batchSize, where);
    readKey(j, "lr", o.learningRate, where);
    readKey(j, "warmup_steps", o.warmupSteps, where);
    readKey(j, "min_lr", o.minLearningRate, where);
    readKey(j, "weight_decay", o.weightDecay, where);
    readKey(j, "grad_clip_norm", o.gradClipNorm, where);
    readKey(j, "ema_decay", o.emaDecay, where);
    readKey(j, "min_snr_gamma", o.minSnrGamma, where);
    readKey(j, "edge_weight", o.edgeWeight, where);
    readKey(j, "condition_dropout", o.conditionDropout, where);
    readKey(j, "timesteps", o.timesteps, where);
    readKey(j, "schedule", o.schedule, where);
    readKey(j, "patch_size", o.patchSize, where);
    readKey(j, "base_channels", o.baseChannels, where);
    readKey(j, "channel_mults", o.channelMults, where);
    readKey(j, "res_blocks", o.resBlocks, where);
    readKey(j, "attention_resolutions", o.attentionResolutions, where);
    readKey(j, "heads", o.heads, where);
    readKey(j, "pooled_context", o.pooledContext, where);
    readKey(j, "learn_tokens", o.learnTokens, where);
    readKey(j, "token_init", o.tokenInit, where);
    readKey(j, "checkpoint_every", o.checkpointEvery, where);
    readKey(j, "seed", o.seed, where);
    readKey(j, "device", o.device, where);
    readKey(j, "workers", o.workers, where);
    return o;
}

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
    if (o.steps <= 0) throw Error("train-generator: steps must be positive");
    if (o.batchSize <= 0) throw Error("train-generator: batch size must be positive");
    if (o.learningRate <= 0) throw Error("train-generator: learning rate must be positive");
    if (o.conditionDropout < 0 || o.conditionDropout >= 1) throw Error("train-generator: condition dropout must be in [0, 1)");
    if (o.emaDecay < 0 || o.emaDecay >= 1) throw Error("train-generator: ema decay must be in [0, 1)");
    if (!(o.minSnrGamma >= 0)) throw Error("train-generator: min-SNR gamma must be 0 (off) or positive");
    if (!(o.edgeWeight >= 0)) throw Error("train-generator: edge weight must be 0 (off) or positive");
    if (!(o.tokenInit >= 0)) throw Error("train-generator: token init must be 0 (zero table) or positive");
    betaScheduleFromName(o.schedule);
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
