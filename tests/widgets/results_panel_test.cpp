// The Results panel over real eval_results rows: sorting and filtering, a paper-style comparison
// (core/report) with best values and deltas, CSV and LaTeX exports that carry the stored values,
// an evaluation (core/eval's EvaluateJob) started from the panel on a real tiny model, and a caption
// evaluation (core/caption's CaptionEvalJob) of a tiny trained captioner with and without the
// METEOR/SPICE jars of Settings.
#include "core/train/captioner_training.h"
#include "core/caption/caption_recipe.h"
#include "core/store/workspace.h"
#include "core/store/raw_db.h"
#include "embedding_world.h"
#include "support/test_support.h"
#include "widgets/job_manager.h"
#include "widgets/results_panel.h"
#include "widgets/results_table.h"
#include "widgets/settings.h"
#include "widgets_test_support.h"

#include <catch2/catch.hpp>

#include <QSortFilterProxyModel>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <sstream>

using namespace genra;

namespace {

void addResult(store::Workspace& ws, std::int64_t modelId, const std::string& metric, double value,
               const std::string& task = "retrieval") {
    auto s = rawDb(ws).prepare("INSERT INTO eval_results (model_id, task, split, metric, value) VALUES (?, ?, 'test', ?, ?)");
    s.bind(1, modelId).bind(2, task).bind(3, metric).bind(4, value).run();
}

// The stored value of each (model, metric), the newest row winning.
std::map<std::pair<std::string, std::string>, double> storedValues(store::Workspace& ws) {
    std::map<std::pair<std::string, std::string>, double> out;
    auto s = rawDb(ws).prepare("SELECT m.name, e.metric, e.value FROM eval_results e JOIN models m ON m.id = e.model_id ORDER BY e.id");
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
        CHECK(row.modelName == "base");
        CHECK(row.task == "similarity");
        CHECK(row.datasetName == "tiny");
        CHECK(row.value == stored.at({"base", row.metric}));
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

namespace {

// Trains a tiny captioner (a few steps, on the real images of makeTinyClipWorkspace's "align"
// split through the CLIP model "base") and registers it as `name`.
void trainTinyCaptioner(const std::filesystem::path& workspace, const std::string& name) {
    const nlohmann::json recipe = {{"clip_model", "base"}, {"dataset", "tiny"},   {"split", "align"},
                                   {"train_on", "real"},   {"device", "cpu"},     {"seed", 1},
                                   {"decoder_width", 32},  {"decoder_layers", 1}, {"decoder_heads", 2},
                                   {"vocab_merges", 20},   {"steps", 4},          {"batch_size", 8},
                                   {"checkpoint_every", 0}, {"beam_size", 2},     {"max_length", 8}};
    train::CaptionTrainJob job(workspace, caption::parseCaptionRecipe(recipe), name);
    jobs::CallbackContext context({}, std::make_shared<jobs::CancelToken>());
    const auto result = jobs::runJob(job, context);
    INFO(result.error);
    REQUIRE(result.status == jobs::JobStatus::Succeeded);
}

// The METEOR and SPICE jar paths of Settings for the scope of a test.
class JarSettings {
public:
    JarSettings(const QString& meteor, const QString& spice) {
        widgets::settings::meteorJar.set(meteor);
        widgets::settings::spiceJar.set(spice);
    }
    ~JarSettings() {
        widgets::settings::meteorJar.set({});
        widgets::settings::spiceJar.set({});
    }
    JarSettings(const JarSettings&) = delete;
    JarSettings& operator=(const JarSettings&) = delete;
};

struct CaptionRows {
    std::map<std::string, double> values;  // metric -> value
    nlohmann::json details;
};

CaptionRows storedCaptionRows(store::Workspace& ws) {
    CaptionRows rows;
    auto s = rawDb(ws).prepare(
        "SELECT e.metric, e.value, e.details FROM eval_results e JOIN models m ON m.id = e.model_id "
        "WHERE e.task = 'caption' AND m.name = 'cap-tiny' AND e.split = 'align' ORDER BY e.id");
    while (s.step()) {
        rows.values[s.columnText(0)] = s.columnDouble(1);
        rows.details = nlohmann::json::parse(s.columnText(2));
    }
    return rows;
}

}  // namespace

TEST_CASE("a caption evaluation started from the results panel stores rows that show in the table",
          "[widgets][results][caption-eval]") {
    test::app();
    test::TempDir tmp{"genra-results-caption"};
    test::makeTinyClipWorkspace(tmp / "ws", tmp.path());
    trainTinyCaptioner(tmp / "ws", "cap-tiny");
    auto ws = store::Workspace::open(tmp / "ws");
    widgets::JobManager jobs;
    widgets::ResultsPanel panel(&jobs);
    panel.setWorkspace(&ws);
    // CLIP benchmarks offer CLIP models; the caption benchmark offers captioners.
    CHECK(panel.evaluationModels() == QStringList{QStringLiteral("base")});
    panel.setEvaluationBenchmark(QStringLiteral("caption"));
    CHECK(panel.evaluationModels() == QStringList{QStringLiteral("cap-tiny")});

    const auto runEvaluation = [&](int beamSize) {
        const int id = panel.evaluateCaptions(QStringLiteral("cap-tiny"), QStringLiteral("tiny"), QStringLiteral("align"), beamSize);
        REQUIRE(id != 0);
        CHECK(panel.evaluationJob() == id);
        REQUIRE(test::waitFor([&jobs] { return jobs.runningCount() == 0; }, 120000));
        INFO(jobs.record(id)->error.toStdString());
        REQUIRE(jobs.record(id)->state == widgets::JobRecord::State::Succeeded);
        CHECK(panel.evaluationJob() == 0);
        return id;
    };
    // The table shows every stored caption row with its value.
    const auto tableMatches = [&panel](const CaptionRows& stored) {
        int shown = 0;
        for (int r = 0; r < panel.model()->rowCount(); ++r) {
            const auto& row = panel.model()->row(r);
            if (row.task != "caption") continue;
            ++shown;
            CHECK(row.modelName == "cap-tiny");
            CHECK(row.datasetName == "tiny");
            CHECK(row.value == stored.values.at(row.metric));
        }
        CHECK(shown == static_cast<int>(stored.values.size()));
    };

    SECTION("no jars in Settings: METEOR_builtin and no SPICE, and the panel says so") {
        const JarSettings jars({}, {});
        const int id = runEvaluation(1);
        const auto stored = storedCaptionRows(ws);
        std::vector<std::string> metrics;
        for (const auto& [metric, value] : stored.values) metrics.push_back(metric);
        CHECK(metrics == std::vector<std::string>{"Bleu_1", "Bleu_2", "Bleu_3", "Bleu_4", "CIDEr", "METEOR_builtin", "ROUGE_L"});
        CHECK(stored.details["decode"]["beam_size"] == 1);
        tableMatches(stored);
        CHECK(panel.evaluationStatus().contains(QStringLiteral("SPICE: skipped")));
        CHECK(panel.evaluationStatus().contains(QStringLiteral("METEOR_builtin")));
        CHECK(jobs.record(id)->log.join(QLatin1Char('\n')).contains(QStringLiteral("no SPICE 1.0 jar is set in Settings")));
    }
    SECTION("jars in Settings: METEOR and SPICE come from the Java scorers") {
        // A stand-in `java` first on PATH (the real jars are not available here) and empty "jars".
        const auto bin = tmp / "bin";
        std::filesystem::create_directories(bin);
        const auto fakeJava = std::filesystem::path(GENRA_TEST_SOURCE_DIR) / "tests" / "core" / "data" / "fake_java.py";
        test::writeFile(bin / "java", "#!/bin/sh\nexec " + test::pythonExecutable().string() + " " + fakeJava.string() + " \"$@\"\n");
        std::filesystem::permissions(bin / "java", std::filesystem::perms::owner_all);
        const test::ScopedEnv path("PATH", bin.string() + ":" + std::getenv("PATH"));
        std::filesystem::create_directories(tmp / "jars");
        test::writeFile(tmp / "jars" / "meteor-1.5.jar", "");
        test::writeFile(tmp / "jars" / "spice-1.0.jar", "");
        const JarSettings jars(QString::fromStdString((tmp / "jars" / "meteor-1.5.jar").string()),
                               QString::fromStdString((tmp / "jars" / "spice-1.0.jar").string()));
        runEvaluation(3);
        const auto stored = storedCaptionRows(ws);
        CHECK(stored.values.count("METEOR") == 1);
        CHECK(stored.values.count("METEOR_builtin") == 0);
        REQUIRE(stored.values.count("SPICE") == 1);
        CHECK(stored.values.at("SPICE") > 0);  // the stand-in scores words / 10 per caption
        CHECK(stored.details["decode"]["beam_size"] == 3);
        CHECK(stored.details["notes"].empty());
        tableMatches(stored);
        CHECK_FALSE(panel.evaluationStatus().contains(QStringLiteral("SPICE")));
    }
    SECTION("a jar set in Settings but missing fails the job with a message naming it") {
        const JarSettings jars(QString::fromStdString((tmp / "nowhere" / "meteor-1.5.jar").string()), {});
        const int id = panel.evaluateCaptions(QStringLiteral("cap-tiny"), QStringLiteral("tiny"), QStringLiteral("align"), 1);
        REQUIRE(test::waitFor([&jobs] { return jobs.runningCount() == 0; }, 120000));
        CHECK(jobs.record(id)->state == widgets::JobRecord::State::Failed);
        CHECK(jobs.record(id)->error.contains(QStringLiteral("meteor-1.5.jar")));
        CHECK(panel.evaluationStatus().contains(QStringLiteral("meteor-1.5.jar")));
        CHECK(storedCaptionRows(ws).values.empty());
    }
}
