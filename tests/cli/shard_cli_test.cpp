// `genra generate/embed --shard K/N` and `genra merge` through the real binary: three shards of a
// Shapes workspace cover the unsharded run's captions once each, merging them gives the workspace
// one unsharded run gives (up to ids), merging again and re-running a shard change nothing, and bad
// --shard values exit 2 naming the flag without writing anything.
#include "core/store/workspace.h"
#include "core/store/raw_db.h"
#include "support/shard_workspace.h"
#include "support/test_support.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <map>
#include <set>

using namespace genra;
namespace fs = std::filesystem;

namespace {

// Generated images as "caption text|its real image|k|generator|seed|split|sha256", ids left out.
std::multiset<std::string> generatedFacts(const fs::path& dir) {
    auto ws = store::Workspace::open(dir, store::Db::Mode::ReadOnly);
    auto s = rawDb(ws).prepare(
        "SELECT c.text, r.path, i.source_key, g.generator, g.seed, i.split, i.sha256, c.id FROM generations g JOIN images i ON "
        "i.id = g.image_id JOIN captions c ON c.id = g.caption_id JOIN images r ON r.id = c.image_id");
    std::multiset<std::string> out;
    while (s.step()) {
        // source_key is "<caption id>/<k>": keep k only.
        const auto key = s.columnText(2);
        out.insert(s.columnText(0) + "|" + s.columnText(1) + "|" + key.substr(key.find('/') + 1) + "|" + s.columnText(3) +
                   "|" + std::to_string(s.columnInt(4)) + "|" + s.columnText(5) + "|" + s.columnText(6));
    }
    return out;
}

std::set<std::int64_t> generatedCaptionIds(const fs::path& dir) {
    auto ws = store::Workspace::open(dir, store::Db::Mode::ReadOnly);
    auto s = rawDb(ws).prepare("SELECT DISTINCT caption_id FROM generations");
    std::set<std::int64_t> out;
    while (s.step()) out.insert(s.columnInt(0));
    return out;
}

// "image path|encoder" -> the bytes of its stored vector, for every image embedding.
std::map<std::string, std::string> imageEmbeddings(const fs::path& dir) {
    auto ws = store::Workspace::open(dir, store::Db::Mode::ReadOnly);
    auto s = rawDb(ws).prepare(
        "SELECT i.path, e.encoder, e.vector FROM embeddings e JOIN images i ON i.id = e.item_id WHERE e.item_kind = 'image'");
    std::map<std::string, std::string> out;
    while (s.step()) {
        const auto blob = s.columnBlob(2);
        out[s.columnText(0) + "|" + s.columnText(1)] = std::string(blob.begin(), blob.end());
    }
    return out;
}

std::int64_t count(const fs::path& dir, const std::string& table) {
    auto ws = store::Workspace::open(dir, store::Db::Mode::ReadOnly);
    auto s = rawDb(ws).prepare("SELECT COUNT(*) FROM " + table);
    return s.step() ? s.columnInt(0) : -1;
}

test::ProcessResult generate(const fs::path& ws, const std::string& shard) {
    std::vector<std::string> args{GENRA_CLI, "generate", "-w", ws.string(), "--dataset", "shapes", "--split", "test",
                                  "--generator", "builtin:shift", "--per-caption", "2", "--captions-per-image", "2"};
    if (!shard.empty()) {
        args.push_back("--shard");
        args.push_back(shard);
    }
    return test::runProcess(args);
}

test::ProcessResult embed(const fs::path& ws, const std::string& shard) {
    std::vector<std::string> args{GENRA_CLI, "embed", "-w", ws.string(), "--model", "tiny", "--dataset", "shapes",
                                  "--items", "images", "--batch", "8"};
    if (!shard.empty()) {
        args.push_back("--shard");
        args.push_back(shard);
    }
    return test::runProcess(args);
}

}  // namespace

