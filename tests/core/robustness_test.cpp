// Hostile names and concurrent use (issue 22): names that would become paths outside the
// workspace or collide with a training run's folder, a run named after its own base model,
// replacing a model without being asked to, and two processes resuming one run at once.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <csignal>
#include <sys/wait.h>
#include <unistd.h>

#include "core/gen/builtin_generator.h"
#include "core/gen/external.h"
#include "core/model/clip.h"
#include "core/model/model_store.h"
#include "core/store/workspace.h"
#include "core/store/runs.h"
#include "core/store/raw_db.h"
#include "core/train/generator_training.h"
#include "core/util/error.h"
#include "core/util/json_limits.h"
#include "core/util/names.h"
#include "support/test_support.h"
#include "support/test_context.h"

using namespace genra;
using Catch::Contains;
namespace fs = std::filesystem;

namespace {

template <typename F>
std::string errorOf(F&& fn) {
    try {
        fn();
    } catch (const Error& e) {
        return e.what();
    }
    FAIL("no genra::Error was thrown");
    return {};
}

std::int64_t countRows(store::Workspace& ws, const std::string& table) {
    auto s = rawDb(ws).prepare("SELECT COUNT(*) FROM " + table);
    REQUIRE(s.step());
    return s.columnInt(0);
}

bool integrityOk(store::Workspace& ws) {
    auto s = rawDb(ws).prepare("PRAGMA integrity_check");
    return s.step() && s.columnText(0) == "ok";
}

// The workspace model "base": a tiny random CLIP in the project's format.
model::ModelRecord addBase(store::Workspace& ws, const std::string& name = "base") {
    torch::manual_seed(3);
    return model::saveClipModel(ws, name, model::ClipModel(model::clipPreset("tiny")), "");
}

// Status, pid and heartbeat of a run, as stored.
struct StoredRun {
    std::string status;
    std::optional<std::int64_t> pid;
    std::string heartbeat;
};

StoredRun storedRun(store::Workspace& ws, std::int64_t id) {
    auto s = rawDb(ws).prepare("SELECT status, pid, COALESCE(heartbeat_at, '') FROM runs WHERE id = ?");
    s.bind(1, id);
    REQUIRE(s.step());
    return {s.columnText(0), s.columnOptionalInt(1), s.columnText(2)};
}

// A pid no process has: a child that has exited and been reaped.
std::int64_t deadPid() {
    const pid_t child = fork();
    if (child == 0) _exit(0);
    int status = 0;
    waitpid(child, &status, 0);
    return child;
}

}  // namespace

TEST_CASE("names that would become paths are checked in one place", "[robustness]") {
    for (const std::string& good : std::vector<std::string>{"clip", "shapes-clip", "GenRA_v1.2", "run-", "run-x", "a", std::string(128, 'n')}) {
        INFO(good);
        CHECK_NOTHROW(util::validateName(good, "model"));
    }
    CHECK_THAT(errorOf([] { util::validateName("../../escaped", "model"); }),
               Contains("\"../../escaped\"") && Contains("'/'"));
    CHECK_THAT(errorOf([] { util::validateName("/abs/path", "run"); }), Contains("invalid run name \"/abs/path\""));
    CHECK_THAT(errorOf([] { util::validateName("a\\b", "model"); }), Contains("may not contain"));
    CHECK_THAT(errorOf([] { util::validateName(".hidden", "model"); }), Contains("start with '.'"));
    CHECK_THAT(errorOf([] { util::validateName("..", "model"); }), Contains("start with '.'"));
    CHECK_THAT(errorOf([] { util::validateName("", "model"); }), Contains("empty"));
    CHECK_THAT(errorOf([] { util::validateName(std::string(129, 'n'), "model"); }), Contains("128"));
    CHECK_THAT(errorOf([] { util::validateName("two words", "model"); }), Contains("letters, digits"));
    CHECK_THAT(errorOf([] { util::validateName("caf\xc3\xa9", "model"); }), Contains("caf\\xc3\\xa9"));
    CHECK_THAT(errorOf([] { util::validateName("run-34", "generator"); }),
               Contains("invalid generator name \"run-34\"") && Contains("training run"));
}

