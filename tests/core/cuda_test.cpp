// The engine on a CUDA device, checked against the same computation on the CPU: CLIP embeddings
// (float32 within 1e-4, fp16/bf16 autocast close and really in reduced precision) and LoRA
// training. (The samplers' and training runs' CUDA cases sit with their CPU tests.) Each case
// is skipped, with a warning in the output, where LibTorch sees no CUDA device; a CUDA build run on
// a GPU machine runs them with `genra_core_tests "[cuda]"`.
#include "core/model/clip.h"
#include "core/model/lora.h"
#include "core/model/precision.h"
#include "support/test_support.h"

#include <catch2/catch.hpp>

#include <iostream>

using namespace genra;
using namespace genra::model;

namespace {

const torch::Device kCuda(torch::kCUDA);

double maxAbsDiff(const torch::Tensor& a, const torch::Tensor& b) {
    return (a.cpu().to(torch::kFloat64) - b.cpu().to(torch::kFloat64)).abs().max().item<double>();
}

double minRowCosine(const torch::Tensor& a, const torch::Tensor& b) {
    return torch::cosine_similarity(a.cpu().to(torch::kFloat64), b.cpu().to(torch::kFloat64), 1).min().item<double>();
}

torch::Tensor tokensFor(const ClipConfig& c, std::int64_t batch) {
    auto t = torch::randint(1, c.vocabSize - 1, {batch, c.contextLength}, torch::kLong);
    for (std::int64_t i = 0; i < batch; ++i) t.index_put_({i, std::min<std::int64_t>(4 + 3 * i, c.contextLength - 1)}, c.vocabSize - 1);
    return t;
}

void report(const std::string& what, double value) {
    if (std::getenv("GENRA_TEST_VERBOSE") != nullptr) std::cout << "cuda: " << what << " " << value << "\n";
}

}  // namespace

TEST_CASE("CUDA: CLIP embeddings equal the CPU's in float32, fp16 and bf16 autocast stay close", "[cuda][model]") {
    if (!test::cudaOrSkip("CLIP on CUDA")) return;
    test::StrictFloat32 strict;
    for (const std::string preset : {"tiny", "tiny-conv", "ViT-B/32"}) {
        DYNAMIC_SECTION(preset) {
            torch::manual_seed(3);
            auto config = clipPreset(preset);
            ClipModel model(config);
            model->eval();
            torch::NoGradGuard noGrad;
            const auto images = torch::randn({4, 3, config.imageResolution, config.imageResolution});
            const auto tokens = tokensFor(config, 3);
            const auto cpuImage = model->encodeImage(images);
            const auto cpuText = model->encodeText(tokens);

            model->to(kCuda);
            const auto gpuImage = model->encodeImage(images.to(kCuda));
            const auto gpuText = model->encodeText(tokens.to(kCuda));
            REQUIRE(gpuImage.device().is_cuda());
            report(preset + " fp32 image max |diff|", maxAbsDiff(gpuImage, cpuImage));
            report(preset + " fp32 text max |diff|", maxAbsDiff(gpuText, cpuText));
            CHECK(maxAbsDiff(gpuImage, cpuImage) <= 1e-4);
            CHECK(maxAbsDiff(gpuText, cpuText) <= 1e-4);

            for (const auto precision : {model::Precision::Fp16, model::Precision::Bf16}) {
                INFO(model::toString(precision));
                model::AutocastScope autocast(precision, kCuda);
                const auto image = model->encodeImage(images.to(kCuda));
                const auto text = model->encodeText(tokens.to(kCuda));
                // The projections ran as autocast matmuls, so the outputs are in the reduced type.
                CHECK(image.scalar_type() == (precision == model::Precision::Fp16 ? torch::kHalf : torch::kBFloat16));
                report(preset + " " + model::toString(precision) + " image min cosine", minRowCosine(image, cpuImage));
                report(preset + " " + model::toString(precision) + " text min cosine", minRowCosine(text, cpuText));
                const double floor = precision == model::Precision::Fp16 ? 0.999 : 0.99;
                CHECK(minRowCosine(image, cpuImage) >= floor);
                CHECK(minRowCosine(text, cpuText) >= floor);
                CHECK(maxAbsDiff(image, cpuImage) > 0.0);
            }
            // Autocast is off again once the scope ends.
            CHECK(model->encodeImage(images.to(kCuda)).scalar_type() == torch::kFloat);
        }
    }
}

TEST_CASE("CUDA: LoRA training moves adapters only and follows the CPU's steps", "[cuda][lora]") {
    if (!test::cudaOrSkip("LoRA training on CUDA")) return;
    test::StrictFloat32 strict;
    torch::manual_seed(2);
    auto config = clipPreset("tiny");
    ClipModel base(config);
    base->eval();
    const auto images = torch::randn({4, 3, 32, 32});
    const auto target = torch::randn({4, config.embedDim});

    // The same three SGD steps from the same start, once per device.
    auto trainOn = [&](const torch::Device& device) {
        auto model = cloneClip(base);
        applyLora(model, LoraOptions().rank(4).alpha(8.0).trainVisualProjection(true));
        // Give B a value so the first step's gradients reach A as well.
        {
            torch::NoGradGuard noGrad;
            torch::manual_seed(9);
            for (auto& p : loraParameters(model)) p.copy_(torch::randn_like(p) * 0.05);
        }
        model->to(device);
        model->train();
        // Plain SGD: Adam's first step is about lr * sign(gradient), so a gradient within rounding
        // of zero could move one element in opposite directions on the two devices.
        torch::optim::SGD optimizer(trainableParameters(model), torch::optim::SGDOptions(0.1));
        std::vector<double> losses;
        for (int i = 0; i < 3; ++i) {
            optimizer.zero_grad();
            auto loss = torch::mse_loss(model->encodeImage(images.to(device)), target.to(device));
            loss.backward();
            optimizer.step();
            losses.push_back(loss.item<double>());
        }
        model->eval();
        return std::make_pair(model, losses);
    };
    auto [cpuModel, cpuLosses] = trainOn(torch::kCPU);
    auto [gpuModel, gpuLosses] = trainOn(kCuda);
    REQUIRE(gpuLosses.size() == 3);
    for (std::size_t i = 0; i < 3; ++i) CHECK(gpuLosses[i] == Approx(cpuLosses[i]).epsilon(1e-4));
    CHECK(gpuLosses[2] < gpuLosses[0]);

    const auto before = exportStateDict(base);
    for (const auto& [k, t] : exportStateDict(gpuModel)) {
        INFO(k);
        CHECK(t.device().is_cuda());
        if (k == "visual.proj") CHECK(maxAbsDiff(t, before.at(k)) > 0.0);
        else CHECK(torch::equal(t.cpu(), before.at(k)));  // base weights bit-identical
    }
    const auto cpuAdapters = loraStateDict(cpuModel);
    for (const auto& [k, t] : loraStateDict(gpuModel)) {
        INFO(k);
        CHECK(maxAbsDiff(t, cpuAdapters.at(k)) <= 1e-4);
    }
    // Merging on the device gives the adapted outputs.
    torch::NoGradGuard noGrad;
    const auto adapted = gpuModel->encodeImage(images.to(kCuda));
    mergeLora(gpuModel);
    CHECK(maxAbsDiff(gpuModel->encodeImage(images.to(kCuda)), adapted) <= 1e-5);
}