TEST_CASE("genra generate/embed --shard K/N and genra merge", "[cli][shard]") {
    test::TempDir tmp("genra-shard");
    const fs::path base = test::shapesWorkspaceWithTinyClip(tmp.path(), 40, 5);
    // Every shard and the merge target start as copies of one workspace, as on a cluster.
    auto copyOf = [&](const std::string& name) { return test::copyWorkspace(base, name); };
    const fs::path whole = copyOf("whole");
    const fs::path target = copyOf("target");
    std::vector<fs::path> shards;
    for (int k = 1; k <= 3; ++k) shards.push_back(copyOf("shard" + std::to_string(k)));

    auto unsharded = generate(whole, "");
    INFO(unsharded.err);
    REQUIRE(unsharded.exitCode == 0);
    const auto wholeCaptions = generatedCaptionIds(whole);
    REQUIRE(wholeCaptions.size() > 6);

    std::set<std::int64_t> seen;
    std::size_t total = 0;
    for (int k = 1; k <= 3; ++k) {
        const auto& dir = shards[static_cast<std::size_t>(k - 1)];
        auto r = generate(dir, std::to_string(k) + "/3");
        INFO(r.err);
        REQUIRE(r.exitCode == 0);
        CHECK_THAT(r.out, Catch::Contains("shard " + std::to_string(k) + "/3"));
        const auto ids = generatedCaptionIds(dir);
        CHECK(!ids.empty());  // 3 shards of a dozen captions: none is empty for this seed
        total += ids.size();
        seen.insert(ids.begin(), ids.end());
    }
    CHECK(total == seen.size());  // no caption in two shards
    CHECK(seen == wholeCaptions);  // and together every caption of the unsharded run

    // A shard run again skips what it made.
    auto again = generate(shards[0], "1/3");
    REQUIRE(again.exitCode == 0);
    CHECK_THAT(again.out, Catch::Contains(": 0 images made"));

    for (int k = 1; k <= 3; ++k) REQUIRE(embed(shards[static_cast<std::size_t>(k - 1)], std::to_string(k) + "/3").exitCode == 0);
    REQUIRE(embed(whole, "").exitCode == 0);

    std::vector<std::string> mergeArgs{GENRA_CLI, "merge", "-w", target.string(), "--from"};
    for (const auto& s : shards) mergeArgs.push_back(s.string());
    auto merged = test::runProcess(mergeArgs);
    INFO(merged.err);
    REQUIRE(merged.exitCode == 0);
    CHECK(generatedFacts(target) == generatedFacts(whole));
    CHECK(imageEmbeddings(target) == imageEmbeddings(whole));
    CHECK(!imageEmbeddings(target).empty());
    {
        // Provenance: every merged image names the shard it came from.
        auto ws = store::Workspace::open(target, store::Db::Mode::ReadOnly);
        auto s = rawDb(ws).prepare("SELECT params FROM generations");
        std::set<std::string> from;
        while (s.step()) {
            const auto params = nlohmann::json::parse(s.columnText(0));
            REQUIRE(params.contains("merged_from"));
            from.insert(params["merged_from"]["workspace"].get<std::string>());
        }
        CHECK(from.size() == 3);
        auto runs = rawDb(ws).prepare("SELECT COUNT(*) FROM runs WHERE kind = 'merge' AND status = 'finished'");
        REQUIRE(runs.step());
        CHECK(runs.columnInt(0) == 1);
    }
    const auto images = count(target, "images");
    const auto embeddings = count(target, "embeddings");
    auto twice = test::runProcess(mergeArgs);
    REQUIRE(twice.exitCode == 0);
    CHECK_THAT(twice.out, Catch::Contains("merged 0 generated images") && Catch::Contains(", 0 embeddings"));
    CHECK(count(target, "images") == images);
    CHECK(count(target, "embeddings") == embeddings);
    CHECK(generatedFacts(target) == generatedFacts(whole));

    // The target itself is refused as a shard.
    auto self = test::runProcess({GENRA_CLI, "merge", "-w", target.string(), "--from", target.string()});
    CHECK(self.exitCode == 1);
    CHECK_THAT(self.err, Catch::Contains("target workspace itself"));
}

TEST_CASE("bad --shard values exit 2 naming the flag and write nothing", "[cli][shard]") {
    test::TempDir tmp("genra-shard-bad");
    const fs::path ws = test::makeShapesWorkspace(tmp.path(), 10, 5);
    const auto imagesBefore = count(ws, "images");
    for (const std::string value : {"0/3", "4/3", "x", "1/0", "2", "-1/3", "1/3/3"}) {
        INFO(value);
        for (const auto& r : {generate(ws, value), embed(ws, value)}) {
            CHECK(r.exitCode == 2);
            CHECK_THAT(r.err, Catch::Contains("--shard"));
        }
    }
    CHECK(count(ws, "images") == imagesBefore);
    CHECK(count(ws, "runs") == 0);
    CHECK(count(ws, "embeddings") == 0);
    CHECK(!fs::exists(ws / "images" / "generated"));
}
