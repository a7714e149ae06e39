// Hostile files and careless names through the real binary (issue 22): exit status 1 with a
// message naming the file or name, never a crash, and the workspace unchanged.
#include <caffe2/serialize/inline_container.h>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "core/model/clip.h"
#include "core/model/model_store.h"
#include "core/store/workspace.h"
#include "core/store/raw_db.h"
#include "support/eval_world.h"
#include "support/test_support.h"

using namespace genra;
using Catch::Contains;
namespace fs = std::filesystem;

namespace {

using test::runGenra;  // support/eval_world.h

std::int64_t countRuns(const fs::path& ws) {
    auto w = store::Workspace::open(ws, store::Db::Mode::ReadOnly);
    auto s = rawDb(w).prepare("SELECT COUNT(*) FROM runs");
    REQUIRE(s.step());
    return s.columnInt(0);
}

bool integrityOk(const fs::path& ws) {
    auto w = store::Workspace::open(ws, store::Db::Mode::ReadOnly);
    auto s = rawDb(w).prepare("PRAGMA integrity_check");
    return s.step() && s.columnText(0) == "ok";
}

// A workspace with the tiny CLIP model "base"; returns its weights file.
fs::path workspaceWithBase(const fs::path& ws, const std::string& name = "base", std::uint64_t seed = 3) {
    auto w = store::Workspace::exists(ws) ? store::Workspace::open(ws) : store::Workspace::create(ws);
    torch::manual_seed(seed);
    const auto record = model::saveClipModel(w, name, model::ClipModel(model::clipPreset("tiny")), "");
    return w.dir() / record.path;
}

}  // namespace

TEST_CASE("genra model import replaces a model only with --overwrite, and refuses names that are paths",
          "[cli][robustness]") {
    test::TempDir tmp;
    const fs::path ws = tmp / "ws";
    const fs::path baseFile = workspaceWithBase(ws);
    const std::string before = test::readFile(baseFile);
    const fs::path weights = workspaceWithBase(tmp / "elsewhere", "source", 99);

    auto refused = runGenra({"model", "import", "-w", ws.string(), "--weights", weights.string(), "--name", "base"});
    CHECK(refused.exitCode == 1);
    CHECK_THAT(refused.err, Contains("model named \"base\"") && Contains("--overwrite"));
    CHECK(test::readFile(baseFile) == before);

    for (const std::string& bad : std::vector<std::string>{"../../escaped", (tmp / "abs" / "path").string(), "run-1"}) {
        auto r = runGenra({"model", "import", "-w", ws.string(), "--weights", weights.string(), "--name", bad});
        INFO(bad << ": " << r.err);
        CHECK(r.exitCode == 1);
        CHECK_THAT(r.err, Contains("invalid model name"));
    }
    CHECK_FALSE(fs::exists(tmp / "escaped"));
    CHECK_FALSE(fs::exists(tmp / "abs"));

    auto replaced = runGenra({"model", "import", "-w", ws.string(), "--weights", weights.string(), "--name", "base",
                           "--overwrite"});
    INFO(replaced.err);
    CHECK(replaced.exitCode == 0);
    CHECK(test::readFile(baseFile) != before);
    {
        auto w = store::Workspace::open(ws, store::Db::Mode::ReadOnly);
        CHECK(model::listModels(w).size() == 1);
    }
    CHECK(integrityOk(ws));
}

