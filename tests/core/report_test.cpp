// Result tables: best-per-column by direction (ties all marked), deltas against a baseline, and
// the CSV, Markdown and LaTeX (booktabs) writers; tables built from eval_results rows.
#include <catch2/catch.hpp>

#include "core/report/results_table.h"
#include "core/report/table.h"
#include "core/util/error.h"

using namespace genra;

namespace {

report::Table paperTable() {
    report::Table t;
    t.rowHeader = "Method";
    const auto r1 = t.addColumn({"i2t_R@1", "R@1", "Image-to-text", report::Better::Higher, 1});
    const auto r5 = t.addColumn({"i2t_R@5", "R@5", "Image-to-text", report::Better::Higher, 1});
    const auto fd = t.addColumn({"frechet_distance", "FD", "", report::Better::Lower, 3});
    const auto a = t.addRow("CLIP");
    const auto b = t.addRow("GenRA & co_1");
    const auto c = t.addRow("50% LoRA");
    t.set(a, r1, 40.04);
    t.set(b, r1, 52.44);
    t.set(c, r1, 52.36);  // prints 52.4 like row b: both best
    t.set(a, r5, 70.0);
    t.set(b, r5, 69.0);
    t.set(a, fd, 0.5);
    t.set(b, fd, 0.25);
    t.set(c, fd, 0.75);
    return t;
}

}  // namespace

TEST_CASE("best values follow each column's direction", "[report]") {
    auto t = paperTable();
    const auto best = t.best();
    CHECK(best[0] == std::vector<bool>{false, true, false});
    CHECK(best[1] == std::vector<bool>{true, false, true});   // lower FD is better
    CHECK(best[2] == std::vector<bool>{true, false, false});  // ties as printed are both best
    SECTION("a column with a direction of neither, or a single value, marks nothing") {
        t.columns[0].better = report::Better::Neither;
        const auto c = t.addColumn({"x", "x", "", report::Better::Higher, 1});
        t.set(0, c, 1.0);
        const auto none = t.best();
        for (const auto& row : none) {
            CHECK_FALSE(row[0]);
            CHECK_FALSE(row[c]);
        }
    }
    SECTION("cells outside the table are an error") {
        CHECK_THROWS_WITH(t.set(3, 0, 1.0), Catch::Contains("outside the 3 x 3 table"));
    }
}

TEST_CASE("table writers", "[report]") {
    auto t = paperTable();
    SECTION("CSV: group row, quoted fields, empty cells") {
        const auto csv = report::toCsv(t);
        CHECK(csv ==
              ",Image-to-text,Image-to-text,\r\n"
              "Method,R@1,R@5,FD\r\n"
              "CLIP,40.0,70.0,0.500\r\n"
              "GenRA & co_1,52.4,69.0,0.250\r\n"
              "50% LoRA,52.4,,0.750\r\n");
        t.rows[0].label = "a, \"b\"";
        CHECK_THAT(report::toCsv(t), Catch::Contains("\"a, \"\"b\"\"\",40.0"));
    }
    SECTION("Markdown: bold best") {
        const auto md = report::toMarkdown(t);
        CHECK_THAT(md, Catch::Contains("| Method | Image-to-text R@1 | Image-to-text R@5 | FD |"));
        CHECK_THAT(md, Catch::Contains("| CLIP | 40.0 | **70.0** | 0.500 |"));
        CHECK_THAT(md, Catch::Contains("| GenRA & co_1 | **52.4** | 69.0 | **0.250** |"));
    }
    SECTION("LaTeX: booktabs, group header with cmidrule, escaped labels, bold best") {
        const auto tex = report::toLatex(t);
        CHECK_THAT(tex, Catch::Contains("\\begin{tabular}{lccc}"));
        CHECK_THAT(tex, Catch::Contains("\\toprule"));
        CHECK_THAT(tex, Catch::Contains(" & \\multicolumn{2}{c}{Image-to-text} &  \\\\"));
        CHECK_THAT(tex, Catch::Contains("\\cmidrule(lr){2-3}"));
        CHECK_THAT(tex, Catch::Contains("GenRA \\& co\\_1 & \\textbf{52.4} & 69.0 & \\textbf{0.250} \\\\"));
        CHECK_THAT(tex, Catch::Contains("50\\% LoRA & \\textbf{52.4} &  & 0.750 \\\\"));
        CHECK_THAT(tex, Catch::Contains("\\bottomrule"));
        CHECK(report::latexEscape("a~b^c\\d$#{}") ==
              "a\\textasciitilde{}b\\textasciicircum{}c\\textbackslash{}d\\$\\#\\{\\}");
    }
    SECTION("deltas against a baseline row") {
        t.baselineRow = 0;
        CHECK(t.cellText(1, 0) == "52.4 (+12.4)");
        CHECK(t.cellText(1, 1) == "69.0 (-1.0)");
        CHECK(t.cellText(0, 0) == "40.0");
        CHECK(t.cellText(2, 1).empty());
    }
    SECTION("formats by name") {
        CHECK(report::parseTableFormat("md") == report::TableFormat::Markdown);
        CHECK(report::writeTable(t, report::TableFormat::Latex) == report::toLatex(t));
        CHECK_THROWS_WITH(report::parseTableFormat("xlsx"), Catch::Contains("unknown table format \"xlsx\""));
    }
}

