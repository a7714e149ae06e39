// `genra make-shapes` through the real binary: output files, usage errors (exit 2), failures (exit 1).
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "support/test_support.h"

namespace fs = std::filesystem;
using namespace genra;

namespace {
test::ProcessResult runGenra(const std::vector<std::string>& args) {
    std::vector<std::string> argv{GENRA_CLI};
    argv.insert(argv.end(), args.begin(), args.end());
    return test::runProcess(argv);
}

int countFiles(const fs::path& folder) {
    int count = 0;
    for (const auto& entry : fs::directory_iterator(folder)) count += entry.is_regular_file() ? 1 : 0;
    return count;
}
}  // namespace

TEST_CASE("genra make-shapes writes images and both caption files", "[shapes][cli]") {
    test::TempDir tmp;
    const auto out = tmp / "shapes";
    const auto run = runGenra({"make-shapes", "--out", out.string(), "--count", "20", "--seed", "3"});
    INFO(run.err);
    REQUIRE(run.exitCode == 0);
    CHECK_THAT(run.out, Catch::Contains("wrote 20") && Catch::Contains("pretrain 10"));
    CHECK(fs::exists(out / "dataset_shapes.json"));
    CHECK(fs::exists(out / "captions_shapes.json"));
    CHECK(countFiles(out / "images" / "pretrain") == 10);
    CHECK(countFiles(out / "images" / "align") == 6);
    CHECK(countFiles(out / "images" / "test") == 4);

    const auto karpathy = nlohmann::json::parse(test::readFile(out / "dataset_shapes.json"));
    CHECK(karpathy["images"].size() == 20);
    CHECK(karpathy["image_size"] == 64);

    SECTION("options: size, split fractions, global --threads; same seed same bytes") {
        const auto other = tmp / "other";
        const auto again = runGenra({"--threads", "1", "make-shapes", "-o", other.string(), "-n", "20",
                                     "--seed", "3", "--size", "48", "--split-fractions", "0.6,0.2,0.2"});
        INFO(again.err);
        REQUIRE(again.exitCode == 0);
        CHECK(countFiles(other / "images" / "pretrain") == 12);
        const auto coco = nlohmann::json::parse(test::readFile(other / "captions_shapes.json"));
        CHECK(coco["images"][0]["width"] == 48);

        const auto same = tmp / "same";
        REQUIRE(runGenra({"make-shapes", "--out", same.string(), "--count", "20", "--seed", "3"}).exitCode ==
                0);
        CHECK(test::readFile(same / "dataset_shapes.json") == test::readFile(out / "dataset_shapes.json"));
        CHECK(test::readFile(same / "captions_shapes.json") == test::readFile(out / "captions_shapes.json"));
    }
}

TEST_CASE("genra make-shapes: bad arguments exit 2, unwritable output exits 1", "[shapes][cli]") {
    test::TempDir tmp;
    const auto out = (tmp / "x").string();
    SECTION("missing --out") {
        CHECK(runGenra({"make-shapes", "--count", "5"}).exitCode == 2);
    }
    SECTION("count zero") {
        CHECK(runGenra({"make-shapes", "--out", out, "--count", "0"}).exitCode == 2);
    }
    SECTION("count not a number") {
        CHECK(runGenra({"make-shapes", "--out", out, "--count", "many"}).exitCode == 2);
    }
    SECTION("size too small") {
        CHECK(runGenra({"make-shapes", "--out", out, "--size", "8"}).exitCode == 2);
    }
    SECTION("negative seed") {
        CHECK(runGenra({"make-shapes", "--out", out, "--seed", "-4"}).exitCode == 2);
    }
    SECTION("fractions not summing to 1") {
        const auto r = runGenra({"make-shapes", "--out", out, "--split-fractions", "0.5,0.5,0.5"});
        CHECK(r.exitCode == 2);
        CHECK_THAT(r.err, Catch::Contains("sum to 1"));
    }
    SECTION("two fractions") {
        CHECK(runGenra({"make-shapes", "--out", out, "--split-fractions", "0.5,0.5"}).exitCode == 2);
    }
    SECTION("unwritable output folder") {
        test::writeFile(tmp / "blocker", "a file, not a folder");
        const auto bad = (tmp / "blocker" / "out").string();
        const auto r = runGenra({"make-shapes", "--out", bad, "--count", "3"});
        CHECK(r.exitCode == 1);
        CHECK_THAT(r.err, Catch::Contains(bad));
    }
    CHECK_FALSE(fs::exists(tmp / "x" / "dataset_shapes.json"));
}

