// LoRA on CLIP: zero-init identity, training touches adapters only, merge/unmerge, adapter
// save/load, separate q/k/v slices of the fused in_proj.
#include "core/model/clip.h"
#include "core/model/lora.h"
#include "core/util/error.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

using namespace genra;
using namespace genra::model;

namespace {

ClipConfig tinyConfig() {
    auto c = clipPreset("tiny");
    c.vocabSize = 300;
    c.visionWidth = 128;  // two heads, so head splitting is exercised
    c.visionHeads = 2;
    return c;
}

torch::Tensor tokensFor(std::int64_t batch) {
    auto t = torch::randint(1, 290, {batch, 32}, torch::kLong);
    for (std::int64_t i = 0; i < batch; ++i) t.index_put_({i, 5 + i}, 299);
    return t;
}

double maxAbsDiff(const torch::Tensor& a, const torch::Tensor& b) { return (a - b).abs().max().item<double>(); }

StateDict snapshot(const ClipModel& model) {
    StateDict out;
    for (const auto& [k, t] : exportStateDict(model)) out.emplace(k, t.clone());
    return out;
}

// A few Adam steps pulling f_g's image features towards random targets.
void train(ClipModel& model, const torch::Tensor& images, int steps) {
    model->train();
    torch::optim::Adam optimizer(trainableParameters(model), torch::optim::AdamOptions(1e-2));
    const auto target = torch::randn({images.size(0), model->config().embedDim});
    for (int i = 0; i < steps; ++i) {
        optimizer.zero_grad();
        auto loss = torch::mse_loss(model->encodeImage(images), target);
        loss.backward();
        optimizer.step();
    }
    model->eval();
}

}  // namespace

TEST_CASE("fresh LoRA adapters leave outputs exactly unchanged", "[lora]") {
    torch::manual_seed(1);
    ClipModel model(tinyConfig());
    model->eval();
    const auto images = torch::randn({3, 3, 32, 32});
    const auto tokens = tokensFor(2);
    torch::NoGradGuard noGrad;
    const auto image = model->encodeImage(images);
    const auto text = model->encodeText(tokens);
    applyLora(model, LoraOptions().targets({"q", "k", "v", "out", "mlp"}).tower(LoraTower::Both));
    CHECK(hasLora(model));
    CHECK(loraParameters(model).size() == 2u * 6u * 4u);  // A, B x 6 targets x 4 blocks
    CHECK(torch::equal(model->encodeImage(images), image));
    CHECK(torch::equal(model->encodeText(tokens), text));
    // The adapter keys never leak into the OpenAI key set.
    for (const auto& [k, t] : exportStateDict(model)) CHECK(!isLoraKey(k));
    CHECK_THROWS_AS(applyLora(model, LoraOptions().targets({"q"})), Error);
    CHECK_THROWS_WITH(applyLora(model, LoraOptions().targets({"qq"})), Catch::Contains("qq"));
}