TEST_CASE("metric columns know their group and direction", "[report]") {
    const auto r = report::metricColumn("t2i_R@10");
    CHECK(r.group == "Text-to-image");
    CHECK(r.label == "R@10");
    CHECK(r.better == report::Better::Higher);
    CHECK(r.decimals == 1);
    const auto z = report::metricColumn("zeroshot_gen_color_top5");
    CHECK(z.group == "Zero-shot (generated) color");
    CHECK(z.label == "top-5");
    CHECK(report::metricColumn("frechet_distance").better == report::Better::Lower);
    CHECK(report::metricColumn("probe_accuracy").better == report::Better::Lower);
    CHECK(report::metricColumn("paired_cosine_mean").better == report::Better::Higher);
    CHECK(report::metricColumn("paired_cosine_std").better == report::Better::Neither);
    CHECK(report::metricColumn("paired_cosine_mean").decimals == 3);
}

TEST_CASE("tables from stored evaluation rows", "[report]") {
    auto row = [](std::int64_t id, const std::string& model, const std::string& run,
                  const std::string& metric, double value) {
        store::EvalResultRecord r;
        r.id = id;
        r.modelId = model == "clip" ? 1 : 2;
        r.modelName = model;
        r.runName = run;
        r.task = "retrieval";
        r.metric = metric;
        r.value = value;
        return r;
    };
    const std::vector<store::EvalResultRecord> rows{
        row(1, "clip", "", "i2t_R@1", 30.0), row(2, "genra", "genra-run", "i2t_R@1", 35.0),
        row(3, "genra", "genra-run", "t2i_R@1", 20.0), row(4, "clip", "", "i2t_R@1", 31.0)};
    const auto t = report::buildResultsTable(rows);
    REQUIRE(t.columns.size() == 2);
    CHECK(t.columns[0].key == "i2t_R@1");
    REQUIRE(t.rows.size() == 2);
    CHECK(t.rows[0].label == "clip");
    CHECK(*t.rows[0].values[0] == Approx(31.0));  // the newest row wins
    CHECK_FALSE(t.rows[0].values[1].has_value());
    SECTION("chosen metrics, row order, run labels and baseline") {
        report::ResultsTableOptions options;
        options.metrics = {"t2i_R@1", "i2t_R@1"};
        options.modelOrder = {"genra"};
        options.labelByRun = true;
        options.baselineModel = "clip";
        const auto u = report::buildResultsTable(rows, options);
        CHECK(u.columns[0].key == "t2i_R@1");
        CHECK(u.rows[0].label == "genra-run");
        CHECK(u.rows[1].label == "clip");  // no run: the model name
        CHECK(u.cellText(0, 1) == "35.0 (+4.0)");
        options.metrics = {"i2t_R@99"};
        CHECK_THROWS_WITH(report::buildResultsTable(rows, options), Catch::Contains("\"i2t_R@99\""));
        options.metrics.clear();
        options.baselineModel = "nope";
        CHECK_THROWS_WITH(report::buildResultsTable(rows, options),
                          Catch::Contains("baseline model \"nope\""));
    }
}

