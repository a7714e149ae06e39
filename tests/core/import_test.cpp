// Dataset importers: COCO, Karpathy, CSV/TSV, generated folders; bad input, unreadable images,
// resume after a re-run or a cancel.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>

#include "core/data/csv.h"
#include "core/data/image.h"
#include "core/data/importers.h"
#include "core/store/workspace.h"
#include "core/store/raw_db.h"
#include "core/util/error.h"
#include "core/util/hash.h"
#include "core/util/json_file.h"
#include "support/error_of.h"
#include "support/test_support.h"
#include "support/test_context.h"

using namespace genra;
using genra::store::Workspace;
namespace fs = std::filesystem;

namespace {

void writePng(const fs::path& path, int width, int height, std::uint8_t shade = 128) {
    data::Image image;
    image.width = width;
    image.height = height;
    image.channels = 3;
    image.pixels.assign(static_cast<std::size_t>(width * height * 3), shade);
    data::saveImage(image, path);
}

std::int64_t count(Workspace& ws, const std::string& sql, std::int64_t datasetId) {
    auto s = rawDb(ws).prepare(sql);
    s.bind(1, datasetId);
    REQUIRE(s.step());
    return s.columnInt(0);
}

struct ImageRow {
    std::string path;
    std::string modality;
    std::string split;
    std::optional<std::int64_t> width;
    std::optional<std::int64_t> height;
    std::string sha256;
    std::string status;
    std::string error;
    std::string sourceKey;
    std::string attributes;
    std::int64_t id = 0;
};

std::map<std::string, ImageRow> imagesByName(Workspace& ws, std::int64_t datasetId) {
    std::map<std::string, ImageRow> out;
    auto s = rawDb(ws).prepare(
        "SELECT path, modality, split, width, height, COALESCE(sha256,''), status, COALESCE(error,''), "
        "source_key, attributes, id FROM images WHERE dataset_id = ?");
    s.bind(1, datasetId);
    while (s.step()) {
        ImageRow r;
        r.path = s.columnText(0);
        r.modality = s.columnText(1);
        r.split = s.columnText(2);
        r.width = s.columnOptionalInt(3);
        r.height = s.columnOptionalInt(4);
        r.sha256 = s.columnText(5);
        r.status = s.columnText(6);
        r.error = s.columnText(7);
        r.sourceKey = s.columnText(8);
        r.attributes = s.columnText(9);
        r.id = s.columnInt(10);
        out[fs::path(r.path).filename().string()] = r;
    }
    return out;
}

std::string fileSha(const fs::path& path) {
    const auto bytes = data::readFileBytes(path);
    return sha256Hex(bytes.data(), bytes.size());
}

std::string errorOf(jobs::Job& job) {
    test::TestContext context;
    try {
        job.run(context);
    } catch (const Error& e) {
        return e.what();
    }
    return {};
}

const char* kCoco = R"({
  "info": {"description": "tiny"},
  "images": [
    {"id": 1, "file_name": "a.png", "width": 4, "height": 3},
    {"id": 2, "file_name": "b.png"},
    {"id": 3, "file_name": "c.png"},
    {"id": 4, "file_name": "sub/../d.png"}
  ],
  "annotations": [
    {"id": 10, "image_id": 1, "caption": "A red square. "},
    {"id": 11, "image_id": 1, "caption": "a square that is red"},
    {"id": 12, "image_id": 2, "caption": "a small grey thing"},
    {"id": 13, "image_id": 99, "caption": "an orphan"}
  ]
})";

}  // namespace

