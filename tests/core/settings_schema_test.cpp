// The one settings table (core/util/settings_schema.h) behind the training recipe, the captioner
// recipe and the generator's training options: for each struct a wrong type, an unknown key and an
// out-of-range value name the source and the key; JSON -> struct -> JSON round-trips; the
// reference lists every key; and the one steps-versus-epochs rule.
#include "core/caption/caption_recipe.h"
#include "core/gen/generator_recipe.h"
#include "core/train/recipe.h"
#include "core/util/error.h"
#include "core/util/settings_schema.h"

#include <catch2/catch.hpp>

using namespace genra;
using Catch::Contains;
using nlohmann::json;

namespace {

struct Toy {
    std::string name = "toy";
    int count = 3;
    std::int64_t big = 0;
    double rate = 0.5;
    bool on = true;
    std::vector<std::string> tags{"a"};
    std::vector<std::int64_t> sizes{8, 4};
    std::string mode = "fast";
};

const util::SettingsSchema<Toy>& toySchema() {
    static const auto* t = [] {
        auto* s = new util::SettingsSchema<Toy>("toy --doc");
        s->add("name", &Toy::name, "Name");
        s->add("count", &Toy::count, "Count").range(1, 10).flag("--n");
        s->add("big", &Toy::big, "A 64-bit integer");
        s->add("rate", &Toy::rate, "Rate").atLeast(0).below(1);
        s->add("on", &Toy::on, "Switch");
        s->add("tags", &Toy::tags, "Tags").choices({"a", "b"});
        s->add("sizes", &Toy::sizes, "Sizes").atLeast(1);
        s->add("mode", &Toy::mode, "Mode").choices({"fast", "slow"}).noFlag();
        return s;
    }();
    return *t;
}

// For one parser: the three kinds of bad value, each naming the source and the key.
template <typename Parse>
void checkNamesKeys(Parse parse, json valid, const std::string& intKey, const json& outOfRange) {
    INFO(valid.dump());
    REQUIRE_NOTHROW(parse(valid, "ok.json"));
    auto j = valid;
    j["no_such_key"] = 1;
    CHECK_THROWS_WITH(parse(j, "a.json"), Contains("a.json") && Contains("unknown key \"no_such_key\""));
    j = valid;
    j[intKey] = "many";
    CHECK_THROWS_WITH(parse(j, "b.json"), Contains("b.json") && Contains("key \"" + intKey + "\"") && Contains("expected a int"));
    j = valid;
    j[intKey] = 2.5;
    CHECK_THROWS_WITH(parse(j, "c.json"), Contains("key \"" + intKey + "\"") && Contains("expected a int"));
    j = valid;
    j[intKey] = outOfRange;
    CHECK_THROWS_WITH(parse(j, "d.json"), Contains("d.json") && Contains("key \"" + intKey + "\"") && Contains("out of range"));
}

}  // namespace

