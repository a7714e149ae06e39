// Captioner training recipes: a JSON object naming the CLIP model whose embeddings the captioner
// reads, the data (train_on generated images through f_g as in the paper, or real images through
// the real-image encoder, Table 11), the mapping network, the decoder (a small GPT-2-architecture
// model trained from scratch with a BPE vocabulary learned from the training captions, or released
// GPT-2 weights with their tokenizer) and the optimiser. Unknown keys, wrong types and
// out-of-range values are rejected by name.
#pragma once

#include "core/util/settings_schema.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace genra::caption {

struct CaptionRecipe {
    std::string clipModel;                // workspace model (clip or clip-lora)
    std::string dataset;
    std::string split = "align";          // training split
    std::string trainOn = "generated";    // generated | real
    std::string generator;                // train_on generated: only this generator's images; empty = any
    std::string mapper = "mlp";           // mlp | transformer
    int prefixLength = 8;
    int clipLength = 8;                   // transformer mapper
    int mapperLayers = 2;                 // transformer mapper
    int mapperHeads = 4;
    bool normalizePrefix = true;
    std::string decoder = "builtin";      // builtin | a Hugging Face GPT-2 folder or .safetensors
    int decoderWidth = 128;
    int decoderLayers = 2;
    int decoderHeads = 4;
    int decoderPositions = 64;
    std::string gpt2Vocab;                // vocab.json; empty = beside the decoder weights
    std::string gpt2Merges;               // merges.txt; empty = beside the decoder weights
    int vocabMerges = 300;                // builtin decoder: BPE merges learned from the captions
    bool trainDecoder = true;             // false: only the mapping network learns
    int maxCaptionTokens = 24;
    double learningRate = 2e-3;
    double weightDecay = 0.01;
    int warmupSteps = 20;
    double gradClipNorm = 1.0;            // 0 = no clipping
    int batchSize = 64;
    int epochs = 12;                      // used when steps is 0
    int steps = 0;                        // > 0 overrides epochs (util::totalTrainingSteps)
    std::int64_t seed = 0;
    std::string device = "auto";
    int checkpointEvery = 200;            // steps; 0 = only at the end
    int beamSize = 5;                     // decoding defaults stored with the model
    int maxLength = 24;
    double lengthPenalty = 1.0;
};

// A field's descriptor (key, type, default, range, choices, help): core/util/settings_schema.h.
using CaptionRecipeField = util::FieldInfo;

// Every field, in documentation order (one table: parsing, toJson, the reference and forms).
const std::vector<CaptionRecipeField>& captionRecipeFields();
// `source` names the file in error messages; clip_model and dataset are required. The result never
// has both steps and epochs above 0 (steps > 0 overrides epochs).
CaptionRecipe parseCaptionRecipe(const nlohmann::json& json, const std::string& source = "recipe");
CaptionRecipe loadCaptionRecipe(const std::string& path);
nlohmann::json toJson(const CaptionRecipe& recipe);
// Markdown table of every key (what `genra caption recipe --doc` prints).
std::string captionRecipeMarkdown();

}  // namespace genra::caption