TEST_CASE("COCO captions import: images, captions, unreadable files, resume", "[import]") {
    test::TempDir tmp;
    auto ws = Workspace::create(tmp / "ws");
    const fs::path images = tmp / "coco" / "images";
    writePng(images / "a.png", 4, 3);
    writePng(images / "b.png", 2, 2, 7);
    test::writeFile(images / "c.png", "this is not a png");  // corrupt; d.png is missing
    const fs::path captions = tmp / "coco" / "captions_val2014.json";
    test::writeFile(captions, kCoco);

    data::CocoImportOptions options;
    options.workspace = tmp / "ws";
    options.captionsFile = captions;
    options.imageRoot = images;
    options.threads = 2;
    data::CocoImportJob job(options);
    test::TestContext context;
    REQUIRE(job.run(context));
    const auto& summary = job.summary();
    CHECK(summary.datasetName == "captions_val2014");
    CHECK(summary.imagesImported == 4);
    CHECK(summary.imagesUnreadable == 2);
    CHECK(summary.captionsImported == 3);
    CHECK(summary.errors.at("missing image file") == 1);
    CHECK(summary.errors.at("corrupt image") == 1);
    CHECK(summary.errors.at("annotation of an unknown image") == 1);
    CHECK_THAT(summary.examples.at("missing image file").at(0), Catch::Contains("d.png"));
    CHECK_THAT(summary.examples.at("corrupt image").at(0), Catch::Contains("c.png"));
    CHECK_THAT(summary.examples.at("annotation of an unknown image").at(0),
               Catch::Contains("annotations[3].image_id") && Catch::Contains("99"));
    CHECK_THAT(summary.describe(), Catch::Contains("missing image file: 1") && Catch::Contains("d.png"));

    const auto dataset = ws.requireDataset("captions_val2014");
    CHECK(dataset.kind == "coco");
    CHECK(dataset.source == fs::absolute(captions).lexically_normal().string());
    CHECK(nlohmann::json::parse(dataset.metaJson)["split"] == "val");
    auto rows = imagesByName(ws, dataset.id);
    REQUIRE(rows.size() == 4);
    const auto& a = rows.at("a.png");
    CHECK(a.path == (fs::absolute(images) / "a.png").lexically_normal().string());
    CHECK(fs::path(a.path).is_absolute());
    CHECK(a.split == "val");
    CHECK(a.modality == "real");
    CHECK(a.width == 4);
    CHECK(a.height == 3);
    CHECK(a.status == "ok");
    CHECK(a.sha256 == fileSha(images / "a.png"));
    CHECK(a.sourceKey == "1");
    CHECK(rows.at("b.png").width == 2);
    CHECK(rows.at("c.png").status == "corrupt");
    CHECK(rows.at("c.png").sha256 == fileSha(images / "c.png"));
    CHECK_FALSE(rows.at("c.png").width.has_value());
    CHECK_THAT(rows.at("c.png").error, Catch::Contains("c.png"));
    CHECK(rows.at("d.png").status == "missing");
    CHECK(rows.at("d.png").path == (fs::absolute(images) / "d.png").lexically_normal().string());
    CHECK_THAT(rows.at("d.png").error, Catch::Contains("not found"));

    auto captionList = ws.captionsOfDataset(dataset.id);
    REQUIRE(captionList.size() == 3);
    CHECK(captionList[0].text == "A red square.");  // trimmed
    CHECK(captionList[0].sourceKey == "10");
    CHECK(captionList[0].imageId == a.id);
    CHECK(captionList[1].ord == 1);
    CHECK(captionList[2].imageId == rows.at("b.png").id);

    SECTION("running the same import again resumes and duplicates nothing") {
        data::CocoImportJob again(options);
        test::TestContext second;
        REQUIRE(again.run(second));
        CHECK(again.summary().imagesImported == 0);
        CHECK(again.summary().imagesSkipped == 4);
        CHECK(again.summary().captionsSkipped == 3);
        CHECK(again.summary().captionsImported == 0);
        CHECK(count(ws, "SELECT COUNT(*) FROM images WHERE dataset_id = ?", dataset.id) == 4);
        CHECK(count(ws, "SELECT COUNT(*) FROM captions WHERE dataset_id = ?", dataset.id) == 3);
    }
    SECTION("another source into the same name is refused, the dataset untouched") {
        const fs::path other = tmp / "coco" / "captions_train2014.json";
        test::writeFile(other, kCoco);
        auto otherOptions = options;
        otherOptions.captionsFile = other;
        otherOptions.name = "captions_val2014";
        data::CocoImportJob clash(otherOptions);
        CHECK_THAT(errorOf(clash), Catch::Contains("captions_val2014") && Catch::Contains("--name"));

        data::CsvImportOptions csv;
        csv.workspace = tmp / "ws";
        csv.file = tmp / "rows.csv";
        csv.imageRoot = images;
        csv.name = "captions_val2014";
        test::writeFile(csv.file, "image,caption\na.png,x\n");
        data::CsvImportJob csvJob(csv);
        CHECK_THAT(errorOf(csvJob), Catch::Contains("already has a dataset named \"captions_val2014\""));
        CHECK(count(ws, "SELECT COUNT(*) FROM images WHERE dataset_id = ?", dataset.id) == 4);
    }
    SECTION("--split and --name override the defaults") {
        auto named = options;
        named.name = "coco-test";
        named.split = "test";
        data::CocoImportJob other(named);
        test::TestContext second;
        REQUIRE(other.run(second));
        const auto id = ws.requireDataset("coco-test").id;
        CHECK(count(ws, "SELECT COUNT(*) FROM images WHERE dataset_id = ? AND split = 'test'", id) == 4);
    }
}

TEST_CASE("images inside the workspace are stored relative to it, so the workspace can move", "[import]") {
    test::TempDir tmp;
    {
        auto ws = Workspace::create(tmp / "ws");
    }
    const fs::path images = tmp / "ws" / "data" / "coco" / "images";
    writePng(images / "a.png", 4, 3);
    writePng(images / "b.png", 2, 2, 7);
    writePng(tmp / "outside" / "c.png", 2, 2, 9);
    test::writeFile(tmp / "ws" / "data" / "coco" / "captions_val2014.json", kCoco);
    data::CocoImportOptions options;
    options.workspace = tmp / "ws";
    options.captionsFile = tmp / "ws" / "data" / "coco" / "captions_val2014.json";
    options.imageRoot = images;
    options.threads = 1;
    data::CocoImportJob job(options);
    test::TestContext context;
    REQUIRE(job.run(context));
    CHECK(job.summary().imagesImported == 4);
    // A CSV import of a file outside the workspace keeps its absolute path.
    test::writeFile(tmp / "outside" / "list.csv", "image,caption\nc.png,a grey square\n");
    data::CsvImportOptions csv;
    csv.workspace = tmp / "ws";
    csv.file = tmp / "outside" / "list.csv";
    csv.imageRoot = tmp / "outside";
    csv.name = "outside";
    data::CsvImportJob csvJob(csv);
    REQUIRE(csvJob.run(context));

    fs::rename(tmp / "ws", tmp / "moved");
    auto ws = Workspace::open(tmp / "moved");
    auto s = rawDb(ws).prepare("SELECT path, status FROM images ORDER BY id");
    std::map<std::string, std::string> stored;
    while (s.step()) stored[s.columnText(0)] = s.columnText(1);
    CHECK(stored.count("data/coco/images/a.png") == 1);
    CHECK(stored.count("data/coco/images/b.png") == 1);
    const std::string outside = fs::absolute(tmp / "outside" / "c.png").lexically_normal().string();
    CHECK(stored.count(outside) == 1);
    // Moved, the workspace still finds and decodes its own images.
    CHECK(data::loadImage(ws.resolve("data/coco/images/a.png")).width == 4);
    CHECK(fs::exists(ws.resolve(outside)));
    // Importing again from the moved folder skips every image already there.
    options.workspace = tmp / "moved";
    options.captionsFile = tmp / "moved" / "data" / "coco" / "captions_val2014.json";
    options.imageRoot = tmp / "moved" / "data" / "coco" / "images";
    data::CocoImportJob again(options);
    CHECK_THROWS_WITH(again.run(context), Catch::Contains("already") || Catch::Contains("images under"));
}

