// Recipes, losses (against a brute-force evaluation of the formulas) and the LR schedule (against
// PyTorch's CosineAnnealingWarmRestarts).
#include "core/train/losses.h"
#include "core/train/precision.h"
#include "core/train/recipe.h"
#include "core/train/schedule.h"
#include "core/train/trainer.h"
#include "core/train/training_data.h"
#include "core/util/error.h"
#include "support/test_support.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <set>
#include <sstream>

using namespace genra;
using nlohmann::json;

namespace {
json minimal() { return json{{"method", "genra"}, {"base_model", "clip"}, {"dataset", "shapes"}}; }

// -1/B Σ_i log softmax_j(s_ij / tau)[i], in double, with explicit loops.
double bruteInfoNce(const torch::Tensor& a, const torch::Tensor& b, double scale) {
    const auto an = a.to(torch::kDouble);
    const auto bn = b.to(torch::kDouble);
    const auto n = a.size(0);
    double total = 0.0;
    for (int64_t i = 0; i < n; ++i) {
        const auto ai = an[i] / an[i].norm().item<double>();
        std::vector<double> s;
        for (int64_t j = 0; j < n; ++j) {
            const auto bj = bn[j] / bn[j].norm().item<double>();
            s.push_back(scale * (ai * bj).sum().item<double>());
        }
        double denom = 0.0;
        for (double v : s) denom += std::exp(v);
        total += -std::log(std::exp(s[static_cast<std::size_t>(i)]) / denom);
    }
    return total / static_cast<double>(n);
}
}  // namespace

TEST_CASE("recipes: defaults, round trip and validation by key", "[train][recipe]") {
    const auto r = train::parseRecipe(minimal());
    CHECK(r.method == train::Method::Genra);
    CHECK(r.learningRate == Approx(1e-4));
    CHECK(r.weightDecay == Approx(0.01));
    CHECK(r.loraRank == 4);
    CHECK(r.temperature == Approx(0.07));
    CHECK(r.inferenceEncoder == train::InferenceEncoder::LoraRealProjection);

    SECTION("toJson then parse gives the same recipe") {
        auto j = train::toJson(r);
        j["lora_rank"] = 6;
        j["method"] = "full-ft";
        j["inference_encoder"] = "frozen-real";
        const auto again = train::parseRecipe(j);
        CHECK(again.loraRank == 6);
        CHECK(again.method == train::Method::FullFt);
        CHECK(again.inferenceEncoder == train::InferenceEncoder::FrozenReal);
        CHECK(train::toJson(again) == j);
    }
    SECTION("unknown keys are rejected by name") {
        auto j = minimal();
        j["learning_rate"] = 0.1;
        CHECK_THROWS_WITH(train::parseRecipe(j, "r.json"), Catch::Contains("r.json") && Catch::Contains("\"learning_rate\"") &&
                                                               Catch::Contains("unknown key"));
    }
    SECTION("out-of-range values name the key and the range") {
        auto j = minimal();
        j["lora_rank"] = 0;
        CHECK_THROWS_WITH(train::parseRecipe(j), Catch::Contains("\"lora_rank\"") && Catch::Contains("out of range"));
        j = minimal();
        j["lr"] = -1;
        CHECK_THROWS_WITH(train::parseRecipe(j), Catch::Contains("\"lr\""));
    }
    SECTION("wrong types and unknown choices") {
        auto j = minimal();
        j["batch_size"] = "many";
        CHECK_THROWS_WITH(train::parseRecipe(j), Catch::Contains("\"batch_size\"") && Catch::Contains("expected a int"));
        j = minimal();
        j["method"] = "magic";
        CHECK_THROWS_WITH(train::parseRecipe(j), Catch::Contains("\"method\"") && Catch::Contains("genra, naive"));
        j = minimal();
        j["lora_targets"] = {"q", "z"};
        CHECK_THROWS_WITH(train::parseRecipe(j), Catch::Contains("\"lora_targets\"") && Catch::Contains("\"z\""));
        // A pre-training preset that does not exist is named before any work starts.
        j = nlohmann::json{{"method", "pretrain"}, {"dataset", "shapes"}, {"model_config", "tiny-cnv"}};
        CHECK_THROWS_WITH(train::parseRecipe(j, "r.json"), Catch::Contains("r.json") && Catch::Contains("\"model_config\"") &&
                                                               Catch::Contains("tiny-conv"));
        j["model_config"] = "tiny-conv";
        CHECK(train::parseRecipe(j).modelConfig == "tiny-conv");
    }
    SECTION("cross-field rules") {
        auto j = minimal();
        j.erase("base_model");
        CHECK_THROWS_WITH(train::parseRecipe(j), Catch::Contains("\"base_model\""));
        j["method"] = "pretrain";
        CHECK_NOTHROW(train::parseRecipe(j));
        j = minimal();
        j["device"] = "cpu";
        j["precision"] = "fp16";
        CHECK_THROWS_WITH(train::parseRecipe(j), Catch::Contains("\"precision\""));
        j["precision"] = "bf16";
        CHECK(train::parseRecipe(j).precision == "bf16");
    }
    SECTION("the reference lists every key") {
        const auto doc = train::recipeReferenceMarkdown();
        for (const auto& f : train::recipeFields()) CHECK_THAT(doc, Catch::Contains("`" + f.key + "`"));
    }
}

