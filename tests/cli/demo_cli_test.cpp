// `genra demo --quick` end to end through the real binary: the report exists, every table has
// every method, every number shown equals the result stored in the workspace, the figures are real
// images, and a second run reuses every stage.
#include <catch2/catch.hpp>

#include "core/data/image.h"
#include "core/demo/demo.h"
#include "core/store/workspace.h"
#include "core/store/raw_db.h"
#include "core/util/resources.h"
#include "support/test_support.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <map>
#include <set>

using namespace genra;
namespace fs = std::filesystem;

namespace {

test::ProcessResult runGenra(const std::vector<std::string>& args) {
    std::vector<std::string> argv{GENRA_CLI};
    argv.insert(argv.end(), args.begin(), args.end());
    return test::runProcess(argv);
}

std::string fixed(double v, int decimals) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

std::size_t distinctColours(const data::Image& img) {
    std::set<std::uint32_t> colours;
    for (int y = 0; y < img.height; y += 2)
        for (int x = 0; x < img.width; x += 2)
            colours.insert(std::uint32_t(img.at(y, x, 0)) << 16 | std::uint32_t(img.at(y, x, 1)) << 8 | img.at(y, x, 2));
    return colours.size();
}

}  // namespace

TEST_CASE("genra demo --quick runs the paper's experiment and reports what the workspace holds", "[cli][demo][slow]") {
    test::TempDir tmp{"genra-demo"};
    const auto ws = tmp / "ws";
    const auto first = runGenra({"demo", "--quick", "--workspace", ws.string()});
    INFO(first.err.substr(first.err.size() > 4000 ? first.err.size() - 4000 : 0));
    REQUIRE(first.exitCode == 0);
    CHECK(first.out.find("genra-workbench") != std::string::npos);

    const auto reportMd = test::readFile(ws / "exports" / "report.md");
    const auto report = nlohmann::json::parse(test::readFile(ws / "exports" / "report.json"));

    // Every table, with the rows (methods) it must have.
    const std::set<std::string> main = {"base", "gen-as-real", "naive", "lora-noalign", "genra", "genra-alg1", "real-ft", "full-ft"};
    auto withWgen = main;
    withWgen.insert("genra-wgen");
    const std::map<std::string, std::set<std::string>> expected = {
        {"table2_retrieval", main},
        {"table4_zeroshot", main},
        {"table6_alignment", {"lora-noalign", "genra"}},
        {"table7_scaling", {"genra-s1", "genra-s2", "genra"}},
        {"table11_real", {"base", "gen-as-real", "naive", "genra", "real-ft"}},
        {"table12_rank", {"genra-r2", "genra", "genra-r6", "full-ft"}},
        {"table13_similarity", withWgen},
        {"table13_control", {"base", "lora-noalign-shift", "genra-shift"}},
    };
    REQUIRE(report["seeds"] == 2);
    std::map<std::string, std::set<std::string>> seen;
    auto store = store::Workspace::open(ws, store::Db::Mode::ReadOnly);
    auto row = rawDb(store).prepare("SELECT value, metric FROM eval_results WHERE id = ?");
    for (const auto& e : report["entries"]) {
        const std::string table = e["table"];
        INFO(table << " " << e["method"] << " " << e["metric"]);
        seen[table].insert(e["method"].get<std::string>());
        // The number shown is the mean of the stored results of every seed, scaled and rounded as
        // the column says; trained methods have one result per seed.
        const auto ids = e["result_ids"];
        const bool captioners = table == "table6_alignment" || table == "table11_real" || table == "table12_rank";
        const int expectedResults = captioners ? report["caption_seeds"].get<int>() : (e["method"] == "base" ? 1 : 2);
        CHECK(static_cast<int>(ids.size()) == expectedResults);
        double sum = 0;
        for (const auto& id : ids) {
            row.reset();
            row.bind(1, id.get<std::int64_t>());
            REQUIRE(row.step());
            CHECK(row.columnText(1) == e["metric"].get<std::string>());
            sum += row.columnDouble(0);
        }
        const double stored = sum / static_cast<double>(ids.size());
        CHECK(stored == Approx(e["stored"].get<double>()).margin(1e-9));
        const auto shown = fixed(stored * e["scale"].get<double>(), e["decimals"].get<int>());
        CHECK(e["shown"].get<std::string>().rfind(shown, 0) == 0);
        CHECK(reportMd.find(e["shown"].get<std::string>()) != std::string::npos);
        CHECK(std::isfinite(stored));
    }
    // No metric column is all zeros (a column that cannot tell methods apart says nothing).
    std::map<std::pair<std::string, std::string>, bool> nonZero;
    for (const auto& e : report["entries"]) {
        auto& any = nonZero[{e["table"].get<std::string>(), e["metric"].get<std::string>()}];
        any = any || std::fabs(e["stored"].get<double>()) > 1e-9;
    }
    for (const auto& [column, any] : nonZero) {
        INFO(column.first << " / " << column.second);
        CHECK(any);
    }
    for (const auto& [table, methods] : expected) {
        INFO(table);
        CHECK(seen[table] == methods);
        CHECK(fs::exists(ws / "exports" / "tables" / (table + ".csv")));
        const auto tex = test::readFile(ws / "exports" / "tables" / (table + ".tex"));
        CHECK(tex.find("\\toprule") != std::string::npos);
        CHECK(reportMd.find("exports/tables/" + table + ".csv") != std::string::npos);
    }
    // Every stated effect: an interval around its difference and the verdict that interval gives.
    REQUIRE(report["effects"].size() >= 20);
    for (const auto& f : report["effects"]) {
        INFO(f.dump());
        for (const char* key : {"table", "metric", "method", "baseline", "mean", "baseline_mean", "diff", "ci_low", "ci_high",
                                "seeds", "paper_direction", "verdict"})
            CHECK(f.contains(key));
        const double lo = f["ci_low"];
        const double hi = f["ci_high"];
        CHECK(lo <= f["diff"].get<double>() + 1e-9);
        CHECK(hi >= f["diff"].get<double>() - 1e-9);
        const bool higher = f["paper_direction"] == "higher";
        const std::string verdict = f["verdict"];
        if (lo <= 0 && hi >= 0) CHECK(verdict == "inconclusive");
        else if ((lo > 0) == higher) CHECK(verdict == "paper");
        else CHECK(verdict == "opposite");
        CHECK(reportMd.find(f["table"].get<std::string>()) != std::string::npos);
    }
    CHECK(reportMd.find("95% CI [") != std::string::npos);
    // The report says which generator made the generated modality: the shipped checkpoint.
    if (fs::exists(util::findResource(demo::kDemoGeneratorResource) / "model.safetensors")) {
        CHECK(report["generator"]["source"] == "shipped");
        CHECK(report["generator"]["steps"] == 2400);
        CHECK(report["generator"]["adherence_check"]["captions"] == 50);
        CHECK(reportMd.find("**the shipped checkpoint**") != std::string::npos);
    } else {
        CHECK(report["generator"]["source"] == "trained");
    }
    // The generator's caption adherence and the fine detail of its samples beside the real images'.
    CHECK(reportMd.find("Caption adherence of the generated images") != std::string::npos);
    CHECK(reportMd.find("Fine detail (RMS difference from a 3x3 blur): ") != std::string::npos);

    // Figures are images with content, not blank canvases.
    for (const auto& f : report["figures"]) {
        INFO(f.get<std::string>());
        const auto img = data::loadImage(f.get<std::string>());
        CHECK(img.width >= 300);
        CHECK(distinctColours(img) >= 20);
    }

    // The built-in generator made the same number of images for every align caption (the quick
    // plan's largest scaling point, 3) and one per test image.
    auto gen = rawDb(store).prepare(
        "SELECT i.split, COUNT(*), COUNT(DISTINCT g.caption_id) FROM generations g JOIN images i ON i.id = g.image_id "
        "WHERE g.generator = 'builtin:demo-gen' GROUP BY i.split ORDER BY i.split");
    REQUIRE(gen.step());
    CHECK(gen.columnText(0) == "align");
    CHECK(gen.columnInt(1) == 3 * gen.columnInt(2));
    REQUIRE(gen.step());
    CHECK(gen.columnText(0) == "test");
    CHECK(gen.columnInt(1) == gen.columnInt(2));

    // The positive control: one shift image per generated image, each flagged as a control.
    auto control = rawDb(store).prepare(
        "SELECT COUNT(*), SUM(json_extract(g.params, '$.control') = 1) FROM generations g WHERE g.generator = 'builtin:shift'");
    REQUIRE(control.step());
    CHECK(control.columnInt(0) > 0);
    CHECK(control.columnInt(1) == control.columnInt(0));

    // A second run reuses every stage and rewrites the same numbers.
    const auto second = runGenra({"demo", "--quick", "--workspace", ws.string()});
    INFO(second.err);
    REQUIRE(second.exitCode == 0);
    for (const char* stage : {"shapes", "pretrain", "generator", "methods", "evaluate", "captioners", "tsne"})
        CHECK(second.out.find(std::string("  ") + stage + ": ") != std::string::npos);
    CHECK(second.out.find("pretrain: 0 s (cached)") != std::string::npos);
    CHECK(second.out.find("methods: 0 s (cached)") != std::string::npos);
    const auto again = nlohmann::json::parse(test::readFile(ws / "exports" / "report.json"));
    CHECK(again["entries"] == report["entries"]);
    CHECK(again["effects"] == report["effects"]);

    // A workspace keeps its generator: training one in the demo needs a workspace of its own;
    // nothing stored is touched.
    const auto other = runGenra({"demo", "--quick", "--workspace", ws.string(), "--generator-steps", "301"});
    CHECK(other.exitCode != 0);
    CHECK(other.err.find("uses the shipped generator") != std::string::npos);
    CHECK(other.err.find("--generator-steps 301") != std::string::npos);
    const auto after = nlohmann::json::parse(test::readFile(ws / "exports" / "report.json"));
    CHECK(after["entries"] == report["entries"]);
    CHECK(runGenra({"demo", "--quick", "--workspace", ws.string(), "--generator-steps", "0"}).exitCode != 0);

    // f_r likewise: the shipped CLIP when the build has it, and the workspace keeps it.
    if (!util::findResource(demo::kDemoClipResource).empty()) {
        CHECK(report["f_r"]["source"] == "shipped");
        CHECK(report["f_r"]["provenance"].value("script", "") == "scripts/train-demo-clip");
        CHECK(reportMd.find("scripts/train-demo-clip") != std::string::npos);
        const auto pretrain = runGenra({"demo", "--quick", "--workspace", ws.string(), "--train-clip"});
        CHECK(pretrain.exitCode != 0);
        CHECK(pretrain.err.find("uses the shipped f_r") != std::string::npos);
        CHECK(nlohmann::json::parse(test::readFile(ws / "exports" / "report.json"))["entries"] == report["entries"]);
    } else {
        CHECK(report["f_r"]["source"] == "trained");
    }
    CHECK(runGenra({"demo", "--quick", "--workspace", ws.string(), "--train-clip", "--clip-bundle", ws.string()}).exitCode != 0);
}
