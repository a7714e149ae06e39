#include "core/store/eval_results.h"

#include "core/store/workspace.h"
#include "core/store/raw_db.h"

namespace genra::store {

std::vector<std::int64_t> insertEvalResults(Workspace& ws, const std::vector<NewEvalResult>& rows) {
    Transaction tx(rawDb(ws));
    auto s = rawDb(ws).prepare(
        "INSERT INTO eval_results(run_id, model_id, task, dataset_id, split, metric, value, details) "
        "VALUES(?,?,?,?,?,?,?,?)");
    std::vector<std::int64_t> ids;
    ids.reserve(rows.size());
    for (const auto& r : rows) {
        s.bind(1, r.runId).bind(2, r.modelId).bind(3, r.task).bind(4, r.datasetId);
        s.bind(5, r.split).bind(6, r.metric).bind(7, r.value).bind(8, r.detailsJson);
        s.run();
        ids.push_back(rawDb(ws).lastInsertId());
    }
    tx.commit();
    return ids;
}

std::vector<EvalResultRecord> listEvalResults(Workspace& ws, const EvalResultFilter& filter) {
    auto s = rawDb(ws).prepare(
        "SELECT e.id, e.run_id, e.model_id, COALESCE(m.name, ''), COALESCE(r.name, ''), COALESCE(mr.name, "
        "''), "
        "COALESCE(mr.kind, ''), e.task, e.dataset_id, COALESCE(d.name, ''), e.split, e.metric, e.value, "
        "COALESCE(e.details, ''), e.created_at FROM eval_results e "
        "LEFT JOIN models m ON m.id = e.model_id LEFT JOIN runs r ON r.id = e.run_id "
        "LEFT JOIN runs mr ON mr.id = m.run_id LEFT JOIN datasets d ON d.id = e.dataset_id "
        "WHERE (?1 = '' OR e.task = ?1) AND (?2 IS NULL OR e.dataset_id = ?2) AND (?3 = 0 OR e.split = ?4) "
        "ORDER BY e.id");
    s.bind(1, filter.task)
        .bind(2, filter.datasetId)
        .bind(3, filter.split ? 1 : 0)
        .bind(4, filter.split.value_or(""));
    std::vector<EvalResultRecord> out;
    while (s.step()) {
        EvalResultRecord r;
        r.id = s.columnInt(0);
        r.runId = s.columnOptionalInt(1);
        r.modelId = s.columnOptionalInt(2);
        r.modelName = s.columnText(3);
        r.runName = s.columnText(4);
        r.modelRunName = s.columnText(5);
        r.modelRunKind = s.columnText(6);
        r.task = s.columnText(7);
        r.datasetId = s.columnOptionalInt(8);
        r.datasetName = s.columnText(9);
        r.split = s.columnText(10);
        r.metric = s.columnText(11);
        r.value = s.columnDouble(12);
        r.details = nlohmann::json::parse(s.columnText(13), nullptr, false);
        if (r.details.is_discarded()) r.details = nlohmann::json::object();
        r.createdAt = s.columnText(14);
        out.push_back(std::move(r));
    }
    return out;
}

bool hasEvalResults(Workspace& ws, std::int64_t modelId, const std::string& task,
                    const std::string& datasetName, const std::string& split, const std::string& generator,
                    const std::string& metric) {
    auto s = rawDb(ws).prepare(
        "SELECT COUNT(*) FROM eval_results r JOIN datasets d ON d.id = r.dataset_id "
        "WHERE r.model_id = ? AND r.task = ? AND r.split = ? AND d.name = ? "
        "AND (?5 = '' OR json_extract(r.details, '$.generator') = ?5) AND (?6 = '' OR r.metric = ?6)");
    s.bind(1, modelId).bind(2, task).bind(3, split).bind(4, datasetName).bind(5, generator).bind(6, metric);
    return s.step() && s.columnInt(0) > 0;
}

}  // namespace genra::store
