#include "core/train/recipe.h"

#include "core/model/clip_config.h"
#include "core/util/error.h"
#include "core/util/json_file.h"

#include <cmath>
#include <fstream>
#include <functional>
#include <sstream>

namespace genra::train {

namespace {

using nlohmann::json;

const std::vector<std::string> kMethods{"genra", "naive", "lora-gen", "full-ft", "real-ft", "pretrain", "gen-as-real"};
const std::vector<std::string> kReadings{"app-a", "algorithm-1"};
const std::vector<std::string> kEncoders{"frozen-real", "lora-real-projection", "lora-generated-projection"};
const std::vector<std::string> kLoraTargets{"q", "k", "v", "out", "mlp"};

struct Entry {
    RecipeField field;
    std::function<void(Recipe&, const json&)> set;
    std::function<json(const Recipe&)> get;
};

[[noreturn]] void fail(const std::string& source, const std::string& key, const std::string& what) {
    throw Error(source + ": key \"" + key + "\": " + what);
}

RecipeField field(std::string key, std::string type, json def, std::string help) {
    RecipeField f;
    f.key = std::move(key);
    f.type = std::move(type);
    f.defaultValue = std::move(def);
    f.help = std::move(help);
    return f;
}

RecipeField ranged(RecipeField f, double lo, double hi) {
    f.minimum = lo;
    f.maximum = hi;
    f.hasRange = true;
    return f;
}

RecipeField choice(RecipeField f, std::vector<std::string> choices) {
    f.choices = std::move(choices);
    return f;
}

template <typename T>
Entry member(RecipeField f, T Recipe::*ptr) {
    Entry e;
    e.field = f;
    e.set = [ptr](Recipe& r, const json& v) { r.*ptr = v.get<T>(); };
    e.get = [ptr](const Recipe& r) { return json(r.*ptr); };
    return e;
}

const std::vector<Entry>& entries() {
    static const std::vector<Entry> table = [] {
        const Recipe d;
        std::vector<Entry> t;
        {
            Entry e;
            e.field = choice(field("method", "enum", "genra",
                                   "Training method: genra (frozen f_r, LoRA f_g on generated images with the "
                                   "alignment loss, Eq. 1), gen-as-real (one encoder fine-tuned on generated images "
                                   "only, as if real: Table 6 without alignment, Table 11 generated), naive (gen+real "
                                   "mixing: one encoder fine-tuned on generated and real images, Table 8 row 2), "
                                   "lora-gen (LoRA without alignment: as genra with the generated image-text CLIP loss "
                                   "in place of L_align), full-ft (full fine-tuning of f_g, with or without alignment), "
                                   "real-ft (fine-tuning on the real images), pretrain (contrastive CLIP training from "
                                   "scratch)"),
                             kMethods);
            e.set = [](Recipe& r, const json& v) {
                const auto s = v.get<std::string>();
                for (std::size_t i = 0; i < kMethods.size(); ++i)
                    if (kMethods[i] == s) r.method = static_cast<Method>(i + 1);
            };
            e.get = [](const Recipe& r) { return json(toString(r.method)); };
            t.push_back(e);
        }
        t.push_back(member(field("base_model", "string", d.baseModel,
                                 "Pre-trained CLIP that serves as f_r: a workspace model name or a weights file "
                                 "(not used by pretrain)"),
                           &Recipe::baseModel));
        t.push_back(member(field("model_config", "string", d.modelConfig,
                                 "pretrain: architecture preset of the model trained from scratch (tiny-conv, tiny, small, ViT-B-32, ...)"),
                           &Recipe::modelConfig));
        t.push_back(member(field("vocab", "string", d.vocab,
                                 "pretrain: BPE vocabulary file; empty = learn one from the training captions"),
                           &Recipe::vocab));
        t.push_back(member(ranged(field("vocab_merges", "int", d.vocabMerges,
                                        "pretrain: merges learned when the vocabulary is trained"),
                                  0, 1000000),
                           &Recipe::vocabMerges));
        t.push_back(member(ranged(field("hard_negatives", "number", d.hardNegatives,
                                        "Fraction of each batch filled with the images whose captions share the most words "
                                        "with another image's in the batch (hard negatives: what the other words cannot "
                                        "tell apart must be learnt); 0 = plain shuffling"),
                                  0.0, 0.75),
                           &Recipe::hardNegatives));
        t.push_back(member(field("dataset", "string", d.dataset, "Workspace dataset with the real and generated images"),
                           &Recipe::dataset));
        t.push_back(member(field("real_split", "string", d.realSplit, "Split of the real images (and their captions)"),
                           &Recipe::realSplit));
        t.push_back(member(field("generated_split", "string", d.generatedSplit,
                                 "Split of the captions whose generated images are used"),
                           &Recipe::generatedSplit));
        t.push_back(member(ranged(field("generated_per_caption", "int", d.generatedPerCaption,
                                        "Generated images per caption drawn from (the paper's scaling series uses 1, 3, 5)"),
                                  1, 1000),
                           &Recipe::generatedPerCaption));
        t.push_back(member(field("generators", "string-list", d.generators,
                                 "Only generated images from these generators; empty = any"),
                           &Recipe::generators));
        t.push_back(member(ranged(field("lr", "number", d.learningRate, "AdamW learning rate (paper: 1e-4)"), 0, 10),
                           &Recipe::learningRate));
        t.push_back(member(ranged(field("weight_decay", "number", d.weightDecay, "AdamW weight decay (paper: 0.01)"), 0, 10),
                           &Recipe::weightDecay));
        t.push_back(member(ranged(field("adam_beta1", "number", d.adamBeta1, "AdamW beta1"), 0, 0.999999),
                           &Recipe::adamBeta1));
        t.push_back(member(ranged(field("adam_beta2", "number", d.adamBeta2, "AdamW beta2"), 0, 0.999999),
                           &Recipe::adamBeta2));
        t.push_back(member(ranged(field("adam_eps", "number", d.adamEps, "AdamW epsilon"), 1e-12, 1), &Recipe::adamEps));
        t.push_back(member(ranged(field("warmup_steps", "int", d.warmupSteps,
                                        "Linear learning-rate warm-up from 0 over this many steps"),
                                  0, 10000000),
                           &Recipe::warmupSteps));
        t.push_back(member(ranged(field("t0", "int", d.restartPeriod,
                                        "Cosine annealing with warm restarts: steps of the first cycle (T_0); 0 = a "
                                        "single cosine over the whole run"),
                                  0, 100000000),
                           &Recipe::restartPeriod));
        t.push_back(member(ranged(field("t_mult", "int", d.restartMultiplier,
                                        "Cosine annealing with warm restarts: cycle length multiplier (T_mult)"),
                                  1, 100),
                           &Recipe::restartMultiplier));
        t.push_back(member(ranged(field("eta_min", "number", d.minLearningRate, "Lowest learning rate of a cosine cycle"),
                                  0, 10),
                           &Recipe::minLearningRate));
        t.push_back(member(ranged(field("grad_clip_norm", "number", d.gradClipNorm,
                                        "Clip the gradient's global L2 norm to this value; 0 = no clipping"),
                                  0, 1e9),
                           &Recipe::gradClipNorm));
        t.push_back(member(ranged(field("batch_size", "int", d.batchSize, "Captions per batch (paper: 256)"), 2, 65536),
                           &Recipe::batchSize));
        t.push_back(member(ranged(field("steps", "int", d.steps, "Optimiser steps (ignored when epochs > 0)"), 1, 100000000),
                           &Recipe::steps));
        t.push_back(member(ranged(field("epochs", "int", d.epochs, "Passes over the captions; 0 = use steps"), 0, 1000000),
                           &Recipe::epochs));
        t.push_back(member(ranged(field("temperature", "number", d.temperature,
                                        "Temperature tau of the alignment loss (paper: 0.07); also the initial CLIP "
                                        "temperature when learned"),
                                  1e-4, 100),
                           &Recipe::temperature));
        t.push_back(member(field("learn_temperature", "bool", d.learnTemperature,
                                 "Learn tau (as CLIP's logit scale) instead of keeping it fixed"),
                           &Recipe::learnTemperature));
        {
            Entry e;
            e.field = choice(field("reading", "enum", "app-a",
                                   "genra, lora-gen: the paper's reading. app-a (App. A: \"Fine-tuning for Proj for "
                                   "Real and Proj for Gen was performed for 50,000 steps\"; §3.2: \"the encoder "
                                   "fine-tuned with the LoRA and the projection for real is used on real images during "
                                   "inference\"): Proj for Real on the LoRA backbone trains with the real image-text "
                                   "loss and serves real images. algorithm-1 (Algorithm 1, line 12: \"Extract real image "
                                   "features f_r(x_r) using the pre-trained model f_r\"): only L_align trains f_g and "
                                   "real images go through the frozen f_r"),
                             kReadings);
            e.set = [](Recipe& r, const json& v) {
                const auto s = v.get<std::string>();
                for (std::size_t i = 0; i < kReadings.size(); ++i)
                    if (kReadings[i] == s) r.reading = static_cast<Reading>(i + 1);
            };
            e.get = [](const Recipe& r) { return json(toString(r.reading)); };
            t.push_back(e);
        }
        t.push_back(member(ranged(field("w_align", "number", d.wAlign, "Weight of the alignment loss L_align (Eq. 1)"), 0, 1e6),
                           &Recipe::wAlign));
        t.push_back(member(ranged(field("w_gen", "number", d.wGen,
                                        "Weight of the CLIP loss between generated images (f_g, Proj for Gen) and captions "
                                        "(§3.1); default 0 for genra (an ablation when > 0), 1 for the other methods"),
                                  0, 1e6),
                           &Recipe::wGen));
        t.push_back(member(ranged(field("w_real", "number", d.wReal,
                                        "Weight of the CLIP loss between real images and captions: genra and lora-gen "
                                        "under the app-a reading train Proj for Real on the LoRA backbone with it "
                                        "(default 1 there, else 0; 0 leaves Proj for Real untrained)"),
                                  0, 1e6),
                           &Recipe::wReal));
        t.push_back(member(field("alignment", "bool", d.alignment,
                                 "full-ft: add the alignment loss (Table 12 compares with and without)"),
                           &Recipe::alignment));
        t.push_back(member(field("symmetric_align", "bool", d.symmetricAlign,
                                 "Also align real to generated (the transposed InfoNCE term), averaged"),
                           &Recipe::symmetricAlign));
        t.push_back(member(ranged(field("lora_rank", "int", d.loraRank, "LoRA rank r (paper: 4)"), 1, 4096),
                           &Recipe::loraRank));
        t.push_back(member(ranged(field("lora_alpha", "number", d.loraAlpha, "LoRA alpha; the update is scaled by alpha/r"),
                                  0, 1e6),
                           &Recipe::loraAlpha));
        t.push_back(member(ranged(field("lora_dropout", "number", d.loraDropout, "Dropout on the LoRA input"), 0, 0.99),
                           &Recipe::loraDropout));
        {
            Entry e = member(choice(field("lora_targets", "string-list", d.loraTargets,
                                          "Layers that get adapters: q, k, v (slices of the fused attention "
                                          "projection), out (attention output), mlp (both MLP linears)"),
                                    kLoraTargets),
                             &Recipe::loraTargets);
            t.push_back(e);
        }
        t.push_back(member(field("dual_projection", "bool", d.dualProjection,
                                 "f_g gets a projection of its own, initialised from the real one"),
                           &Recipe::dualProjection));
        {
            Entry e;
            e.field = choice(field("inference_encoder", "enum", "lora-real-projection",
                                   "Encoder for real images at inference: frozen-real (f_r; the algorithm-1 reading's "
                                   "default), lora-real-projection (LoRA backbone with Proj for Real, as §3.2's note "
                                   "says; the app-a default), lora-generated-projection (LoRA backbone with the "
                                   "generated projection)"),
                             kEncoders);
            e.set = [](Recipe& r, const json& v) {
                const auto s = v.get<std::string>();
                for (std::size_t i = 0; i < kEncoders.size(); ++i)
                    if (kEncoders[i] == s) r.inferenceEncoder = static_cast<InferenceEncoder>(i + 1);
            };
            e.get = [](const Recipe& r) { return json(toString(r.inferenceEncoder)); };
            t.push_back(e);
        }
        t.push_back(member(ranged(field("image_size", "int", d.imageSize,
                                        "Input resolution; 0 = the model's own"),
                                  0, 4096),
                           &Recipe::imageSize));
        t.push_back(member(ranged(field("seed", "int", d.seed, "Seed of initialisation, shuffling and dropout"), 0, 9e15),
                           &Recipe::seed));
        t.push_back(member(field("device", "string", d.device, "auto, cpu, cuda or cuda:N"), &Recipe::device));
        t.push_back(member(choice(field("precision", "enum", d.precision,
                                        "fp32; bf16 autocast (CPU or CUDA); fp16 autocast with dynamic loss scaling (CUDA only)"),
                                  {"fp32", "fp16", "bf16"}),
                           &Recipe::precision));
        t.push_back(member(ranged(field("checkpoint_every", "int", d.checkpointEvery,
                                        "Write a checkpoint every N steps (and always at the end); 0 = only at the end"),
                                  0, 100000000),
                           &Recipe::checkpointEvery));
        t.push_back(member(ranged(field("workers", "int", d.workers, "Data-loading threads"), 0, 256), &Recipe::workers));
        return t;
    }();
    return table;
}

void checkType(const std::string& source, const RecipeField& f, const json& v) {
    bool ok = false;
    if (f.type == "string" || f.type == "enum") ok = v.is_string();
    else if (f.type == "int") ok = v.is_number_integer() || (v.is_number_float() && std::floor(v.get<double>()) == v.get<double>());
    else if (f.type == "number") ok = v.is_number();
    else if (f.type == "bool") ok = v.is_boolean();
    else if (f.type == "string-list") {
        ok = v.is_array();
        if (ok)
            for (const auto& item : v) ok = ok && item.is_string();
    }
    if (!ok) fail(source, f.key, "expected " + (f.type == "enum" ? std::string("a string") : "a " + f.type) + ", got " + v.dump());
    if (f.hasRange && v.is_number()) {
        const double x = v.get<double>();
        if (!(x >= f.minimum && x <= f.maximum)) {
            std::ostringstream msg;
            msg << "value " << v.dump() << " is out of range [" << f.minimum << ", " << f.maximum << "]";
            fail(source, f.key, msg.str());
        }
    }
    if (!f.choices.empty()) {
        std::vector<std::string> values;
        if (v.is_string()) values.push_back(v.get<std::string>());
        else values = v.get<std::vector<std::string>>();
        for (const auto& value : values) {
            bool known = false;
            for (const auto& c : f.choices) known = known || c == value;
            if (!known) {
                std::string list;
                for (const auto& c : f.choices) list += (list.empty() ? "" : ", ") + c;
                fail(source, f.key, "unknown value \"" + value + "\" (expected one of: " + list + ")");
            }
        }
    }
}

}  // namespace

const std::vector<RecipeField>& recipeFields() {
    static const std::vector<RecipeField> fields = [] {
        std::vector<RecipeField> out;
        for (const auto& e : entries()) out.push_back(e.field);
        return out;
    }();
    return fields;
}

Recipe parseRecipe(const json& j, const std::string& source) {
    if (!j.is_object()) throw Error(source + ": a recipe must be a JSON object");
    Recipe r;
    for (auto it = j.begin(); it != j.end(); ++it) {
        const Entry* entry = nullptr;
        for (const auto& e : entries())
            if (e.field.key == it.key()) entry = &e;
        if (!entry) {
            if (!it.key().empty() && it.key()[0] == '_') continue;  // "_comment" and friends
            fail(source, it.key(), "unknown key (see `genra recipe --doc` for the accepted keys)");
        }
        checkType(source, entry->field, it.value());
        entry->set(r, it.value());
    }
    // Defaults that depend on the method and the reading, for keys the recipe leaves out.
    const bool lora = r.method == Method::Genra || r.method == Method::LoraGen;
    const bool algorithm1 = lora && r.reading == Reading::Algorithm1;
    if (!j.contains("w_gen")) r.wGen = r.method == Method::Genra ? 0.0 : 1.0;
    if (!j.contains("w_real")) r.wReal = lora && !algorithm1 ? 1.0 : 0.0;
    if (!j.contains("inference_encoder") && algorithm1) r.inferenceEncoder = InferenceEncoder::FrozenReal;
    // Cross-field rules.
    if (algorithm1) {
        if (r.method == Method::LoraGen) {
            fail(source, "reading", "algorithm-1 trains f_g with L_align alone; lora-gen has no alignment loss");
        }
        if (r.wReal > 0) fail(source, "w_real", "must be 0 under the algorithm-1 reading (real images stay on f_r)");
        if (r.wGen > 0) fail(source, "w_gen", "must be 0 under the algorithm-1 reading (only L_align trains f_g)");
        if (r.inferenceEncoder != InferenceEncoder::FrozenReal) {
            fail(source, "inference_encoder", "must be frozen-real under the algorithm-1 reading (Algorithm 1, line 12)");
        }
    }
    if (r.method == Method::Genra && r.wAlign <= 0 && r.wGen <= 0 && r.wReal <= 0) {
        fail(source, "w_align", "genra with w_align, w_gen and w_real all 0 trains nothing");
    }
    if (r.method != Method::Pretrain && r.baseModel.empty()) {
        fail(source, "base_model", std::string("required for method ") + toString(r.method));
    }
    if (r.dataset.empty()) fail(source, "dataset", "required");
    if (r.loraTargets.empty() && (r.method == Method::Genra || r.method == Method::LoraGen)) {
        fail(source, "lora_targets", "at least one target is needed for a LoRA method");
    }
    if (r.method == Method::Pretrain) {
        try {
            model::clipPreset(r.modelConfig);
        } catch (const Error& e) {
            fail(source, "model_config", e.what());
        }
    }
    if (r.precision == "fp16" && r.device == "cpu") {
        fail(source, "precision", "fp16 autocast needs a CUDA device (device is cpu); use bf16 on a CPU");
    }
    return r;
}

Recipe loadRecipe(const std::string& path) {
    return parseRecipe(util::readJsonFile(path), path);
}

json toJson(const Recipe& recipe) {
    json out = json::object();
    for (const auto& e : entries()) out[e.field.key] = e.get(recipe);
    return out;
}

std::string recipeReferenceMarkdown() {
    std::ostringstream out;
    out << "| key | type | default | range / values | meaning |\n|---|---|---|---|---|\n";
    for (const auto& f : recipeFields()) {
        std::string range;
        if (f.hasRange) {
            std::ostringstream r;
            r << f.minimum << " … " << f.maximum;
            range = r.str();
        }
        for (const auto& c : f.choices) range += (range.empty() ? "" : ", ") + c;
        out << "| `" << f.key << "` | " << f.type << " | `" << f.defaultValue.dump() << "` | " << range << " | "
            << f.help << " |\n";
    }
    return out.str();
}

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
