// `genra export table`: stored evaluation results laid out like the paper's tables (models or
// methods as rows, metrics as columns) as CSV, Markdown or LaTeX (booktabs, best value bold).
#include <algorithm>
#include <fstream>
#include <iostream>
#include <memory>

#include "app/cli/commands.h"
#include "core/eval/workspace_eval.h"
#include "core/report/results_table.h"
#include "core/store/workspace.h"
#include "core/util/error.h"

namespace genra::cli {

namespace {

void addExportTable(CLI::App& exportCmd, CliState& state) {
    auto* cmd =
        exportCmd.add_subcommand("table", "Evaluation results as a table: rows = models, columns = metrics");
    struct Options {
        std::string workspace;
        std::vector<std::string> runs;
        std::vector<std::string> models;
        std::string task;
        std::string dataset;
        std::string split;
        bool anySplit = true;
        std::vector<std::string> metrics;
        std::string format = "markdown";
        std::string out;
        std::string baseline;
        std::string title;
        bool byRun = false;
    };
    auto opts = std::make_shared<Options>();
    cmd->add_option("--workspace,-w", opts->workspace, "Workspace folder")->required();
    cmd->add_option("--runs", opts->runs,
                    "Training runs (names or ids) whose models become rows, in this order")
        ->delimiter(',');
    cmd->add_option("--models", opts->models, "Models that become rows, in this order")->delimiter(',');
    cmd->add_option("--task", opts->task, "Only this task (retrieval, zeroshot, similarity)");
    cmd->add_option("--dataset", opts->dataset, "Only results on this dataset");
    auto* split = cmd->add_option("--split", opts->split, "Only results on this split");
    cmd->add_option("--metrics", opts->metrics, "Columns, in this order (default: every metric found)")
        ->delimiter(',');
    cmd->add_option("--format", opts->format, "csv, markdown or latex")
        ->capture_default_str()
        ->check(CLI::IsMember({"csv", "markdown", "md", "latex", "tex"}));
    cmd->add_option("--out", opts->out, "Write to this file instead of stdout");
    cmd->add_option("--baseline", opts->baseline, "Show deltas against this model's row");
    cmd->add_option("--title", opts->title, "Table caption");
    cmd->add_flag("--by-run", opts->byRun, "Label rows by training run instead of model name");
    cmd->callback([&state, opts, split] {
        opts->anySplit = split->count() == 0;
        state.action = [opts] {
            auto ws = store::Workspace::open(opts->workspace, store::Db::Mode::ReadOnly);
            eval::EvalResultQuery query;
            query.models = opts->models;
            query.runs = opts->runs;
            query.task = opts->task;
            query.dataset = opts->dataset;
            if (!opts->anySplit) query.split = opts->split;
            const auto rows = eval::queryEvalResults(ws, query);
            if (rows.empty())
                throw Error("no evaluation results match in " + opts->workspace +
                            " (run `genra eval` first)");
            report::ResultsTableOptions options;
            options.metrics = opts->metrics;
            options.modelOrder = opts->models;
            if (!opts->runs.empty()) {
                // Rows follow the order the runs were given in.
                for (const auto& run : opts->runs) {
                    for (const auto& r : rows) {
                        if ((r.runName == run || (r.runId && std::to_string(*r.runId) == run)) &&
                            std::find(options.modelOrder.begin(), options.modelOrder.end(), r.modelName) ==
                                options.modelOrder.end()) {
                            options.modelOrder.push_back(r.modelName);
                        }
                    }
                }
            }
            options.labelByRun = opts->byRun || (!opts->runs.empty() && opts->models.empty());
            options.baselineModel = opts->baseline;
            options.title = opts->title;
            const auto text = report::writeTable(report::buildResultsTable(rows, options),
                                                 report::parseTableFormat(opts->format));
            if (opts->out.empty()) {
                std::cout << text;
            } else {
                std::ofstream out(opts->out, std::ios::binary);
                if (!out) throw Error("cannot write " + opts->out);
                out << text;
                if (!out.flush()) throw Error("cannot write " + opts->out);
            }
            return 0;
        };
    });
}

}  // namespace

void addExportCommands(CLI::App& app, CliState& state) {
    auto* cmd = app.add_subcommand("export", "Export results from a workspace");
    cmd->require_subcommand(1);
    addExportTable(*cmd, state);
}

}  // namespace genra::cli
