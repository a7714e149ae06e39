// `genra export table` through the real binary: stored evaluation results as CSV, Markdown and
// LaTeX tables with models or training runs as rows, chosen metrics, files, and exit codes.
#include <catch2/catch.hpp>
#include <cstdio>

#include "core/eval/workspace_eval.h"
#include "core/store/runs.h"
#include "core/store/raw_db.h"
#include "support/eval_world.h"
#include "support/test_support.h"

using namespace genra;

namespace {

using test::runGenra;

std::string oneDecimal(double v) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.1f", v);
    return buffer;
}

}  // namespace

TEST_CASE("genra export table lays stored results out as a paper table", "[cli][report]") {
    test::EvalWorld world;
    const auto ws = world.ws.string();
    {
        auto w = store::Workspace::open(world.ws);
        const auto runId = store::createRun(w, "genra_run", "genra", nlohmann::json::object(), "cpu", 1);
        store::finishRun(w, runId, "finished", {}, model::requireModel(w, "other").id);
        rawDb(w).exec("UPDATE models SET run_id = " + std::to_string(runId) + " WHERE name = 'other'");
    }
    test::TestContext quiet;
    std::map<std::string, std::map<std::string, double>> values;
    for (const std::string model : {"base", "other"}) {
        eval::EvalOptions o;
        o.workspace = world.ws;
        o.model = model;
        o.dataset = "shapes";
        o.split = "test";
        o.device = "cpu";
        o.workers = 1;
        eval::EvaluateJob job(o);
        REQUIRE(job.run(quiet));
        for (const auto& m : job.outcome().metrics) values[model][m.name] = m.value;
    }

    SECTION("CSV with chosen columns") {
        const auto r = runGenra({"export", "table", "--workspace", ws, "--models", "other,base", "--metrics",
                                 "t2i_R@1,i2t_R@1", "--format", "csv"});
        REQUIRE(r.exitCode == 0);
        const std::string expected = ",Text-to-image,Image-to-text\r\nModel,R@1,R@1\r\nother," +
                                     oneDecimal(values["other"]["t2i_R@1"]) + "," +
                                     oneDecimal(values["other"]["i2t_R@1"]) + "\r\nbase," +
                                     oneDecimal(values["base"]["t2i_R@1"]) + "," +
                                     oneDecimal(values["base"]["i2t_R@1"]) + "\r\n";
        CHECK(r.out == expected);
    }
    SECTION("LaTeX to a file, bold on the better model, rows labelled by run") {
        const auto out = world.tmp / "table.tex";
        const auto r =
            runGenra({"export", "table", "--workspace", ws, "--models", "base,other", "--by-run", "--metrics",
                      "i2t_R@5", "--format", "latex", "--out", out.string(), "--title", "Retrieval 100%"});
        REQUIRE(r.exitCode == 0);
        const auto tex = test::readFile(out);
        CHECK_THAT(tex, Catch::Contains("\\toprule") && Catch::Contains("\\bottomrule"));
        CHECK_THAT(tex, Catch::Contains("\\caption{Retrieval 100\\%}"));
        CHECK_THAT(tex, Catch::Contains("genra\\_run & "));  // the run's name, escaped
        const auto b = oneDecimal(values["base"]["i2t_R@5"]);
        const auto o = oneDecimal(values["other"]["i2t_R@5"]);
        const bool baseBest = std::stod(b) >= std::stod(o);
        CHECK_THAT(tex, Catch::Contains("base & " + (baseBest ? "\\textbf{" + b + "}" : b) + " \\\\"));
    }
    SECTION("--runs selects the models those runs produced") {
        const auto r =
            runGenra({"export", "table", "--workspace", ws, "--runs", "genra_run", "--format", "markdown"});
        REQUIRE(r.exitCode == 0);
        CHECK_THAT(r.out, Catch::Contains("| genra_run |"));
        CHECK_THAT(r.out, !Catch::Contains("| base |"));
    }
    SECTION("errors") {
        CHECK(runGenra({"export", "table", "--workspace", ws, "--runs", "nope"}).exitCode == 1);
        const auto metric = runGenra({"export", "table", "--workspace", ws, "--metrics", "bleu"});
        CHECK(metric.exitCode == 1);
        CHECK_THAT(metric.err, Catch::Contains("\"bleu\""));
        CHECK(runGenra({"export", "table", "--workspace", ws, "--task", "caption"}).exitCode == 1);
        CHECK(runGenra({"export", "table", "--workspace", ws, "--format", "xlsx"}).exitCode == 2);
        CHECK(runGenra({"export", "table"}).exitCode == 2);
    }
}
