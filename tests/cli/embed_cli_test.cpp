// `genra embed` through the real binary: .npy outputs equal the in-process model's embeddings,
// unreadable images are named, and workspace mode stores embeddings per model and encoder.
#include "core/data/image.h"
#include "core/data/preprocess.h"
#include "core/data/npy.h"
#include "core/model/clip.h"
#include "core/model/model_store.h"
#include "core/model/weights.h"
#include "core/store/workspace.h"
#include "core/store/raw_db.h"
#include "core/text/bpe_trainer.h"
#include "core/text/bpe_vocab_file.h"
#include "support/test_support.h"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <iostream>

using namespace genra;
namespace fs = std::filesystem;

namespace {
data::Image solid(std::uint8_t r, std::uint8_t g, std::uint8_t b, int w, int h) {
    data::Image img;
    img.width = w;
    img.height = h;
    img.channels = 3;
    for (int i = 0; i < w * h; ++i) {
        img.pixels.push_back(static_cast<std::uint8_t>(r + (i % 7)));
        img.pixels.push_back(g);
        img.pixels.push_back(static_cast<std::uint8_t>(b ^ (i % 5)));
    }
    return img;
}

// A tiny CLIP saved as tiny.safetensors with a vocabulary trained on three captions, three images
// and a captions file, in a temporary folder.
struct EmbedSetup {
    test::TempDir tmp;
    std::vector<std::string> captions{"a red square", "a blue circle on the left", "green"};
    fs::path vocab = tmp / "vocab.txt";
    std::shared_ptr<const text::ClipTokenizer> tokenizer;
    model::ClipConfig config = model::clipPreset("tiny");
    model::ClipModel clip{nullptr};
    std::vector<std::string> paths;

    EmbedSetup() {
        text::BpeTrainerOptions options;
        options.maxMerges = 40;
        text::writeMergeFile(vocab, text::trainBpe(captions, options).merges);
        tokenizer = model::tokenizerFor(vocab);
        config.vocabSize = static_cast<std::int64_t>(tokenizer->vocabularySize());
        torch::manual_seed(2);
        clip = model::ClipModel(config);
        clip->eval();
        model::StateDict state;
        for (const auto& [k, v] : model::exportStateDict(clip)) state[k] = v.clone();
        model::saveModelFiles(tmp / "tiny", state, {{"clip", model::toJson(config)}});
        const std::uint8_t colours[3][3] = {{200, 20, 20}, {20, 20, 200}, {20, 180, 20}};
        for (int i = 0; i < 3; ++i) {
            paths.push_back((tmp / ("img" + std::to_string(i) + ".png")).string());
            data::saveImage(solid(colours[i][0], colours[i][1], colours[i][2], 40 + 7 * i, 33), paths.back());
        }
        test::writeFile(tmp / "captions.txt", captions[0] + "\n" + captions[1] + "\n" + captions[2] + "\n");
    }

    test::ProcessResult embedWith(const std::string& device, const std::string& precision, const fs::path& dir) const {
        return test::runProcess({GENRA_CLI, "embed", "--weights", (tmp / "tiny.safetensors").string(), "--vocab",
                                 vocab.string(), "--images", paths[0], paths[1], paths[2], "--captions",
                                 (tmp / "captions.txt").string(), "--out", dir.string(), "--device", device,
                                 "--precision", precision});
    }
};

double minCosine(const torch::Tensor& a, const torch::Tensor& b) {
    return torch::cosine_similarity(a.to(torch::kFloat64), b.to(torch::kFloat64), 1).min().item<double>();
}
}  // namespace

