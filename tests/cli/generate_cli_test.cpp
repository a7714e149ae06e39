// `genra train-generator` and `genra generate` through the real binary on a tiny Shapes workspace:
// train, resume refusal, generate with the built-in model and with an external script, skip on
// rerun, usage errors (exit 2) and failures (exit 1) naming what is wrong; the builtin:shift control.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "support/test_support.h"

#include <map>

namespace fs = std::filesystem;
using namespace genra;

namespace {
test::ProcessResult runGenra(const std::vector<std::string>& args) {
    std::vector<std::string> argv{GENRA_CLI, "--threads", "1"};
    argv.insert(argv.end(), args.begin(), args.end());
    return test::runProcess(argv);
}

// `genra runs --json` by run name.
std::map<std::string, nlohmann::json> runsByName(const std::string& ws) {
    const auto listed = runGenra({"runs", "--workspace", ws, "--json"});
    REQUIRE(listed.exitCode == 0);
    std::map<std::string, nlohmann::json> byName;
    for (const auto& run : nlohmann::json::parse(listed.out)) byName[run["name"].get<std::string>()] = run;
    return byName;
}

int countPngs(const fs::path& folder) {
    int count = 0;
    if (!fs::exists(folder)) return 0;
    for (const auto& entry : fs::recursive_directory_iterator(folder))
        count += entry.is_regular_file() && entry.path().extension() == ".png" ? 1 : 0;
    return count;
}
}  // namespace

