#include "core/report/results_table.h"

#include <algorithm>
#include <map>

#include "core/util/error.h"

namespace genra::report {

namespace {
std::string rowName(const eval::EvalResultRow& r) {
    return r.modelName.empty() ? "model #" + std::to_string(r.modelId.value_or(0)) : r.modelName;
}
}  // namespace

Table buildResultsTable(const std::vector<eval::EvalResultRow>& rows, const ResultsTableOptions& options) {
    Table table;
    table.title = options.title;
    table.rowHeader = options.labelByRun ? "Method" : "Model";
    std::vector<std::string> metrics = options.metrics;
    if (metrics.empty()) {
        for (const auto& r : rows)
            if (std::find(metrics.begin(), metrics.end(), r.metric) == metrics.end())
                metrics.push_back(r.metric);
    } else {
        for (const auto& m : metrics) {
            const bool found =
                std::any_of(rows.begin(), rows.end(), [&](const auto& r) { return r.metric == m; });
            if (!found) throw Error("no stored evaluation result has the metric \"" + m + "\"");
        }
    }
    for (const auto& m : metrics) table.addColumn(metricColumn(m));

    std::vector<std::string> models = options.modelOrder;
    for (const auto& r : rows) {
        const auto name = rowName(r);
        if (std::find(models.begin(), models.end(), name) == models.end()) models.push_back(name);
    }
    std::map<std::string, std::size_t> rowOf;
    std::map<std::string, std::int64_t> newestId;  // per (row, metric), so the newest value wins
    for (const auto& name : models) {
        // Only models that have at least one selected metric get a row.
        const bool any = std::any_of(rows.begin(), rows.end(), [&](const auto& r) {
            return rowName(r) == name && table.findColumn(r.metric).has_value();
        });
        if (!any) continue;
        std::string label = name;
        if (options.labelByRun) {
            for (const auto& r : rows)
                if (rowName(r) == name && !r.runName.empty()) label = r.runName;
        }
        rowOf[name] = table.addRow(label);
    }
    for (const auto& r : rows) {
        const auto it = rowOf.find(rowName(r));
        const auto column = table.findColumn(r.metric);
        if (it == rowOf.end() || !column) continue;
        const auto key = rowName(r) + "\n" + r.metric;
        if (newestId.count(key) && newestId[key] > r.id) continue;
        newestId[key] = r.id;
        table.set(it->second, *column, r.value);
    }
    if (!options.baselineModel.empty()) {
        const auto it = rowOf.find(options.baselineModel);
        if (it == rowOf.end())
            throw Error("baseline model \"" + options.baselineModel + "\" has no results in the table");
        table.baselineRow = it->second;
    }
    return table;
}

}  // namespace genra::report