TEST_CASE("a settings table parses, writes and documents a struct", "[util][recipe]") {
    const auto& s = toySchema();
    const Toy d;
    CHECK(s.toJson(d) == json{{"name", "toy"}, {"count", 3}, {"big", 0}, {"rate", 0.5}, {"on", true},
                              {"tags", {"a"}}, {"sizes", {8, 4}}, {"mode", "fast"}});
    CHECK(s.find("count")->defaultValue == 3);
    CHECK(s.find("mode")->type == util::FieldType::Enum);
    CHECK(s.find("tags")->type == util::FieldType::StringList);
    CHECK(s.find("sizes")->type == util::FieldType::IntList);

    SECTION("round trip: JSON -> struct -> JSON") {
        const json j = {{"name", "x"}, {"count", 7}, {"big", 9000000000LL}, {"rate", 0.25}, {"on", false},
                        {"tags", {"b", "a"}}, {"sizes", {2}}, {"mode", "slow"}};
        const Toy t = s.parse(j, "t.json");
        CHECK(t.count == 7);
        CHECK(t.big == 9000000000LL);
        CHECK(t.sizes == std::vector<std::int64_t>{2});
        CHECK(s.toJson(t) == j);
        // Keys starting with '_' are comments; 4.0 is a whole number.
        CHECK(s.parse({{"_comment", "hi"}, {"count", 4.0}}, "t.json").count == 4);
    }
    SECTION("errors name the source and the key") {
        CHECK_THROWS_WITH(s.parse({{"cuont", 1}}, "t.json"), Contains("t.json: unknown key \"cuont\"") && Contains("toy --doc"));
        CHECK_THROWS_WITH(s.parse({{"count", 11}}, "t.json"), Contains("t.json: key \"count\": value 11 is out of range [1, 10]"));
        CHECK_THROWS_WITH(s.parse({{"rate", 1.0}}, "t.json"), Contains("key \"rate\"") && Contains("[0, 1)"));
        CHECK_THROWS_WITH(s.parse({{"on", 1}}, "t.json"), Contains("key \"on\": expected a bool"));
        CHECK_THROWS_WITH(s.parse({{"mode", "medium"}}, "t.json"), Contains("key \"mode\"") && Contains("fast, slow"));
        CHECK_THROWS_WITH(s.parse({{"tags", {"a", "c"}}}, "t.json"), Contains("key \"tags\"") && Contains("\"c\""));
        CHECK_THROWS_WITH(s.parse({{"sizes", {4, 0}}}, "t.json"), Contains("key \"sizes\"") && Contains("value 0"));
        CHECK_THROWS_WITH(s.parse({{"count", 1e12}}, "t.json"), Contains("key \"count\""));
        CHECK_THROWS_WITH(s.parse({{"big", 1e300}}, "t.json"), Contains("key \"big\"") && Contains("does not fit"));
        CHECK_THROWS_WITH(s.parse(json::array(), "t.json"), Contains("t.json") && Contains("JSON object"));
        Toy built;
        built.count = 0;
        CHECK_THROWS_WITH(s.check(built, "code"), Contains("code: count: key \"count\"") && Contains("out of range"));
    }
    SECTION("command-line text becomes the field's value") {
        const auto& count = *s.find("count");
        CHECK(count.flagName() == "--n");
        CHECK(s.find("rate")->flagName() == "--rate");
        CHECK(util::fieldValueFromText(count, {"5"}, "--n") == 5);
        CHECK_THROWS_WITH(util::fieldValueFromText(count, {"5x"}, "--n"), Contains("--n") && Contains("integer"));
        CHECK(util::fieldValueFromText(*s.find("on"), {"off"}, "--on") == false);
        CHECK(util::fieldValueFromText(*s.find("sizes"), {"16", "8"}, "--sizes") == json{16, 8});
        CHECK(util::fieldValueText(json{16, 8}) == "16, 8");
    }
    SECTION("the reference lists every key with its type, default and range") {
        const auto doc = s.markdown();
        CHECK_THAT(doc, Contains("| `count` | int | `3` | 1 … 10 | Count |"));
        CHECK_THAT(doc, Contains("| `rate` | number | `0.5` | ≥ 0, < 1 | Rate |"));
        CHECK_THAT(doc, Contains("| `mode` | enum | `\"fast\"` | fast, slow | Mode |"));
    }
}

TEST_CASE("the three settings structs reject a wrong type, an unknown key and an out-of-range value by key",
          "[util][recipe]") {
    SECTION("training recipe") {
        checkNamesKeys([](const json& j, const std::string& src) { return train::parseRecipe(j, src); },
                       json{{"method", "genra"}, {"base_model", "clip"}, {"dataset", "shapes"}}, "lora_rank", 0);
    }
    SECTION("captioner recipe") {
        checkNamesKeys([](const json& j, const std::string& src) { return caption::parseCaptionRecipe(j, src); },
                       json{{"clip_model", "c"}, {"dataset", "d"}}, "prefix_length", 0);
    }
    SECTION("generator training options") {
        checkNamesKeys([](const json& j, const std::string& src) { return gen::generatorTrainOptionsFromJson(j, src); },
                       json{{"dataset", "d"}, {"text_model", "clip"}}, "batch_size", 0);
        // Options built in code meet the same ranges.
        gen::GeneratorTrainOptions o;
        o.dataset = "d";
        o.textModel = "clip";
        CHECK_NOTHROW(gen::validate(o));
        o.conditionDropout = 1.0;
        CHECK_THROWS_WITH(gen::validate(o), Contains("condition_dropout"));
    }
}

