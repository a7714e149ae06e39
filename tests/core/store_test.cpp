// Workspace store: schema, migrations, typed access, concurrent reader, killed writer.
#include "core/store/metric_writer.h"
#include "core/store/schema.h"
#include "core/store/workspace.h"
#include "core/store/raw_db.h"
#include "core/util/error.h"
#include "core/util/hash.h"
#include "support/test_support.h"

#include <catch2/catch.hpp>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <fcntl.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace genra;
using genra::store::Db;
using genra::store::Workspace;
namespace fs = std::filesystem;

namespace {
std::int64_t count(Db& db, const std::string& sql) {
    auto s = db.prepare(sql);
    REQUIRE(s.step());
    return s.columnInt(0);
}

std::int64_t makeRun(Workspace& ws, const std::string& name) {
    auto s = rawDb(ws).prepare("INSERT INTO runs(name, kind) VALUES(?, 'test')");
    s.bind(1, name);
    s.run();
    return rawDb(ws).lastInsertId();
}
}  // namespace

TEST_CASE("workspace layout, schema and pragmas", "[store]") {
    test::TempDir tmp;
    const auto dir = tmp / "ws";
    {
        auto ws = Workspace::create(dir);
        CHECK(fs::is_directory(dir / "images"));
        CHECK(fs::is_directory(dir / "checkpoints"));
        CHECK(fs::is_directory(dir / "exports"));
        CHECK(rawDb(ws).userVersion() == store::currentSchemaVersion());
        auto mode = rawDb(ws).prepare("PRAGMA journal_mode");
        REQUIRE(mode.step());
        CHECK(mode.columnText(0) == "wal");
        CHECK(count(rawDb(ws), "PRAGMA foreign_keys") == 1);
        for (const char* table : {"datasets", "images", "captions", "generations", "models", "runs", "metrics",
                                  "eval_results", "embeddings", "projections", "projection_points", "artifacts"}) {
            INFO(table);
            CHECK(count(rawDb(ws), std::string("SELECT COUNT(*) FROM sqlite_master WHERE type='table' AND name='") +
                                     table + "'") == 1);
        }
    }
    SECTION("reopening keeps the version and data") {
        auto ws = Workspace::open(dir);
        store::DatasetInfo info;
        info.name = "d";
        info.kind = "coco";
        ws.createDataset(info);
        auto again = Workspace::open(dir, Db::Mode::ReadOnly);
        CHECK(again.findDataset("d").has_value());
    }
    SECTION("a folder without a workspace is a clear error") {
        CHECK_THROWS_WITH(Workspace::open(tmp / "nothing"), Catch::Contains("no workspace at") &&
                                                                 Catch::Contains("nothing"));
    }
    SECTION("a workspace from a newer release is refused by name and version") {
        {
            Db db((dir / "workspace.sqlite").string());
            db.setUserVersion(store::currentSchemaVersion() + 5);
        }
        CHECK_THROWS_WITH(Workspace::open(dir), Catch::Contains("newer") &&
                                                    Catch::Contains(std::to_string(store::currentSchemaVersion() + 5)));
        CHECK_THROWS_WITH(Workspace::open(dir, Db::Mode::ReadOnly), Catch::Contains("newer"));
    }
}

TEST_CASE("migrations run forward from an empty database", "[store]") {
    test::TempDir tmp;
    Db db((tmp / "m.sqlite").string());
    CHECK(db.userVersion() == 0);
    store::migrate(db);
    CHECK(db.userVersion() == store::currentSchemaVersion());
    // Running again is a no-op, not an error (tables already exist would throw otherwise).
    store::migrate(db);
    CHECK(db.userVersion() == store::currentSchemaVersion());
}