TEST_CASE("genra train-generator and generate: built-in and external generators", "[gen][cli]") {
    test::TempDir tmp("genra-gen-cli");
    const auto shapes = tmp / "shapes";
    const auto ws = (tmp / "ws").string();
    REQUIRE(runGenra({"make-shapes", "--out", shapes.string(), "--count", "12", "--seed", "2", "--size", "32"}).exitCode == 0);
    REQUIRE(runGenra({"init", ws}).exitCode == 0);
    REQUIRE(runGenra({"import", "karpathy", "--workspace", ws, "--json", (shapes / "dataset_shapes.json").string(), "--images",
                      shapes.string(), "--name", "shapes"})
                .exitCode == 0);
    nlohmann::json recipe = {{"method", "pretrain"}, {"dataset", "shapes"}, {"model_config", "tiny"}, {"steps", 2},
                             {"batch_size", 4}, {"workers", 1}, {"vocab_merges", 50}, {"real_split", "pretrain"}};
    test::writeFile(tmp / "pre.json", recipe.dump());
    const auto pre = runGenra({"train", "--workspace", ws, "--recipe", (tmp / "pre.json").string(), "--name", "clip"});
    INFO(pre.err);
    REQUIRE(pre.exitCode == 0);

    const std::vector<std::string> trainArgs{"train-generator", "--workspace", ws, "--dataset", "shapes", "--text-model", "clip",
                                             "--name", "gen", "--steps", "4", "--size", "16", "--batch", "4",
                                             "--base-channels", "16", "--channel-mults", "1", "2", "--attention-res", "8"};
    const auto train = runGenra(trainArgs);
    INFO(train.err);
    REQUIRE(train.exitCode == 0);
    CHECK_THAT(train.out, Catch::Contains("generator \"gen\" trained"));
    CHECK(fs::exists(fs::path(ws) / "checkpoints" / "gen" / "model.safetensors"));
    {  // the flags (generated from the generator recipe table) reached the stored options
        const auto stored = nlohmann::json::parse(test::readFile(fs::path(ws) / "checkpoints" / "gen" / "model.json"));
        CHECK(stored["options"]["image_size"] == 16);
        CHECK(stored["options"]["batch_size"] == 4);
        CHECK(stored["options"]["channel_mults"] == nlohmann::json{1, 2});
        CHECK(stored["options"]["attention_resolutions"] == nlohmann::json{8});
    }
    const auto models = runGenra({"models", "--workspace", ws});
    CHECK_THAT(models.out, Catch::Contains("gen") && Catch::Contains("generator"));
    const auto again = runGenra(trainArgs);
    CHECK(again.exitCode == 1);
    CHECK_THAT(again.err, Catch::Contains("already trained"));

    // The same training from a recipe file: the stored options are the recipe's; only --name,
    // --device and --workers may be given beside it.
    nlohmann::json genRecipe = {{"dataset", "shapes"}, {"text_model", "clip"}, {"steps", 4},   {"image_size", 16},
                                {"batch_size", 4},     {"base_channels", 16},   {"channel_mults", {1, 2}},
                                {"attention_resolutions", {8}}};
    test::writeFile(tmp / "gen.json", genRecipe.dump());
    const auto fromRecipe = runGenra({"train-generator", "--workspace", ws, "--recipe", (tmp / "gen.json").string(), "--name",
                                      "gen-recipe", "--workers", "1"});
    INFO(fromRecipe.err);
    REQUIRE(fromRecipe.exitCode == 0);
    {
        const auto stored = nlohmann::json::parse(test::readFile(fs::path(ws) / "checkpoints" / "gen-recipe" / "model.json"));
        CHECK(stored["options"]["name"] == "gen-recipe");
        CHECK(stored["options"]["base_channels"] == 16);
        CHECK(stored["options"]["workers"] == 1);
    }
    const auto mixed = runGenra({"train-generator", "--workspace", ws, "--recipe", (tmp / "gen.json").string(), "--steps", "9"});
    CHECK(mixed.exitCode == 1);
    CHECK_THAT(mixed.err, Catch::Contains("--steps cannot be combined with --recipe"));
    genRecipe["stpes"] = 3;
    test::writeFile(tmp / "typo.json", genRecipe.dump());
    const auto typo = runGenra({"train-generator", "--workspace", ws, "--recipe", (tmp / "typo.json").string(), "--name", "typo"});
    CHECK(typo.exitCode == 1);
    CHECK_THAT(typo.err, Catch::Contains((tmp / "typo.json").string()) && Catch::Contains("unknown key \"stpes\""));

    // A generator bundle: exported with its own text tower, imported into a workspace that has no
    // CLIP, where it generates; the name of an existing model needs --overwrite.
    const auto bundle = (tmp / "bundle").string();
    const auto exported = runGenra({"model", "export", "--workspace", ws, "--name", "gen", "--out", bundle, "--check-captions", "4",
                                    "--provenance", "note=cli test"});
    INFO(exported.err);
    REQUIRE(exported.exitCode == 0);
    CHECK_THAT(exported.out, Catch::Contains("float16 weights") && Catch::Contains("adherence on 4 fixed captions"));
    const auto bundleConfig = nlohmann::json::parse(test::readFile(fs::path(bundle) / "model.json"));
    CHECK(bundleConfig["provenance"]["note"] == "cli test");
    CHECK(bundleConfig["adherence_check"]["rates"]["images"] == 4);
    const auto ws2 = (tmp / "ws2").string();
    REQUIRE(runGenra({"init", ws2}).exitCode == 0);
    const auto imported = runGenra({"model", "import-generator", "--workspace", ws2, "--bundle", bundle, "--name", "shipped"});
    INFO(imported.err);
    REQUIRE(imported.exitCode == 0);
    CHECK_THAT(runGenra({"models", "--workspace", ws2}).out, Catch::Contains("shipped") && !Catch::Contains("clip"));
    const auto twice = runGenra({"model", "import-generator", "--workspace", ws2, "--bundle", bundle, "--name", "shipped"});
    CHECK(twice.exitCode == 1);
    CHECK_THAT(twice.err, Catch::Contains("--overwrite"));
    const auto notGenerator = runGenra({"model", "export", "--workspace", ws, "--name", "clip", "--out", (tmp / "x").string()});
    CHECK(notGenerator.exitCode == 1);
    CHECK_THAT(notGenerator.err, Catch::Contains("only generators export as a bundle"));

    const std::vector<std::string> generateArgs{"generate", "--workspace", ws, "--dataset", "shapes", "--split", "align",
                                                "--generator", "builtin:gen", "--per-caption", "2",
                                                "--captions-per-image", "1", "--steps", "3", "--seed", "5"};
    const auto generated = runGenra(generateArgs);
    INFO(generated.err);
    REQUIRE(generated.exitCode == 0);
    // 12 images: 6 pretrain, 4 align (0.5/0.3/0.2 largest remainder), 2 test.
    CHECK_THAT(generated.out, Catch::Contains("4 captions: 8 images made"));
    CHECK(countPngs(fs::path(ws) / "images" / "generated") == 8);
    const auto rerun = runGenra(generateArgs);
    REQUIRE(rerun.exitCode == 0);
    CHECK_THAT(rerun.out, Catch::Contains("0 images made, 8 already there"));
    const auto datasets = runGenra({"datasets", "--workspace", ws, "--json"});
    CHECK_THAT(datasets.out, Catch::Contains("builtin:gen"));

    // Generator training and the generate job that made images are runs with kind and status; the
    // rerun that made nothing is none.
    auto runs = runsByName(ws);
    REQUIRE(runs.count("gen"));
    CHECK(runs["gen"]["kind"] == "generator");
    CHECK(runs["gen"]["status"] == "finished");
    CHECK(runs["gen"]["step"] == 4);
    REQUIRE(runs.count("generate-gen-shapes-align-1"));
    const auto generateRun = runs["generate-gen-shapes-align-1"];
    CHECK(generateRun["kind"] == "generate");
    CHECK(generateRun["status"] == "finished");
    CHECK(generateRun["step"] == 8);
    CHECK(generateRun["total_steps"] == 8);
    CHECK(generateRun["last_metrics"].contains("images_per_s"));
    CHECK_FALSE(runs.count("generate-gen-shapes-align-2"));
    const auto table = runGenra({"runs", "--workspace", ws});
    CHECK_THAT(table.out, Catch::Contains("KIND") && Catch::Contains("generate-gen-shapes-align-1") &&
                              Catch::Contains("generator") && Catch::Contains("8/8"));

    // Caption adherence of those images beside their real images (which follow their captions).
    const auto adherence = runGenra({"shapes-adherence", "--workspace", ws, "--dataset", "shapes", "--generator",
                                     "builtin:gen", "--json"});
    INFO(adherence.err);
    REQUIRE(adherence.exitCode == 0);
    const auto measured = nlohmann::json::parse(adherence.out);
    CHECK(measured["generated"]["images"] == 8);
    CHECK(measured["real"]["images"] == 4);
    CHECK(measured["real"]["color"].get<double>() == 1.0);
    // A few training steps leave the samples noisier than the real renders.
    CHECK(measured["fine_detail_rms"]["generated"].get<double>() > measured["fine_detail_rms"]["real"].get<double>());
    const auto printed = runGenra({"shapes-adherence", "--workspace", ws, "--dataset", "shapes", "--generator", "builtin:gen"});
    CHECK_THAT(printed.out, Catch::Contains("fine detail (RMS difference from a 3x3 blur, grey levels): generated "));
    CHECK(runGenra({"shapes-adherence", "--workspace", ws, "--dataset", "shapes", "--generator", "builtin:none"}).exitCode == 1);

    SECTION("an external generator script, its command split without a shell") {
        const auto script = fs::path(GENRA_TEST_SOURCE_DIR) / "tests" / "data" / "generators" / "answer.py";
        const auto external = runGenra({"generate", "--workspace", ws, "--dataset", "shapes", "--split", "test",
                                        "--generator", "external:answer", "--generator-command",
                                        "python3 '" + script.string() + "'", "--per-caption", "1", "--width", "8",
                                        "--height", "8", "--captions-per-image", "2"});
        INFO(external.err);
        REQUIRE(external.exitCode == 0);
        CHECK_THAT(external.out, Catch::Contains("4 captions: 4 images made"));
        const auto garbage = fs::path(GENRA_TEST_SOURCE_DIR) / "tests" / "data" / "generators" / "garbage.py";
        const auto bad = runGenra({"generate", "--workspace", ws, "--dataset", "shapes", "--split", "pretrain",
                                   "--generator", "external:garbage", "--generator-command", "python3 " + garbage.string(),
                                   "--per-caption", "1"});
        CHECK(bad.exitCode == 1);
        CHECK_THAT(bad.err, Catch::Contains("answered garbage") && Catch::Contains("about to misbehave"));
        auto after = runsByName(ws);
        CHECK(after["generate-answer-shapes-test-1"]["status"] == "finished");
        REQUIRE(after.count("generate-garbage-shapes-pretrain-1"));
        CHECK(after["generate-garbage-shapes-pretrain-1"]["kind"] == "generate");
        CHECK(after["generate-garbage-shapes-pretrain-1"]["status"] == "failed");
        CHECK_THAT(after["generate-garbage-shapes-pretrain-1"]["error"].get<std::string>(), Catch::Contains("garbage"));
    }
    SECTION("usage errors exit 2; bad names exit 1 and say which") {
        CHECK(runGenra({"generate", "--workspace", ws, "--dataset", "shapes", "--split", "align"}).exitCode == 2);
        CHECK(runGenra({"generate", "--workspace", ws, "--dataset", "shapes", "--split", "align", "--generator",
                        "builtin:gen", "--sampler", "euler"})
                  .exitCode == 2);
        const auto noDataset = runGenra({"generate", "--workspace", ws, "--dataset", "nope", "--split", "align",
                                         "--generator", "builtin:gen"});
        CHECK(noDataset.exitCode == 1);
        CHECK_THAT(noDataset.err, Catch::Contains("nope"));
        const auto noModel = runGenra({"generate", "--workspace", ws, "--dataset", "shapes", "--split", "align",
                                       "--generator", "builtin:missing"});
        CHECK(noModel.exitCode == 1);
        CHECK_THAT(noModel.err, Catch::Contains("missing"));
        const auto badKind = runGenra({"generate", "--workspace", ws, "--dataset", "shapes", "--split", "align",
                                       "--generator", "dalle:x"});
        CHECK(badKind.exitCode == 1);
        CHECK_THAT(badKind.err, Catch::Contains("builtin:MODEL or external:NAME"));
    }
}