TEST_CASE("genra embed writes the model's image and text embeddings", "[cli][embed]") {
    EmbedSetup setup;
    const auto& tmp = setup.tmp;
    const auto& captions = setup.captions;
    const auto& vocab = setup.vocab;
    const auto& tokenizer = setup.tokenizer;
    const auto& config = setup.config;
    auto& clip = setup.clip;
    const auto& paths = setup.paths;

    const auto out = tmp / "out";
    auto r = test::runProcess({GENRA_CLI, "embed", "--weights", (tmp / "tiny.safetensors").string(), "--vocab",
                               vocab.string(), "--images", paths[0], paths[1], paths[2], "--captions",
                               (tmp / "captions.txt").string(), "--out", out.string(), "--device", "cpu"});
    INFO(r.err);
    REQUIRE(r.exitCode == 0);
    const auto images = data::readNpy(out / "image_embeddings.npy");
    const auto texts = data::readNpy(out / "text_embeddings.npy");
    REQUIRE(images.sizes() == torch::IntArrayRef({3, config.embedDim}));
    REQUIRE(texts.sizes() == torch::IntArrayRef({3, config.embedDim}));
    torch::NoGradGuard noGrad;
    for (int i = 0; i < 3; ++i) {
        const auto x = data::clipPreprocess(data::loadImage(paths[static_cast<std::size_t>(i)]),
                                            static_cast<int>(config.imageResolution));
        const auto expected = clip->encodeImage(x.unsqueeze(0))[0];
        CHECK((images[i] - expected).abs().max().item<double>() < 1e-5);
    }
    const auto expectedText = clip->encodeText(tokenizer->tokenize(captions, static_cast<int>(config.contextLength)));
    CHECK((texts - expectedText).abs().max().item<double>() < 1e-5);
    const auto index = test::readFile(out / "index.tsv");
    CHECK_THAT(index, Catch::Contains("image\t1\t" + paths[1]) && Catch::Contains("caption\t2\tgreen"));

    SECTION("an unreadable image is named and fails the command") {
        test::writeFile(tmp / "broken.png", "not a png");
        auto bad = test::runProcess({GENRA_CLI, "embed", "--weights", (tmp / "tiny.safetensors").string(), "--images",
                                     paths[0], (tmp / "broken.png").string(), "--out", (tmp / "out2").string()});
        CHECK(bad.exitCode == 1);
        CHECK_THAT(bad.err, Catch::Contains("broken.png"));
        CHECK(data::readNpy(tmp / "out2" / "image_embeddings.npy").size(0) == 1);
    }
    auto embedWith = [&](const std::string& device, const std::string& precision, const fs::path& dir) {
        return setup.embedWith(device, precision, dir);
    };
    SECTION("bf16 autocast stays close to float32 and is written as float32, fp16 on a CPU is refused") {
        auto bf16 = embedWith("cpu", "bf16", tmp / "bf16");
        INFO(bf16.err);
        REQUIRE(bf16.exitCode == 0);
        const auto lowImages = data::readNpy(tmp / "bf16" / "image_embeddings.npy");
        const auto lowTexts = data::readNpy(tmp / "bf16" / "text_embeddings.npy");
        CHECK(lowImages.scalar_type() == torch::kFloat);
        CHECK(minCosine(lowImages, images) > 0.99);
        CHECK(minCosine(lowTexts, texts) > 0.99);
        CHECK(!torch::equal(lowImages, images));  // the forward pass really ran in bfloat16
        auto fp16 = embedWith("cpu", "fp16", tmp / "fp16");
        CHECK(fp16.exitCode == 1);
        CHECK_THAT(fp16.err, Catch::Contains("fp16") && Catch::Contains("CUDA"));
        auto bad = embedWith("cpu", "fp8", tmp / "fp8");
        CHECK(bad.exitCode == 2);
        CHECK_THAT(bad.err, Catch::Contains("--precision"));
    }
    SECTION("workspace mode stores embeddings per item and encoder, and resumes") {
        {
            auto ws = store::Workspace::create(tmp / "ws");
            store::DatasetInfo info;
            info.name = "d";
            info.kind = "test";
            const auto id = ws.createDataset(info);
            for (int i = 0; i < 3; ++i) {
                store::ImageRecord img;
                img.datasetId = id;
                img.path = paths[static_cast<std::size_t>(i)];
                img.split = "test";
                const auto imageId = ws.insertImage(img);
                store::CaptionRecord c;
                c.datasetId = id;
                c.imageId = imageId;
                c.text = captions[static_cast<std::size_t>(i)];
                ws.insertCaption(c);
            }
            model::saveClipModel(ws, "tiny", clip, vocab.string());
        }
        const std::vector<std::string> args{GENRA_CLI, "embed", "--workspace", (tmp / "ws").string(), "--model", "tiny",
                                            "--dataset", "d"};
        auto first = test::runProcess(args);
        INFO(first.err);
        REQUIRE(first.exitCode == 0);
        CHECK_THAT(first.out, Catch::Contains("stored 6 embeddings"));
        auto second = test::runProcess(args);
        CHECK_THAT(second.out, Catch::Contains("stored 0 embeddings"));
        auto ws = store::Workspace::open(tmp / "ws");
        auto s = rawDb(ws).prepare("SELECT encoder, COUNT(*), MIN(dim) FROM embeddings GROUP BY encoder ORDER BY encoder");
        REQUIRE(s.step());
        CHECK(s.columnText(0) == "real-image");
        CHECK(s.columnInt(1) == 3);
        CHECK(s.columnInt(2) == config.embedDim);
        REQUIRE(s.step());
        CHECK(s.columnText(0) == "text");
        CHECK(s.columnInt(1) == 3);
    }
}

TEST_CASE("genra embed on CUDA gives the CPU's embeddings, in float32 and with fp16 autocast", "[cli][embed][cuda]") {
    if (!test::cudaOrSkip("genra embed --device cuda")) return;
    EmbedSetup setup;
    const auto& tmp = setup.tmp;
    auto embedWith = [&](const std::string& device, const std::string& precision, const fs::path& dir) {
        return setup.embedWith(device, precision, dir);
    };
    const auto cpu = embedWith("cpu", "fp32", tmp / "cpu");
    INFO(cpu.err);
    REQUIRE(cpu.exitCode == 0);
    const auto images = data::readNpy(tmp / "cpu" / "image_embeddings.npy");
    const auto texts = data::readNpy(tmp / "cpu" / "text_embeddings.npy");
    auto gpu = embedWith("cuda", "fp32", tmp / "gpu");
    INFO(gpu.err);
    REQUIRE(gpu.exitCode == 0);
    const auto gpuImages = data::readNpy(tmp / "gpu" / "image_embeddings.npy");
    const auto gpuTexts = data::readNpy(tmp / "gpu" / "text_embeddings.npy");
    // LibTorch lets cuDNN convolutions use TF32 by default (as PyTorch does), so the patch
    // embedding is not bit-for-bit float32; the text tower has no convolution.
    if (std::getenv("GENRA_TEST_VERBOSE") != nullptr)
        std::cout << "cuda embed: image max |diff| " << (gpuImages - images).abs().max().item<double>()
                  << ", text max |diff| " << (gpuTexts - texts).abs().max().item<double>() << "\n";
    CHECK((gpuImages - images).abs().max().item<double>() < 1e-2);
    CHECK(minCosine(gpuImages, images) > 0.9999);
    CHECK((gpuTexts - texts).abs().max().item<double>() < 1e-4);
    auto half = embedWith("cuda", "fp16", tmp / "half");
    INFO(half.err);
    REQUIRE(half.exitCode == 0);
    CHECK(minCosine(data::readNpy(tmp / "half" / "image_embeddings.npy"), images) > 0.999);
    CHECK(minCosine(data::readNpy(tmp / "half" / "text_embeddings.npy"), texts) > 0.999);
}
