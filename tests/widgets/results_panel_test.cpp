// The Results panel over real eval_results rows: sorting and filtering, a paper-style comparison
// with best values and deltas, CSV and LaTeX exports that carry exactly the stored values, and a
// similarity evaluation started from the panel as a job.
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

}  // namespace

TEST_CASE("results table, comparison and exports match the stored results", "[widgets][results]") {
    test::app();
    test::TempDir tmp;
    auto ws = store::Workspace::create(tmp / "ws");
    const auto clip = test::addModelRow(ws, "clip");
    const auto genra = test::addModelRow(ws, "genra_r4");
    const auto naive = test::addModelRow(ws, "naive_mix");
    addResult(ws, clip, "i2t_r1", 0.301);
    addResult(ws, clip, "t2i_r1", 0.2213);
    addResult(ws, genra, "i2t_r1", 0.45678);
    addResult(ws, genra, "t2i_r1", 0.312);
    addResult(ws, naive, "i2t_r1", 0.12);
    addResult(ws, naive, "t2i_r1", 0.4);
    addResult(ws, naive, "t2i_r1", 0.33);  // newer: replaces 0.4
    widgets::JobManager jobs;
    widgets::ResultsPanel panel(&jobs);
    panel.setWorkspace(&ws);
    REQUIRE(panel.model()->rowCount() == 7);

    SECTION("sorting by value and filtering by text") {
        panel.proxy()->sort(widgets::ResultsTableModel::Value, Qt::DescendingOrder);
        CHECK(panel.proxy()->index(0, widgets::ResultsTableModel::Value).data(Qt::UserRole).toDouble() == Approx(0.45678));
        panel.setFilterText(QStringLiteral("naive"));
        CHECK(panel.proxy()->rowCount() == 3);
        const auto t = panel.comparison();
        CHECK(t.rows == QStringList{QStringLiteral("naive_mix")});
    }
    SECTION("comparison: models as rows, metrics as columns, best and deltas") {
        panel.setBaseline(QStringLiteral("clip"));
        const auto t = panel.comparison();
        CHECK(t.rows == (QStringList{QStringLiteral("clip"), QStringLiteral("genra_r4"), QStringLiteral("naive_mix")}));
        CHECK(t.columns == (QStringList{QStringLiteral("i2t_r1"), QStringLiteral("t2i_r1")}));
        CHECK(t.bestRow == std::vector<int>{1, 2});
        CHECK(*t.values[2][1] == Approx(0.33));

        const QString latex = panel.exportText(widgets::ResultsPanel::Format::Latex);
        CHECK(latex.contains(QStringLiteral("\\toprule")));
        CHECK(latex.contains(QStringLiteral("\\bottomrule")));
        CHECK(latex.contains(QStringLiteral("genra\\_r4 & \\textbf{0.4568} {\\scriptsize(+0.1558)} & 0.3120 {\\scriptsize(+0.0907)} \\\\")));
        CHECK(latex.contains(QStringLiteral("clip & 0.3010 & 0.2213 \\\\")));
        CHECK(latex.contains(QStringLiteral("\\textbf{0.3300}")));
        const QString markdown = panel.exportText(widgets::ResultsPanel::Format::Markdown);
        CHECK(markdown.contains(QStringLiteral("| genra_r4 | **0.4568** (+0.1558) | 0.3120 (+0.0907) |")));

        // The CSV file carries every stored value exactly, and the deltas.
        const auto csvPath = tmp / "table.csv";
        panel.setBaseline({});
        panel.exportTo(QString::fromStdString(csvPath.string()));
        std::istringstream csv(test::readFile(csvPath));
        std::string line;
        std::getline(csv, line);
        CHECK(line == "method,i2t_r1,t2i_r1");
        const auto stored = storedValues(ws);
        int rows = 0;
        while (std::getline(csv, line)) {
            std::istringstream fields(line);
            std::string model;
            std::string a;
            std::string b;
            std::getline(fields, model, ',');
            std::getline(fields, a, ',');
            std::getline(fields, b, ',');
            CHECK(std::stod(a) == stored.at({model, "i2t_r1"}));
            CHECK(std::stod(b) == stored.at({model, "t2i_r1"}));
            ++rows;
        }
        CHECK(rows == 3);
        CHECK_THROWS_WITH(panel.exportTo(QString::fromStdString((tmp / "table.xls").string())),
                          Catch::Contains("table.xls") && Catch::Contains("unknown table format"));
    }
}

TEST_CASE("a similarity evaluation started from the results panel stores its measures", "[widgets][results]") {
    test::app();
    test::TempDir tmp;
    auto ws = store::Workspace::create(tmp / "ws");
    test::makeEmbeddingWorld(ws, 40, {{"noisy", 1.0}, {"tight", 0.1}});
    widgets::JobManager jobs;
    widgets::ResultsPanel panel(&jobs);
    panel.setWorkspace(&ws);
    const int a = panel.evaluateSimilarity(QStringLiteral("noisy"), QStringLiteral("pairs"), {});
    const int b = panel.evaluateSimilarity(QStringLiteral("tight"), QStringLiteral("pairs"), {});
    REQUIRE(a != 0);
    REQUIRE(test::waitFor([&jobs] { return jobs.runningCount() == 0; }, 30000));
    INFO(jobs.record(a)->error.toStdString());
    REQUIRE(jobs.record(a)->state == widgets::JobRecord::State::Succeeded);
    REQUIRE(jobs.record(b)->state == widgets::JobRecord::State::Succeeded);
    panel.refresh();
    CHECK(panel.model()->rowCount() == 12);
    const auto table = panel.comparison();
    const int mean = static_cast<int>(table.columns.indexOf(QStringLiteral("paired_cosine_mean")));
    const int distance = static_cast<int>(table.columns.indexOf(QStringLiteral("centroid_distance")));
    REQUIRE(mean >= 0);
    REQUIRE(distance >= 0);
    // The better-aligned model wins both: higher cosine, smaller centroid distance.
    CHECK(table.rows[table.bestRow[static_cast<std::size_t>(mean)]] == QStringLiteral("tight"));
    CHECK(table.rows[table.bestRow[static_cast<std::size_t>(distance)]] == QStringLiteral("tight"));
    SECTION("a model without embeddings fails with a message naming it") {
        test::addModelRow(ws, "empty");
        const int c = panel.evaluateSimilarity(QStringLiteral("empty"), QStringLiteral("pairs"), {});
        REQUIRE(test::waitFor([&jobs] { return jobs.runningCount() == 0; }, 30000));
        CHECK(jobs.record(c)->state == widgets::JobRecord::State::Failed);
        CHECK(jobs.record(c)->error.contains(QStringLiteral("\"empty\"")));
    }
}