TEST_CASE("training f_g moves adapters and its projection only", "[lora]") {
    torch::manual_seed(2);
    ClipModel realEncoder(tinyConfig());
    realEncoder->eval();
    for (auto& p : realEncoder->parameters()) p.set_requires_grad(false);
    auto genEncoder = cloneClip(realEncoder);
    applyLora(genEncoder, LoraOptions().rank(4).alpha(8.0).trainVisualProjection(true));

    const auto baseBefore = snapshot(genEncoder);
    const auto realBefore = snapshot(realEncoder);
    const auto images = torch::randn({4, 3, 32, 32});
    torch::Tensor before;
    {
        torch::NoGradGuard noGrad;
        before = genEncoder->encodeImage(images);
    }
    train(genEncoder, images, 5);

    SECTION("outputs move, base weights stay bit-identical, only trainable tensors got gradients") {
        torch::NoGradGuard noGrad;
        CHECK(maxAbsDiff(genEncoder->encodeImage(images), before) > 1e-3);
        for (const auto& [k, t] : exportStateDict(genEncoder)) {
            INFO(k);
            if (k == "visual.proj") CHECK(!torch::equal(t, baseBefore.at(k)));
            else CHECK(torch::equal(t, baseBefore.at(k)));
        }
        for (const auto& [k, t] : exportStateDict(realEncoder)) CHECK(torch::equal(t, realBefore.at(k)));
        for (const auto& item : genEncoder->named_parameters()) {
            INFO(item.key());
            const bool trainable = isLoraKey(item.key()) || item.key() == "visual.proj";
            CHECK(item.value().requires_grad() == trainable);
            CHECK(item.value().grad().defined() == trainable);
        }
        // q and v adapters of the image tower only, by default.
        const auto adapters = loraStateDict(genEncoder);
        CHECK(adapters.size() == 2u * 2u * 2u);
        CHECK(adapters.count("visual.transformer.resblocks.1.attn.lora_q.A") == 1);
        CHECK(adapters.count("visual.transformer.resblocks.0.attn.lora_v.B") == 1);
        CHECK(adapters.at("visual.transformer.resblocks.0.attn.lora_v.A").sizes() == torch::IntArrayRef({4, 128}));
        CHECK(adapters.at("visual.transformer.resblocks.0.attn.lora_v.B").sizes() == torch::IntArrayRef({128, 4}));
        CHECK(loraStateDict(genEncoder, true).count("visual.proj") == 1);
    }
    SECTION("merge and unmerge round trip") {
        torch::NoGradGuard noGrad;
        const auto adapted = genEncoder->encodeImage(images);
        mergeLora(genEncoder);
        CHECK(loraMerged(genEncoder));
        const auto merged = genEncoder->encodeImage(images);
        CHECK(maxAbsDiff(merged, adapted) <= 1e-5);
        CHECK(!torch::equal(genEncoder->visual->transformer->blocks[0]->attn->in_proj_weight,
                            baseBefore.at("visual.transformer.resblocks.0.attn.in_proj_weight")));
        mergeLora(genEncoder);  // no double application
        CHECK(maxAbsDiff(genEncoder->encodeImage(images), adapted) <= 1e-5);
        // A clone of a merged model stays merged and agrees.
        CHECK(maxAbsDiff(cloneClip(genEncoder)->encodeImage(images), adapted) <= 1e-5);
        unmergeLora(genEncoder);
        CHECK(!loraMerged(genEncoder));
        for (const auto& [k, t] : exportStateDict(genEncoder)) {
            INFO(k);
            if (k != "visual.proj") CHECK(maxAbsDiff(t, baseBefore.at(k)) <= 1e-6);
        }
        CHECK(maxAbsDiff(genEncoder->encodeImage(images), adapted) <= 1e-5);
        removeLora(genEncoder);
        CHECK(!hasLora(genEncoder));
    }
    SECTION("adapters save and load alone") {
        const auto saved = loraStateDict(genEncoder, true);
        const auto options = inferLoraOptions(saved, 8.0);
        CHECK(options.rank() == 4);
        CHECK(options.tower() == LoraTower::Visual);
        CHECK(options.targets() == std::vector<std::string>{"q", "v"});

        auto restored = cloneClip(realEncoder);
        applyLora(restored, options);
        LoadReport report;
        loadLoraStateDict(restored, saved, report);
        CHECK(report.ok());
        CHECK(report.loaded.size() == saved.size());
        torch::NoGradGuard noGrad;
        CHECK(torch::equal(restored->encodeImage(images), genEncoder->encodeImage(images)));

        auto partial = saved;
        partial.erase("visual.transformer.resblocks.1.attn.lora_q.B");
        partial.emplace("visual.transformer.resblocks.1.attn.lora_k.A", torch::zeros({4, 128}));
        auto other = cloneClip(realEncoder);
        applyLora(other, options);
        try {
            loadLoraStateDict(other, partial, report);
            FAIL("no exception");
        } catch (const Error& e) {
            CHECK_THAT(e.what(), Catch::Contains("visual.transformer.resblocks.1.attn.lora_q.B"));
            CHECK_THAT(e.what(), Catch::Contains("visual.transformer.resblocks.1.attn.lora_k.A"));
        }
        mergeLora(restored);
        CHECK_THROWS_WITH(loadLoraStateDict(restored, saved, report), Catch::Contains("merged"));
    }
}