TEST_CASE("COCO split from the file name", "[import]") {
    CHECK(data::cocoSplitFromFileName("captions_train2014.json") == "train");
    CHECK(data::cocoSplitFromFileName("/x/captions_val2017.json") == "val");
    CHECK(data::cocoSplitFromFileName("test-captions.json") == "test");
    CHECK(data::cocoSplitFromFileName("captions_shapes.json") == "train");
    CHECK(data::cocoSplitFromFileName("trainee.json") == "train");  // no token: the default
    CHECK(data::cocoSplitFromFileName("contest.json") == "train");
}

TEST_CASE("a cancelled import keeps its committed chunks and the re-run resumes", "[import]") {
    test::TempDir tmp;
    auto ws = Workspace::create(tmp / "ws");
    const fs::path images = tmp / "images";
    nlohmann::json doc{{"images", nlohmann::json::array()}, {"annotations", nlohmann::json::array()}};
    for (int i = 0; i < 40; ++i) {
        const std::string name = "img" + std::to_string(i) + ".png";
        writePng(images / name, 3, 3, static_cast<std::uint8_t>(i));
        doc["images"].push_back({{"id", i}, {"file_name", name}});
        doc["annotations"].push_back(
            {{"id", 1000 + i}, {"image_id", i}, {"caption", "caption " + std::to_string(i)}});
    }
    test::writeFile(tmp / "captions_train2014.json", doc.dump());
    data::CocoImportOptions options;
    options.workspace = tmp / "ws";
    options.captionsFile = tmp / "captions_train2014.json";
    options.imageRoot = images;
    options.threads = 1;  // batches of 32 images
    options.chunkImages = 10;

    data::CocoImportJob first(options);
    test::TestContext cancelling;
    cancelling.cancelAfterProgress = 1;  // cancel once the first batch is written
    const auto result = jobs::runJob(first, cancelling);
    CHECK(result.status == jobs::JobStatus::Cancelled);
    const auto id = ws.requireDataset("captions_train2014").id;
    CHECK(count(ws, "SELECT COUNT(*) FROM images WHERE dataset_id = ?", id) == 32);
    CHECK(count(ws, "SELECT COUNT(*) FROM captions WHERE dataset_id = ?", id) == 32);
    CHECK(first.summary().imagesImported == 32);

    data::CocoImportJob second(options);
    test::TestContext context;
    REQUIRE(second.run(context));
    CHECK(second.summary().imagesSkipped == 32);
    CHECK(second.summary().imagesImported == 8);
    CHECK(count(ws, "SELECT COUNT(*) FROM images WHERE dataset_id = ?", id) == 40);
    CHECK(count(ws, "SELECT COUNT(*) FROM captions WHERE dataset_id = ?", id) == 40);
    CHECK(count(ws, "SELECT COUNT(DISTINCT source_key) FROM captions WHERE dataset_id = ?", id) == 40);
}

TEST_CASE("large dataset files are parsed one array element at a time", "[import]") {
    test::TempDir tmp;
    const fs::path file = tmp / "big.json";
    test::writeFile(file, R"({
  "info": {"images": [7, 8], "name": "x"},
  "images": [{"id": 1, "tags": [[1, 2], []]}, 5, [3, 4], "s", null],
  "count": 3,
  "annotations": {"not": "an array"},
  "captions": [{"id": 9}]
})");
    std::vector<std::pair<std::string, std::size_t>> seen;
    std::vector<nlohmann::json> elements;
    const auto doc = util::readJsonFileStreamingArrays(
        file, {"images", "annotations", "captions"},
        [&](const std::string& key, const nlohmann::json& element, std::size_t index) {
            seen.emplace_back(key, index);
            elements.push_back(element);
        });
    // Every element of each streamed array, whole and in order, with its index; nothing else.
    REQUIRE(seen.size() == 6);
    CHECK(seen[0] == std::make_pair(std::string("images"), std::size_t{0}));
    CHECK(seen[4] == std::make_pair(std::string("images"), std::size_t{4}));
    CHECK(seen[5] == std::make_pair(std::string("captions"), std::size_t{0}));
    CHECK(elements[0] == nlohmann::json::parse(R"({"id": 1, "tags": [[1, 2], []]})"));
    CHECK(elements[1] == 5);
    CHECK(elements[2] == nlohmann::json::parse("[3, 4]"));
    CHECK(elements[3] == "s");
    CHECK(elements[4].is_null());
    CHECK(elements[5] == nlohmann::json::parse(R"({"id": 9})"));
    // The rest comes back: streamed arrays empty, a streamed key's non-array value and the same
    // key below the top level untouched.
    CHECK(doc == nlohmann::json::parse(R"({"info": {"images": [7, 8], "name": "x"}, "images": [], "count": 3,
                                           "annotations": {"not": "an array"}, "captions": []})"));

    SECTION("an error from the handler ends the parse and passes through") {
        int calls = 0;
        CHECK_THAT(test::genraErrorOf([&] {
                       util::readJsonFileStreamingArrays(
                           file, {"images"},
                           [&](const std::string&, const nlohmann::json&, std::size_t index) {
                               ++calls;
                               if (index == 1) throw ParseError(file.string(), "images[1]", "not wanted");
                           });
                   }),
                   Catch::Contains("big.json: images[1]: not wanted"));
        CHECK(calls == 2);
    }
    // The error of reading `text`, and how many elements reached the handler before it.
    auto errorAndCalls = [&](const std::string& text) {
        test::writeFile(file, text);
        std::size_t calls = 0;
        const auto error = test::genraErrorOf([&] {
            util::readJsonFileStreamingArrays(
                file, {"images"}, [&](const std::string&, const nlohmann::json&, std::size_t) { ++calls; });
        });
        return std::make_pair(error, calls);
    };
    SECTION("a syntax error after some elements still names the file, line and column") {
        const auto [error, calls] = errorAndCalls("{\"images\": [1, 2,\n  3 4]}");
        CHECK_THAT(error, Catch::Contains("big.json: line 2, column 5") && Catch::Contains("malformed JSON"));
        CHECK(calls == 3);
    }
    SECTION("a document nested too deep is refused before any element is handed over") {
        const auto [error, calls] =
            errorAndCalls("{\"images\": [1, " + std::string(300, '[') + std::string(300, ']') + "]}");
        CHECK_THAT(error, Catch::Contains("big.json") && Catch::Contains("nested deeper"));
        CHECK(calls == 0);
    }
}

