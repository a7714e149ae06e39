// Hostile and careless input (issue 22): imports beside a running writer, paths outside the image
// folder, FIFOs and folders named as images, captions that are not UTF-8, images whose header
// promises billions of pixels. Every hostile file is built here, small, in a temporary folder.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <thread>

#include "core/data/image.h"
#include "core/data/image_header.h"
#include "core/data/importers.h"
#include "core/store/sqlite.h"
#include "core/text/bpe_vocab_file.h"
#include "core/util/atomic_file.h"
#include "core/store/workspace.h"
#include "core/store/raw_db.h"
#include "core/util/error.h"
#include "support/test_support.h"

using namespace genra;
using genra::store::Workspace;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

// Counts progress reports; optionally sleeps in each, as a slow decoder would between batches.
class SlowContext : public jobs::JobContext {
public:
    explicit SlowContext(int sleepMs = 0) : sleepMs_(sleepMs) {}
    void progress(double fraction, const std::string&) override {
        if (fraction >= 0 && sleepMs_ > 0) std::this_thread::sleep_for(std::chrono::milliseconds(sleepMs_));
    }
    void metric(std::int64_t, const std::string&, double) override {}
    void log(jobs::LogLevel, const std::string&) override {}
    bool cancelled() const override { return false; }

private:
    int sleepMs_ = 0;
};

void writePng(const fs::path& path, int width = 3, int height = 3) {
    data::Image image;
    image.width = width;
    image.height = height;
    image.channels = 3;
    image.pixels.assign(static_cast<std::size_t>(width * height * 3), 90);
    data::saveImage(image, path);
}

// A PNG signature and IHDR chunk declaring width x height, and nothing after: enough for a header
// reader, undecodable by any decoder.
std::string pngHeader(std::uint32_t width, std::uint32_t height) {
    std::string bytes = "\x89PNG\r\n\x1a\n";
    bytes += std::string("\0\0\0\x0dIHDR", 8);
    for (const std::uint32_t v : {width, height}) {
        for (int shift = 24; shift >= 0; shift -= 8) bytes += static_cast<char>((v >> shift) & 0xFF);
    }
    bytes += std::string("\x08\x02\0\0\0", 5);
    bytes += std::string(4, '\0');  // CRC, unchecked
    return bytes;
}

std::int64_t countRows(Workspace& ws, const std::string& sql) {
    auto s = rawDb(ws).prepare(sql);
    REQUIRE(s.step());
    return s.columnInt(0);
}

std::string errorOf(jobs::Job& job) {
    SlowContext context;
    try {
        job.run(context);
    } catch (const Error& e) {
        return e.what();
    }
    return {};
}

// Sets an environment variable for one scope.
class ScopedEnv {
public:
    ScopedEnv(const char* name, const char* value) : name_(name) {
        if (const char* old = std::getenv(name)) old_ = old;
        ::setenv(name, value, 1);
    }
    ~ScopedEnv() {
        if (old_.empty()) {
            ::unsetenv(name_);
        } else {
            ::setenv(name_, old_.c_str(), 1);
        }
    }

private:
    const char* name_;
    std::string old_;
};

}  // namespace

TEST_CASE("a writer that finds the database busy retries instead of failing", "[hostile][store]") {
    test::TempDir tmp;
    const std::string path = (tmp / "db.sqlite").string();
    {
        store::Db db(path);
        db.exec("CREATE TABLE t(x INTEGER)");
    }
    store::Db holder(path);
    store::Db writer(path, store::Db::Mode::ReadWrite, /*busyTimeoutMs=*/10);
    holder.exec("BEGIN IMMEDIATE");
    std::thread release([&holder] {
        std::this_thread::sleep_for(std::chrono::milliseconds(400));
        holder.exec("COMMIT");
    });
    const auto start = Clock::now();
    // Well past the 10 ms busy timeout: a write outside a transaction, and a BEGIN IMMEDIATE.
    CHECK_NOTHROW(writer.prepare("INSERT INTO t(x) VALUES(1)").run());
    CHECK(Clock::now() - start >= std::chrono::milliseconds(300));
    release.join();
    {
        holder.exec("BEGIN IMMEDIATE");
        std::thread again([&holder] {
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
            holder.exec("COMMIT");
        });
        store::Transaction tx(writer);
        writer.exec("INSERT INTO t(x) VALUES(2)");
        tx.commit();
        again.join();
    }
    auto s = writer.prepare("SELECT COUNT(*) FROM t");
    REQUIRE(s.step());
    CHECK(s.columnInt(0) == 2);
}

