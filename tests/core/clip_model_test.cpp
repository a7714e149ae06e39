// CLIP model: parity with a Python reference, presets and config inference, state-dict loading
// and reporting, cloning.
#include "core/model/clip.h"
#include "core/model/clip_config.h"
#include "core/model/precision.h"
#include "core/util/error.h"
#include "support/test_support.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <torch/cuda.h>

#include <cstdlib>
#include <cstring>
#include <iostream>

using namespace genra;
using namespace genra::model;

namespace {

struct Reference {
    nlohmann::json config;
    std::map<std::string, torch::Tensor> tensors;
};

torch::ScalarType dtypeFromName(const std::string& name) {
    if (name == "float32") return torch::kFloat32;
    if (name == "float16") return torch::kFloat16;
    if (name == "int64") return torch::kInt64;
    throw std::runtime_error("unexpected dtype " + name);
}

// Runs tests/core/data/clip_reference.py and reads its index.json + tensors.bin.
Reference runReference(const std::filesystem::path& dir, const std::vector<std::string>& args) {
    std::vector<std::string> argv = {test::pythonExecutable().string(),
                                     std::string(GENRA_TEST_SOURCE_DIR) + "/tests/core/data/clip_reference.py",
                                     dir.string()};
    argv.insert(argv.end(), args.begin(), args.end());
    const auto r = test::runProcess(argv);
    INFO(r.err);
    REQUIRE(r.exitCode == 0);
    const auto index = nlohmann::json::parse(test::readFile(dir / "index.json"));
    const auto blob = test::readFile(dir / "tensors.bin");
    Reference ref;
    ref.config = index.at("config");
    for (const auto& [name, entry] : index.at("tensors").items()) {
        const auto shape = entry.at("shape").get<std::vector<std::int64_t>>();
        const auto offset = entry.at("offset").get<std::size_t>();
        const auto bytes = entry.at("bytes").get<std::size_t>();
        REQUIRE(offset + bytes <= blob.size());
        auto t = torch::empty(shape, dtypeFromName(entry.at("dtype").get<std::string>()));
        REQUIRE(static_cast<std::size_t>(t.nbytes()) == bytes);
        std::memcpy(t.data_ptr(), blob.data() + offset, bytes);
        ref.tensors.emplace(name, t);
    }
    return ref;
}

double maxAbsDiff(const torch::Tensor& a, const torch::Tensor& b) {
    return (a.to(torch::kFloat64) - b.to(torch::kFloat64)).abs().max().item<double>();
}

bool verbose() { return std::getenv("GENRA_TEST_VERBOSE") != nullptr; }

ClipConfig tinyConfig() {
    auto c = clipPreset("tiny");
    c.vocabSize = 300;
    return c;
}

}  // namespace