TEST_CASE("a version-1 workspace migrates forward keeping its data", "[store]") {
    test::TempDir tmp;
    const auto path = (tmp / "old.sqlite").string();
    {
        Db db(path);
        db.exec(store::schemaMigrations()[0]);
        db.setUserVersion(1);
        db.exec("INSERT INTO runs(name, kind, status) VALUES('old run', 'genra', 'finished')");
        db.exec("INSERT INTO datasets(name, kind) VALUES('kept', 'coco')");
    }
    Db db(path);
    store::migrate(db);
    CHECK(db.userVersion() == store::currentSchemaVersion());
    auto s = db.prepare("SELECT name, status, step, host FROM runs");
    REQUIRE(s.step());
    CHECK(s.columnText(0) == "old run");
    CHECK(s.columnText(1) == "finished");
    CHECK(s.columnInt(2) == 0);
    CHECK(count(db, "SELECT COUNT(*) FROM datasets WHERE name = 'kept'") == 1);
    // Version 2 makes run names unique.
    CHECK_THROWS(db.exec("INSERT INTO runs(name, kind) VALUES('old run', 'genra')"));
}

TEST_CASE("datasets, images, captions and generations", "[store]") {
    test::TempDir tmp;
    auto ws = Workspace::create(tmp / "ws");
    store::DatasetInfo info;
    info.name = "shapes";
    info.kind = "coco";
    const auto datasetId = ws.createDataset(info);
    CHECK_THROWS_WITH(ws.createDataset(info), Catch::Contains("already has a dataset named \"shapes\""));
    CHECK_THROWS_WITH(ws.requireDataset("nope"), Catch::Contains("no dataset named \"nope\""));

    store::ImageRecord real;
    real.datasetId = datasetId;
    real.path = "/data/a.png";
    real.split = "train";
    real.width = 64;
    real.height = 48;
    const auto realId = ws.insertImage(real);
    real.path = "/data/b.png";
    real.split = "test";
    real.status = "missing";
    real.error = "file not found";
    ws.insertImage(real);
    CHECK(ws.findImage(datasetId, "/data/a.png") == realId);
    CHECK_FALSE(ws.findImage(datasetId, "/data/zzz.png").has_value());
    // The same path twice in a dataset violates the unique key.
    CHECK_THROWS(ws.insertImage(real));

    store::CaptionRecord caption;
    caption.datasetId = datasetId;
    caption.imageId = realId;
    caption.text = "a red circle";
    const auto captionId = ws.insertCaption(caption);

    store::ImageRecord gen;
    gen.datasetId = datasetId;
    gen.path = "images/gen/1.png";
    gen.modality = "generated";
    gen.split = "train";
    const auto genId = ws.insertImage(gen);
    ws.insertGeneration(genId, captionId, "builtin-ddim", 7, "{}");
    CHECK(ws.resolve(gen.path) == ws.dir() / "images/gen/1.png");
    CHECK(ws.resolve("/abs/x.png") == fs::path("/abs/x.png"));

    const auto list = ws.listDatasets();
    REQUIRE(list.size() == 1);
    CHECK(list[0].realImages == 2);
    CHECK(list[0].generatedImages == 1);
    CHECK(list[0].unreadableImages == 1);
    CHECK(list[0].captions == 1);
    CHECK(list[0].splits.at("train") == 1);
    CHECK(list[0].splits.at("test") == 1);
    CHECK(list[0].generators.at("builtin-ddim") == 1);

    SECTION("modality is constrained") {
        gen.path = "images/gen/2.png";
        gen.modality = "painted";
        CHECK_THROWS_WITH(ws.insertImage(gen), Catch::Contains("CHECK constraint"));
    }
    SECTION("deleting a dataset cascades") {
        ws.deleteDataset(datasetId);
        CHECK(count(rawDb(ws), "SELECT COUNT(*) FROM images") == 0);
        CHECK(count(rawDb(ws), "SELECT COUNT(*) FROM captions") == 0);
        CHECK(count(rawDb(ws), "SELECT COUNT(*) FROM generations") == 0);
    }
}

TEST_CASE("a failed transaction loses nothing already committed", "[store]") {
    test::TempDir tmp;
    auto ws = Workspace::create(tmp / "ws");
    store::DatasetInfo info;
    info.name = "first";
    info.kind = "csv";
    ws.createDataset(info);
    try {
        store::Transaction tx(rawDb(ws));
        info.name = "second";
        ws.createDataset(info);
        throw std::runtime_error("import failed half-way");
    } catch (const std::runtime_error&) {
    }
    CHECK(ws.findDataset("first").has_value());
    CHECK_FALSE(ws.findDataset("second").has_value());
}