TEST_CASE("an import holds the write lock only while it inserts, never while it decodes", "[hostile][import]") {
    test::TempDir tmp;
    auto ws = Workspace::create(tmp / "ws");
    rawDb(ws).exec("CREATE TABLE beside(x INTEGER)");
    const fs::path images = tmp / "images";
    nlohmann::json doc{{"images", nlohmann::json::array()}, {"annotations", nlohmann::json::array()}};
    for (int i = 0; i < 96; ++i) {
        const std::string name = "img" + std::to_string(i) + ".png";
        writePng(images / name);
        doc["images"].push_back({{"id", i}, {"file_name", name}});
        doc["annotations"].push_back({{"id", 1000 + i}, {"image_id", i}, {"caption", "caption"}});
    }
    test::writeFile(tmp / "captions_train2014.json", doc.dump());
    data::CocoImportOptions options;
    options.workspace = tmp / "ws";
    options.captionsFile = tmp / "captions_train2014.json";
    options.imageRoot = images;
    options.threads = 1;  // three batches of 32, with the default chunk of 500 images

    std::atomic<bool> importing{true};
    std::int64_t writes = 0;
    std::chrono::milliseconds longestWait{0};
    std::string writerError;
    // Like a training run's heartbeat: its own connection, committing small writes all along.
    std::thread heartbeat([&] {
        try {
            store::Db db((tmp / "ws" / "workspace.sqlite").string());
            while (importing) {
                const auto start = Clock::now();
                db.prepare("INSERT INTO beside(x) VALUES(1)").run();
                longestWait = std::max(
                    longestWait, std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start));
                ++writes;
                std::this_thread::sleep_for(std::chrono::milliseconds(20));
            }
        } catch (const std::exception& e) {
            writerError = e.what();
        }
    });
    data::CocoImportJob job(options);
    SlowContext slow(/*sleepMs=*/1000);  // each batch takes a second "to decode"
    bool ok = false;
    try {
        ok = job.run(slow);
    } catch (...) {
        importing = false;
        heartbeat.join();
        throw;
    }
    importing = false;
    heartbeat.join();
    CHECK(ok);
    CHECK(writerError.empty());
    CHECK(writes > 10);
    // The import's transactions last as long as 32 inserts, not as long as a batch's decoding.
    CHECK(longestWait < std::chrono::milliseconds(700));
    CHECK(countRows(ws, "SELECT COUNT(*) FROM images") == 96);
    CHECK(countRows(ws, "SELECT COUNT(*) FROM beside") == writes);
}

TEST_CASE("image paths that lead outside the image folder are refused unless allowed", "[hostile][import]") {
    test::TempDir tmp;
    auto ws = Workspace::create(tmp / "ws");
    const fs::path images = tmp / "images";
    writePng(images / "in.png");
    writePng(tmp / "outside.png");
    const std::string absolute = (tmp / "outside.png").string();

    SECTION("COCO file_name with ../ and an absolute path") {
        int attempt = 0;
        for (const std::string& name : {std::string("../outside.png"), absolute}) {
            const std::string stem = "coco" + std::to_string(attempt++);
            nlohmann::json doc{{"images", {{{"id", 1}, {"file_name", "in.png"}}, {{"id", 2}, {"file_name", name}}}},
                               {"annotations", nlohmann::json::array()}};
            test::writeFile(tmp / (stem + ".json"), doc.dump());
            data::CocoImportOptions options;
            options.workspace = tmp / "ws";
            options.captionsFile = tmp / (stem + ".json");
            options.imageRoot = images;
            data::CocoImportJob job(options);
            const std::string error = errorOf(job);
            CHECK_THAT(error, Catch::Contains(stem + ".json: images[1].file_name") &&
                                  Catch::Contains("outside the image folder") &&
                                  Catch::Contains("--allow-outside-root"));
            CHECK_FALSE(ws.findDataset(stem));
            options.allowOutsideRoot = true;
            data::CocoImportJob allowed(options);
            CHECK(errorOf(allowed).empty());
            CHECK(allowed.summary().imagesImported + allowed.summary().imagesSkipped == 2);
        }
        CHECK(countRows(ws, "SELECT COUNT(*) FROM images WHERE status = 'ok'") == 4);
    }
    SECTION("Karpathy filepath") {
        nlohmann::json doc{{"images",
                            {{{"split", "train"},
                              {"filepath", "../../.."},
                              {"filename", "etc/passwd"},
                              {"sentences", nlohmann::json::array()}}}}};
        test::writeFile(tmp / "k.json", doc.dump());
        data::KarpathyImportOptions options;
        options.workspace = tmp / "ws";
        options.jsonFile = tmp / "k.json";
        options.imageRoot = images;
        data::KarpathyImportJob job(options);
        CHECK_THAT(errorOf(job), Catch::Contains("k.json: images[0].filename") &&
                                     Catch::Contains("outside the image folder"));
    }
    SECTION("CSV row and generated-image manifest") {
        test::writeFile(tmp / "rows.csv", "path,caption\nin.png,fine\n../outside.png,escaped\n");
        data::CsvImportOptions options;
        options.workspace = tmp / "ws";
        options.file = tmp / "rows.csv";
        options.imageRoot = images;
        data::CsvImportJob job(options);
        CHECK_THAT(errorOf(job), Catch::Contains("rows.csv: line 3") && Catch::Contains("outside the image folder"));
        CHECK_FALSE(ws.findDataset("rows"));

        options.allowOutsideRoot = true;
        data::CsvImportJob allowed(options);
        REQUIRE(errorOf(allowed).empty());
        writePng(tmp / "gen" / "1" / "0.png");
        test::writeFile(tmp / "gen" / "manifest.tsv", "path\tcaption\n1/0.png\t1\n../../outside.png\t2\n");
        data::GeneratedImportOptions generated;
        generated.workspace = tmp / "ws";
        generated.root = tmp / "gen";
        generated.dataset = "rows";
        generated.manifest = tmp / "gen" / "manifest.tsv";
        data::GeneratedImportJob refused(generated);
        CHECK_THAT(errorOf(refused),
                   Catch::Contains("manifest.tsv: line 3") && Catch::Contains("outside the image folder"));
        CHECK(countRows(ws, "SELECT COUNT(*) FROM generations") == 0);
    }
}

