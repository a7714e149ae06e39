#include "core/caption/caption_recipe.h"

#include "core/util/error.h"
#include "core/util/json_file.h"
#include "core/util/settings_schema.h"

namespace genra::caption {

namespace {

using util::failField;

const util::SettingsSchema<CaptionRecipe>& schema() {
    static const auto* table = [] {
        auto* t = new util::SettingsSchema<CaptionRecipe>("genra caption recipe --doc");
        using R = CaptionRecipe;
        t->add("clip_model", &R::clipModel, "Workspace CLIP model (clip or clip-lora) whose image embeddings the captioner reads (required)");
        t->add("dataset", &R::dataset, "Dataset to train on (required)");
        t->add("split", &R::split, "Split of the training images");
        t->add("train_on", &R::trainOn, "generated: generated images through f_g (the paper's flow); real: real images through the real-image encoder")
            .choices({"generated", "real"});
        t->add("generator", &R::generator,
               "train_on generated: only images of this generator (generations.generator, e.g. builtin:demo-gen); empty = any");
        t->add("mapper", &R::mapper, "Mapping network: ClipCap's MLP or its transformer mapper").choices({"mlp", "transformer"});
        t->add("prefix_length", &R::prefixLength, "Prefix embeddings K given to the decoder").atLeast(1);
        t->add("clip_length", &R::clipLength, "Transformer mapper: tokens the CLIP embedding is projected to").atLeast(1);
        t->add("mapper_layers", &R::mapperLayers, "Transformer mapper: layers").atLeast(1);
        t->add("mapper_heads", &R::mapperHeads, "Transformer mapper: attention heads").atLeast(1);
        t->add("normalize_prefix", &R::normalizePrefix, "L2-normalise the CLIP embedding before mapping");
        t->add("decoder", &R::decoder, "builtin (a small GPT-2-architecture decoder trained from scratch) or a Hugging Face GPT-2 folder / model.safetensors");
        t->add("decoder_width", &R::decoderWidth, "Builtin decoder: width (n_embd)").atLeast(8);
        t->add("decoder_layers", &R::decoderLayers, "Builtin decoder: layers").atLeast(1);
        t->add("decoder_heads", &R::decoderHeads, "Builtin decoder: attention heads").atLeast(1);
        t->add("decoder_positions", &R::decoderPositions, "Builtin decoder: positions (prefix + caption)").atLeast(2);
        t->add("gpt2_vocab", &R::gpt2Vocab, "GPT-2 vocab.json (default: beside the decoder weights)");
        t->add("gpt2_merges", &R::gpt2Merges, "GPT-2 merges.txt (default: beside the decoder weights)");
        t->add("vocab_merges", &R::vocabMerges, "Builtin decoder: BPE merges learned from the training captions").atLeast(0);
        t->add("train_decoder", &R::trainDecoder, "Train the decoder too (false: only the mapping network; needs GPT-2 weights)");
        t->add("max_caption_tokens", &R::maxCaptionTokens, "Caption tokens at most in training, the end token included").atLeast(2);
        t->add("lr", &R::learningRate, "Peak learning rate (AdamW), cosine decay after warm-up").atLeast(0);
        t->add("weight_decay", &R::weightDecay, "AdamW weight decay").atLeast(0);
        t->add("warmup_steps", &R::warmupSteps, "Linear warm-up steps").atLeast(0);
        t->add("grad_clip_norm", &R::gradClipNorm, "Gradient norm clipping (0 = none)").atLeast(0);
        t->add("batch_size", &R::batchSize, "Captions per step").atLeast(1);
        t->add("epochs", &R::epochs, "Passes over the (image, caption) pairs, used when steps is 0").atLeast(0);
        t->add("steps", &R::steps, "Optimiser steps; > 0 overrides epochs").atLeast(0);
        t->add("seed", &R::seed, "Seed of initialisation and batch order").atLeast(0);
        t->add("device", &R::device, "auto | cpu | cuda | cuda:N");
        t->add("checkpoint_every", &R::checkpointEvery, "Checkpoint interval in steps (0 = only at the end)").atLeast(0);
        t->add("beam_size", &R::beamSize, "Default decoding beam (1 = greedy)").atLeast(1);
        t->add("max_length", &R::maxLength, "Default decoding length limit in tokens").atLeast(1);
        t->add("length_penalty", &R::lengthPenalty, "Default beam length penalty exponent").atLeast(0);
        return t;
    }();
    return *table;
}

}  // namespace

const std::vector<CaptionRecipeField>& captionRecipeFields() { return schema().fields(); }

CaptionRecipe parseCaptionRecipe(const nlohmann::json& json, const std::string& source) {
    if (!json.is_object()) throw ParseError(source, "top level", "a recipe is a JSON object");
    CaptionRecipe r;
    schema().read(r, json, source);
    if (r.clipModel.empty()) failField(source, "clip_model", "required: the workspace CLIP model to read embeddings from");
    if (r.dataset.empty()) failField(source, "dataset", "required");
    // Training length (util::totalTrainingSteps): steps > 0 overrides epochs; the parsed recipe
    // keeps only the number that decides.
    if (r.steps > 0) r.epochs = 0;
    if (r.epochs == 0 && r.steps == 0) failField(source, "steps", "give steps or epochs greater than 0");
    if (r.decoder == "builtin" && !r.trainDecoder) {
        failField(source, "train_decoder", "the builtin decoder starts untrained and must be trained");
    }
    return r;
}

CaptionRecipe loadCaptionRecipe(const std::string& path) {
    return parseCaptionRecipe(util::readJsonFile(path), path);
}

nlohmann::json toJson(const CaptionRecipe& recipe) { return schema().toJson(recipe); }

std::string captionRecipeMarkdown() { return schema().markdown(); }

}  // namespace genra::caption