TEST_CASE("the fused in_proj gets separate q, k and v adapters", "[lora]") {
    torch::manual_seed(4);
    ClipModel model(tinyConfig());
    model->eval();
    applyLora(model, LoraOptions().targets({"q", "k", "v"}));
    auto attn = model->visual->transformer->blocks[1]->attn;
    const auto width = attn->width();
    const auto x = torch::randn({2, 5, width});
    torch::NoGradGuard noGrad;
    const auto [q0, k0, v0] = attn->project(x);
    attn->adapter(LoraTarget::K)->B.normal_();
    const auto [q1, k1, v1] = attn->project(x);
    CHECK(torch::equal(q0, q1));
    CHECK(torch::equal(v0, v1));
    CHECK(maxAbsDiff(k0, k1) > 1e-3);

    const auto weightBefore = attn->in_proj_weight.clone();
    mergeLora(model);
    const auto delta = attn->in_proj_weight - weightBefore;
    CHECK(delta.narrow(0, 0, width).abs().max().item<double>() == 0.0);
    CHECK(delta.narrow(0, width, width).abs().max().item<double>() > 0.0);
    CHECK(delta.narrow(0, 2 * width, width).abs().max().item<double>() == 0.0);
    const auto [q2, k2, v2] = attn->project(x);
    CHECK(maxAbsDiff(k2, k1) <= 1e-5);
}

TEST_CASE("LoRA options, dropout and text-tower adapters", "[lora]") {
    SECTION("JSON round trip") {
        const auto o = LoraOptions().rank(6).alpha(12).dropout(0.1).targets({"q", "mlp"}).tower(LoraTower::Both);
        const auto back = loraOptionsFromJson(toJson(o));
        CHECK(back.rank() == 6);
        CHECK(back.alpha() == 12.0);
        CHECK(back.dropout() == 0.1);
        CHECK(back.targets() == o.targets());
        CHECK(back.tower() == LoraTower::Both);
        CHECK_THROWS_AS(loraOptionsFromJson(nlohmann::json{{"targets", {"x"}}}), Error);
        const bool expanded = parseLoraTargets({"mlp", "q"}) ==
                              std::vector<LoraTarget>{LoraTarget::Q, LoraTarget::MlpFc, LoraTarget::MlpProj};
        CHECK(expanded);
    }
    SECTION("dropout acts only in training mode; text adapters change text features") {
        torch::manual_seed(8);
        ClipModel model(tinyConfig());
        applyLora(model, LoraOptions().dropout(0.5).targets({"out", "c_proj"}).tower(LoraTower::Text));
        for (auto& t : loraParameters(model)) {
            torch::NoGradGuard noGrad;
            t.normal_(0.0, 0.5);
        }
        const auto tokens = tokensFor(3);
        torch::NoGradGuard noGrad;
        model->train();
        CHECK(!torch::equal(model->encodeText(tokens), model->encodeText(tokens)));
        model->eval();
        const auto adapted = model->encodeText(tokens);
        CHECK(torch::equal(adapted, model->encodeText(tokens)));
        const auto images = torch::randn({1, 3, 32, 32});
        const auto image = model->encodeImage(images);
        removeLora(model);
        CHECK(maxAbsDiff(model->encodeText(tokens), adapted) > 1e-4);
        CHECK(torch::equal(model->encodeImage(images), image));
    }
}