TEST_CASE("a FIFO or a folder named as an image is refused without blocking, naming the row", "[hostile][import]") {
    test::TempDir tmp;
    auto ws = Workspace::create(tmp / "ws");
    const fs::path images = tmp / "images";
    writePng(images / "ok.png");
    REQUIRE(::mkfifo((images / "pipe.png").c_str(), 0600) == 0);
    fs::create_directories(images / "folder.png");
    test::writeFile(tmp / "rows.csv", "path,caption\nok.png,one\npipe.png,two\nfolder.png,three\n");
    data::CsvImportOptions options;
    options.workspace = tmp / "ws";
    options.file = tmp / "rows.csv";
    options.imageRoot = images;
    data::CsvImportJob job(options);
    REQUIRE(errorOf(job).empty());
    const auto& summary = job.summary();
    CHECK(summary.imagesImported == 3);
    CHECK(summary.imagesUnreadable == 2);
    REQUIRE(summary.errors.count("not a regular file"));
    CHECK(summary.errors.at("not a regular file") == 2);
    const auto& examples = summary.examples.at("not a regular file");
    CHECK_THAT(examples.at(0) + examples.at(1),
               Catch::Contains("rows.csv: line 3") && Catch::Contains("a FIFO") &&
                   Catch::Contains("rows.csv: line 4") && Catch::Contains("a folder"));
    CHECK_THROWS_WITH(data::readFileBytes(images / "pipe.png"), Catch::Contains("a FIFO, not a regular file"));
    CHECK_THROWS_WITH(data::readFileBytes(images / "folder.png"), Catch::Contains("a folder, not a regular file"));
}

TEST_CASE("captions that are not UTF-8 are refused at import, naming the file and line", "[hostile][import]") {
    test::TempDir tmp;
    auto ws = Workspace::create(tmp / "ws");
    const fs::path images = tmp / "images";
    writePng(images / "a.png");
    test::writeFile(tmp / "latin1.csv", "path,caption\na.png,fine\na.png,caf\xe9 au lait\n");
    data::CsvImportOptions options;
    options.workspace = tmp / "ws";
    options.file = tmp / "latin1.csv";
    options.imageRoot = images;
    data::CsvImportJob job(options);
    CHECK_THAT(errorOf(job), Catch::Contains("latin1.csv: line 3") && Catch::Contains("not valid UTF-8"));
    CHECK_FALSE(ws.findDataset("latin1"));

    // JSON importers: the JSON parser refuses the bytes, naming the file, line and column.
    test::writeFile(tmp / "coco.json",
                    "{\"images\": [{\"id\": 1, \"file_name\": \"a.png\"}],\n"
                    " \"annotations\": [{\"id\": 1, \"image_id\": 1, \"caption\": \"caf\xe9\"}]}");
    data::CocoImportOptions coco;
    coco.workspace = tmp / "ws";
    coco.captionsFile = tmp / "coco.json";
    coco.imageRoot = images;
    data::CocoImportJob cocoJob(coco);
    CHECK_THAT(errorOf(cocoJob), Catch::Contains("coco.json: line 2"));
    CHECK_FALSE(ws.findDataset("coco"));
}

