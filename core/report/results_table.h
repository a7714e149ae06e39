// Paper-style tables from stored evaluation results (eval_results rows, core/store/eval_results.h):
// one row per model (labelled by the model name, or its training run's name), one column per
// metric, grouped and directed by report::metricColumn. Used by `genra export table`, the demo's
// report and the GUI results panel.
#pragma once

#include <string>
#include <vector>

#include "core/report/table.h"
#include "core/store/eval_results.h"

namespace genra::report {

struct ResultsTableOptions {
    // Columns in this order; empty = every metric found, in order of first appearance.
    std::vector<std::string> metrics;
    // Row order by model name; models not listed follow in order of first appearance.
    std::vector<std::string> modelOrder;
    bool labelByRun = false;    // label rows by the training run's name (the model name when none)
    // When set, cells show deltas against this model's row and, where both results store per-item
    // values (details.per_item), the 95 % paired-bootstrap interval of the difference
    // (core/eval/statistics.h) over the items both scored.
    std::string baselineModel;
    std::string title;
};

// Throws genra::Error naming a requested metric no row has, or a baseline model with no row.
// When several rows share a model and metric (e.g. two datasets), the newest wins.
Table buildResultsTable(const std::vector<store::EvalResultRecord>& rows,
                        const ResultsTableOptions& options = {});

}  // namespace genra::report