TEST_CASE("recipes: the paper's two readings and the method-dependent loss weights", "[train][recipe]") {
    SECTION("genra defaults to the App. A reading: Proj for Real trained, L_align alone on Proj for Gen") {
        const auto r = train::parseRecipe(minimal());
        CHECK(r.reading == train::Reading::AppA);
        CHECK(r.wGen == 0.0);
        CHECK(r.wReal == 1.0);
        CHECK(r.inferenceEncoder == train::InferenceEncoder::LoraRealProjection);
        CHECK(train::trainsRealProjection(r));
        // The resolved values are recorded, so a run resumes with exactly them.
        const auto j = train::toJson(r);
        CHECK(j.at("reading") == "app-a");
        CHECK(j.at("w_gen") == 0.0);
        CHECK(train::toJson(train::parseRecipe(j)) == j);
    }
    SECTION("the Algorithm 1 reading: only L_align, real images on the frozen f_r") {
        auto j = minimal();
        j["reading"] = "algorithm-1";
        const auto r = train::parseRecipe(j);
        CHECK(r.reading == train::Reading::Algorithm1);
        CHECK(r.wGen == 0.0);
        CHECK(r.wReal == 0.0);
        CHECK(r.inferenceEncoder == train::InferenceEncoder::FrozenReal);
        CHECK_FALSE(train::trainsRealProjection(r));
        auto bad = j;
        bad["w_real"] = 1.0;
        CHECK_THROWS_WITH(train::parseRecipe(bad, "r.json"), Catch::Contains("r.json") && Catch::Contains("\"w_real\"") &&
                                                                 Catch::Contains("algorithm-1"));
        bad = j;
        bad["w_gen"] = 0.5;
        CHECK_THROWS_WITH(train::parseRecipe(bad), Catch::Contains("\"w_gen\""));
        bad = j;
        bad["inference_encoder"] = "lora-real-projection";
        CHECK_THROWS_WITH(train::parseRecipe(bad), Catch::Contains("\"inference_encoder\"") && Catch::Contains("line 12"));
        bad = j;
        bad["method"] = "lora-gen";
        CHECK_THROWS_WITH(train::parseRecipe(bad), Catch::Contains("\"reading\""));
        bad = minimal();
        bad["reading"] = "appendix";
        CHECK_THROWS_WITH(train::parseRecipe(bad), Catch::Contains("\"reading\"") && Catch::Contains("algorithm-1"));
    }
    SECTION("baselines: LoRA without alignment trains Proj for Real too; single encoders use the CLIP loss") {
        auto j = minimal();
        j["method"] = "lora-gen";
        auto r = train::parseRecipe(j);
        CHECK(r.wGen == 1.0);
        CHECK(r.wReal == 1.0);
        CHECK(train::trainsRealProjection(r));
        for (const char* m : {"gen-as-real", "naive", "full-ft", "real-ft"}) {
            INFO(m);
            j["method"] = m;
            r = train::parseRecipe(j);
            CHECK(r.wGen == 1.0);
            CHECK(r.wReal == 0.0);
            CHECK_FALSE(train::trainsRealProjection(r));
        }
        j["method"] = "gen-as-real";
        CHECK(train::parseRecipe(j).method == train::Method::GenAsReal);
        CHECK(std::string(train::toString(train::Method::GenAsReal)) == "gen-as-real");
    }
    SECTION("explicit weights win over the defaults; a genra recipe that trains nothing is refused") {
        auto j = minimal();
        j["w_gen"] = 1.0;
        j["w_real"] = 0.0;
        const auto r = train::parseRecipe(j);
        CHECK(r.wGen == 1.0);
        CHECK_FALSE(train::trainsRealProjection(r));
        j["w_align"] = 0.0;
        j["w_gen"] = 0.0;
        CHECK_THROWS_WITH(train::parseRecipe(j), Catch::Contains("\"w_align\""));
    }
}

