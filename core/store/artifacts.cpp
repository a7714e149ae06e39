#include "core/store/artifacts.h"

#include "core/store/workspace.h"
#include "core/store/raw_db.h"

namespace genra::store {

std::int64_t recordArtifact(Workspace& ws, const std::string& kind, const std::string& path,
                            const std::string& description, std::optional<std::int64_t> runId) {
    auto del = rawDb(ws).prepare("DELETE FROM artifacts WHERE path = ?");
    del.bind(1, path);
    del.run();
    auto s = rawDb(ws).prepare("INSERT INTO artifacts(kind, path, description, run_id) VALUES(?, ?, ?, ?)");
    s.bind(1, kind).bind(2, path).bind(3, description).bind(4, runId);
    s.run();
    return rawDb(ws).lastInsertId();
}

void recordArtifacts(Workspace& ws, const std::vector<NewArtifact>& artifacts) {
    Transaction tx(rawDb(ws));
    for (const auto& a : artifacts) recordArtifact(ws, a.kind, a.path, a.description);
    tx.commit();
}

std::vector<ArtifactRecord> listArtifacts(Workspace& ws) {
    auto s =
        rawDb(ws).prepare("SELECT id, kind, path, run_id, description, created_at FROM artifacts ORDER BY id");
    std::vector<ArtifactRecord> out;
    while (s.step()) {
        ArtifactRecord a;
        a.id = s.columnInt(0);
        a.kind = s.columnText(1);
        a.path = s.columnText(2);
        a.runId = s.columnOptionalInt(3);
        a.description = s.columnText(4);
        a.createdAt = s.columnText(5);
        out.push_back(std::move(a));
    }
    return out;
}

}  // namespace genra::store
