// The eval_results table: one row per stored metric of an evaluation (retrieval, zero-shot,
// similarity, captioning), with its provenance in a details JSON. The only code that reads or
// writes the table; eval::queryEvalResults, the reports and the Results panel all use its row type.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace genra::store {

class Workspace;

// A row to insert.
struct NewEvalResult {
    std::optional<std::int64_t> runId;
    std::optional<std::int64_t> modelId;
    std::string task;
    std::optional<std::int64_t> datasetId;
    std::string split;
    std::string metric;
    double value = 0.0;
    std::string detailsJson = "{}";
};

// Inserts the rows in one transaction; returns their ids in order.
std::vector<std::int64_t> insertEvalResults(Workspace& ws, const std::vector<NewEvalResult>& rows);

// A stored row with the names it refers to: the one type every reader of the table uses.
struct EvalResultRecord {
    std::int64_t id = 0;
    std::optional<std::int64_t> runId;
    std::optional<std::int64_t> modelId;
    std::string modelName;     // empty when the model was deleted
    std::string runName;       // the run that stored the row, when there is one
    std::string modelRunName;  // the run that trained the model, when there is one
    std::string modelRunKind;  // that run's kind (the method); empty for imported models
    std::string task;
    std::optional<std::int64_t> datasetId;
    std::string datasetName;
    std::string split;
    std::string metric;
    double value = 0.0;
    nlohmann::json details;  // an empty object when NULL or not valid JSON
    std::string createdAt;
};

struct EvalResultFilter {
    std::string task;                       // empty = any
    std::optional<std::int64_t> datasetId;  // unset = any
    std::optional<std::string> split;       // unset = any
};

// Rows in id order.
std::vector<EvalResultRecord> listEvalResults(Workspace& ws, const EvalResultFilter& filter = {});

// Whether a model has stored results of a task on a dataset's split; a non-empty `generator` asks
// for results measured on that generator's images (details "generator"), a non-empty `metric`
// for that metric.
bool hasEvalResults(Workspace& ws, std::int64_t modelId, const std::string& task,
                    const std::string& datasetName, const std::string& split,
                    const std::string& generator = {}, const std::string& metric = {});

}  // namespace genra::store
