// Training recipes: a JSON object naming the method, the data and every hyper-parameter.
// One table of field descriptors (util::SettingsSchema) drives parsing, validation (unknown keys
// and out-of-range values are rejected by name), defaults, the Markdown reference
// (`genra recipe --doc`) and the GUI form (widgets::RecipeForm).
#pragma once

#include "core/util/settings_schema.h"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace genra::train {

// Which image encoder serves real images at inference (the paper is ambiguous, see
// ARCHITECTURE.md): the frozen f_r; the LoRA backbone with the real projection; the LoRA backbone
// with the generated projection.
enum class InferenceEncoder { FrozenReal = 1, LoraRealProjection, LoraGeneratedProjection };

// naive is gen+real mixing (one encoder fine-tuned on generated and real images: the paper's
// Table 8 row 2); gen-as-real is one encoder fine-tuned on generated images only (Table 6 "without
// alignment", Table 11 "generated").
enum class Method { Genra = 1, Naive, LoraGen, FullFt, RealFt, Pretrain, GenAsReal };

// The paper's two readings of how GenRA trains and serves real images (ARCHITECTURE.md):
//  - AppA (App. A, §3.1, §3.2's last sentence): a trainable "Proj for Real" on the LoRA backbone
//    learns from the real image–text CLIP loss (w_real), "Proj for Gen" from L_align (+ w_gen ·
//    the generated image–text loss, an ablation); real images at inference go through the LoRA
//    backbone and Proj for Real.
//  - Algorithm1 (Algorithm 1, lines 7–8 and 12): only L_align trains f_g; real images at
//    inference go through the frozen f_r, so retrieval and zero-shot equal the base model's.
enum class Reading { AppA = 1, Algorithm1 };

struct Recipe {
    Method method = Method::Genra;
    std::string baseModel;         // workspace model name or weights file (not for pretrain)
    std::string modelConfig = "tiny-conv";  // pretrain: preset name of the architecture (model::clipPreset)
    std::string vocab;             // pretrain: vocabulary file; empty = train one from the captions
    int vocabMerges = 2000;        // pretrain: merges learned when training a vocabulary
    double hardNegatives = 0.0;    // fraction of each batch filled with caption neighbours of the rest
    std::string dataset;
    std::string realSplit = "align";
    std::string generatedSplit = "align";
    int generatedPerCaption = 1;   // generated images per caption drawn from (scaling series)
    std::vector<std::string> generators;  // empty = any generator
    double learningRate = 1e-4;
    double weightDecay = 0.01;
    double adamBeta1 = 0.9;
    double adamBeta2 = 0.98;
    double adamEps = 1e-6;
    int warmupSteps = 0;
    int restartPeriod = 0;         // T_0 in steps; 0 = one cosine over the whole run
    int restartMultiplier = 1;     // T_mult
    double minLearningRate = 0.0;  // eta_min
    double gradClipNorm = 1.0;     // 0 = no clipping
    int batchSize = 32;
    int steps = 1000;              // optimiser steps; > 0 overrides epochs (util::totalTrainingSteps)
    int epochs = 0;                // passes over the captions when steps is 0
    double temperature = 0.07;     // tau of the alignment loss (and initial CLIP temperature when learned)
    bool learnTemperature = false;
    Reading reading = Reading::AppA;
    double wAlign = 1.0;
    // w_gen, w_real and inference_encoder default by method and reading when a recipe leaves them
    // out (parseRecipe): genra trains Proj for Gen with L_align alone (w_gen 0) and, under the
    // App. A reading, Proj for Real with the real CLIP loss (w_real 1); lora-gen is the same
    // without L_align (w_gen 1, w_real 1); single-encoder methods use w_gen 1, w_real 0.
    double wGen = 1.0;
    double wReal = 0.0;
    bool alignment = true;         // full-ft: with or without the alignment loss
    bool symmetricAlign = false;
    int loraRank = 4;
    double loraAlpha = 4.0;
    double loraDropout = 0.0;
    std::vector<std::string> loraTargets{"q", "k", "v", "out"};
    bool dualProjection = true;
    InferenceEncoder inferenceEncoder = InferenceEncoder::LoraRealProjection;
    int imageSize = 0;             // 0 = the model's input resolution
    std::int64_t seed = 0;
    std::string device = "auto";   // auto | cpu | cuda | cuda:N
    std::string precision = "fp32";  // fp32 | bf16 (autocast, CPU or CUDA) | fp16 (autocast + loss scaling, CUDA)
    int checkpointEvery = 200;     // steps; 0 = only at the end
    int workers = 2;               // data-loading threads
};

// A recipe field's descriptor (key, type, default, range, choices, help): core/util/settings_schema.h.
using RecipeField = util::FieldInfo;

// Every field, in documentation order.
const std::vector<RecipeField>& recipeFields();

// Parses and validates. `source` names the file (or "recipe") in error messages. Throws
// genra::Error naming the key for unknown keys, wrong types and out-of-range values. Keys left out
// that default by other keys (w_gen, w_real, inference_encoder by method and reading; steps 0
// when epochs is given) get that default; the result never has both steps and epochs above 0.
Recipe parseRecipe(const nlohmann::json& json, const std::string& source = "recipe");
Recipe loadRecipe(const std::string& path);
nlohmann::json toJson(const Recipe& recipe);

// Markdown reference of every field (key, type, default, range, meaning).
std::string recipeReferenceMarkdown();

const char* toString(Method method);
const char* toString(Reading reading);
// True when the recipe trains GenRA's Proj for Real: a LoRA method (genra, lora-gen) under the
// App. A reading with w_real > 0.
bool trainsRealProjection(const Recipe& recipe);
const char* toString(InferenceEncoder encoder);

}  // namespace genra::train
