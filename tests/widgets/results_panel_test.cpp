// The Results panel over real eval_results rows: sorting and filtering, a paper-style comparison
// (core/report) with best values and deltas, CSV and LaTeX exports that carry the stored values,
// and an evaluation (core/eval's EvaluateJob) started from the panel on a real tiny model.
#include "core/store/workspace.h"
#include "embedding_world.h"
#include "support/test_support.h"
#include "widgets/job_manager.h"
#include "widgets/results_panel.h"
#include "widgets/results_table.h"
#include "widgets_test_support.h"

#include <catch2/catch.hpp>

#include <QSortFilterProxyModel>

#include <map>
#include <sstream>

using namespace genra;

namespace {

void addResult(store::Workspace& ws, std::int64_t modelId, const std::string& metric, double value,
               const std::string& task = "retrieval") {
    auto s = ws.db().prepare("INSERT INTO eval_results (model_id, task, split, metric, value) VALUES (?, ?, 'test', ?, ?)");
    s.bind(1, modelId).bind(2, task).bind(3, metric).bind(4, value).run();
}

// The stored value of each (model, metric), the newest row winning.
std::map<std::pair<std::string, std::string>, double> storedValues(store::Workspace& ws) {
    std::map<std::pair<std::string, std::string>, double> out;
    auto s = ws.db().prepare("SELECT m.name, e.metric, e.value FROM eval_results e JOIN models m ON m.id = e.model_id ORDER BY e.id");
    while (s.step()) out[{s.columnText(0), s.columnText(1)}] = s.columnDouble(2);
    return out;
}

std::vector<std::string> csvLine(const std::string& line) {
    std::vector<std::string> fields;
    std::istringstream in(line);
    std::string field;
    while (std::getline(in, field, ',')) {
        if (!field.empty() && field.back() == '\r') field.pop_back();
        fields.push_back(field);
    }
    return fields;
}

}  // namespace

TEST_CASE("results table, comparison and exports match the stored results", "[widgets][results]") {
    test::app();
    test::TempDir tmp;
    auto ws = store::Workspace::create(tmp / "ws");
    const auto clip = test::addModelRow(ws, "clip");
    const auto genra = test::addModelRow(ws, "genra_r4");
    const auto naive = test::addModelRow(ws, "naive_mix");
    addResult(ws, clip, "i2t_R@1", 30.1);
    addResult(ws, clip, "t2i_R@1", 22.13);
    addResult(ws, genra, "i2t_R@1", 45.678);
    addResult(ws, genra, "t2i_R@1", 31.2);
    addResult(ws, naive, "i2t_R@1", 12.0);
    addResult(ws, naive, "t2i_R@1", 40.0);
    addResult(ws, naive, "t2i_R@1", 33.04);  // newer: replaces 40.0
    widgets::JobManager jobs;
    widgets::ResultsPanel panel(&jobs);
    panel.setWorkspace(&ws);
    REQUIRE(panel.model()->rowCount() == 7);

    SECTION("sorting by value and filtering by text") {
        panel.proxy()->sort(widgets::ResultsTableModel::Value, Qt::DescendingOrder);
        CHECK(panel.proxy()->index(0, widgets::ResultsTableModel::Value).data(Qt::UserRole).toDouble() == Approx(45.678));
        panel.setFilterText(QStringLiteral("naive"));
        CHECK(panel.proxy()->rowCount() == 3);
        const auto t = panel.comparison();
        REQUIRE(t.rows.size() == 1);
        CHECK(t.rows[0].label == "naive_mix");
    }
    SECTION("comparison: models as rows, metrics as columns, best and deltas") {
        panel.setBaseline(QStringLiteral("clip"));
        const auto t = panel.comparison();
        REQUIRE(t.rows.size() == 3);
        CHECK(t.rows[1].label == "genra_r4");
        REQUIRE(t.columns.size() == 2);
        CHECK(t.columns[0].key == "i2t_R@1");
        CHECK(*t.rows[2].values[1] == Approx(33.04));
        const auto best = t.best();
        CHECK(best[1][0]);  // genra_r4 has the best image-to-text R@1
        CHECK(best[2][1]);  // naive_mix the best text-to-image R@1 (its newest value)
        CHECK_FALSE(best[0][0]);

        const QString latex = panel.exportText(report::TableFormat::Latex);
        CHECK(latex.contains(QStringLiteral("\\toprule")));
        CHECK(latex.contains(QStringLiteral("\\bottomrule")));
        CHECK(latex.contains(QStringLiteral("genra\\_r4 & \\textbf{45.7 (+15.6)} & 31.2 (+9.1)")));
        CHECK(latex.contains(QStringLiteral("clip & 30.1 & 22.1")));
        CHECK(latex.contains(QStringLiteral("\\textbf{33.0 (+10.9)}")));
        const QString markdown = panel.exportText(report::TableFormat::Markdown);
        CHECK(markdown.contains(QStringLiteral("45.7 (+15.6)")));

        // The CSV file carries every stored value (at the table's one decimal for recalls).
        const auto csvPath = tmp / "table.csv";
        panel.setBaseline({});
        panel.exportTo(QString::fromStdString(csvPath.string()));
        std::istringstream csv(test::readFile(csvPath));
        std::string line;
        std::getline(csv, line);
        CHECK(csvLine(line) == (std::vector<std::string>{"", "Image-to-text", "Text-to-image"}));
        std::getline(csv, line);
        CHECK(csvLine(line) == (std::vector<std::string>{"Model", "R@1", "R@1"}));
        const auto stored = storedValues(ws);
        int rows = 0;
        while (std::getline(csv, line)) {
            const auto fields = csvLine(line);
            REQUIRE(fields.size() == 3);
            CHECK(std::stod(fields[1]) == Approx(stored.at({fields[0], "i2t_R@1"})).margin(0.05 + 1e-9));
            CHECK(std::stod(fields[2]) == Approx(stored.at({fields[0], "t2i_R@1"})).margin(0.05 + 1e-9));
            ++rows;
        }
        CHECK(rows == 3);
        CHECK_THROWS_WITH(panel.exportTo(QString::fromStdString((tmp / "table.xls").string())),
                          Catch::Contains("table.xls") && Catch::Contains("unknown table format"));
    }
}

