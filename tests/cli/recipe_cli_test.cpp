// The settings tables through the real binary: each `--doc` lists every key of its table;
// `genra train-generator` has one generated flag per generator recipe key, and a bad flag value
// is a usage error (exit 2) naming the flag and the key.
#include "core/caption/caption_recipe.h"
#include "core/gen/generator_recipe.h"
#include "core/train/recipe.h"
#include "support/test_support.h"

#include <catch2/catch.hpp>

using namespace genra;
using Catch::Contains;

namespace {
test::ProcessResult runGenra(const std::vector<std::string>& args) {
    std::vector<std::string> argv{GENRA_CLI};
    argv.insert(argv.end(), args.begin(), args.end());
    return test::runProcess(argv);
}
}  // namespace

TEST_CASE("each --doc lists every key of its settings table", "[cli][recipe]") {
    const auto train = runGenra({"recipe", "--doc"});
    REQUIRE(train.exitCode == 0);
    for (const auto& f : train::recipeFields()) CHECK_THAT(train.out, Contains("| `" + f.key + "` |"));
    const auto caption = runGenra({"caption", "recipe", "--doc"});
    REQUIRE(caption.exitCode == 0);
    for (const auto& f : caption::captionRecipeFields()) CHECK_THAT(caption.out, Contains("| `" + f.key + "` |"));
    const auto generator = runGenra({"train-generator", "--doc"});
    INFO(generator.err);
    REQUIRE(generator.exitCode == 0);
    for (const auto& f : gen::generatorRecipeSchema().fields()) CHECK_THAT(generator.out, Contains("| `" + f.key + "` |"));
}

TEST_CASE("train-generator's flags come from the generator recipe table", "[cli][recipe][gen]") {
    const auto help = runGenra({"train-generator", "--help"});
    REQUIRE(help.exitCode == 0);
    for (const auto& f : gen::generatorRecipeSchema().fields()) {
        INFO(f.key);
        CHECK_THAT(help.out, Contains(f.flagName()));
    }
    // The flags scripts and the man page use keep their names.
    for (const char* flag : {"--size", "--batch", "--warmup", "--patch", "--attention-res", "--cond-dropout", "--text-model",
                             "--channel-mults", "--min-lr", "--ema-decay"}) {
        CHECK_THAT(help.out, Contains(flag));
    }
    test::TempDir tmp("genra-recipe-cli");
    const auto ws = (tmp / "ws").string();
    REQUIRE(runGenra({"init", ws}).exitCode == 0);
    const std::vector<std::string> base{"train-generator", "--workspace", ws, "--dataset", "d", "--text-model", "clip"};
    auto with = [&](std::vector<std::string> extra) {
        auto args = base;
        args.insert(args.end(), extra.begin(), extra.end());
        return runGenra(args);
    };
    auto bad = with({"--size", "0"});
    CHECK(bad.exitCode == 2);
    CHECK_THAT(bad.err, Contains("--size") && Contains("image_size") && Contains("out of range"));
    bad = with({"--cond-dropout", "1"});
    CHECK(bad.exitCode == 2);
    CHECK_THAT(bad.err, Contains("condition_dropout"));
    bad = with({"--schedule", "quadratic"});
    CHECK(bad.exitCode == 2);
    CHECK_THAT(bad.err, Contains("--schedule") && Contains("linear, cosine"));
    bad = with({"--pooled-context", "maybe"});
    CHECK(bad.exitCode == 2);
    CHECK_THAT(bad.err, Contains("--pooled-context") && Contains("true or false"));
    bad = with({"--steps", "many"});
    CHECK(bad.exitCode == 2);
    CHECK_THAT(bad.err, Contains("--steps") && Contains("integer"));
    // Good values of every kind parse; the run then fails at the missing text model (exit 1).
    const auto parsed = with({"--steps", "3", "--lr", "0.002", "--pooled-context", "false", "--channel-mults", "1", "2",
                              "--attention-res", "--weight-decay", "0.01", "--schedule", "linear"});
    CHECK(parsed.exitCode == 1);
    CHECK_THAT(parsed.err, Contains("clip"));
    // Without --workspace (and without --doc) it is a usage error.
    CHECK(runGenra({"train-generator", "--dataset", "d"}).exitCode == 2);
}
