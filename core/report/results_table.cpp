#include "core/report/results_table.h"

#include <algorithm>
#include <map>

#include "core/eval/statistics.h"
#include "core/util/error.h"

namespace genra::report {

namespace {
std::string rowName(const store::EvalResultRecord& r) {
    return r.modelName.empty() ? "model #" + std::to_string(r.modelId.value_or(0)) : r.modelName;
}
}  // namespace

Table buildResultsTable(const std::vector<store::EvalResultRecord>& rows, const ResultsTableOptions& options) {
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
    std::map<std::pair<std::size_t, std::size_t>, const store::EvalResultRecord*> shown;
    for (const auto& r : rows) {
        const auto it = rowOf.find(rowName(r));
        const auto column = table.findColumn(r.metric);
        if (it == rowOf.end() || !column) continue;
        const auto key = rowName(r) + "\n" + r.metric;
        if (newestId.count(key) && newestId[key] > r.id) continue;
        newestId[key] = r.id;
        table.set(it->second, *column, r.value);
        shown[{it->second, *column}] = &r;
    }
    if (!options.baselineModel.empty()) {
        const auto it = rowOf.find(options.baselineModel);
        if (it == rowOf.end())
            throw Error("baseline model \"" + options.baselineModel + "\" has no results in the table");
        table.baselineRow = it->second;
        // Intervals of each difference where both results carry per-item values.
        auto perItem = [](const store::EvalResultRecord& r) {
            std::map<std::int64_t, double> out;
            if (!r.details.is_object() || !r.details.contains("per_item")) return out;
            const auto& p = r.details["per_item"];
            if (!p.contains("ids") || !p.contains("values")) return out;
            const auto& ids = p["ids"];
            const auto& values = p["values"];
            for (std::size_t i = 0; i < ids.size() && i < values.size(); ++i)
                if (ids[i].is_number_integer() && values[i].is_number()) out[ids[i].get<std::int64_t>()] = values[i].get<double>();
            return out;
        };
        for (const auto& [cell, result] : shown) {
            if (cell.first == it->second) continue;
            const auto base = shown.find({it->second, cell.second});
            if (base == shown.end()) continue;
            const auto a = perItem(*result);
            const auto b = perItem(*base->second);
            std::vector<double> xa;
            std::vector<double> xb;
            for (const auto& [id, v] : a) {
                const auto found = b.find(id);
                if (found == b.end()) continue;
                xa.push_back(v);
                xb.push_back(found->second);
            }
            if (xa.size() < 2) continue;
            const auto interval = eval::pairedBootstrap({xa}, {xb}, 2000, 0, 0.95);
            table.setInterval(cell.first, cell.second, interval.low, interval.high);
        }
    }
    return table;
}

}  // namespace genra::report