TEST_CASE("an evaluation started from the results panel stores its results", "[widgets][results]") {
    test::app();
    test::TempDir tmp{"genra-results-eval"};
    test::makeTinyClipWorkspace(tmp / "ws", tmp.path());
    auto ws = store::Workspace::open(tmp / "ws");
    widgets::JobManager jobs;
    widgets::ResultsPanel panel(&jobs);
    panel.setWorkspace(&ws);
    const int id = panel.evaluate(QStringLiteral("similarity"), QStringLiteral("base"), QStringLiteral("tiny"));
    REQUIRE(id != 0);
    REQUIRE(test::waitFor([&jobs] { return jobs.runningCount() == 0; }, 60000));
    INFO(jobs.record(id)->error.toStdString());
    REQUIRE(jobs.record(id)->state == widgets::JobRecord::State::Succeeded);
    // The panel refreshed itself when the job ended.
    REQUIRE(panel.model()->rowCount() >= 6);
    const auto stored = storedValues(ws);
    for (int r = 0; r < panel.model()->rowCount(); ++r) {
        const auto& row = panel.model()->row(r);
        CHECK(row.model == QStringLiteral("base"));
        CHECK(row.task == QStringLiteral("similarity"));
        CHECK(row.dataset == QStringLiteral("tiny"));
        CHECK(row.value == stored.at({"base", row.metric.toStdString()}));
    }
    const auto t = panel.comparison();
    CHECK(t.findColumn("paired_cosine_mean").has_value());
    CHECK(t.findColumn("centroid_distance").has_value());

    SECTION("an unknown model fails with a message naming it, and nothing is added") {
        const int bad = panel.evaluate(QStringLiteral("retrieval"), QStringLiteral("no-such-model"), QStringLiteral("tiny"));
        REQUIRE(test::waitFor([&jobs] { return jobs.runningCount() == 0; }, 30000));
        CHECK(jobs.record(bad)->state == widgets::JobRecord::State::Failed);
        CHECK(jobs.record(bad)->error.contains(QStringLiteral("no-such-model")));
        CHECK(panel.model()->rowCount() == static_cast<int>(stored.size()));
    }
}