TEST_CASE("an image whose header declares too many pixels is refused before decoding", "[hostile][image]") {
    test::TempDir tmp;
    const std::string huge = pngHeader(20000, 20000);
    const std::vector<std::uint8_t> bytes(huge.begin(), huge.end());
    const auto header = data::readImageHeader(bytes.data(), bytes.size());
    REQUIRE(header);
    CHECK(header->format == "PNG");
    CHECK(header->width == 20000);
    CHECK_THROWS_AS(data::decodeImage(bytes, "huge.png"), data::ImageTooLarge);
    CHECK_THROWS_WITH(data::decodeImage(bytes, "huge.png"),
                      Catch::Contains("huge.png") && Catch::Contains("20000 x 20000") &&
                          Catch::Contains("GENRA_MAX_IMAGE_PIXELS"));

    SECTION("the limit is a setting") {
        writePng(tmp / "small.png", 8, 8);
        const auto small = data::readFileBytes(tmp / "small.png");
        CHECK(data::decodeImage(small, "small.png").width == 8);
        ScopedEnv limit("GENRA_MAX_IMAGE_PIXELS", "63");
        CHECK(data::maxImagePixels() == 63);
        CHECK_THROWS_AS(data::decodeImage(small, "small.png"), data::ImageTooLarge);
    }
    SECTION("other formats' headers") {
        data::Image image;
        image.width = 7;
        image.height = 5;
        image.channels = 3;
        image.pixels.assign(7 * 5 * 3, 10);
        for (const char* ext : {".jpg", ".bmp", ".ppm", ".tiff", ".webp"}) {
            const fs::path path = tmp / (std::string("x") + ext);
            data::saveImage(image, path);
            const auto file = data::readFileBytes(path);
            const auto found = data::readImageHeader(file.data(), file.size());
            INFO(ext);
            REQUIRE(found);
            CHECK(found->width == 7);
            CHECK(found->height == 5);
        }
    }
    SECTION("at import the image is recorded as too large, and the import goes on") {
        writePng(tmp / "images" / "ok.png");
        test::writeFile(tmp / "images" / "huge.png", huge);
        auto ws = Workspace::create(tmp / "ws");
        test::writeFile(tmp / "rows.csv", "path,caption\nok.png,one\nhuge.png,two\n");
        data::CsvImportOptions options;
        options.workspace = tmp / "ws";
        options.file = tmp / "rows.csv";
        options.imageRoot = tmp / "images";
        data::CsvImportJob job(options);
        REQUIRE(errorOf(job).empty());
        CHECK(job.summary().errors.count("image too large") == 1);
        CHECK(countRows(ws, "SELECT COUNT(*) FROM images WHERE status = 'corrupt'") == 1);
    }
}

TEST_CASE("vocabulary files past their limits are refused while they are read", "[hostile][tokenizer]") {
    test::TempDir tmp;
    std::string text = "#version: 0.2\n";
    for (int i = 0; i < 20; ++i) text += "a" + std::to_string(i) + " b\n";
    test::writeFile(tmp / "vocab.txt", text);
    CHECK(text::readMergeFile(tmp / "vocab.txt").size() == 20);
    {
        ScopedEnv merges("GENRA_MAX_VOCAB_MERGES", "10");
        CHECK_THROWS_WITH(text::readMergeFile(tmp / "vocab.txt"),
                          Catch::Contains("vocab.txt: line 12") && Catch::Contains("more than 10 merges") &&
                              Catch::Contains("GENRA_MAX_VOCAB_MERGES"));
    }
    {
        ScopedEnv bytes("GENRA_MAX_VOCAB_BYTES", "100");
        CHECK_THROWS_WITH(text::readMergeFile(tmp / "vocab.txt"),
                          Catch::Contains("vocab.txt") && Catch::Contains("GENRA_MAX_VOCAB_BYTES"));
    }
    test::writeFile(tmp / "long.txt", "#version: 0.2\na b\n" + std::string(5000, 'x') + " y\n");
    CHECK_THROWS_WITH(text::readMergeFile(tmp / "long.txt"),
                      Catch::Contains("long.txt: line 3") && Catch::Contains("longer than 1024 bytes"));
}

TEST_CASE("files are committed whole: temporary file, fsync, rename, fsync of the folder", "[hostile][durability]") {
    test::TempDir tmp;
    util::writeFileAtomically(tmp / "a.txt", "first");
    util::writeFileAtomically(tmp / "a.txt", "second");
    CHECK(test::readFile(tmp / "a.txt") == "second");
    CHECK_THROWS_WITH(util::commitFileAtomically(tmp / "a.txt",
                                                 [](const fs::path& temporary) {
                                                     test::writeFile(temporary, "half");
                                                     throw Error("disk full");
                                                 }),
                      Catch::Contains("disk full"));
    CHECK(test::readFile(tmp / "a.txt") == "second");  // untouched
    std::size_t files = 0;
    for (const auto& entry : fs::directory_iterator(tmp.path())) {
        (void)entry;
        ++files;
    }
    CHECK(files == 1);  // the temporary file was removed
    CHECK_THROWS_WITH(util::writeFileAtomically(tmp / "no" / "such" / "b.txt", "x"), Catch::Contains("b.txt"));
}