TEST_CASE("a COCO file with its annotations before its images imports the same", "[import]") {
    test::TempDir tmp;
    auto ws = Workspace::create(tmp / "ws");
    const fs::path images = tmp / "images";
    writePng(images / "a.png", 4, 3);
    writePng(images / "b.png", 2, 2);
    auto import = [&](const std::string& name, const std::string& text) {
        const fs::path file = tmp / (name + ".json");
        test::writeFile(file, text);
        data::CocoImportOptions options;
        options.workspace = tmp / "ws";
        options.captionsFile = file;
        options.imageRoot = images;
        options.name = name;
        data::CocoImportJob job(options);
        test::TestContext context;
        REQUIRE(job.run(context));
        return job.summary();
    };
    const auto forward =
        import("forward", R"({"images": [{"id": 1, "file_name": "a.png"}, {"id": 2, "file_name": "b.png"}],
        "annotations": [{"id": 10, "image_id": 2, "caption": "two"}, {"id": 11, "image_id": 1, "caption": "one"},
                        {"id": 12, "image_id": 3, "caption": "none"}]})");
    const auto backward = import("backward", R"({"annotations": [{"id": 10, "image_id": 2, "caption": "two"},
        {"id": 11, "image_id": 1, "caption": "one"}, {"id": 12, "image_id": 3, "caption": "none"}],
        "images": [{"id": 1, "file_name": "a.png"}, {"id": 2, "file_name": "b.png"}]})");
    for (const auto* summary : {&forward, &backward}) {
        CHECK(summary->imagesImported == 2);
        CHECK(summary->captionsImported == 2);
        CHECK(summary->errors.at("annotation of an unknown image") == 1);
        CHECK_THAT(summary->examples.at("annotation of an unknown image").at(0),
                   Catch::Contains("annotations[2].image_id: no image with id 3"));
    }
    auto captionsOf = [&](const std::string& name) {
        std::vector<std::pair<std::string, std::string>> out;  // (image file, caption)
        const auto id = ws.requireDataset(name).id;
        const auto rows = imagesByName(ws, id);
        for (const auto& caption : ws.captionsOfDataset(id)) {
            for (const auto& [file, row] : rows) {
                if (row.id == caption.imageId) out.emplace_back(file, caption.text);
            }
        }
        std::sort(out.begin(), out.end());
        return out;
    };
    const auto expected =
        std::vector<std::pair<std::string, std::string>>{{"a.png", "one"}, {"b.png", "two"}};
    CHECK(captionsOf("forward") == expected);
    CHECK(captionsOf("backward") == expected);
}

TEST_CASE("malformed JSON is rejected with its position before anything is written", "[import]") {
    test::TempDir tmp;
    auto ws = Workspace::create(tmp / "ws");
    const fs::path images = tmp / "images";
    writePng(images / "a.png", 4, 3);
    writePng(images / "b.png", 2, 2);
    const fs::path captions = tmp / "captions_train2014.json";
    test::writeFile(captions, kCoco);
    data::CocoImportOptions options;
    options.workspace = tmp / "ws";
    options.captionsFile = captions;
    options.imageRoot = images;
    options.name = "mine";
    {
        data::CocoImportJob job(options);
        test::TestContext context;
        REQUIRE(job.run(context));
    }
    const auto id = ws.requireDataset("mine").id;

    // The same import, but its file has gone bad: a stray comma on line 3, column 37.
    test::writeFile(
        captions,
        "{\n  \"images\": [\n    {\"id\": 1, \"file_name\": \"a.png\"},,\n  ],\n  \"annotations\": []\n}\n");
    data::CocoImportJob bad(options);
    test::TestContext context;
    const auto result = jobs::runJob(bad, context);
    CHECK(result.status == jobs::JobStatus::Failed);
    CHECK_THAT(result.error, Catch::Contains(captions.string()) && Catch::Contains("line 3, column 37") &&
                                 Catch::Contains("malformed JSON"));
    CHECK_FALSE(bad.started());
    CHECK(count(ws, "SELECT COUNT(*) FROM images WHERE dataset_id = ?", id) == 4);
    CHECK(count(ws, "SELECT COUNT(*) FROM captions WHERE dataset_id = ?", id) == 3);

    SECTION("truncated file: the position is just past the end") {
        test::writeFile(captions, "{\"images\": [\n{\"id\": 1");
        data::CocoImportJob truncated(options);
        CHECK_THAT(errorOf(truncated),
                   Catch::Contains("line 2, column 9") && Catch::Contains("end of input"));
    }
    SECTION("a new dataset from a malformed file is not created") {
        auto fresh = options;
        fresh.name = "fresh";
        test::writeFile(captions, "[1, 2");
        data::CocoImportJob job(fresh);
        CHECK_THAT(errorOf(job), Catch::Contains("line 1, column 6"));
        CHECK_FALSE(ws.findDataset("fresh").has_value());
    }
}

