#include "core/train/recipe.h"

#include "core/model/clip_config.h"
#include "core/util/error.h"
#include "core/util/json_file.h"
#include "core/util/settings_schema.h"


namespace genra::train {

namespace {

using nlohmann::json;
using util::failField;

const util::SettingsSchema<Recipe>& schema() {
    static const auto* table = [] {
        auto* t = new util::SettingsSchema<Recipe>("genra recipe --doc");
        t->addEnum("method", &Recipe::method,
                   {{"genra", Method::Genra}, {"naive", Method::Naive}, {"lora-gen", Method::LoraGen},
                    {"full-ft", Method::FullFt}, {"real-ft", Method::RealFt}, {"pretrain", Method::Pretrain},
                    {"gen-as-real", Method::GenAsReal}},
                   "Training method: genra (frozen f_r, LoRA f_g on generated images with the "
                   "alignment loss, Eq. 1), gen-as-real (one encoder fine-tuned on generated images "
                   "only, as if real: Table 6 without alignment, Table 11 generated), naive (gen+real "
                   "mixing: one encoder fine-tuned on generated and real images, Table 8 row 2), "
                   "lora-gen (LoRA without alignment: as genra with the generated image-text CLIP loss "
                   "in place of L_align), full-ft (full fine-tuning of f_g, with or without alignment), "
                   "real-ft (fine-tuning on the real images), pretrain (contrastive CLIP training from "
                   "scratch)");
        t->add("base_model", &Recipe::baseModel,
               "Pre-trained CLIP that serves as f_r: a workspace model name or a weights file "
               "(not used by pretrain)");
        t->add("model_config", &Recipe::modelConfig,
               "pretrain: architecture preset of the model trained from scratch (tiny-conv, tiny, small, ViT-B-32, ...)");
        t->add("vocab", &Recipe::vocab, "pretrain: BPE vocabulary file; empty = learn one from the training captions");
        t->add("vocab_merges", &Recipe::vocabMerges, "pretrain: merges learned when the vocabulary is trained")
            .range(0, 1000000);
        t->add("hard_negatives", &Recipe::hardNegatives,
               "Fraction of each batch filled with the images whose captions share the most words "
               "with another image's in the batch (hard negatives: what the other words cannot "
               "tell apart must be learnt); 0 = plain shuffling")
            .range(0.0, 0.75);
        t->add("dataset", &Recipe::dataset, "Workspace dataset with the real and generated images");
        t->add("real_split", &Recipe::realSplit, "Split of the real images (and their captions)");
        t->add("generated_split", &Recipe::generatedSplit, "Split of the captions whose generated images are used");
        t->add("generated_per_caption", &Recipe::generatedPerCaption,
               "Generated images per caption drawn from (the paper's scaling series uses 1, 3, 5)")
            .range(1, 1000);
        t->add("generators", &Recipe::generators, "Only generated images from these generators; empty = any");
        t->add("lr", &Recipe::learningRate, "AdamW learning rate (paper: 1e-4)").range(0, 10);
        t->add("weight_decay", &Recipe::weightDecay, "AdamW weight decay (paper: 0.01)").range(0, 10);
        t->add("adam_beta1", &Recipe::adamBeta1, "AdamW beta1").range(0, 0.999999);
        t->add("adam_beta2", &Recipe::adamBeta2, "AdamW beta2").range(0, 0.999999);
        t->add("adam_eps", &Recipe::adamEps, "AdamW epsilon").range(1e-12, 1);
        t->add("warmup_steps", &Recipe::warmupSteps, "Linear learning-rate warm-up from 0 over this many steps")
            .range(0, 10000000);
        t->add("t0", &Recipe::restartPeriod,
               "Cosine annealing with warm restarts: steps of the first cycle (T_0); 0 = a "
               "single cosine over the whole run")
            .range(0, 100000000);
        t->add("t_mult", &Recipe::restartMultiplier, "Cosine annealing with warm restarts: cycle length multiplier (T_mult)")
            .range(1, 100);
        t->add("eta_min", &Recipe::minLearningRate, "Lowest learning rate of a cosine cycle").range(0, 10);
        t->add("grad_clip_norm", &Recipe::gradClipNorm, "Clip the gradient's global L2 norm to this value; 0 = no clipping")
            .range(0, 1e9);
        t->add("batch_size", &Recipe::batchSize, "Captions per batch (paper: 256)").range(2, 65536);
        t->add("steps", &Recipe::steps,
               "Optimiser steps; > 0 overrides epochs. Defaults to 0 when the recipe gives epochs > 0 without steps")
            .range(0, 100000000);
        t->add("epochs", &Recipe::epochs, "Passes over the captions, used when steps is 0").range(0, 1000000);
        t->add("temperature", &Recipe::temperature,
               "Temperature tau of the alignment loss (paper: 0.07); also the initial CLIP "
               "temperature when learned")
            .range(1e-4, 100);
        t->add("learn_temperature", &Recipe::learnTemperature, "Learn tau (as CLIP's logit scale) instead of keeping it fixed");
        t->addEnum("reading", &Recipe::reading, {{"app-a", Reading::AppA}, {"algorithm-1", Reading::Algorithm1}},
                   "genra, lora-gen: the paper's reading. app-a (App. A: \"Fine-tuning for Proj for "
                   "Real and Proj for Gen was performed for 50,000 steps\"; §3.2: \"the encoder "
                   "fine-tuned with the LoRA and the projection for real is used on real images during "
                   "inference\"): Proj for Real on the LoRA backbone trains with the real image-text "
                   "loss and serves real images. algorithm-1 (Algorithm 1, line 12: \"Extract real image "
                   "features f_r(x_r) using the pre-trained model f_r\"): only L_align trains f_g and "
                   "real images go through the frozen f_r");
        t->add("w_align", &Recipe::wAlign, "Weight of the alignment loss L_align (Eq. 1)").range(0, 1e6);
        t->add("w_gen", &Recipe::wGen,
               "Weight of the CLIP loss between generated images (f_g, Proj for Gen) and captions "
               "(§3.1); default 0 for genra (an ablation when > 0), 1 for the other methods")
            .range(0, 1e6);
        t->add("w_real", &Recipe::wReal,
               "Weight of the CLIP loss between real images and captions: genra and lora-gen "
               "under the app-a reading train Proj for Real on the LoRA backbone with it "
               "(default 1 there, else 0; 0 leaves Proj for Real untrained)")
            .range(0, 1e6);
        t->add("alignment", &Recipe::alignment, "full-ft: add the alignment loss (Table 12 compares with and without)");
        t->add("symmetric_align", &Recipe::symmetricAlign, "Also align real to generated (the transposed InfoNCE term), averaged");
        t->add("lora_rank", &Recipe::loraRank, "LoRA rank r (paper: 4)").range(1, 4096);
        t->add("lora_alpha", &Recipe::loraAlpha, "LoRA alpha; the update is scaled by alpha/r").range(0, 1e6);
        t->add("lora_dropout", &Recipe::loraDropout, "Dropout on the LoRA input").range(0, 0.99);
        t->add("lora_targets", &Recipe::loraTargets,
               "Layers that get adapters: q, k, v (slices of the fused attention "
               "projection), out (attention output), mlp (both MLP linears)")
            .choices({"q", "k", "v", "out", "mlp"});
        t->add("dual_projection", &Recipe::dualProjection, "f_g gets a projection of its own, initialised from the real one");
        t->addEnum("inference_encoder", &Recipe::inferenceEncoder,
                   {{"frozen-real", InferenceEncoder::FrozenReal},
                    {"lora-real-projection", InferenceEncoder::LoraRealProjection},
                    {"lora-generated-projection", InferenceEncoder::LoraGeneratedProjection}},
                   "Encoder for real images at inference: frozen-real (f_r; the algorithm-1 reading's "
                   "default), lora-real-projection (LoRA backbone with Proj for Real, as §3.2's note "
                   "says; the app-a default), lora-generated-projection (LoRA backbone with the "
                   "generated projection)");
        t->add("image_size", &Recipe::imageSize, "Input resolution; 0 = the model's own").range(0, 4096);
        t->add("seed", &Recipe::seed, "Seed of initialisation, shuffling and dropout").range(0, 9e15);
        t->add("device", &Recipe::device, "auto, cpu, cuda or cuda:N");
        t->add("precision", &Recipe::precision,
               "fp32; bf16 autocast (CPU or CUDA); fp16 autocast with dynamic loss scaling (CUDA only)")
            .choices({"fp32", "fp16", "bf16"});
        t->add("checkpoint_every", &Recipe::checkpointEvery,
               "Write a checkpoint every N steps (and always at the end); 0 = only at the end")
            .range(0, 100000000);
        t->add("workers", &Recipe::workers, "Data-loading threads").range(0, 256);
        return t;
    }();
    return *table;
}

}  // namespace

const std::vector<RecipeField>& recipeFields() { return schema().fields(); }

Recipe parseRecipe(const json& j, const std::string& source) {
    if (!j.is_object()) throw Error(source + ": a recipe must be a JSON object");
    Recipe r;
    schema().read(r, j, source);
    // Defaults that depend on the method and the reading, for keys the recipe leaves out.
    const bool lora = r.method == Method::Genra || r.method == Method::LoraGen;
    const bool algorithm1 = lora && r.reading == Reading::Algorithm1;
    if (!j.contains("w_gen")) r.wGen = r.method == Method::Genra ? 0.0 : 1.0;
    if (!j.contains("w_real")) r.wReal = lora && !algorithm1 ? 1.0 : 0.0;
    if (!j.contains("inference_encoder") && algorithm1) r.inferenceEncoder = InferenceEncoder::FrozenReal;
    // Training length (util::totalTrainingSteps): steps > 0 overrides epochs. A recipe that gives
    // epochs without steps trains for those epochs, as it did when epochs overrode steps; the
    // parsed recipe keeps only the number that decides (epochs 0 when steps decide).
    if (!j.contains("steps") && r.epochs > 0) r.steps = 0;
    if (r.steps > 0) r.epochs = 0;
    if (r.steps == 0 && r.epochs == 0) failField(source, "steps", "give steps or epochs greater than 0");
    // Cross-field rules.
    if (algorithm1) {
        if (r.method == Method::LoraGen) {
            failField(source, "reading", "algorithm-1 trains f_g with L_align alone; lora-gen has no alignment loss");
        }
        if (r.wReal > 0) failField(source, "w_real", "must be 0 under the algorithm-1 reading (real images stay on f_r)");
        if (r.wGen > 0) failField(source, "w_gen", "must be 0 under the algorithm-1 reading (only L_align trains f_g)");
        if (r.inferenceEncoder != InferenceEncoder::FrozenReal) {
            failField(source, "inference_encoder", "must be frozen-real under the algorithm-1 reading (Algorithm 1, line 12)");
        }
    }
    if (r.method == Method::Genra && r.wAlign <= 0 && r.wGen <= 0 && r.wReal <= 0) {
        failField(source, "w_align", "genra with w_align, w_gen and w_real all 0 trains nothing");
    }
    if (r.method != Method::Pretrain && r.baseModel.empty()) {
        failField(source, "base_model", std::string("required for method ") + toString(r.method));
    }
    if (r.dataset.empty()) failField(source, "dataset", "required");
    if (r.loraTargets.empty() && (r.method == Method::Genra || r.method == Method::LoraGen)) {
        failField(source, "lora_targets", "at least one target is needed for a LoRA method");
    }
    if (r.method == Method::Pretrain) {
        try {
            model::clipPreset(r.modelConfig);
        } catch (const Error& e) {
            failField(source, "model_config", e.what());
        }
    }
    if (r.precision == "fp16" && r.device == "cpu") {
        failField(source, "precision", "fp16 autocast needs a CUDA device (device is cpu); use bf16 on a CPU");
    }
    return r;
}

Recipe loadRecipe(const std::string& path) {
    return parseRecipe(util::readJsonFile(path), path);
}

json toJson(const Recipe& recipe) { return schema().toJson(recipe); }

std::string recipeReferenceMarkdown() { return schema().markdown(); }

const char* toString(Method method) {
    switch (method) {
        case Method::Genra: return "genra";
        case Method::Naive: return "naive";
        case Method::LoraGen: return "lora-gen";
        case Method::FullFt: return "full-ft";
        case Method::RealFt: return "real-ft";
        case Method::Pretrain: return "pretrain";
        case Method::GenAsReal: return "gen-as-real";
    }
    return "unknown";
}

const char* toString(Reading reading) {
    switch (reading) {
        case Reading::AppA: return "app-a";
        case Reading::Algorithm1: return "algorithm-1";
    }
    return "unknown";
}

bool trainsRealProjection(const Recipe& r) {
    return (r.method == Method::Genra || r.method == Method::LoraGen) && r.reading == Reading::AppA && r.wReal > 0;
}

const char* toString(InferenceEncoder encoder) {
    switch (encoder) {
        case InferenceEncoder::FrozenReal: return "frozen-real";
        case InferenceEncoder::LoraRealProjection: return "lora-real-projection";
        case InferenceEncoder::LoraGeneratedProjection: return "lora-generated-projection";
    }
    return "unknown";
}

}  // namespace genra::train