TEST_CASE("genra make-shapes --version: 2 by default, 1 on request, others rejected naming --version",
          "[shapes][cli]") {
    test::TempDir tmp;
    const auto v2 = tmp / "v2";
    const auto v1 = tmp / "v1";
    const auto defaults = runGenra({"make-shapes", "--out", v2.string(), "--count", "6", "--seed", "2"});
    INFO(defaults.err);
    REQUIRE(defaults.exitCode == 0);
    const auto karpathy2 = nlohmann::json::parse(test::readFile(v2 / "dataset_shapes.json"));
    CHECK(karpathy2["shapes_version"] == 2);
    for (const auto& image : karpathy2["images"]) {
        CHECK(image["attributes"]["shapes_version"] == 2);
        CHECK(image["attributes"]["count"] == 1);
    }

    const auto one = runGenra({"make-shapes", "--out", v1.string(), "--count", "6", "--seed", "2", "--version", "1"});
    INFO(one.err);
    REQUIRE(one.exitCode == 0);
    CHECK_THAT(one.out, Catch::Contains("wrote 6"));
    const auto karpathy1 = nlohmann::json::parse(test::readFile(v1 / "dataset_shapes.json"));
    CHECK_FALSE(karpathy1.contains("shapes_version"));
    CHECK(karpathy1["images"].size() == 6);

    // An explicit --version 2 is the default.
    const auto two = tmp / "two";
    REQUIRE(runGenra({"make-shapes", "--out", two.string(), "--count", "6", "--seed", "2", "--version", "2"})
                .exitCode == 0);
    CHECK(test::readFile(two / "dataset_shapes.json") == test::readFile(v2 / "dataset_shapes.json"));

    for (const std::string bad : {"3", "0", "-1", "two"}) {
        INFO("--version " << bad);
        const auto out = tmp / ("bad" + bad);
        const auto r = runGenra({"make-shapes", "--out", out.string(), "--count", "3", "--version", bad});
        CHECK(r.exitCode == 2);
        CHECK_THAT(r.err, Catch::Contains("--version"));
        CHECK_FALSE(fs::exists(out / "dataset_shapes.json"));
    }
    // The program's own --version flag still prints the program version.
    const auto programVersion = runGenra({"--version"});
    CHECK(programVersion.exitCode == 0);
    CHECK_FALSE(programVersion.out.empty());
}

TEST_CASE("genra make-shapes --style and --studio-fraction: recorded, and bad combinations refused naming the flag",
          "[shapes][cli]") {
    test::TempDir tmp;
    const auto studio = runGenra({"make-shapes", "--out", (tmp / "studio").string(), "--count", "6", "--seed", "2",
                                  "--style", "studio"});
    INFO(studio.err);
    REQUIRE(studio.exitCode == 0);
    const auto s = nlohmann::json::parse(test::readFile(tmp / "studio" / "dataset_shapes.json"));
    CHECK(s["shapes_style"] == "studio");
    for (const auto& image : s["images"]) CHECK(image["attributes"]["shapes_style"] == "studio");

    const auto mixed = runGenra({"make-shapes", "--out", (tmp / "mixed").string(), "--count", "40", "--seed", "2",
                                 "--studio-fraction", "0.5"});
    INFO(mixed.err);
    REQUIRE(mixed.exitCode == 0);
    const auto m = nlohmann::json::parse(test::readFile(tmp / "mixed" / "dataset_shapes.json"));
    CHECK(m["studio_fraction"] == 0.5);
    int studioImages = 0;
    for (const auto& image : m["images"]) {
        if (image["attributes"].value("shapes_style", std::string()) != "studio") continue;
        ++studioImages;
        CHECK(image["split"] == "pretrain");
    }
    CHECK(studioImages > 0);

    const std::vector<std::pair<std::vector<std::string>, std::string>> bad = {
        {{"--style", "studio", "--version", "1"}, "--style"},
        {{"--style", "painting"}, "--style"},
        {{"--studio-fraction", "2"}, "--studio-fraction"},
        {{"--studio-fraction", "0.3", "--style", "studio"}, "--studio-fraction"},
    };
    for (const auto& [flags, named] : bad) {
        std::vector<std::string> args{"make-shapes", "--out", (tmp / "bad").string(), "--count", "3"};
        args.insert(args.end(), flags.begin(), flags.end());
        const auto r = runGenra(args);
        INFO(r.err);
        CHECK(r.exitCode == 2);
        CHECK_THAT(r.err, Catch::Contains(named));
        CHECK_FALSE(fs::exists(tmp / "bad" / "dataset_shapes.json"));
    }
}