TEST_CASE("missing or mistyped keys name the key path and element index", "[import]") {
    test::TempDir tmp;
    auto ws = Workspace::create(tmp / "ws");
    fs::create_directories(tmp / "images");
    data::CocoImportOptions coco;
    coco.workspace = tmp / "ws";
    coco.captionsFile = tmp / "captions.json";
    coco.imageRoot = tmp / "images";

    auto cocoError = [&](const std::string& text) {
        test::writeFile(coco.captionsFile, text);
        data::CocoImportJob job(coco);
        return errorOf(job);
    };
    SECTION("COCO") {
        CHECK_THAT(cocoError(R"({"images": [{"id": 1, "file_name": "a.png"}], "annotations": [
                       {"id": 1, "image_id": 1, "caption": "x"}, {"id": 2, "image_id": 1}]})"),
                   Catch::Contains("captions.json: annotations[1].caption: missing required key"));
        CHECK_THAT(cocoError(R"({"images": [{"id": 1}], "annotations": []})"),
                   Catch::Contains("images[0].file_name: missing required key"));
        CHECK_THAT(cocoError(R"({"images": []})"), Catch::Contains("annotations: missing required key"));
        CHECK_THAT(cocoError(R"({"images": [{"id": 1, "file_name": "a.png"}], "annotations": [
                       {"id": 1, "image_id": 1, "caption": 5}]})"),
                   Catch::Contains("annotations[0].caption: expected a string, found an integer"));
        CHECK_THAT(cocoError(R"({"images": [{"id": [1], "file_name": "a.png"}], "annotations": []})"),
                   Catch::Contains("images[0].id: expected an integer or a string"));
        CHECK_THAT(cocoError(R"({"images": [{"id": 1, "file_name": "a.png"}, {"id": 1, "file_name": "b.png"}],
                       "annotations": []})"),
                   Catch::Contains("images[1].id: duplicate image id 1"));
        CHECK_THAT(cocoError("[]"), Catch::Contains("top level: expected an object"));
        CHECK(ws.listDatasets().empty());
    }
    SECTION("Karpathy") {
        data::KarpathyImportOptions k;
        k.workspace = tmp / "ws";
        k.jsonFile = tmp / "dataset_x.json";
        k.imageRoot = tmp / "images";
        test::writeFile(k.jsonFile, R"({"images": [{"filename": "a.png", "split": "train",
            "sentences": [{"raw": "one", "sentid": 0}, {"sentid": 1}]}]})");
        data::KarpathyImportJob job(k);
        CHECK_THAT(errorOf(job), Catch::Contains("images[0].sentences[1].raw: missing required key"));
        test::writeFile(k.jsonFile, R"({"images": [{"filename": "a.png", "sentences": []}]})");
        data::KarpathyImportJob noSplit(k);
        CHECK_THAT(errorOf(noSplit), Catch::Contains("images[0].split: missing required key"));
        test::writeFile(
            k.jsonFile,
            R"({"images": [{"filename": "a.png", "split": "x", "sentences": [], "attributes": 3}]})");
        data::KarpathyImportJob badAttributes(k);
        CHECK_THAT(errorOf(badAttributes), Catch::Contains("images[0].attributes: expected an object"));
        CHECK(ws.listDatasets().empty());
    }
    SECTION("a missing image folder is an error, not a thousand missing images") {
        coco.imageRoot = tmp / "nowhere";
        CHECK_THAT(cocoError(R"({"images": [], "annotations": []})"),
                   Catch::Contains("nowhere") && Catch::Contains("does not exist"));
    }
}

TEST_CASE("Karpathy split import: filepath, splits, attributes, sentids", "[import]") {
    test::TempDir tmp;
    auto ws = Workspace::create(tmp / "ws");
    const fs::path root = tmp / "shapes";
    writePng(root / "images" / "pretrain" / "0.png", 8, 8);
    writePng(root / "images" / "test" / "1.png", 6, 5);
    writePng(root / "2.png", 2, 2);
    const nlohmann::json doc{
        {"dataset", "shapes"},
        {"attribute_values", {{"shape", {"circle", "square"}}}},
        {"images",
         {{{"imgid", 0},
           {"filepath", "images/pretrain"},
           {"filename", "0.png"},
           {"split", "pretrain"},
           {"sentences",
            {{{"raw", "a red circle"}, {"sentid", 0}}, {{"raw", "red round thing"}, {"sentid", 1}}}},
           {"attributes", {{"shape", "circle"}, {"color", "red"}}}},
          {{"imgid", 1},
           {"filepath", "images/test"},
           {"filename", "1.png"},
           {"split", "test"},
           {"sentences", {{{"raw", "a blue square"}, {"sentid", 2}}}}},
          {{"cocoid", 391895},
           {"imgid", 2},
           {"filename", "2.png"},
           {"split", "restval"},
           {"sentences", {{{"raw", "no sentid here"}}}}}}}};
    const fs::path json = tmp / "dataset_shapes.json";
    test::writeFile(json, doc.dump(1));
    data::KarpathyImportOptions options;
    options.workspace = tmp / "ws";
    options.jsonFile = json;
    options.imageRoot = root;
    data::KarpathyImportJob job(options);
    test::TestContext context;
    REQUIRE(job.run(context));
    CHECK(job.summary().imagesImported == 3);
    CHECK(job.summary().imagesUnreadable == 0);
    CHECK(job.summary().captionsImported == 4);
    CHECK(job.summary().errorCount() == 0);

    const auto dataset = ws.requireDataset("dataset_shapes");
    CHECK(dataset.kind == "karpathy");
    const auto meta = nlohmann::json::parse(dataset.metaJson);
    CHECK(meta["dataset"] == "shapes");
    CHECK(meta["attribute_values"]["shape"][1] == "square");
    CHECK_FALSE(meta.contains("images"));
    auto rows = imagesByName(ws, dataset.id);
    REQUIRE(rows.size() == 3);
    CHECK(rows.at("0.png").path ==
          (fs::absolute(root) / "images/pretrain/0.png").lexically_normal().string());
    CHECK(rows.at("0.png").split == "pretrain");
    CHECK(nlohmann::json::parse(rows.at("0.png").attributes) == doc["images"][0]["attributes"]);
    CHECK(rows.at("0.png").sourceKey == "0");
    CHECK(rows.at("1.png").split == "test");
    CHECK(rows.at("1.png").width == 6);
    CHECK(rows.at("1.png").height == 5);
    CHECK(rows.at("1.png").attributes == "{}");
    CHECK(rows.at("2.png").split == "restval");
    CHECK(rows.at("2.png").sourceKey == "391895");  // cocoid wins over imgid

    const auto captions = ws.captionsOfDataset(dataset.id);
    REQUIRE(captions.size() == 4);
    CHECK(captions[0].text == "a red circle");
    CHECK(captions[0].sourceKey == "0");
    CHECK(captions[1].sourceKey == "1");
    CHECK(captions[1].ord == 1);
    CHECK(captions[2].sourceKey == "2");
    CHECK(captions[3].sourceKey.empty());

    data::KarpathyImportJob again(options);
    test::TestContext second;
    REQUIRE(again.run(second));
    CHECK(again.summary().imagesImported == 0);
    CHECK(again.summary().imagesSkipped == 3);
    CHECK(ws.captionsOfDataset(dataset.id).size() == 4);
}

