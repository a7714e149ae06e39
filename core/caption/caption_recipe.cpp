#include "core/caption/caption_recipe.h"

#include "core/util/error.h"
#include "core/util/json_file.h"

#include <fstream>
#include <sstream>

namespace genra::caption {

namespace {

CaptionRecipeField field(std::string key, nlohmann::json value, std::string help, std::vector<std::string> choices = {}) {
    CaptionRecipeField f;
    f.key = std::move(key);
    f.defaultValue = std::move(value);
    f.help = std::move(help);
    f.choices = std::move(choices);
    return f;
}

CaptionRecipeField atLeast(CaptionRecipeField f, double minimum) {
    f.minimum = minimum;
    f.hasMinimum = true;
    return f;
}

// Reads every field into the struct; both directions go through this one list of members.
template <typename Visit>
void visitFields(CaptionRecipe& r, Visit&& visit) {
    visit("clip_model", r.clipModel);
    visit("dataset", r.dataset);
    visit("split", r.split);
    visit("train_on", r.trainOn);
    visit("generator", r.generator);
    visit("mapper", r.mapper);
    visit("prefix_length", r.prefixLength);
    visit("clip_length", r.clipLength);
    visit("mapper_layers", r.mapperLayers);
    visit("mapper_heads", r.mapperHeads);
    visit("normalize_prefix", r.normalizePrefix);
    visit("decoder", r.decoder);
    visit("decoder_width", r.decoderWidth);
    visit("decoder_layers", r.decoderLayers);
    visit("decoder_heads", r.decoderHeads);
    visit("decoder_positions", r.decoderPositions);
    visit("gpt2_vocab", r.gpt2Vocab);
    visit("gpt2_merges", r.gpt2Merges);
    visit("vocab_merges", r.vocabMerges);
    visit("train_decoder", r.trainDecoder);
    visit("max_caption_tokens", r.maxCaptionTokens);
    visit("lr", r.learningRate);
    visit("weight_decay", r.weightDecay);
    visit("warmup_steps", r.warmupSteps);
    visit("grad_clip_norm", r.gradClipNorm);
    visit("batch_size", r.batchSize);
    visit("epochs", r.epochs);
    visit("steps", r.steps);
    visit("seed", r.seed);
    visit("device", r.device);
    visit("checkpoint_every", r.checkpointEvery);
    visit("beam_size", r.beamSize);
    visit("max_length", r.maxLength);
    visit("length_penalty", r.lengthPenalty);
}

}  // namespace

const std::vector<CaptionRecipeField>& captionRecipeFields() {
    static const std::vector<CaptionRecipeField> fields = [] {
        const CaptionRecipe d;
        return std::vector<CaptionRecipeField>{
            field("clip_model", d.clipModel, "Workspace CLIP model (clip or clip-lora) whose image embeddings the captioner reads (required)"),
            field("dataset", d.dataset, "Dataset to train on (required)"),
            field("split", d.split, "Split of the training images"),
            field("train_on", d.trainOn, "generated: generated images through f_g (the paper's flow); real: real images through the real-image encoder",
                  {"generated", "real"}),
            field("generator", d.generator,
                  "train_on generated: only images of this generator (generations.generator, e.g. builtin:demo-gen); empty = any"),
            field("mapper", d.mapper, "Mapping network: ClipCap's MLP or its transformer mapper", {"mlp", "transformer"}),
            atLeast(field("prefix_length", d.prefixLength, "Prefix embeddings K given to the decoder"), 1),
            atLeast(field("clip_length", d.clipLength, "Transformer mapper: tokens the CLIP embedding is projected to"), 1),
            atLeast(field("mapper_layers", d.mapperLayers, "Transformer mapper: layers"), 1),
            atLeast(field("mapper_heads", d.mapperHeads, "Transformer mapper: attention heads"), 1),
            field("normalize_prefix", d.normalizePrefix, "L2-normalise the CLIP embedding before mapping"),
            field("decoder", d.decoder, "builtin (a small GPT-2-architecture decoder trained from scratch) or a Hugging Face GPT-2 folder / model.safetensors"),
            atLeast(field("decoder_width", d.decoderWidth, "Builtin decoder: width (n_embd)"), 8),
            atLeast(field("decoder_layers", d.decoderLayers, "Builtin decoder: layers"), 1),
            atLeast(field("decoder_heads", d.decoderHeads, "Builtin decoder: attention heads"), 1),
            atLeast(field("decoder_positions", d.decoderPositions, "Builtin decoder: positions (prefix + caption)"), 2),
            field("gpt2_vocab", d.gpt2Vocab, "GPT-2 vocab.json (default: beside the decoder weights)"),
            field("gpt2_merges", d.gpt2Merges, "GPT-2 merges.txt (default: beside the decoder weights)"),
            atLeast(field("vocab_merges", d.vocabMerges, "Builtin decoder: BPE merges learned from the training captions"), 0),
            field("train_decoder", d.trainDecoder, "Train the decoder too (false: only the mapping network; needs GPT-2 weights)"),
            atLeast(field("max_caption_tokens", d.maxCaptionTokens, "Caption tokens at most in training, the end token included"), 2),
            atLeast(field("lr", d.learningRate, "Peak learning rate (AdamW), cosine decay after warm-up"), 0),
            atLeast(field("weight_decay", d.weightDecay, "AdamW weight decay"), 0),
            atLeast(field("warmup_steps", d.warmupSteps, "Linear warm-up steps"), 0),
            atLeast(field("grad_clip_norm", d.gradClipNorm, "Gradient norm clipping (0 = none)"), 0),
            atLeast(field("batch_size", d.batchSize, "Captions per step"), 1),
            atLeast(field("epochs", d.epochs, "Passes over the (image, caption) pairs"), 0),
            atLeast(field("steps", d.steps, "Optimiser steps; > 0 overrides epochs"), 0),
            atLeast(field("seed", d.seed, "Seed of initialisation and batch order"), 0),
            field("device", d.device, "auto | cpu | cuda | cuda:N"),
            atLeast(field("checkpoint_every", d.checkpointEvery, "Checkpoint interval in steps (0 = only at the end)"), 0),
            atLeast(field("beam_size", d.beamSize, "Default decoding beam (1 = greedy)"), 1),
            atLeast(field("max_length", d.maxLength, "Default decoding length limit in tokens"), 1),
            atLeast(field("length_penalty", d.lengthPenalty, "Default beam length penalty exponent"), 0),
        };
    }();
    return fields;
}

CaptionRecipe parseCaptionRecipe(const nlohmann::json& json, const std::string& source) {
    if (!json.is_object()) throw ParseError(source, "top level", "a recipe is a JSON object");
    std::map<std::string, const CaptionRecipeField*> byKey;
    for (const auto& f : captionRecipeFields()) byKey[f.key] = &f;
    for (auto it = json.begin(); it != json.end(); ++it) {
        if (!byKey.count(it.key())) throw ParseError(source, "key \"" + it.key() + "\"", "unknown key (see `genra caption recipe --doc`)");
    }
    CaptionRecipe r;
    visitFields(r, [&](const char* key, auto& member) {
        if (!json.contains(key)) return;
        const auto& value = json[key];
        const auto& f = *byKey.at(key);
        using T = std::decay_t<decltype(member)>;
        const std::string where = std::string("key \"") + key + "\"";
        if constexpr (std::is_same_v<T, std::string>) {
            if (!value.is_string()) throw ParseError(source, where, "expected a string");
            member = value.get<std::string>();
            if (!f.choices.empty() && std::find(f.choices.begin(), f.choices.end(), member) == f.choices.end()) {
                std::string allowed;
                for (const auto& c : f.choices) allowed += (allowed.empty() ? "" : ", ") + c;
                throw ParseError(source, where, "\"" + member + "\" is not one of " + allowed);
            }
        } else if constexpr (std::is_same_v<T, bool>) {
            if (!value.is_boolean()) throw ParseError(source, where, "expected true or false");
            member = value.get<bool>();
        } else {
            if constexpr (std::is_integral_v<T>) {
                if (!value.is_number_integer()) throw ParseError(source, where, "expected an integer");
            } else {
                if (!value.is_number()) throw ParseError(source, where, "expected a number");
            }
            member = value.get<T>();
            if (f.hasMinimum && static_cast<double>(member) < f.minimum) {
                std::ostringstream msg;
                msg << "must be at least " << f.minimum;
                throw ParseError(source, where, msg.str());
            }
        }
    });
    if (r.clipModel.empty()) throw ParseError(source, "key \"clip_model\"", "required: the workspace CLIP model to read embeddings from");
    if (r.dataset.empty()) throw ParseError(source, "key \"dataset\"", "required");
    if (r.epochs == 0 && r.steps == 0) throw ParseError(source, "key \"steps\"", "give steps or epochs greater than 0");
    if (r.decoder == "builtin" && !r.trainDecoder) {
        throw ParseError(source, "key \"train_decoder\"", "the builtin decoder starts untrained and must be trained");
    }
    return r;
}

CaptionRecipe loadCaptionRecipe(const std::string& path) {
    return parseCaptionRecipe(util::readJsonFile(path), path);
}

nlohmann::json toJson(const CaptionRecipe& recipe) {
    nlohmann::json out = nlohmann::json::object();
    CaptionRecipe copy = recipe;
    visitFields(copy, [&](const char* key, auto& member) { out[key] = member; });
    return out;
}

std::string captionRecipeMarkdown() {
    std::ostringstream out;
    out << "| key | default | meaning |\n| --- | --- | --- |\n";
    for (const auto& f : captionRecipeFields()) {
        out << "| `" << f.key << "` | `" << f.defaultValue.dump() << "` | " << f.help;
        if (!f.choices.empty()) {
            out << " (";
            for (std::size_t i = 0; i < f.choices.size(); ++i) out << (i ? ", " : "") << f.choices[i];
            out << ")";
        }
        out << " |\n";
    }
    return out.str();
}

}  // namespace genra::caption
