// CLIP architecture description: the numbers that size a ViT image tower and a Transformer text
// tower, named presets (OpenAI's released ViTs plus tiny test/benchmark models), JSON in and out
// (open_clip's model-config layout), and inference of the numbers from a checkpoint's tensor
// shapes, as OpenAI's build_model() does.
#pragma once

#include "core/model/state_dict.h"

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace genra::model {

// The MLP non-linearity. OpenAI's released models use QuickGELU (x * sigmoid(1.702 x));
// open_clip's own trainings mostly use exact GELU.
enum class Activation { QuickGelu = 1, Gelu = 2 };

std::string activationName(Activation activation);         // "quick_gelu" / "gelu"
Activation activationFromName(const std::string& name);    // accepts both spellings; throws genra::Error

// How the image tower turns pixels into patch tokens. Patch: OpenAI's ViT, one linear
// patch x patch convolution ("visual.conv1"). Conv: a convolutional stem (Xiao et al. 2021, "Early
// convolutions help transformers see better"): log2(patch) stride-2 3x3 convolutions, each followed
// by GroupNorm and GELU ("visual.stem.*"), then "visual.conv1" as a 1x1 convolution to the width;
// the same token grid, but each token sees its patch through non-linear local filters, which small
// ViTs trained from scratch need to tell outlines apart (bench/clip_pretrain_bench). Not part of any
// released checkpoint format: only the workbench's own models use it.
enum class VisionStem { Patch = 1, Conv = 2 };

std::string visionStemName(VisionStem stem);            // "patch" / "conv"
VisionStem visionStemFromName(const std::string& name);  // throws genra::Error

struct ClipConfig {
    std::int64_t embedDim = 512;          // joint embedding width (text_projection columns)
    std::int64_t imageResolution = 224;   // input images are imageResolution x imageResolution
    std::int64_t visionLayers = 12;
    std::int64_t visionWidth = 768;
    std::int64_t visionPatchSize = 32;
    std::int64_t visionHeads = 12;        // OpenAI: visionWidth / 64
    std::int64_t contextLength = 77;
    std::int64_t vocabSize = 49408;
    std::int64_t transformerWidth = 512;
    std::int64_t transformerHeads = 8;    // OpenAI: transformerWidth / 64
    std::int64_t transformerLayers = 12;
    Activation activation = Activation::QuickGelu;
    VisionStem visionStem = VisionStem::Patch;

    std::int64_t gridSize() const { return imageResolution / visionPatchSize; }
    // Throws genra::Error naming the first inconsistent field (non-positive sizes, a resolution
    // not divisible by the patch size, a width not divisible by its head count, a conv stem whose
    // patch size is not a power of two from 2 to 64) or the first past a cap below.
    void validate() const;
    // A lower bound of the model's parameter count (the transformer blocks' weights, embeddings
    // and projections), cheap to compute before anything is allocated.
    double parameterLowerBound() const;

    bool operator==(const ClipConfig& other) const;
    bool operator!=(const ClipConfig& other) const { return !(*this == other); }
};

// Caps on an architecture read from a file (docs/security.md), far above every released CLIP
// (ViT-bigG: width 1664, 48 layers): a config or checkpoint past them is refused before a model
// is allocated.
constexpr std::int64_t kMaxClipWidth = 8192;           // embedDim, visionWidth, transformerWidth
constexpr std::int64_t kMaxClipLayers = 128;           // per tower
constexpr std::int64_t kMaxClipVocab = 1 << 20;        // vocabSize
constexpr std::int64_t kMaxClipContext = 4096;         // contextLength
constexpr std::int64_t kMaxClipResolution = 4096;      // imageResolution

// Throws genra::Error (naming `source`) unless `stateDict` holds at least as many values as the
// model `config` describes has parameters. Every tensor of a state dict read from a file is backed
// by the file's bytes, so a file that declares a huge architecture through a few shapes (empty or
// missing tensors) is refused here, before the model is allocated, instead of by the strict load
// after it.
void checkStateDictCanFill(const ClipConfig& config, const StateDict& stateDict, const std::string& source);

// open_clip's model-config layout, so its JSON files for the ViT models read directly:
// {"embed_dim": 512, "quick_gelu": true,
//  "vision_cfg": {"image_size": 224, "layers": 12, "width": 768, "patch_size": 32, "heads": 12},
//  "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 512, "heads": 8, "layers": 12}}
// Reading: vision "heads" may be absent (then width / head_width, head_width defaulting to 64);
// "quick_gelu" absent means GELU, as in open_clip. A conv stem is written as
// "vision_cfg": {..., "stem": "conv"} (absent: patch). Throws genra::Error on missing or bad fields.
nlohmann::json toJson(const ClipConfig& config);
ClipConfig clipConfigFromJson(const nlohmann::json& json);

// Presets: "ViT-B-32", "ViT-B-16", "ViT-L-14", "ViT-L-14-336" (OpenAI's numbers, QuickGELU);
// "tiny" (32 px, patch 8, width 64, 2+2 layers, 1 head, embed 64, context 32), "tiny-conv" (the
// same with a conv stem: 3 convolutions of 16, 32 and 64 channels) and "small" (64 px, patch 8,
// width 256, 4+4 layers, 4 heads, embed 256, context 77) for tests and benchmarks; all with
// vocabSize 49408 (the CLIP tokenizer's) — set the field to use another.
// Names match case-insensitively, "/" may replace "-" ("ViT-B/32"). Throws genra::Error listing
// the known names.
ClipConfig clipPreset(const std::string& name);
std::vector<std::string> clipPresetNames();

// The configuration a state dict in OpenAI/open_clip naming was made for, from tensor shapes:
// vision width from visual.conv1.weight, patch size from its kernel (or, with a conv stem
// "visual.stem.*", 2 to the number of stem convolutions), grid from
// visual.positional_embedding, layers by counting resblocks, embed dim from text_projection,
// context from positional_embedding, vocab from token_embedding, heads = width / 64.
// The activation cannot be seen in weights and is taken from the argument.
// Throws genra::Error naming the missing or inconsistent key (ResNet image towers included).
ClipConfig inferConfig(const StateDict& stateDict, Activation activation = Activation::QuickGelu);

}  // namespace genra::model
