// `genra import coco|karpathy|csv|generated` through the real binary: summaries, exit codes,
// messages for bad input.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "core/data/image.h"
#include "core/store/workspace.h"
#include "core/store/raw_db.h"
#include "support/test_support.h"

using namespace genra;
namespace fs = std::filesystem;

namespace {
test::ProcessResult runGenra(const std::vector<std::string>& args) {
    std::vector<std::string> argv{GENRA_CLI};
    argv.insert(argv.end(), args.begin(), args.end());
    return test::runProcess(argv);
}

void writePng(const fs::path& path, int width, int height) {
    data::Image image;
    image.width = width;
    image.height = height;
    image.channels = 3;
    image.pixels.assign(static_cast<std::size_t>(width * height * 3), 200);
    data::saveImage(image, path);
}

nlohmann::json datasetsJson(const std::string& ws) {
    const auto listed = runGenra({"datasets", "--workspace", ws, "--json"});
    REQUIRE(listed.exitCode == 0);
    return nlohmann::json::parse(listed.out);
}
}  // namespace

TEST_CASE("genra import coco: summary, resume, malformed file", "[import][cli]") {
    test::TempDir tmp;
    const std::string ws = (tmp / "ws").string();
    REQUIRE(runGenra({"init", ws}).exitCode == 0);
    const fs::path images = tmp / "images";
    writePng(images / "a.png", 4, 3);
    writePng(images / "b.png", 4, 3);
    const fs::path captions = tmp / "captions_val2014.json";
    test::writeFile(captions, R"({"images": [{"id": 1, "file_name": "a.png"}, {"id": 2, "file_name": "b.png"},
        {"id": 3, "file_name": "gone.png"}],
      "annotations": [{"id": 5, "image_id": 1, "caption": "one"}, {"id": 6, "image_id": 2, "caption": "two"},
        {"id": 7, "image_id": 2, "caption": "three"}]})");

    auto first = runGenra(
        {"import", "coco", "--workspace", ws, "--captions", captions.string(), "--images", images.string()});
    INFO(first.err);
    REQUIRE(first.exitCode == 0);
    CHECK_THAT(first.out, Catch::Contains("captions_val2014") &&
                              Catch::Contains("images imported:            3") &&
                              Catch::Contains("captions imported:          3") &&
                              Catch::Contains("missing image file: 1") && Catch::Contains("gone.png"));
    auto listed = datasetsJson(ws);
    REQUIRE(listed.size() == 1);
    CHECK(listed[0]["kind"] == "coco");
    CHECK(listed[0]["images"] == 3);
    CHECK(listed[0]["unreadable_images"] == 1);
    CHECK(listed[0]["splits"]["val"] == 3);

    SECTION("a second run resumes: nothing new") {
        auto second = runGenra({"import", "coco", "--workspace", ws, "--captions", captions.string(),
                                "--images", images.string()});
        CHECK(second.exitCode == 0);
        CHECK_THAT(second.out, Catch::Contains("images imported:            0") &&
                                   Catch::Contains("already imported, skipped:  3 images, 3 captions"));
        CHECK(datasetsJson(ws)[0]["captions"] == 3);
    }
    SECTION("a malformed file fails with exit 1, its position, and the dataset intact") {
        test::writeFile(captions, "{\"images\": [\n  {\"id\": 1 \"file_name\": \"a.png\"}]}");
        auto bad = runGenra({"import", "coco", "--workspace", ws, "--captions", captions.string(), "--images",
                             images.string()});
        CHECK(bad.exitCode == 1);
        CHECK_THAT(bad.err, Catch::Contains(captions.string()) && Catch::Contains("line 2, column 22"));
        CHECK(bad.out.empty());
        CHECK(datasetsJson(ws)[0]["images"] == 3);
    }
    SECTION("a missing key names it") {
        test::writeFile(captions,
                        R"({"images": [{"id": 1, "file_name": "a.png"}], "annotations": [{"id": 1}]})");
        auto bad = runGenra({"import", "coco", "--workspace", ws, "--captions", captions.string(), "--images",
                             images.string(), "--name", "other"});
        CHECK(bad.exitCode == 1);
        CHECK_THAT(bad.err, Catch::Contains("annotations[0].image_id: missing required key"));
    }
    SECTION("another kind into an existing name is refused") {
        test::writeFile(tmp / "rows.csv", "image,caption\na.png,x\n");
        auto clash = runGenra({"import", "csv", "--workspace", ws, "--file", (tmp / "rows.csv").string(),
                               "--images", images.string(), "--name", "captions_val2014"});
        CHECK(clash.exitCode == 1);
        CHECK_THAT(clash.err, Catch::Contains("already has a dataset named \"captions_val2014\""));
    }
    SECTION("usage errors exit 2") {
        CHECK(runGenra({"import"}).exitCode == 2);
        auto noImages = runGenra({"import", "coco", "--workspace", ws, "--captions", captions.string()});
        CHECK(noImages.exitCode == 2);
        CHECK_THAT(noImages.err, Catch::Contains("--images"));
    }
    SECTION("a missing workspace or input file exits 1") {
        auto noWs = runGenra({"import", "coco", "--workspace", (tmp / "nows").string(), "--captions",
                              captions.string(), "--images", images.string()});
        CHECK(noWs.exitCode == 1);
        CHECK_THAT(noWs.err, Catch::Contains("no workspace"));
        auto noFile = runGenra({"import", "coco", "--workspace", ws, "--captions",
                                (tmp / "none.json").string(), "--images", images.string()});
        CHECK(noFile.exitCode == 1);
        CHECK_THAT(noFile.err, Catch::Contains("none.json"));
    }
}