TEST_CASE("models, runs and generators refuse names outside the workspace or on a run's folder", "[robustness]") {
    test::TempDir tmp;
    const fs::path wsDir = tmp / "deep" / "ws";
    auto ws = store::Workspace::create(wsDir);
    const auto base = addBase(ws);
    const auto clip = model::ClipModel(model::clipPreset("tiny"));

    for (const std::string& bad : std::vector<std::string>{"../../escaped", (tmp / "abs" / "path").string(), "run-34", ".hidden"}) {
        INFO(bad);
        CHECK_THAT(errorOf([&] { model::saveClipModel(ws, bad, clip, ""); }), Contains("invalid model name"));
        model::ModelRecord record = base;
        record.name = bad;
        CHECK_THAT(errorOf([&] { model::registerModel(ws, record); }), Contains("invalid model name"));
        CHECK_THAT(errorOf([&] { model::upsertModel(ws, record); }), Contains("invalid model name"));
        CHECK_THAT(errorOf([&] { store::createRun(ws, bad, "genra", nlohmann::json::object(), "cpu", 1); }),
                   Contains("invalid run name"));
    }
    CHECK_FALSE(fs::exists(tmp / "escaped"));
    CHECK_FALSE(fs::exists(tmp / "abs"));
    CHECK_FALSE(fs::exists(ws.checkpointsDir() / "run-34"));
    CHECK_FALSE(fs::exists(ws.checkpointsDir() / ".hidden"));

    SECTION("a generator named run-34 is refused before its folder or run exist") {
        // Training run 34 keeps its checkpoints in checkpoints/run-34/; a generator keeps its in
        // checkpoints/<name>/.
        fs::create_directories(ws.checkpointsDir() / "run-34");
        test::writeFile(ws.checkpointsDir() / "run-34" / "last.pt", "run 34's checkpoint");
        gen::GeneratorTrainOptions options;
        options.name = "run-34";
        options.dataset = "none";
        options.textModel = "base";
        train::TrainGeneratorJob job(wsDir, options);
        test::TestContext context;
        CHECK_THAT(errorOf([&] { job.run(context); }), Contains("invalid generator name \"run-34\""));
        CHECK(test::readFile(ws.checkpointsDir() / "run-34" / "last.pt") == "run 34's checkpoint");
    }
    SECTION("generation runs, named from dataset and split names, are labels only and not checked") {
        CHECK_NOTHROW(store::createRun(ws, "generate-x-my data-test-1", "generate", nlohmann::json::object(), "cpu", 1,
                                       store::RunNameUse::LabelOnly));
    }
    // Nothing stored is lost.
    REQUIRE(model::listModels(ws).size() == 1);
    CHECK(model::listModels(ws)[0].path == base.path);
    CHECK(fs::is_regular_file(wsDir / base.path));
    CHECK(integrityOk(ws));
}

TEST_CASE("a run named after its base model, or after any model, is refused before it exists", "[robustness]") {
    // `genra train --name X` with X the recipe's base_model turned the base model into a LoRA model
    // whose base was itself (issue 22, item 9).
    test::TempDir tmp;
    auto ws = store::Workspace::create(tmp / "ws");
    const auto base = addBase(ws);
    const nlohmann::json recipe = {{"method", "genra"}, {"dataset", "shapes"}, {"base_model", "base"}};
    CHECK_THAT(errorOf([&] { store::createRun(ws, "base", "genra", recipe, "cpu", 10); }),
               Contains("\"base\"") && Contains("base_model"));
    addBase(ws, "other");
    CHECK_THAT(errorOf([&] { store::createRun(ws, "other", "genra", recipe, "cpu", 10); }),
               Contains("already has a clip model named \"other\""));
    CHECK(countRows(ws, "runs") == 0);

    SECTION("the model store refuses a model that would be its own base") {
        model::ModelRecord lora;
        lora.name = "base";
        lora.kind = model::kModelKindLora;
        lora.path = "checkpoints/run-1/adapters.safetensors";
        lora.baseModelId = base.id;
        CHECK_THAT(errorOf([&] { model::upsertModel(ws, lora); }), Contains("its own base"));
    }
    const auto stored = model::requireModel(ws, "base");
    CHECK(stored.kind == model::kModelKindClip);
    CHECK(stored.path == base.path);
    CHECK_FALSE(stored.baseModelId.has_value());
    CHECK(integrityOk(ws));
}