TEST_CASE("CLIP matches the Python reference model", "[model]") {
    if (!test::pythonOrSkip("torch")) return;
    struct Variant {
        const char* name;
        std::vector<std::string> args;
        Activation activation;
    };
    const Variant variants[] = {
        {"quick_gelu fp32", {"--activation", "quick_gelu"}, Activation::QuickGelu},
        {"gelu fp32", {"--activation", "gelu", "--seed", "77"}, Activation::Gelu},
        {"quick_gelu fp16 weights", {"--activation", "quick_gelu", "--weights-dtype", "float16", "--seed", "5"},
         Activation::QuickGelu},
        {"conv stem quick_gelu fp32", {"--stem", "conv", "--seed", "9"}, Activation::QuickGelu},
    };
    for (const auto& variant : variants) {
        DYNAMIC_SECTION(variant.name) {
            test::TempDir tmp("genra-clip-ref");
            const auto ref = runReference(tmp.path(), variant.args);
            StateDict sd;
            for (const auto& [name, t] : ref.tensors)
                if (name.rfind("state/", 0) == 0) sd.emplace(name.substr(6), t);

            const auto config = inferConfig(sd, variant.activation);
            CHECK(config == clipConfigFromJson(ref.config));
            CHECK(config.visionHeads == 2);
            CHECK(config.transformerLayers == 3);
            CHECK(config.visionPatchSize == 8);
            CHECK(config.visionStem == (sd.count("visual.stem.0.weight") != 0 ? VisionStem::Conv : VisionStem::Patch));

            ClipModel model(config);
            model->eval();
            LoadReport report;
            loadStateDict(model, sd, report);
            CHECK(report.ok());
            CHECK(report.loaded.size() == sd.size());
            const bool halfWeights = sd.at("visual.proj").scalar_type() == torch::kFloat16;
            CHECK(report.converted.size() == (halfWeights ? sd.size() : 0));
            CHECK(model->visual->proj.scalar_type() == torch::kFloat32);

            torch::NoGradGuard noGrad;
            const auto& images = ref.tensors.at("input/images");
            const auto& tokens = ref.tensors.at("input/tokens");
            const auto image = model->encodeImage(images);
            const auto text = model->encodeText(tokens);
            const auto [logitsPerImage, logitsPerText] = model->forward(images, tokens);
            const double dImage = maxAbsDiff(image, ref.tensors.at("output/image_features"));
            const double dText = maxAbsDiff(text, ref.tensors.at("output/text_features"));
            const double dLogitsI = maxAbsDiff(logitsPerImage, ref.tensors.at("output/logits_per_image"));
            const double dLogitsT = maxAbsDiff(logitsPerText, ref.tensors.at("output/logits_per_text"));
            if (verbose())
                std::cout << "parity " << variant.name << ": image " << dImage << ", text " << dText << ", logits "
                          << dLogitsI << " / " << dLogitsT << " (|image| max "
                          << image.abs().max().item<double>() << ")\n";
            CHECK(dImage <= 1e-4);
            CHECK(dText <= 1e-4);
            CHECK(dLogitsI <= 1e-4);
            CHECK(dLogitsT <= 1e-4);
            CHECK(logitsPerImage.sizes() == torch::IntArrayRef({2, 3}));

            // The same weights on a CUDA device, in strict float32, against the same reference.
            if (torch::cuda::is_available()) {
                test::StrictFloat32 strict;
                model->to(torch::kCUDA);
                const double dCudaImage = maxAbsDiff(model->encodeImage(images.to(torch::kCUDA)).cpu(),
                                                     ref.tensors.at("output/image_features"));
                const double dCudaText = maxAbsDiff(model->encodeText(tokens.to(torch::kCUDA)).cpu(),
                                                    ref.tensors.at("output/text_features"));
                if (verbose())
                    std::cout << "parity " << variant.name << " on CUDA: image " << dCudaImage << ", text " << dCudaText << "\n";
                CHECK(dCudaImage <= 1e-4);
                CHECK(dCudaText <= 1e-4);
            }
        }
    }
}

