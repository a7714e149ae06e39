// The streaming workspace embedder (core/model/embed.h): batched commits, a cancelled run keeping
// what it computed and a resumed one ending on the uninterrupted run's vectors, progress, and
// --shard's partition of the items. Also the shard arithmetic itself (core/util/shard.h).
#include "core/model/embed.h"
#include "core/store/workspace.h"
#include "core/store/raw_db.h"
#include "core/util/error.h"
#include "core/util/shard.h"
#include "support/shard_workspace.h"
#include "support/test_context.h"
#include "support/test_support.h"

#include <catch2/catch.hpp>

#include <map>
#include <set>

using namespace genra;
namespace fs = std::filesystem;

namespace {

std::map<std::int64_t, std::vector<std::uint8_t>> storedImageVectors(const fs::path& dir) {
    auto ws = store::Workspace::open(dir, store::Db::Mode::ReadOnly);
    auto s = rawDb(ws).prepare("SELECT item_id, vector FROM embeddings WHERE item_kind = 'image' ORDER BY item_id");
    std::map<std::int64_t, std::vector<std::uint8_t>> out;
    while (s.step()) out[s.columnInt(0)] = s.columnBlob(1);
    return out;
}

model::EmbedWorkspaceOptions imageOptions(const fs::path& ws) {
    model::EmbedWorkspaceOptions options;
    options.workspace = ws;
    options.model = "tiny";
    options.dataset = "shapes";
    options.captions = false;
    options.device = "cpu";
    options.batchSize = 4;
    options.workers = 2;
    options.prefetchBatches = 2;
    options.commitRows = 8;         // two batches a transaction
    options.commitSeconds = 1e9;    // never by time, so the count of commits is known
    return options;
}

}  // namespace

TEST_CASE("shards: K/N parsing and a partition of the ids", "[shard]") {
    CHECK(parseShard("2/3").index == 2);
    CHECK(parseShard("2/3").count == 3);
    CHECK(parseShard("1/1").all());
    for (const std::string bad : {"0/3", "4/3", "x", "1/0", "3", "/3", "1/", "-1/3", "1/3/3", " 1/3", "1.0/3"}) {
        INFO(bad);
        try {
            parseShard(bad, "--shard");
            FAIL("accepted " << bad);
        } catch (const Error& e) {
            CHECK_THAT(e.what(), Catch::Contains("--shard") && Catch::Contains(bad));
        }
    }
    // Every id in exactly one of N shards, spread evenly even when the ids follow a pattern.
    for (const int n : {2, 3, 8}) {
        std::vector<int> sizes(static_cast<std::size_t>(n), 0);
        for (std::int64_t id = 5; id < 30000; id += 5) {
            int owners = 0;
            for (int k = 1; k <= n; ++k) owners += Shard{k, n}.contains(id) ? 1 : 0;
            REQUIRE(owners == 1);
            ++sizes[static_cast<std::size_t>(shardOfKey(id, n) - 1)];
        }
        for (const int size : sizes) CHECK(std::abs(size - 6000 / n) < 6000 / n / 10);
    }
}

TEST_CASE("embed --workspace streams in batched transactions, cancels keeping its rows, resumes, shards", "[embed][shard]") {
    test::TempDir tmp("genra-embed-stream");
    const fs::path base = test::shapesWorkspaceWithTinyClip(tmp.path(), 30, 7);
    // Every shard and the merge target start as copies of one workspace, as on a cluster.
    auto copyOf = [&](const std::string& name) { return test::copyWorkspace(base, name); };
    const fs::path whole = copyOf("whole");
    const fs::path interrupted = copyOf("interrupted");

    test::TestContext context;
    model::EmbedWorkspaceJob full(imageOptions(whole));
    REQUIRE(full.run(context));
    const auto reference = storedImageVectors(whole);
    REQUIRE(reference.size() == 30);
    CHECK(full.written() == 30);
    CHECK(full.commits() == 4);  // 30 rows, 8 a transaction
    CHECK(context.progressCalls == 8);  // one report per batch of 4
    CHECK_THAT(context.lastMessage, Catch::Contains("30/30"));

    SECTION("a cancelled run stores what it computed; a resumed one ends on the same vectors") {
        test::TestContext cancelling;
        cancelling.cancelAfterProgress = 3;  // after three batches: 12 rows, one commit of 8 and 4 pending
        model::EmbedWorkspaceJob first(imageOptions(interrupted));
        CHECK_THROWS_AS(first.run(cancelling), Cancelled);
        const auto partial = storedImageVectors(interrupted);
        CHECK(partial.size() == 12);
        for (const auto& [id, vector] : partial) CHECK(reference.at(id) == vector);
        test::TestContext resuming;
        model::EmbedWorkspaceJob second(imageOptions(interrupted));
        REQUIRE(second.run(resuming));
        CHECK(second.written() == 18);
        CHECK(storedImageVectors(interrupted) == reference);
    }
    SECTION("three shards embed every image once, the vectors of the unsharded run") {
        std::map<std::int64_t, std::vector<std::uint8_t>> together;
        std::size_t total = 0;
        for (int k = 1; k <= 3; ++k) {
            const fs::path dir = copyOf("shard" + std::to_string(k));
            auto options = imageOptions(dir);
            options.shard = Shard{k, 3};
            test::TestContext shardContext;
            model::EmbedWorkspaceJob job(options);
            REQUIRE(job.run(shardContext));
            const auto rows = storedImageVectors(dir);
            CHECK(!rows.empty());
            total += rows.size();
            for (const auto& [id, vector] : rows) {
                CHECK(Shard{k, 3}.contains(id));
                together[id] = vector;
            }
            // Run again: nothing left in this shard.
            model::EmbedWorkspaceJob again(options);
            REQUIRE(again.run(shardContext));
            CHECK(again.written() == 0);
        }
        CHECK(total == together.size());
        CHECK(together == reference);
    }
}