TEST_CASE("importing weights under a taken model name needs overwrite", "[robustness]") {
    test::TempDir tmp;
    auto ws = store::Workspace::create(tmp / "ws");
    const auto base = addBase(ws);
    const fs::path baseFile = ws.dir() / base.path;
    const std::string before = test::readFile(baseFile);
    // Other weights to import: a second tiny CLIP saved outside the workspace's models.
    torch::manual_seed(99);
    auto other = store::Workspace::create(tmp / "other");
    const auto source = model::saveClipModel(other, "source", model::ClipModel(model::clipPreset("tiny")), "");
    const fs::path weights = other.dir() / source.path;

    CHECK_THAT(errorOf([&] { model::importClipModel(ws, "base", weights, "", false); }),
               Contains("already has a clip model named \"base\"") && Contains("--overwrite"));
    CHECK(test::readFile(baseFile) == before);
    CHECK(model::requireModel(ws, "base").config == base.config);
    CHECK_THAT(errorOf([&] { model::importClipModel(ws, "../escaped", weights, "", false); }),
               Contains("invalid model name \"../escaped\""));
    CHECK_FALSE(fs::exists(tmp / "escaped"));

    const auto copy = model::importClipModel(ws, "copy", weights, "", false);
    CHECK(copy.name == "copy");
    const auto replaced = model::importClipModel(ws, "base", weights, "", true);
    CHECK(replaced.id == base.id);
    CHECK(test::readFile(baseFile) != before);
    CHECK(model::listModels(ws).size() == 2);
    CHECK(integrityOk(ws));
}

TEST_CASE("claiming a run is atomic: a live owner keeps it, a dead one loses it", "[robustness]") {
    test::TempDir tmp;
    const fs::path wsDir = tmp / "ws";
    std::int64_t runId = 0;
    {
        auto ws = store::Workspace::create(wsDir);
        runId = store::createRun(ws, "train-1", "genra", nlohmann::json::object(), "cpu", 100);
        store::heartbeat(ws, runId, 40);
    }

    SECTION("a run held by a live process on this host is refused, naming the process") {
        auto ws = store::Workspace::open(wsDir);
        // pid 1 is always alive; the run is recorded as running under it.
        auto s = rawDb(ws).prepare("UPDATE runs SET pid = 1 WHERE id = ?");
        s.bind(1, runId);
        s.run();
        const auto before = storedRun(ws, runId);
        CHECK_THAT(errorOf([&] { store::claimRun(ws, runId); }),
                   Contains("\"train-1\"") && Contains("held by process 1"));
        const auto after = storedRun(ws, runId);
        CHECK(after.pid == before.pid);
        CHECK(after.heartbeat == before.heartbeat);
        CHECK(after.status == "running");
    }
    SECTION("a run whose process died is taken over") {
        auto ws = store::Workspace::open(wsDir);
        auto s = rawDb(ws).prepare("UPDATE runs SET pid = ? WHERE id = ?");
        s.bind(1, deadPid()).bind(2, runId);
        s.run();
        CHECK(store::requireRun(ws, "train-1").status == "interrupted");
        store::claimRun(ws, runId);
        CHECK(storedRun(ws, runId).pid == static_cast<std::int64_t>(getpid()));
        CHECK(store::requireRun(ws, "train-1").status == "running");
        CHECK(store::requireRun(ws, "train-1").step == 40);
    }
    SECTION("of several processes resuming one interrupted run at once, exactly one claims it") {
        {
            auto ws = store::Workspace::open(wsDir);
            auto s = rawDb(ws).prepare("UPDATE runs SET pid = ? WHERE id = ?");
            s.bind(1, deadPid()).bind(2, runId);
            s.run();
        }  // closed before forking: an SQLite connection must not cross fork()
        constexpr int kClaimers = 6;
        int go[2];
        int results[2];
        int release[2];
        REQUIRE(pipe(go) == 0);
        REQUIRE(pipe(results) == 0);
        REQUIRE(pipe(release) == 0);
        std::vector<pid_t> children;
        for (int i = 0; i < kClaimers; ++i) {
            const pid_t child = fork();
            REQUIRE(child >= 0);
            if (child == 0) {
                char byte = 0;
                close(go[1]);
                close(release[1]);
                char outcome = 'E';
                try {
                    auto ws = store::Workspace::open(wsDir);
                    (void)read(go[0], &byte, 1);  // every claimer starts together
                    try {
                        store::claimRun(ws, runId);
                        outcome = 'W';
                    } catch (const Error& e) {
                        outcome = std::string(e.what()).find("held by process") != std::string::npos ? 'L' : 'E';
                    }
                } catch (...) {
                }
                (void)!write(results[1], &outcome, 1);
                // The winner stays alive until every claimer has answered, as a training process would.
                (void)read(release[0], &byte, 1);
                _exit(0);
            }
            children.push_back(child);
        }
        close(go[0]);
        close(go[1]);  // EOF: all claimers go
        std::string outcomes;
        for (int i = 0; i < kClaimers; ++i) {
            char c = '?';
            REQUIRE(read(results[0], &c, 1) == 1);
            outcomes += c;
        }
        close(release[1]);
        for (const pid_t child : children) waitpid(child, nullptr, 0);
        close(results[0]);
        close(results[1]);
        close(release[0]);
        INFO("outcomes: " << outcomes);
        CHECK(std::count(outcomes.begin(), outcomes.end(), 'W') == 1);
        CHECK(std::count(outcomes.begin(), outcomes.end(), 'L') == kClaimers - 1);
        auto ws = store::Workspace::open(wsDir);
        const auto owner = storedRun(ws, runId).pid;
        REQUIRE(owner.has_value());
        CHECK(std::find(children.begin(), children.end(), static_cast<pid_t>(*owner)) != children.end());
        CHECK(integrityOk(ws));
    }
}