TEST_CASE("hostile checkpoints and recipes end in exit status 1 naming the file", "[cli][robustness]") {
    test::TempDir tmp;
    const fs::path ws = tmp / "ws";
    const fs::path baseFile = workspaceWithBase(ws);
    const std::string before = test::readFile(baseFile);

    SECTION("a torch.save file of 2 million nested tuples") {
        std::vector<std::uint8_t> pickle{0x80, 2, ')'};
        pickle.insert(pickle.end(), 2000000, 0x85);
        pickle.push_back('.');
        const fs::path file = tmp / "tuples.pt";
        {
            caffe2::serialize::PyTorchStreamWriter writer(file.string());
            writer.writeRecord("data.pkl", pickle.data(), pickle.size());
            writer.writeEndOfFile();
        }
        auto r = runGenra({"model", "import", "-w", ws.string(), "--weights", file.string(), "--name", "evil"});
        CHECK(r.exitCode == 1);
        CHECK_THAT(r.err, Contains(file.string()) && Contains("nested deeper than 1000 levels"));
    }
    SECTION("a recipe whose method is nested 300,000 levels deep") {
        const fs::path recipe = tmp / "deep_recipe.json";
        test::writeFile(recipe, "{\"method\": " + std::string(300000, '[') + std::string(300000, ']') +
                                    ", \"dataset\": \"shapes\", \"base_model\": \"base\"}");
        auto r = runGenra({"train", "-w", ws.string(), "--recipe", recipe.string(), "--name", "x"});
        CHECK(r.exitCode == 1);
        CHECK_THAT(r.err, Contains(recipe.string()) && Contains("nested deeper than 256 levels"));
        auto c = runGenra({"caption", "train", "-w", ws.string(), "--recipe", recipe.string()});
        CHECK(c.exitCode == 1);
        CHECK_THAT(c.err, Contains(recipe.string()) && Contains("nested deeper than 256 levels"));
    }
    CHECK(test::readFile(baseFile) == before);
    CHECK(countRuns(ws) == 0);
    CHECK(integrityOk(ws));
}

TEST_CASE("genra train --name BASE, where BASE is the recipe's base_model, is refused before a run exists",
          "[cli][robustness]") {
    test::EvalWorld world;
    const fs::path recipe = world.tmp / "recipe.json";
    test::writeFile(recipe, nlohmann::json{{"method", "genra"},
                                           {"dataset", "shapes"},
                                           {"base_model", "base"},
                                           {"steps", 1},
                                           {"batch_size", 4},
                                           {"workers", 1},
                                           {"device", "cpu"}}
                                .dump());
    std::string before;
    model::ModelRecord base;
    {
        auto w = store::Workspace::open(world.ws, store::Db::Mode::ReadOnly);
        base = model::requireModel(w, "base");
        before = test::readFile(w.dir() / base.path);
    }
    auto r = runGenra({"train", "-w", world.ws.string(), "--recipe", recipe.string(), "--name", "base"});
    INFO(r.err);
    CHECK(r.exitCode == 1);
    CHECK_THAT(r.err, Contains("\"base\"") && Contains("base_model"));
    CHECK(countRuns(world.ws) == 0);
    {
        auto w = store::Workspace::open(world.ws, store::Db::Mode::ReadOnly);
        const auto after = model::requireModel(w, "base");
        CHECK(after.kind == model::kModelKindClip);
        CHECK(after.path == base.path);
        CHECK_FALSE(after.baseModelId.has_value());
        CHECK(test::readFile(w.dir() / after.path) == before);
    }
    CHECK(integrityOk(world.ws));
}

TEST_CASE("numeric options out of range exit 2 with a short message naming the option", "[cli][robustness]") {
    test::TempDir tmp;
    const std::string points = (tmp / "points.npy").string();  // exists: the range check is what fails
    test::writeFile(points, "not read");
    const std::string map = (tmp / "map.npy").string();
    const auto zero = runGenra({"tsne", "--in", points, "--out", map, "--perplexity", "0"});
    CHECK(zero.exitCode == 2);
    CHECK_THAT(zero.err, Contains("--perplexity: must be above 0, got 0"));
    const auto word = runGenra({"tsne", "--in", points, "--out", map, "--iterations", "many"});
    CHECK(word.exitCode == 2);
    CHECK_THAT(word.err, Contains("--iterations: not a number: many"));
    const auto negative = runGenra({"--threads", "-1", "init", "-w", "unused"});
    CHECK(negative.exitCode == 2);
    CHECK_THAT(negative.err, Contains("--threads: must be 0 or more, got -1"));
    // CLI11's own checks printed their range up to DBL_MAX.
    for (const auto* r : {&zero, &word, &negative}) CHECK_THAT(r->err, !Contains("179769313486"));
    CHECK_FALSE(fs::exists(map));
}