TEST_CASE("alignment loss is Eq. 1 and the CLIP loss is symmetric InfoNCE", "[train][loss]") {
    torch::manual_seed(3);
    const auto g = torch::randn({6, 8});
    const auto r = torch::randn({6, 8});
    const double tau = 0.07;
    const auto tauT = torch::tensor(tau);

    const double expectedAlign = bruteInfoNce(g, r, 1.0 / tau);
    CHECK(train::alignLoss(g, r, tauT).item<double>() == Approx(expectedAlign).epsilon(1e-5));
    const double expectedSym = 0.5 * (expectedAlign + bruteInfoNce(r, g, 1.0 / tau));
    CHECK(train::alignLoss(g, r, tauT, true).item<double>() == Approx(expectedSym).epsilon(1e-5));

    const auto scale = torch::tensor(1.0 / 0.07);
    CHECK(train::clipLoss(g, r, scale).item<double>() == Approx(expectedSym).epsilon(1e-5));

    SECTION("scale invariance: features are normalised first") {
        CHECK(train::alignLoss(g * 7.0, r * 0.1, tauT).item<double>() == Approx(expectedAlign).epsilon(1e-5));
    }
    SECTION("perfectly aligned pairs give a lower loss than shuffled ones") {
        const auto aligned = train::alignLoss(r + 0.01 * g, r, tauT).item<double>();
        const auto shuffled = train::alignLoss(r.roll(1, 0), r, tauT).item<double>();
        CHECK(aligned < 0.1);
        CHECK(shuffled > 1.0);
    }
    SECTION("gradients match central finite differences of the brute-force formula") {
        auto gv = g.clone().to(torch::kDouble).requires_grad_(true);
        const auto loss = train::alignLoss(gv, r.to(torch::kDouble), tauT.to(torch::kDouble));
        loss.backward();
        const auto grad = gv.grad();
        const double h = 1e-5;
        for (int64_t i : {0, 3}) {
            for (int64_t k : {0, 5}) {
                auto plus = g.to(torch::kDouble).clone();
                auto minus = plus.clone();
                plus[i][k] += h;
                minus[i][k] -= h;
                const double numeric = (bruteInfoNce(plus, r, 1.0 / tau) - bruteInfoNce(minus, r, 1.0 / tau)) / (2 * h);
                CHECK(grad[i][k].item<double>() == Approx(numeric).epsilon(1e-4).margin(1e-7));
            }
        }
    }
}

TEST_CASE("schedule follows warm-up then cosine annealing with warm restarts", "[train][schedule]") {
    train::ScheduleOptions o;
    o.baseLearningRate = 1e-3;
    o.minLearningRate = 1e-5;
    o.restartPeriod = 10;
    o.restartMultiplier = 2;
    o.warmupSteps = 0;
    CHECK(train::learningRateAt(o, 0) == Approx(1e-3));
    CHECK(train::learningRateAt(o, 5) == Approx(1e-5 + (1e-3 - 1e-5) * 0.5));
    CHECK(train::learningRateAt(o, 10) == Approx(1e-3));  // restart
    CHECK(train::learningRateAt(o, 30) == Approx(1e-3));  // second cycle lasted 20

    SECTION("warm-up rises linearly to the base rate") {
        o.warmupSteps = 4;
        CHECK(train::learningRateAt(o, 0) == Approx(0.25e-3));
        CHECK(train::learningRateAt(o, 3) == Approx(1e-3));
        CHECK(train::learningRateAt(o, 4) == Approx(1e-3));
    }
}