TEST_CASE("baseline deltas carry the paired-bootstrap interval when results store per-item values", "[report]") {
    auto row = [](std::int64_t id, const std::string& model, double value, const std::vector<std::int64_t>& ids,
                  const std::vector<double>& items) {
        store::EvalResultRecord r;
        r.id = id;
        r.modelName = model;
        r.task = "retrieval";
        r.metric = "i2t_R@1";
        r.value = value;
        if (!ids.empty()) r.details = {{"per_item", {{"ids", ids}, {"values", items}}}};
        return r;
    };
    report::ResultsTableOptions options;
    options.baselineModel = "base";
    SECTION("a constant difference on every shared item has a zero-width interval") {
        // Items 1..4 in both; item 9 only in the method's result is left out of the comparison.
        const std::vector<store::EvalResultRecord> rows{row(1, "base", 50.0, {1, 2, 3, 4}, {0, 25, 50, 25}),
                                                    row(2, "genra", 60.0, {4, 3, 2, 1, 9}, {75, 100, 75, 50, 0})};
        const auto t = report::buildResultsTable(rows, options);
        REQUIRE(t.rows.size() == 2);
        REQUIRE(t.rows[1].intervals.size() == 1);
        REQUIRE(t.rows[1].intervals[0].has_value());
        CHECK(t.rows[1].intervals[0]->first == Approx(50.0));
        CHECK(t.rows[1].intervals[0]->second == Approx(50.0));
        CHECK(t.cellText(1, 0) == "60.0 (+10.0 [+50.0, +50.0])");
        CHECK(t.cellText(0, 0) == "50.0");
    }
    SECTION("varying differences give an interval around their mean; without per-item values only the delta") {
        std::vector<std::int64_t> ids;
        std::vector<double> base;
        std::vector<double> method;
        for (int i = 0; i < 200; ++i) {
            ids.push_back(i);
            base.push_back(i % 2 ? 100.0 : 0.0);
            method.push_back(i % 4 == 0 ? 100.0 : base.back());  // a quarter of the misses become hits
        }
        const std::vector<store::EvalResultRecord> rows{row(1, "base", 50.0, ids, base), row(2, "genra", 75.0, ids, method),
                                                    row(3, "other", 40.0, {}, {})};
        const auto t = report::buildResultsTable(rows, options);
        REQUIRE(t.rows[1].intervals[0].has_value());
        const auto [low, high] = *t.rows[1].intervals[0];
        CHECK(low < 25.0);
        CHECK(high > 25.0);
        CHECK(low > 0.0);
        CHECK(t.cellText(2, 0) == "40.0 (-10.0)");
    }
}

TEST_CASE("cells show the spread over seeds in every writer", "[report]") {
    report::Table t;
    const auto c = t.addColumn({"i2t_R@1", "R@1", "", report::Better::Higher, 1});
    const auto a = t.addRow("GenRA");
    const auto b = t.addRow("CLIP");
    t.set(a, c, 52.44);
    t.setSpread(a, c, 0.81);
    t.set(b, c, 50.0);
    CHECK(t.cellText(a, c) == "52.4 ± 0.8");
    CHECK(t.cellText(b, c) == "50.0");
    CHECK(report::toMarkdown(t).find("**52.4 ± 0.8**") != std::string::npos);
    CHECK(report::toCsv(t).find("52.4 ± 0.8") != std::string::npos);
    const auto tex = report::toLatex(t);
    CHECK(tex.find("52.4 $\\pm$ 0.8") != std::string::npos);
    CHECK(tex.find("±") == std::string::npos);
    CHECK_THROWS(t.setSpread(5, 0, 1.0));
}
