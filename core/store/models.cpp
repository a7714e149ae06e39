#include "core/store/models.h"

#include "core/store/workspace.h"
#include "core/store/raw_db.h"

namespace genra::store {

namespace {

constexpr const char* kSelect =
    "SELECT id, name, kind, path, config, base_model_id, run_id, created_at FROM models ";

ModelRow readRow(Statement& s) {
    ModelRow r;
    r.id = s.columnInt(0);
    r.name = s.columnText(1);
    r.kind = s.columnText(2);
    r.path = s.columnText(3);
    r.configJson = s.columnText(4);
    r.baseModelId = s.columnOptionalInt(5);
    r.runId = s.columnOptionalInt(6);
    r.createdAt = s.columnText(7);
    return r;
}

}  // namespace

std::int64_t insertModel(Workspace& ws, const ModelRow& row) {
    auto s = rawDb(ws).prepare(
        "INSERT INTO models(name, kind, path, config, base_model_id, run_id) VALUES(?,?,?,?,?,?)");
    s.bind(1, row.name).bind(2, row.kind).bind(3, row.path).bind(4, row.configJson);
    s.bind(5, row.baseModelId).bind(6, row.runId);
    s.run();
    return rawDb(ws).lastInsertId();
}

void updateModel(Workspace& ws, const ModelRow& row) {
    // New weights under an old id: what was computed with the old ones (cached embeddings, t-SNE
    // maps) would be served as the new model's, so it goes first.
    for (const char* sql : {"DELETE FROM embeddings WHERE model_id = ?", "DELETE FROM projections WHERE model_id = ?"}) {
        auto d = rawDb(ws).prepare(sql);
        d.bind(1, row.id);
        d.run();
    }
    auto s = rawDb(ws).prepare(
        "UPDATE models SET kind = ?, path = ?, config = ?, base_model_id = ?, run_id = ? WHERE id = ?");
    s.bind(1, row.kind).bind(2, row.path).bind(3, row.configJson).bind(4, row.baseModelId).bind(5, row.runId);
    s.bind(6, row.id);
    s.run();
}

void setModelOrigin(Workspace& ws, std::int64_t modelId, std::optional<std::int64_t> baseModelId,
                    std::optional<std::int64_t> runId) {
    auto s = rawDb(ws).prepare("UPDATE models SET base_model_id = ?, run_id = ? WHERE id = ?");
    s.bind(1, baseModelId).bind(2, runId).bind(3, modelId);
    s.run();
}

std::optional<ModelRow> modelByName(Workspace& ws, const std::string& name) {
    auto s = rawDb(ws).prepare(std::string(kSelect) + "WHERE name = ?");
    s.bind(1, name);
    if (!s.step()) return std::nullopt;
    return readRow(s);
}

std::optional<ModelRow> modelById(Workspace& ws, std::int64_t id) {
    auto s = rawDb(ws).prepare(std::string(kSelect) + "WHERE id = ?");
    s.bind(1, id);
    if (!s.step()) return std::nullopt;
    return readRow(s);
}

std::vector<ModelRow> allModels(Workspace& ws) {
    auto s = rawDb(ws).prepare(std::string(kSelect) + "ORDER BY id");
    std::vector<ModelRow> out;
    while (s.step()) out.push_back(readRow(s));
    return out;
}

}  // namespace genra::store