TEST_CASE("CLIP presets, JSON and config inference", "[model]") {
    SECTION("OpenAI presets") {
        const auto b32 = clipPreset("ViT-B/32");
        CHECK(b32.embedDim == 512);
        CHECK(b32.imageResolution == 224);
        CHECK(b32.visionWidth == 768);
        CHECK(b32.visionHeads == 12);
        CHECK(b32.visionPatchSize == 32);
        CHECK(b32.transformerHeads == 8);
        CHECK(b32.activation == Activation::QuickGelu);
        CHECK(clipPreset("vit-b-16").visionPatchSize == 16);
        const auto l14 = clipPreset("ViT-L-14");
        CHECK(l14.visionLayers == 24);
        CHECK(l14.visionHeads == 16);
        CHECK(l14.embedDim == 768);
        CHECK(l14.transformerHeads == 12);
        CHECK(clipPreset("ViT-L-14-336").imageResolution == 336);
        CHECK_THROWS_WITH(clipPreset("ViT-H-14"), Catch::Contains("ViT-B-32"));
        CHECK(clipPresetNames().size() >= 6);
    }
    SECTION("JSON round trip and open_clip layout") {
        for (const auto& name : clipPresetNames()) {
            INFO(name);
            auto c = clipPreset(name);
            CHECK(clipConfigFromJson(toJson(c)) == c);
            c.activation = Activation::Gelu;
            CHECK(clipConfigFromJson(toJson(c)) == c);
        }
        const auto openClip = nlohmann::json::parse(R"({"embed_dim": 512, "quick_gelu": true,
            "vision_cfg": {"image_size": 224, "layers": 12, "width": 768, "patch_size": 16},
            "text_cfg": {"context_length": 77, "vocab_size": 49408, "width": 512, "heads": 8, "layers": 12}})");
        CHECK(clipConfigFromJson(openClip) == clipPreset("ViT-B-16"));
        auto resnet = openClip;
        resnet["vision_cfg"]["layers"] = {3, 4, 6, 3};
        CHECK_THROWS_AS(clipConfigFromJson(resnet), Error);
        auto bad = openClip;
        bad["vision_cfg"]["patch_size"] = 15;
        CHECK_THROWS_WITH(clipConfigFromJson(bad), Catch::Contains("visionPatchSize 15"));
    }
    SECTION("ViT-B/32 has OpenAI's key set and parameter count, and infers back") {
        ClipModel model(clipPreset("ViT-B-32"));
        const auto sd = exportStateDict(model);
        CHECK(sd.size() == 302);
        std::int64_t count = 0;
        for (const auto& [k, t] : sd) count += t.numel();
        CHECK(count == 151277313);
        for (const char* key : {"visual.conv1.weight", "visual.class_embedding", "visual.positional_embedding",
                                "visual.ln_pre.weight", "visual.transformer.resblocks.11.attn.in_proj_weight",
                                "visual.transformer.resblocks.0.attn.out_proj.bias",
                                "visual.transformer.resblocks.3.mlp.c_fc.weight", "visual.ln_post.bias", "visual.proj",
                                "token_embedding.weight", "positional_embedding", "ln_final.weight", "text_projection",
                                "logit_scale", "transformer.resblocks.11.ln_2.bias"}) {
            INFO(key);
            CHECK(sd.count(key) == 1);
        }
        CHECK(sd.at("visual.conv1.weight").sizes() == torch::IntArrayRef({768, 3, 32, 32}));
        CHECK(sd.at("visual.positional_embedding").sizes() == torch::IntArrayRef({50, 768}));
        CHECK(sd.at("visual.transformer.resblocks.0.attn.in_proj_weight").sizes() == torch::IntArrayRef({2304, 768}));
        CHECK(inferConfig(sd) == clipPreset("ViT-B-32"));
        CHECK(inferConfig(sd, Activation::Gelu).activation == Activation::Gelu);
        CHECK(sd.at("logit_scale").item<double>() == Approx(std::log(1 / 0.07)));
    }
    SECTION("inference names what is missing") {
        ClipModel model(tinyConfig());
        auto sd = exportStateDict(model);
        CHECK(inferConfig(sd) == tinyConfig());
        sd.erase("text_projection");
        CHECK_THROWS_WITH(inferConfig(sd), Catch::Contains("text_projection"));
        StateDict resnet{{"visual.layer1.0.conv1.weight", torch::zeros({1})}};
        CHECK_THROWS_WITH(inferConfig(resnet), Catch::Contains("ResNet"));
    }
    SECTION("the conv stem: keys, JSON, inference and validation") {
        const auto config = clipPreset("tiny-conv");
        CHECK(config.visionStem == VisionStem::Conv);
        auto patchOnly = config;
        patchOnly.visionStem = VisionStem::Patch;
        CHECK(patchOnly == clipPreset("tiny"));
        CHECK(config != clipPreset("tiny"));
        ClipModel model(config);
        const auto sd = exportStateDict(model);
        // Three stride-2 convolutions (16, 32, 64 channels) with GroupNorm, then a 1x1 conv1.
        CHECK(sd.at("visual.stem.0.weight").sizes() == torch::IntArrayRef({16, 3, 3, 3}));
        CHECK(sd.at("visual.stem.1.weight").sizes() == torch::IntArrayRef({16}));
        CHECK(sd.at("visual.stem.3.weight").sizes() == torch::IntArrayRef({32, 16, 3, 3}));
        CHECK(sd.at("visual.stem.6.weight").sizes() == torch::IntArrayRef({64, 32, 3, 3}));
        CHECK(sd.at("visual.conv1.weight").sizes() == torch::IntArrayRef({64, 64, 1, 1}));
        CHECK(sd.count("visual.stem.9.weight") == 0);
        CHECK(inferConfig(sd) == config);
        const auto json = toJson(config);
        CHECK(json["vision_cfg"]["stem"] == "conv");
        CHECK_FALSE(toJson(clipPreset("tiny"))["vision_cfg"].contains("stem"));
        auto badStem = json;
        badStem["vision_cfg"]["stem"] = "resnet";
        CHECK_THROWS_WITH(clipConfigFromJson(badStem), Catch::Contains("vision_cfg.stem") && Catch::Contains("resnet"));
        auto oddPatch = config;
        oddPatch.visionPatchSize = 12;
        oddPatch.imageResolution = 36;
        CHECK_THROWS_WITH(oddPatch.validate(), Catch::Contains("power of two"));
        // A state dict of a conv stem whose conv1 is not 1x1 is refused by name.
        auto broken = sd;
        broken["visual.conv1.weight"] = torch::zeros({64, 64, 2, 2});
        CHECK_THROWS_WITH(inferConfig(broken), Catch::Contains("visual.conv1.weight"));
        // Same grid of tokens as the patch stem: the positional embedding is 4 x 4 + 1.
        CHECK(sd.at("visual.positional_embedding").size(0) == 17);
        torch::NoGradGuard noGrad;
        model->eval();
        CHECK(model->encodeImage(torch::randn({3, 3, 32, 32})).sizes() == torch::IntArrayRef({3, 64}));
        // A model rebuilt from the state dict computes the same features.
        auto rebuilt = createFromStateDict(sd);
        const auto images = torch::randn({2, 3, 32, 32});
        CHECK(torch::allclose(rebuilt->encodeImage(images), model->encodeImage(images)));
    }
}