TEST_CASE("genra generate --generator builtin:shift: the control, its options and their checks", "[gen][cli][shift]") {
    test::TempDir tmp("genra-shift-cli");
    const auto shapes = tmp / "shapes";
    const auto ws = (tmp / "ws").string();
    REQUIRE(runGenra({"make-shapes", "--out", shapes.string(), "--count", "6", "--seed", "3", "--size", "32"}).exitCode == 0);
    REQUIRE(runGenra({"init", ws}).exitCode == 0);
    REQUIRE(runGenra({"import", "karpathy", "--workspace", ws, "--json", (shapes / "dataset_shapes.json").string(), "--images",
                      shapes.string(), "--name", "shapes"})
                .exitCode == 0);
    const std::vector<std::string> base{"generate", "--workspace", ws, "--dataset", "shapes", "--split", "pretrain",
                                        "--generator", "builtin:shift", "--per-caption", "2", "--captions-per-image", "1"};
    auto with = [&](std::vector<std::string> extra) {
        auto args = base;
        args.insert(args.end(), extra.begin(), extra.end());
        return runGenra(args);
    };

    const auto bad = with({"--shift-contrast", "0"});
    CHECK(bad.exitCode != 0);
    CHECK_THAT(bad.err, Catch::Contains("--shift-contrast"));
    const auto badBlur = with({"--shift-blur", "-1"});
    CHECK(badBlur.exitCode != 0);
    CHECK_THAT(badBlur.err, Catch::Contains("--shift-blur"));
    const auto badNoise = with({"--shift-noise", "-2"});
    CHECK(badNoise.exitCode != 0);
    CHECK_THAT(badNoise.err, Catch::Contains("--shift-noise"));
    CHECK(countPngs(fs::path(ws) / "images" / "generated") == 0);

    const auto made = with({"--shift-hue", "90", "--shift-noise", "3"});
    INFO(made.err);
    REQUIRE(made.exitCode == 0);
    // 6 images: 3 pretrain (0.5/0.3/0.2 largest remainder), 2 align, 1 test.
    CHECK_THAT(made.out, Catch::Contains("3 captions: 6 images made"));
    CHECK(countPngs(fs::path(ws) / "images" / "generated") == 6);
    const auto rerun = with({"--shift-hue", "90", "--shift-noise", "3"});
    REQUIRE(rerun.exitCode == 0);
    CHECK_THAT(rerun.out, Catch::Contains("0 images made, 6 already there"));
    auto runs = runsByName(ws);
    REQUIRE(runs.count("generate-shift-shapes-pretrain-1"));
    CHECK(runs["generate-shift-shapes-pretrain-1"]["status"] == "finished");

    const auto help = runGenra({"generate", "--help"});
    CHECK_THAT(help.out, Catch::Contains("--shift-hue") && Catch::Contains("--shift-contrast") &&
                             Catch::Contains("--shift-blur") && Catch::Contains("--shift-noise") &&
                             Catch::Contains("builtin:shift"));

    const auto reserved = runGenra({"train-generator", "--workspace", ws, "--dataset", "shapes", "--text-model", "clip",
                                    "--name", "shift"});
    CHECK(reserved.exitCode == 1);
    CHECK_THAT(reserved.err, Catch::Contains("reserved"));
}