TEST_CASE("the schedule is identical to PyTorch's CosineAnnealingWarmRestarts", "[train][schedule]") {
    if (!test::pythonOrSkip("torch")) return;
    train::ScheduleOptions o;
    o.baseLearningRate = 1e-3;
    o.minLearningRate = 1e-5;
    o.warmupSteps = 0;
    const std::string script =
        "import torch\n"
        "p = torch.nn.Parameter(torch.zeros(1))\n"
        "opt = torch.optim.AdamW([p], lr=1e-3)\n"
        "s = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0=7, T_mult=3, eta_min=1e-5)\n"
        "out = []\n"
        "for _ in range(120):\n"
        "    out.append(opt.param_groups[0]['lr'])\n"
        "    opt.step(); s.step()\n"
        "print(' '.join(repr(x) for x in out))\n";
    const auto res = test::runProcess({test::pythonExecutable().string(), "-c", script});
    REQUIRE(res.exitCode == 0);
    std::istringstream in(res.out);
    o.restartPeriod = 7;
    o.restartMultiplier = 3;
    double expected = 0;
    long long step = 0;
    while (in >> expected) {
        INFO("step " << step);
        CHECK(train::learningRateAt(o, step) == Approx(expected).epsilon(1e-9));
        ++step;
    }
    CHECK(step == 120);
}

TEST_CASE("autocast scopes switch the forward pass to bf16 and restore the previous state", "[train][precision]") {
    const auto a = torch::randn({4, 8});
    const auto b = torch::randn({8, 3});
    CHECK(torch::matmul(a, b).scalar_type() == torch::kFloat);
    {
        model::AutocastScope scope(model::Precision::Bf16, torch::kCPU);
        const auto c = torch::matmul(a, b);
        CHECK(c.scalar_type() == torch::kBFloat16);
        CHECK(torch::allclose(c.to(torch::kFloat), torch::matmul(a, b.to(torch::kFloat)).to(torch::kFloat), 0.05, 0.05));
        {
            model::AutocastScope inner(model::Precision::Fp32, torch::kCPU);  // fp32 leaves the outer scope alone
            CHECK(torch::matmul(a, b).scalar_type() == torch::kBFloat16);
        }
    }
    CHECK(torch::matmul(a, b).scalar_type() == torch::kFloat);
    CHECK_THROWS_WITH(model::AutocastScope(model::Precision::Fp16, torch::kCPU), Catch::Contains("fp16") && Catch::Contains("CUDA device"));
    CHECK(model::parsePrecision("bf16") == model::Precision::Bf16);
    CHECK_THROWS_WITH(model::parsePrecision("int8"), Catch::Contains("int8"));
}

TEST_CASE("the loss scaler unscales gradients, skips overflows and grows back", "[train][precision]") {
    train::LossScaler::Options o;
    o.initialScale = 1024;
    o.growthInterval = 3;
    train::LossScaler scaler(true, o);
    auto w = torch::tensor({1.0f, 2.0f}).set_requires_grad(true);
    auto loss = (w * w).sum();
    scaler.scale(loss).backward();
    CHECK(w.grad()[1].item<float>() == Approx(4.0 * 1024));
    REQUIRE(scaler.unscale({w}));
    CHECK(w.grad()[0].item<float>() == Approx(2.0));
    CHECK(w.grad()[1].item<float>() == Approx(4.0));
    scaler.update(true);
    scaler.update(true);
    CHECK(scaler.scale() == 1024);
    scaler.update(true);  // third good step in a row: grows
    CHECK(scaler.scale() == 2048);

    // An overflowing gradient: reported, scale halves, the good-step count restarts.
    w.mutable_grad() = torch::tensor({std::numeric_limits<float>::infinity(), 1.0f});
    CHECK_FALSE(scaler.unscale({w}));
    scaler.update(false);
    CHECK(scaler.scale() == 1024);
    CHECK(scaler.goodSteps() == 0);

    // Disabled (fp32, bf16): the identity.
    train::LossScaler off(false);
    w.mutable_grad() = torch::tensor({std::numeric_limits<float>::quiet_NaN(), 1.0f});
    CHECK(off.unscale({w}));
    CHECK(off.scale(loss).item<float>() == Approx(loss.item<float>()));
    off.update(false);
    CHECK(off.scale() == 1.0);
}