TEST_CASE("CSV reader follows RFC 4180 and names lines", "[import]") {
    SECTION("quotes, doubled quotes, embedded delimiters and newlines, CRLF, blank lines") {
        data::CsvReader reader("a,b,c\r\n\"x, y\",\"say \"\"hi\"\"\",\"two\nlines\"\n\nplain,\"\",last\n",
                               ',', "f.csv");
        data::CsvRecord r;
        REQUIRE(reader.next(r));
        CHECK(r.fields == std::vector<std::string>{"a", "b", "c"});
        CHECK(r.line == 1);
        REQUIRE(reader.next(r));
        CHECK(r.fields == std::vector<std::string>{"x, y", "say \"hi\"", "two\nlines"});
        CHECK(r.line == 2);
        REQUIRE(reader.next(r));
        CHECK(r.fields == std::vector<std::string>{"plain", "", "last"});
        CHECK(r.line == 5);
        CHECK_FALSE(reader.next(r));
    }
    SECTION("tabs, a byte-order mark, trailing empty field, no final newline") {
        data::CsvReader reader("\xEF\xBB\xBFpath\tcaption\na.png\t\"tab\tinside\"\nb.png\t", '\t', "f.tsv");
        data::CsvRecord r;
        REQUIRE(reader.next(r));
        CHECK(r.fields[0] == "path");
        REQUIRE(reader.next(r));
        CHECK(r.fields[1] == "tab\tinside");
        REQUIRE(reader.next(r));
        CHECK(r.fields == std::vector<std::string>{"b.png", ""});
        CHECK_FALSE(reader.next(r));
    }
    SECTION("an unterminated quote names the line it opened on") {
        data::CsvReader reader("a,b\nc,\"open\nstill open\n", ',', "f.csv");
        data::CsvRecord r;
        REQUIRE(reader.next(r));
        CHECK_THROWS_WITH(reader.next(r),
                          Catch::Contains("f.csv: line 2") && Catch::Contains("never closed"));
    }
    SECTION("text after a closing quote") {
        data::CsvReader reader("\"a\"b,c\n", ',', "f.csv");
        data::CsvRecord r;
        CHECK_THROWS_WITH(reader.next(r),
                          Catch::Contains("f.csv: line 1") && Catch::Contains("after the closing quote"));
    }
    SECTION("delimiters") {
        CHECK(data::delimiterForFile("x/cc.TSV") == '\t');
        CHECK(data::delimiterForFile("x/cc.csv") == ',');
        CHECK(data::parseDelimiter("tab") == '\t');
        CHECK(data::parseDelimiter("\\t") == '\t');
        CHECK(data::parseDelimiter(";") == ';');
        CHECK_THROWS_AS(data::parseDelimiter(",,"), Error);
    }
}

TEST_CASE("CSV/TSV import: header options, quoted fields, several captions per image", "[import]") {
    test::TempDir tmp;
    auto ws = Workspace::create(tmp / "ws");
    const fs::path images = tmp / "cc";
    writePng(images / "a.png", 5, 4);
    writePng(images / "b b.png", 3, 3);
    data::CsvImportOptions options;
    options.workspace = tmp / "ws";
    options.imageRoot = images;

    SECTION("header with auto-detected columns, quotes and embedded newlines") {
        options.file = tmp / "cc.csv";
        test::writeFile(options.file,
                        "id,filepath,text\n"
                        "1,a.png,\"a dog, running\"\n"
                        "2,\"b b.png\",\"a caption\nover two lines\"\n"
                        "3,a.png,\"the \"\"same\"\" dog\"\n"
                        "4,missing.png,nothing\n"
                        "5,b b.png,\n");
        data::CsvImportJob job(options);
        test::TestContext context;
        REQUIRE(job.run(context));
        CHECK(job.summary().imagesImported == 3);
        CHECK(job.summary().imagesUnreadable == 1);
        CHECK(job.summary().captionsImported == 4);
        CHECK(job.summary().errors.at("empty caption") == 1);
        CHECK_THAT(job.summary().examples.at("empty caption")[0], Catch::Contains("cc.csv: line 7"));
        const auto dataset = ws.requireDataset("cc");
        CHECK(dataset.kind == "csv");
        auto rows = imagesByName(ws, dataset.id);
        CHECK(rows.at("a.png").split == "train");
        CHECK(rows.at("a.png").width == 5);
        CHECK(rows.at("b b.png").status == "ok");
        CHECK(rows.at("missing.png").status == "missing");
        const auto captions = ws.captionsOfDataset(dataset.id);
        REQUIRE(captions.size() == 4);
        CHECK(captions[0].text == "a dog, running");
        CHECK(captions[0].sourceKey == "1");
        CHECK(captions[1].text == "the \"same\" dog");  // second caption of a.png
        CHECK(captions[1].imageId == rows.at("a.png").id);
        CHECK(captions[1].ord == 1);
        CHECK(captions[1].sourceKey == "3");
        CHECK(captions[2].text == "a caption\nover two lines");

        data::CsvImportJob again(options);
        test::TestContext second;
        REQUIRE(again.run(second));
        CHECK(again.summary().imagesImported == 0);
        CHECK(again.summary().imagesSkipped == 3);
        CHECK(ws.captionsOfDataset(dataset.id).size() == 4);
    }
    SECTION("named columns, a split column and a TSV by extension") {
        options.file = tmp / "list.tsv";
        options.pathColumn = "File";
        options.captionColumn = "Description";
        test::writeFile(options.file, "Description\tFile\tsplit\nfirst\ta.png\tval\nsecond\tb b.png\t\n");
        data::CsvImportJob job(options);
        test::TestContext context;
        REQUIRE(job.run(context));
        auto rows = imagesByName(ws, ws.requireDataset("list").id);
        CHECK(rows.at("a.png").split == "val");
        CHECK(rows.at("b b.png").split == "train");
        CHECK(ws.captionsOfDataset(ws.requireDataset("list").id).at(0).text == "first");
    }
    SECTION("no header: columns by index, explicit delimiter") {
        options.file = tmp / "rows.txt";
        options.header = false;
        options.delimiter = ';';
        options.pathColumn = "1";
        options.captionColumn = "0";
        options.name = "rows";
        test::writeFile(options.file, "hello there;a.png\n\"semi;colon\";b b.png\n");
        data::CsvImportJob job(options);
        test::TestContext context;
        REQUIRE(job.run(context));
        CHECK(job.summary().imagesImported == 2);
        const auto captions = ws.captionsOfDataset(ws.requireDataset("rows").id);
        REQUIRE(captions.size() == 2);
        CHECK(captions[0].text == "hello there");
        CHECK(captions[1].text == "semi;colon");
    }
    SECTION("bad input names the line and writes nothing") {
        options.file = tmp / "bad.csv";
        test::writeFile(options.file, "image,caption\na.png,\"ok\nstill\"\nb b.png\n");
        data::CsvImportJob short_(options);
        CHECK_THAT(errorOf(short_),
                   Catch::Contains("bad.csv: line 4") && Catch::Contains("at least 2 fields"));

        test::writeFile(options.file, "picture,words\na.png,x\n");
        data::CsvImportJob noColumns(options);
        CHECK_THAT(errorOf(noColumns), Catch::Contains("bad.csv: line 1") && Catch::Contains("\"picture\"") &&
                                           Catch::Contains("--path-column"));

        options.pathColumn = "url";
        test::writeFile(options.file, "image,caption\na.png,x\n");
        data::CsvImportJob unknown(options);
        CHECK_THAT(errorOf(unknown), Catch::Contains("no image path column \"url\""));

        options.pathColumn.clear();
        test::writeFile(options.file, "image,caption\na.png,\"x\n");
        data::CsvImportJob open(options);
        CHECK_THAT(errorOf(open), Catch::Contains("bad.csv: line 2") && Catch::Contains("never closed"));
        CHECK(ws.listDatasets().empty());
    }
}

