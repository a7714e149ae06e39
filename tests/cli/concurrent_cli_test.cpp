// An import into a workspace while a training run goes in it, through the real binary (issue 22:
// the importer once held the write lock for longer than the busy timeout and killed the run at
// its next heartbeat). scripts/import-while-training measures the same with 10,000 images.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "core/store/sqlite.h"
#include "support/eval_world.h"
#include "support/test_support.h"

#include <atomic>
#include <chrono>
#include <thread>

using namespace genra;
using Catch::Contains;
namespace fs = std::filesystem;

namespace {

using test::runGenra;  // support/eval_world.h

// The first column of the first row of `sql`, read through a connection of its own.
std::int64_t count(const fs::path& ws, const std::string& sql) {
    store::Db db((ws / "workspace.sqlite").string(), store::Db::Mode::ReadOnly);
    auto s = db.prepare(sql);
    REQUIRE(s.step());
    return s.columnInt(0);
}

}  // namespace

TEST_CASE("an import of 1,500 images while a training run goes: both finish, nothing lost",
          "[cli][robustness][concurrent]") {
    test::TempDir tmp("genra-concurrent-cli");
    const auto ws = tmp / "ws";
    constexpr int kImages = 1500;
    constexpr int kSteps = 300;
    REQUIRE(runGenra({"make-shapes", "--out", (tmp / "big").string(), "--count", std::to_string(kImages), "--seed", "7",
                   "--size", "32"})
                .exitCode == 0);
    REQUIRE(runGenra({"make-shapes", "--out", (tmp / "small").string(), "--count", "32", "--seed", "3", "--size", "32"})
                .exitCode == 0);
    REQUIRE(runGenra({"init", ws.string()}).exitCode == 0);
    REQUIRE(runGenra({"import", "karpathy", "-w", ws.string(), "--json", (tmp / "small" / "dataset_shapes.json").string(),
                   "--images", (tmp / "small").string(), "--name", "small"})
                .exitCode == 0);
    const nlohmann::json recipe = {{"method", "pretrain"}, {"dataset", "small"},     {"model_config", "tiny"},
                                   {"image_size", 32},     {"steps", kSteps},        {"batch_size", 8},
                                   {"workers", 1},         {"vocab_merges", 50},     {"real_split", "pretrain"},
                                   {"checkpoint_every", 50}};
    test::writeFile(tmp / "recipe.json", recipe.dump());

    test::ProcessResult train;
    std::atomic<bool> trainDone{false};
    std::thread trainer([&] {
        train = runGenra({"--threads", "1", "train", "-w", ws.string(), "--recipe", (tmp / "recipe.json").string(),
                       "--name", "clip"});
        trainDone = true;
    });
    // The import starts once the run is training (it has written metrics).
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    while (!trainDone && std::chrono::steady_clock::now() < deadline &&
           count(ws, "SELECT COUNT(*) FROM metrics") == 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    const bool started = !trainDone;
    const auto import = runGenra({"import", "karpathy", "-w", ws.string(), "--json",
                               (tmp / "big" / "dataset_shapes.json").string(), "--images", (tmp / "big").string(),
                               "--name", "big"});
    const bool overlapped = started && !trainDone;
    trainer.join();

    INFO("train: " << train.err);
    INFO("import: " << import.err);
    CHECK(overlapped);  // otherwise the two never ran together and the rest proves nothing
    REQUIRE(import.exitCode == 0);
    REQUIRE(train.exitCode == 0);
    CHECK_THAT(train.err + import.err, !Contains("database is locked", Catch::CaseSensitive::No));
    CHECK(count(ws, "SELECT COUNT(*) FROM runs WHERE name = 'clip' AND status = 'finished'") == 1);
    CHECK(count(ws, "SELECT COUNT(DISTINCT m.step) FROM metrics m JOIN runs r ON r.id = m.run_id "
                    "WHERE r.name = 'clip' AND m.name = 'loss'") == kSteps);
    CHECK(count(ws, "SELECT MAX(m.step) FROM metrics m JOIN runs r ON r.id = m.run_id WHERE r.name = 'clip'") == kSteps);
    CHECK(count(ws, "SELECT COUNT(*) FROM images i JOIN datasets d ON d.id = i.dataset_id "
                    "WHERE d.name = 'big' AND i.status = 'ok'") == kImages);
    CHECK(count(ws, "SELECT COUNT(*) FROM captions c JOIN datasets d ON d.id = c.dataset_id WHERE d.name = 'big'") ==
          5 * kImages);
    {
        store::Db db((ws / "workspace.sqlite").string(), store::Db::Mode::ReadOnly);
        auto s = db.prepare("PRAGMA integrity_check");
        REQUIRE(s.step());
        CHECK(s.columnText(0) == "ok");
    }
}