TEST_CASE("metric writer batches rows off the caller's thread", "[store]") {
    test::TempDir tmp;
    auto ws = Workspace::create(tmp / "ws");
    const auto runId = makeRun(ws, "r");
    {
        store::MetricWriter writer(ws.databasePath(), 50, 256);
        std::vector<std::thread> threads;
        for (int t = 0; t < 4; ++t) {
            threads.emplace_back([&, t] {
                for (int step = 0; step < 1000; ++step) writer.append(runId, step, "m" + std::to_string(t), step * 0.5);
            });
        }
        for (auto& th : threads) th.join();
        writer.flush();
        CHECK(writer.rowsWritten() == 4000);
        CHECK(count(rawDb(ws), "SELECT COUNT(*) FROM metrics") == 4000);
        writer.append(runId, 5000, "late", 1.0);
    }  // the destructor writes the last row
    CHECK(count(rawDb(ws), "SELECT COUNT(*) FROM metrics WHERE name = 'late'") == 1);
    auto s = rawDb(ws).prepare("SELECT value FROM metrics WHERE run_id = ? AND name = 'm2' AND step = 10");
    s.bind(1, runId);
    REQUIRE(s.step());
    CHECK(s.columnDouble(0) == Approx(5.0));
}

TEST_CASE("a reader sees committed metrics while a writer is busy", "[store]") {
    test::TempDir tmp;
    auto ws = Workspace::create(tmp / "ws");
    const auto runId = makeRun(ws, "r");
    std::atomic<bool> done{false};
    std::int64_t lastSeen = 0;
    bool neverDecreased = true;
    std::thread reader([&] {
        Db db(ws.databasePath().string(), Db::Mode::ReadOnly, 2000);
        while (!done.load()) {
            const auto n = count(db, "SELECT COUNT(*) FROM metrics");
            if (n < lastSeen) neverDecreased = false;
            lastSeen = n;
        }
    });
    {
        store::MetricWriter writer(ws.databasePath(), 5, 64);
        for (int step = 0; step < 20000; ++step) writer.append(runId, step, "loss", 1.0);
        writer.flush();
    }
    done = true;
    reader.join();
    CHECK(neverDecreased);
    CHECK(count(rawDb(ws), "SELECT COUNT(*) FROM metrics") == 20000);
}

TEST_CASE("a writer killed mid-write leaves every committed row readable", "[store]") {
    test::TempDir tmp;
    auto ws = Workspace::create(tmp / "ws");
    const auto runId = makeRun(ws, "killed");
    int outPipe[2];
    REQUIRE(pipe(outPipe) == 0);
    const pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        dup2(outPipe[1], 1);
        close(outPipe[0]);
        close(outPipe[1]);
        const std::string child = GENRA_STORE_WRITER_CHILD;
        const std::string wsPath = (tmp / "ws").string();
        const std::string run = std::to_string(runId);
        execl(child.c_str(), child.c_str(), wsPath.c_str(), run.c_str(), static_cast<char*>(nullptr));
        _exit(127);
    }
    close(outPipe[1]);
    FILE* out = fdopen(outPipe[0], "r");
    long long committed = 0;
    char line[64];
    // Let it commit a good number of transactions, then kill it without warning.
    while (committed < 3000 && std::fgets(line, sizeof line, out)) committed = std::atoll(line);
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    std::fclose(out);
    REQUIRE(WIFSIGNALED(status));
    REQUIRE(committed >= 3000);

    auto reopened = Workspace::open(tmp / "ws");
    auto check = rawDb(reopened).prepare("PRAGMA integrity_check");
    REQUIRE(check.step());
    CHECK(check.columnText(0) == "ok");
    const auto rows = count(rawDb(reopened), "SELECT COUNT(*) FROM metrics WHERE run_id = " + std::to_string(runId));
    CHECK(rows >= committed);
    CHECK(rows % 100 == 0);  // whole transactions only
    CHECK(reopened.findDataset("missing") == std::nullopt);
}

TEST_CASE("sha256 matches the FIPS test vectors", "[util]") {
    CHECK(sha256Hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK(sha256Hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
          "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    std::string million(1000000, 'a');
    CHECK(sha256Hex(million) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}