TEST_CASE("genra import karpathy, csv and generated", "[import][cli]") {
    test::TempDir tmp;
    const std::string ws = (tmp / "ws").string();
    REQUIRE(runGenra({"init", ws}).exitCode == 0);
    const fs::path images = tmp / "images";
    writePng(images / "train" / "a.png", 4, 3);
    writePng(images / "test" / "b.png", 4, 3);
    const nlohmann::json doc{{"dataset", "tiny"},
                             {"images",
                              {{{"filepath", "train"},
                                {"filename", "a.png"},
                                {"split", "align"},
                                {"sentences", {{{"raw", "a"}, {"sentid", 10}}}},
                                {"attributes", {{"shape", "circle"}}}},
                               {{"filepath", "test"},
                                {"filename", "b.png"},
                                {"split", "test"},
                                {"sentences", {{{"raw", "b"}, {"sentid", 11}}}}}}}};
    test::writeFile(tmp / "dataset_tiny.json", doc.dump());
    auto karpathy =
        runGenra({"import", "karpathy", "--workspace", ws, "--json", (tmp / "dataset_tiny.json").string(),
                  "--images", images.string(), "--name", "tiny"});
    INFO(karpathy.err);
    REQUIRE(karpathy.exitCode == 0);
    CHECK_THAT(karpathy.out, Catch::Contains("dataset \"tiny\" (karpathy)") &&
                                 Catch::Contains("errors:                     0"));

    test::writeFile(tmp / "rows.txt", "train/a.png|\"a | b\"\ntest/b.png|second\n");
    auto csv = runGenra({"import", "csv", "--workspace", ws, "--file", (tmp / "rows.txt").string(),
                         "--images", images.string(), "--delimiter", "|", "--no-header", "--name", "rows"});
    INFO(csv.err);
    REQUIRE(csv.exitCode == 0);
    CHECK_THAT(csv.out, Catch::Contains("captions imported:          2"));

    test::writeFile(tmp / "bad.csv", "image,caption\ntrain/a.png,\"never closed\n");
    auto badCsv = runGenra({"import", "csv", "--workspace", ws, "--file", (tmp / "bad.csv").string(),
                            "--images", images.string()});
    CHECK(badCsv.exitCode == 1);
    CHECK_THAT(badCsv.err, Catch::Contains("bad.csv: line 2"));

    const fs::path gen = tmp / "gen";
    writePng(gen / "10" / "3.png", 2, 2);
    writePng(gen / "11" / "4.png", 2, 2);
    writePng(gen / "12" / "5.png", 2, 2);
    test::writeFile(gen / "manifest.tsv", "path\tseed\n11/4.png\t99\n");
    auto generated = runGenra({"import", "generated", "--workspace", ws, "--root", gen.string(), "--dataset",
                               "tiny", "--manifest", (gen / "manifest.tsv").string(), "--generator", "toy"});
    INFO(generated.err);
    REQUIRE(generated.exitCode == 0);
    CHECK_THAT(generated.out, Catch::Contains("generations linked:         2") &&
                                  Catch::Contains("unknown caption key: 1") &&
                                  Catch::Contains("no caption with key 12 in dataset tiny"));
    const auto listed = datasetsJson(ws);
    REQUIRE(listed.size() == 2);
    CHECK(listed[0]["name"] == "tiny");
    CHECK(listed[0]["generated_images"] == 2);
    CHECK(listed[0]["generators"]["toy"] == 2);
    CHECK(listed[1]["name"] == "rows");
    CHECK(listed[1]["captions"] == 2);

    auto missingDataset =
        runGenra({"import", "generated", "--workspace", ws, "--root", gen.string(), "--dataset", "zzz"});
    CHECK(missingDataset.exitCode == 1);
    CHECK_THAT(missingDataset.err, Catch::Contains("zzz"));

    auto store = store::Workspace::open(ws, store::Db::Mode::ReadOnly);
    auto s = rawDb(store).prepare(
        "SELECT g.seed, i.split FROM generations g JOIN images i ON i.id = g.image_id ORDER BY i.path");
    REQUIRE(s.step());
    CHECK(s.columnInt(0) == 3);
    CHECK(s.columnText(1) == "align");
    REQUIRE(s.step());
    CHECK(s.columnInt(0) == 99);
    CHECK(s.columnText(1) == "test");
}