TEST_CASE("hard-negative batches pair images whose captions differ in one word", "[train][batch]") {
    // 4 colours x 3 shapes x 2 sides, one caption each.
    const char* colours[] = {"red", "green", "blue", "yellow"};
    const char* shapes[] = {"circle", "square", "triangle"};
    const char* sides[] = {"left", "right"};
    train::TrainingData data;
    for (const char* c : colours)
        for (const char* s : shapes)
            for (const char* p : sides) {
                train::TrainingUnit u;
                u.realImageId = static_cast<std::int64_t>(data.units.size()) + 1;
                train::TrainingPair pair;
                pair.caption = std::string("A ") + c + " " + s + " on the " + p + ".";
                u.pairs.push_back(pair);
                data.units.push_back(u);
            }
    train::findCaptionNeighbours(data, 4);
    auto differingWords = [&](std::size_t a, std::size_t b) {
        int diff = 0;
        std::istringstream x(data.units[a].pairs[0].caption), y(data.units[b].pairs[0].caption);
        std::string u, v;
        while (x >> u && y >> v) diff += u != v;
        return diff;
    };
    REQUIRE(data.neighbours.size() == data.units.size());
    for (std::size_t u = 0; u < data.units.size(); ++u) {
        REQUIRE(data.neighbours[u].size() == 4);
        for (auto v : data.neighbours[u]) {
            CHECK(v != u);
            CHECK(differingWords(u, v) == 1);  // the nearest captions differ in exactly one word
        }
    }

    auto units = [](const std::vector<train::BatchSlot>& slots) {
        std::vector<std::size_t> out;
        for (const auto& s : slots) out.push_back(s.unit * 1000 + s.pair);
        return out;
    };
    CHECK(units(train::planBatch(data, 8, 3, 5)) == units(train::planBatch(data, 8, 3, 5, 0.0)));
    const auto hard = train::planBatch(data, 8, 3, 5, 0.5);
    REQUIRE(hard.size() == 8);
    CHECK(units(hard) == units(train::planBatch(data, 8, 3, 5, 0.5)));  // a function of (seed, step)
    std::set<std::size_t> seen;
    for (const auto& slot : hard) CHECK(seen.insert(slot.unit).second);  // no image twice
    for (std::size_t j = 0; j < 4; ++j) {
        const auto& near = data.neighbours[hard[j].unit];
        INFO("slot " << 4 + j);
        CHECK(std::find(near.begin(), near.end(), hard[4 + j].unit) != near.end());
    }
    SECTION("the recipe key is validated by name") {
        nlohmann::json j = train::defaultRecipeJson(train::Method::Pretrain);
        j["hard_negatives"] = 0.9;
        CHECK_THROWS_WITH(train::parseRecipe(j), Catch::Contains("\"hard_negatives\""));
        j["hard_negatives"] = 0.5;
        CHECK(train::parseRecipe(j).hardNegatives == 0.5);
    }
}

TEST_CASE("the example recipe in examples/ is a valid GenRA recipe", "[train][recipe]") {
    const auto recipe = train::loadRecipe(std::string(GENRA_TEST_SOURCE_DIR) + "/examples/genra-recipe.json");
    CHECK(recipe.method == train::Method::Genra);
    CHECK(recipe.baseModel == "vitb32");
    CHECK(recipe.dataset == "mine");
}