TEST_CASE("CLIP forward shapes and input checks", "[model]") {
    torch::manual_seed(3);
    ClipModel model(tinyConfig());
    model->eval();
    torch::NoGradGuard noGrad;
    const auto images = torch::randn({4, 3, 32, 32});
    auto tokens = torch::randint(1, 290, {2, 32}, torch::kLong);
    tokens.index_put_({0, 7}, 299);
    tokens.index_put_({1, 31}, 299);
    CHECK(model->encodeImage(images).sizes() == torch::IntArrayRef({4, 64}));
    CHECK(model->encodeText(tokens).sizes() == torch::IntArrayRef({2, 64}));
    const auto [perImage, perText] = model->forward(images, tokens);
    CHECK(perImage.sizes() == torch::IntArrayRef({4, 2}));
    CHECK(torch::equal(perImage.t(), perText));
    // Tokens after the end-of-text token cannot change a causal model's features.
    auto changed = tokens.clone();
    changed.index_put_({0, 20}, 5);
    CHECK(torch::equal(model->encodeText(tokens)[0], model->encodeText(changed)[0]));
    // Shorter sequences are allowed and int32 ids are accepted.
    CHECK(model->encodeText(tokens.narrow(1, 0, 8).to(torch::kInt32)).sizes() == torch::IntArrayRef({2, 64}));
    CHECK_THROWS_AS(model->encodeImage(torch::randn({1, 3, 64, 64})), Error);
    CHECK_THROWS_AS(model->encodeText(torch::zeros({1, 33}, torch::kLong)), Error);
    CHECK_THROWS_AS(model->encodeText(torch::zeros({1, 4})), Error);
}