TEST_CASE("generated images are linked to the captions of an existing dataset", "[import]") {
    test::TempDir tmp;
    auto ws = Workspace::create(tmp / "ws");
    const fs::path real = tmp / "real";
    writePng(real / "r0.png", 4, 4);
    writePng(real / "r1.png", 4, 4);
    const nlohmann::json doc{
        {"images",
         {{{"filename", "r0.png"},
           {"split", "align"},
           {"sentences",
            {{{"raw", "a red circle"}, {"sentid", 100}}, {{"raw", "round and red"}, {"sentid", 101}}}}},
          {{"filename", "r1.png"},
           {"split", "test"},
           {"sentences", {{{"raw", "a blue square"}, {"sentid", 102}}}}}}}};
    test::writeFile(tmp / "dataset_shapes.json", doc.dump());
    data::KarpathyImportOptions karpathy;
    karpathy.workspace = tmp / "ws";
    karpathy.jsonFile = tmp / "dataset_shapes.json";
    karpathy.imageRoot = real;
    karpathy.name = "shapes";
    {
        data::KarpathyImportJob job(karpathy);
        test::TestContext context;
        REQUIRE(job.run(context));
    }
    const auto dataset = ws.requireDataset("shapes");
    const auto captions = ws.captionsOfDataset(dataset.id);
    REQUIRE(captions.size() == 3);
    const std::int64_t roundAndRedId = captions[1].id;  // sentid 101

    const fs::path gen = tmp / "gen";
    writePng(gen / "100" / "0.png", 3, 2);
    writePng(gen / "100" / "1.png", 3, 2);
    writePng(gen / "102" / "7.png", 3, 2);
    writePng(gen / std::to_string(roundAndRedId + 1000) / "x.png", 3, 2);  // no such key or id
    writePng(gen / std::to_string(roundAndRedId) / "img.png", 3, 2);       // a workspace caption id
    writePng(gen / "extra.png", 3, 2);                                     // named by the manifest
    test::writeFile(gen / "102" / "notes.txt", "not an image, ignored");
    test::writeFile(gen / "102" / "8.png", "broken");

    data::GeneratedImportOptions options;
    options.workspace = tmp / "ws";
    options.root = gen;
    options.dataset = "shapes";
    options.generator = "mygen";
    options.manifest = tmp / "manifest.tsv";
    test::writeFile(options.manifest,
                    "path\tcaption\tgenerator\tseed\n"
                    "100/1.png\t\tsd-1.5\t42\n"
                    "extra.png\ta blue square\t\t\n");
    data::GeneratedImportJob job(options);
    test::TestContext context;
    REQUIRE(job.run(context));
    const auto& summary = job.summary();
    CHECK(summary.imagesImported == 6);
    CHECK(summary.generationsLinked == 6);
    CHECK(summary.imagesUnreadable == 1);
    CHECK(summary.errors.at("unknown caption key") == 1);
    CHECK_THAT(summary.examples.at("unknown caption key")[0],
               Catch::Contains("no caption with key " + std::to_string(roundAndRedId + 1000) +
                               " in dataset shapes"));
    CHECK(summary.errors.at("corrupt image") == 1);

    // image name -> (split, generator, seed, caption source key)
    std::map<std::string, std::tuple<std::string, std::string, std::optional<std::int64_t>, std::string>> got;
    auto s = rawDb(ws).prepare(
        "SELECT i.path, i.split, g.generator, g.seed, c.source_key, i.modality, i.dataset_id, c.id "
        "FROM generations g JOIN images i ON i.id = g.image_id JOIN captions c ON c.id = g.caption_id");
    while (s.step()) {
        CHECK(fs::path(s.columnText(0)).is_absolute());
        CHECK(s.columnText(5) == "generated");
        CHECK(s.columnInt(6) == dataset.id);
        got[fs::path(s.columnText(0)).lexically_relative(gen).generic_string()] = {
            s.columnText(1), s.columnText(2), s.columnOptionalInt(3), s.columnText(4)};
    }
    REQUIRE(got.size() == 6);
    CHECK(got.at("100/0.png") == std::make_tuple(std::string("align"), std::string("mygen"),
                                                 std::optional<std::int64_t>(0), std::string("100")));
    CHECK(got.at("100/1.png") == std::make_tuple(std::string("align"), std::string("sd-1.5"),
                                                 std::optional<std::int64_t>(42), std::string("100")));
    CHECK(got.at("102/7.png") == std::make_tuple(std::string("test"), std::string("mygen"),
                                                 std::optional<std::int64_t>(7), std::string("102")));
    CHECK(std::get<0>(got.at("102/8.png")) == "test");
    CHECK(got.at(std::to_string(roundAndRedId) + "/img.png") ==
          std::make_tuple(std::string("align"), std::string("mygen"), std::optional<std::int64_t>(),
                          std::string("101")));
    CHECK(got.at("extra.png") == std::make_tuple(std::string("test"), std::string("mygen"),
                                                 std::optional<std::int64_t>(), std::string("102")));
    const auto summaries = ws.listDatasets();
    REQUIRE(summaries.size() == 1);
    CHECK(summaries[0].generatedImages == 6);
    CHECK(summaries[0].realImages == 2);
    CHECK(summaries[0].generators.at("mygen") == 5);

    SECTION("re-running imports nothing new") {
        data::GeneratedImportJob again(options);
        test::TestContext second;
        REQUIRE(again.run(second));
        CHECK(again.summary().imagesImported == 0);
        CHECK(again.summary().imagesSkipped == 6);
        CHECK(count(ws,
                    "SELECT COUNT(*) FROM generations g JOIN images i ON i.id = g.image_id "
                    "WHERE i.dataset_id = ?",
                    dataset.id) == 6);
    }
    SECTION("an unknown dataset or a bad manifest is an error") {
        auto other = options;
        other.dataset = "nope";
        data::GeneratedImportJob noDataset(other);
        CHECK_THAT(errorOf(noDataset), Catch::Contains("no dataset named \"nope\""));
        test::writeFile(options.manifest, "path\tseed\n100/0.png\tlots\n");
        data::GeneratedImportJob badSeed(options);
        CHECK_THAT(errorOf(badSeed), Catch::Contains("manifest.tsv: line 2") && Catch::Contains("\"lots\""));
    }
}