TEST_CASE("the three settings structs round-trip JSON -> struct -> JSON with the same keys", "[util][recipe]") {
    SECTION("training recipe") {
        auto j = train::toJson(train::parseRecipe({{"method", "pretrain"}, {"dataset", "shapes"}}));
        j["lora_targets"] = {"q", "mlp"};
        j["seed"] = 12345678901LL;
        CHECK(train::toJson(train::parseRecipe(j)) == j);
        CHECK(train::recipeFields().size() == j.size());
    }
    SECTION("captioner recipe") {
        auto j = caption::toJson(caption::parseCaptionRecipe({{"clip_model", "c"}, {"dataset", "d"}}));
        j["mapper"] = "transformer";
        j["length_penalty"] = 0.5;
        CHECK(caption::toJson(caption::parseCaptionRecipe(j)) == j);
        CHECK(caption::captionRecipeFields().size() == j.size());
        CHECK_THAT(caption::captionRecipeMarkdown(), Contains("`train_on`") && Contains("generated, real"));
    }
    SECTION("generator training options: the keys a trained generator's model.json stores") {
        gen::GeneratorTrainOptions o;
        o.channelMults = {1, 2};
        o.attentionResolutions = {};
        o.seed = 7;
        const auto j = gen::toJson(o);
        const std::vector<std::string> keys{
            "name", "dataset", "split", "text_model", "steps", "image_size", "batch_size", "lr", "warmup_steps", "min_lr",
            "weight_decay", "grad_clip_norm", "ema_decay", "min_snr_gamma", "edge_weight", "condition_dropout",
            "timesteps", "schedule", "patch_size", "base_channels", "channel_mults", "res_blocks",
            "attention_resolutions", "heads", "pooled_context", "learn_tokens", "token_init", "checkpoint_every", "seed",
            "device", "workers"};
        CHECK(j.size() == keys.size());
        for (const auto& key : keys) CHECK(j.contains(key));
        CHECK(gen::toJson(gen::generatorTrainOptionsFromJson(j, "gen.json")) == j);
        for (const auto& key : keys) CHECK_THAT(gen::generatorRecipeMarkdown(), Contains("`" + key + "`"));
    }
}

TEST_CASE("steps > 0 overrides epochs in every recipe, and the defaults keep their length", "[util][recipe]") {
    CHECK(util::totalTrainingSteps(100, 3, 50) == 100);
    CHECK(util::totalTrainingSteps(0, 3, 50) == 150);
    const json train0 = {{"method", "genra"}, {"base_model", "clip"}, {"dataset", "shapes"}};
    SECTION("training recipe: 1000 steps by default; epochs alone still train by epochs") {
        auto r = train::parseRecipe(train0);
        CHECK(r.steps == 1000);
        CHECK(r.epochs == 0);
        auto j = train0;
        j["epochs"] = 3;
        r = train::parseRecipe(j);
        CHECK(r.steps == 0);
        CHECK(r.epochs == 3);
        CHECK(util::totalTrainingSteps(r.steps, r.epochs, 10) == 30);
        j["steps"] = 40;
        r = train::parseRecipe(j);
        CHECK(r.steps == 40);
        CHECK(r.epochs == 0);
        j["steps"] = 0;
        j["epochs"] = 0;
        CHECK_THROWS_WITH(train::parseRecipe(j), Contains("\"steps\""));
    }
    SECTION("captioner recipe: 12 epochs by default; steps > 0 overrides them") {
        const json base = {{"clip_model", "c"}, {"dataset", "d"}};
        auto r = caption::parseCaptionRecipe(base);
        CHECK(r.steps == 0);
        CHECK(r.epochs == 12);
        auto j = base;
        j["steps"] = 6;
        r = caption::parseCaptionRecipe(j);
        CHECK(r.steps == 6);
        CHECK(r.epochs == 0);
        CHECK(util::totalTrainingSteps(r.steps, r.epochs, 10) == 6);
    }
}