TEST_CASE("the shared JSON depth check counts only structure", "[robustness]") {
    CHECK_NOTHROW(util::checkJsonDepth("[[[]]]", "x.json", 3));
    CHECK_THAT(errorOf([] { util::checkJsonDepth("[[[[]]]]", "x.json", 3); }),
               Contains("x.json: byte 4") && Contains("nested deeper than 3 levels"));
    CHECK_NOTHROW(util::checkJsonDepth(R"({"a": "[[[[\"{{{{", "b": [[]]})", "x.json", 3));
    CHECK(util::jsonMaxDepth() == util::kDefaultJsonMaxDepth);
    const std::string deep = std::string(300000, '[') + std::string(300000, ']');
    CHECK_THAT(errorOf([&] { util::parseUntrustedJson(deep, "reply"); }), Contains("reply") && Contains("256"));
}

TEST_CASE("an external generator's reply or config nested 300,000 levels deep is refused", "[robustness]") {
    // Its "error" value used to be dump()ed into the message, recursing once per level (item 3).
    test::TempDir tmp;
    gen::ExternalGeneratorConfig config;
    config.name = "deep";
    config.timeoutSeconds = 30;
    config.command = {"/bin/sh", "-c",
                      "read line; printf '{\"caption_id\": 7, \"error\": '; "
                      "head -c 300000 /dev/zero | tr '\\0' '['; head -c 300000 /dev/zero | tr '\\0' ']'; "
                      "printf '}\\n'; sleep 5"};
    gen::ExternalGenerator generator(config);
    gen::ExternalRequest request;
    request.captionId = 7;
    request.caption = "a red square";
    request.seeds = {1};
    request.outDir = tmp / "out";
    fs::create_directories(request.outDir);
    const std::string message = errorOf([&] { generator.generate(request); });
    CHECK_THAT(message, Contains("external generator \"deep\" reply") && Contains("nested deeper than 256 levels"));
    CHECK_FALSE(generator.running());

    SECTION("generators.json") {
        const fs::path file = tmp / "generators.json";
        test::writeFile(file, "{\"g\": {\"command\": [\"true\"], \"extra\": " + std::string(300000, '[') +
                                  std::string(300000, ']') + "}}");
        CHECK_THAT(errorOf([&] { gen::readGeneratorConfigs(file); }),
                   Contains(file.string()) && Contains("nested deeper than 256 levels"));
    }
}