TEST_CASE("JSON nested 300,000 levels deep is refused naming the file, before anything is written", "[import]") {
    // Parsing such a file is iterative, but copying it or dump() recursed once per level and
    // overflowed the stack (issue 22, item 3).
    test::TempDir tmp;
    auto ws = Workspace::create(tmp / "ws");
    const fs::path images = tmp / "images";
    writePng(images / "a.png", 4, 3);
    writePng(images / "b.png", 2, 2);
    const fs::path captions = tmp / "captions_train2014.json";
    test::writeFile(captions, kCoco);
    data::CocoImportOptions options;
    options.workspace = tmp / "ws";
    options.captionsFile = captions;
    options.imageRoot = images;
    options.name = "mine";
    {
        data::CocoImportJob job(options);
        test::TestContext context;
        REQUIRE(job.run(context));
    }
    const auto id = ws.requireDataset("mine").id;
    const auto deep = [](std::size_t levels) { return std::string(levels, '[') + std::string(levels, ']'); };

    SECTION("a COCO info field") {
        test::writeFile(captions, "{\"info\": " + deep(300000) +
                                      ", \"images\": [{\"id\": 1, \"file_name\": \"a.png\"}], \"annotations\": []}");
        data::CocoImportJob bad(options);
        CHECK_THAT(errorOf(bad), Catch::Contains(captions.string()) && Catch::Contains("nested deeper than 256 levels"));
        auto fresh = options;
        fresh.name = "fresh";
        data::CocoImportJob badFresh(fresh);
        CHECK_THAT(errorOf(badFresh), Catch::Contains(captions.string()) && Catch::Contains("256"));
        CHECK_FALSE(ws.findDataset("fresh").has_value());
    }
    SECTION("a Karpathy attributes field") {
        const fs::path karpathy = tmp / "dataset_deep.json";
        test::writeFile(karpathy, "{\"images\": [{\"filename\": \"a.png\", \"split\": \"train\", \"sentences\": "
                                  "[{\"raw\": \"a thing\"}], \"attributes\": {\"shape\": " +
                                      deep(300000) + "}}]}");
        data::KarpathyImportOptions k;
        k.workspace = tmp / "ws";
        k.jsonFile = karpathy;
        k.imageRoot = images;
        k.name = "karpathy";
        data::KarpathyImportJob job(k);
        CHECK_THAT(errorOf(job), Catch::Contains(karpathy.string()) && Catch::Contains("nested deeper than 256 levels"));
        CHECK_FALSE(ws.findDataset("karpathy").has_value());
    }
    SECTION("nesting within the limit still imports, and brackets inside strings do not count") {
        test::writeFile(captions, "{\"info\": {\"note\": \"" + std::string(1000, '[') + "\\\"" + std::string(1000, '{') +
                                      "\", \"deep\": " + deep(200) +
                                      "}, \"images\": [{\"id\": 1, \"file_name\": \"a.png\"}], \"annotations\": []}");
        auto again = options;
        again.name = "within";
        data::CocoImportJob job(again);
        test::TestContext context;
        CHECK(job.run(context));
        CHECK(ws.findDataset("within").has_value());
    }
    // Nothing stored is lost.
    CHECK(count(ws, "SELECT COUNT(*) FROM images WHERE dataset_id = ?", id) == 4);
    CHECK(count(ws, "SELECT COUNT(*) FROM captions WHERE dataset_id = ?", id) == 3);
    auto check = rawDb(ws).prepare("PRAGMA integrity_check");
    REQUIRE(check.step());
    CHECK(check.columnText(0) == "ok");
}
