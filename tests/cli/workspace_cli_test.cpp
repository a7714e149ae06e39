// `genra init`, `genra datasets`, exit codes and help, through the real binary.
#include "core/store/workspace.h"
#include "support/test_support.h"

#include <catch2/catch.hpp>

using namespace genra;

namespace {
test::ProcessResult runGenra(const std::vector<std::string>& args, const std::string& input = {}) {
    std::vector<std::string> argv{GENRA_CLI};
    argv.insert(argv.end(), args.begin(), args.end());
    return test::runProcess(argv, input);
}
}  // namespace

TEST_CASE("genra init creates a workspace and datasets lists it", "[cli]") {
    test::TempDir tmp;
    const auto ws = (tmp / "ws").string();
    auto init = runGenra({"init", ws});
    REQUIRE(init.exitCode == 0);
    CHECK(store::Workspace::exists(ws));

    auto empty = runGenra({"datasets", "--workspace", ws});
    CHECK(empty.exitCode == 0);
    CHECK_THAT(empty.out, Catch::Contains("no datasets"));

    {
        auto w = store::Workspace::open(ws);
        store::DatasetInfo info;
        info.name = "mine";
        info.kind = "csv";
        const auto id = w.createDataset(info);
        store::ImageRecord img;
        img.datasetId = id;
        img.path = "/x.png";
        img.split = "val";
        w.insertImage(img);
    }
    auto listed = runGenra({"datasets", "--workspace", ws});
    CHECK(listed.exitCode == 0);
    CHECK_THAT(listed.out, Catch::Contains("mine") && Catch::Contains("val:1"));

    auto json = runGenra({"datasets", "--workspace", ws, "--json"});
    REQUIRE(json.exitCode == 0);
    const auto parsed = nlohmann::json::parse(json.out);
    REQUIRE(parsed.size() == 1);
    CHECK(parsed[0]["name"] == "mine");
    CHECK(parsed[0]["images"] == 1);
}

TEST_CASE("genra exit codes: usage errors are 2, failures 1", "[cli]") {
    test::TempDir tmp;
    SECTION("no sub-command") { CHECK(runGenra({}).exitCode == 2); }
    SECTION("unknown option") { CHECK(runGenra({"datasets", "--bogus"}).exitCode == 2); }
    SECTION("missing required option") {
        auto r = runGenra({"datasets"});
        CHECK(r.exitCode == 2);
        CHECK_THAT(r.err, Catch::Contains("--workspace"));
    }
    SECTION("a workspace that is not there fails with its name") {
        auto r = runGenra({"datasets", "--workspace", (tmp / "absent").string()});
        CHECK(r.exitCode == 1);
        CHECK_THAT(r.err, Catch::Contains("absent"));
    }
    SECTION("help succeeds and describes the sub-commands") {
        auto r = runGenra({"--help"});
        CHECK(r.exitCode == 0);
        CHECK_THAT(r.out, Catch::Contains("init") && Catch::Contains("datasets"));
        auto sub = runGenra({"datasets", "--help"});
        CHECK(sub.exitCode == 0);
        CHECK_THAT(sub.out, Catch::Contains("--workspace"));
    }
}