TEST_CASE("CLIP state-dict loading reports every problem by name", "[model]") {
    torch::manual_seed(11);
    ClipModel source(tinyConfig());
    ClipModel target(tinyConfig());
    auto sd = exportStateDict(source);
    const auto before = target->visual->proj.clone();

    SECTION("a matching dict loads completely") {
        LoadReport report;
        sd.emplace("input_resolution", torch::tensor(32));
        loadStateDict(target, sd, report);
        CHECK(report.ok());
        CHECK(report.ignored == std::vector<std::string>{"input_resolution"});
        CHECK(torch::equal(target->visual->proj, source->visual->proj));
        CHECK(report.summary().find("ok") == 0);
    }
    SECTION("problems are named; strict mode throws and loads nothing") {
        sd.erase("visual.ln_post.bias");
        sd.erase("transformer.resblocks.1.attn.in_proj_bias");
        sd.emplace("visual.extra_token", torch::zeros({3}));
        sd["visual.transformer.resblocks.0.mlp.c_fc.weight"] = torch::zeros({10, 64});
        LoadReport report;
        try {
            loadStateDict(target, sd, report);
            FAIL("no exception");
        } catch (const Error& e) {
            const std::string what = e.what();
            CHECK_THAT(what, Catch::Contains("visual.ln_post.bias"));
            CHECK_THAT(what, Catch::Contains("transformer.resblocks.1.attn.in_proj_bias"));
            CHECK_THAT(what, Catch::Contains("visual.extra_token"));
            CHECK_THAT(what, Catch::Contains("visual.transformer.resblocks.0.mlp.c_fc.weight"));
            CHECK_THAT(what, Catch::Contains("[10, 64]"));
        }
        CHECK(report.missing ==
              std::vector<std::string>{"transformer.resblocks.1.attn.in_proj_bias", "visual.ln_post.bias"});
        CHECK(report.unexpected == std::vector<std::string>{"visual.extra_token"});
        REQUIRE(report.mismatched.size() == 1);
        CHECK_THAT(report.mismatched[0], Catch::StartsWith("visual.transformer.resblocks.0.mlp.c_fc.weight:"));
        CHECK(torch::equal(target->visual->proj, before));

        LoadReport lenient;
        loadStateDict(target, sd, lenient, LoadMode::Lenient);
        CHECK(lenient.missing == report.missing);
        CHECK(lenient.loaded.size() == sd.size() - 2);
        CHECK(torch::equal(target->visual->proj, source->visual->proj));
    }
    SECTION("createFromStateDict infers, loads strictly and converts bf16") {
        StateDict bf16;
        for (const auto& [k, t] : sd) bf16.emplace(k, t.to(torch::kBFloat16));
        auto model = createFromStateDict(bf16);
        CHECK(model->config() == tinyConfig());
        CHECK(!model->is_training());
        CHECK(model->visual->proj.scalar_type() == torch::kFloat32);
        CHECK(torch::equal(model->visual->proj, source->visual->proj.to(torch::kBFloat16).to(torch::kFloat32)));
        sd.erase("logit_scale");
        CHECK_THROWS_WITH(createFromStateDict(sd), Catch::Contains("logit_scale"));
    }
}

TEST_CASE("cloneClip makes an independent deep copy", "[model]") {
    torch::manual_seed(5);
    ClipModel model(tinyConfig());
    model->eval();
    auto copy = cloneClip(model);
    CHECK(!copy->is_training());
    const auto a = exportStateDict(model);
    const auto b = exportStateDict(copy);
    REQUIRE(a.size() == b.size());
    for (const auto& [k, t] : a) {
        INFO(k);
        CHECK(torch::equal(t, b.at(k)));
        CHECK(t.data_ptr() != b.at(k).data_ptr());
    }
    torch::NoGradGuard noGrad;
    copy->visual->proj.add_(1.0);
    CHECK(!torch::equal(model->visual->proj, copy->visual->proj));
}

TEST_CASE("bf16 autocast on the CPU runs both image stems and stays close to float32", "[model][precision]") {
    for (const std::string preset : {"tiny", "tiny-conv"}) {
        DYNAMIC_SECTION(preset) {
            torch::manual_seed(4);
            ClipModel model(clipPreset(preset));
            model->eval();
            torch::NoGradGuard noGrad;
            const auto images = torch::randn({3, 3, 32, 32});
            const auto reference = model->encodeImage(images);
            torch::Tensor low;
            {
                model::AutocastScope autocast(model::Precision::Bf16, torch::kCPU);
                low = model->encodeImage(images);
            }
            CHECK(low.scalar_type() == torch::kBFloat16);
            CHECK(torch::cosine_similarity(low.to(torch::kFloat), reference, 1).min().item<double>() > 0.99);
        }
    }
}
