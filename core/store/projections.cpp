#include "core/store/projections.h"

#include "core/store/workspace.h"
#include "core/store/raw_db.h"

namespace genra::store {

std::int64_t insertProjection(Workspace& ws, const std::string& name, const std::string& method,
                              std::int64_t modelId, const std::string& paramsJson,
                              const std::vector<ProjectionPointRecord>& points) {
    Transaction tx(rawDb(ws));
    auto insert =
        rawDb(ws).prepare("INSERT INTO projections(name, method, model_id, params) VALUES(?, ?, ?, ?)");
    insert.bind(1, name).bind(2, method).bind(3, modelId).bind(4, paramsJson);
    insert.run();
    const auto id = rawDb(ws).lastInsertId();
    auto point = rawDb(ws).prepare(
        "INSERT INTO projection_points(projection_id, item_kind, item_id, x, y) VALUES(?,?,?,?,?)");
    for (const auto& p : points) {
        point.bind(1, id).bind(2, p.itemKind).bind(3, p.itemId).bind(4, p.x).bind(5, p.y);
        point.run();
    }
    tx.commit();
    return id;
}

std::vector<ProjectionSummary> projectionSummaries(Workspace& ws) {
    auto s = rawDb(ws).prepare(
        "SELECT p.id, p.name, COALESCE(m.name, ''), p.params, p.created_at, "
        "(SELECT COUNT(*) FROM projection_points q WHERE q.projection_id = p.id), COALESCE(m.id, 0) "
        "FROM projections p LEFT JOIN models m ON m.id = p.model_id ORDER BY p.id");
    std::vector<ProjectionSummary> out;
    while (s.step()) {
        ProjectionSummary info;
        info.id = s.columnInt(0);
        info.name = s.columnText(1);
        info.model = s.columnText(2);
        info.paramsJson = s.columnText(3);
        info.createdAt = s.columnText(4);
        info.points = s.columnInt(5);
        info.modelId = s.columnInt(6);
        out.push_back(std::move(info));
    }
    return out;
}

bool hasProjection(Workspace& ws, const std::string& name) {
    auto s = rawDb(ws).prepare("SELECT COUNT(*) FROM projections WHERE name = ?");
    s.bind(1, name);
    return s.step() && s.columnInt(0) > 0;
}

std::optional<std::int64_t> findProjection(Workspace& ws, const std::string& name) {
    auto s = rawDb(ws).prepare("SELECT MAX(id) FROM projections WHERE name = ?");
    s.bind(1, name);
    if (!s.step() || s.isNull(0)) return std::nullopt;
    return s.columnInt(0);
}

std::vector<ProjectedItem> projectionPoints(Workspace& ws, std::int64_t projectionId) {
    // r: the real image the point stands for (the image, the generated image's caption's image,
    // the caption's image), for its split and attributes.
    auto s = rawDb(ws).prepare(
        "SELECT p.item_kind, p.item_id, p.x, p.y, COALESCE(i.modality, ''), "
        "COALESCE(g.caption_id, (SELECT c.id FROM captions c WHERE c.image_id = i.id ORDER BY c.ord, c.id "
        "LIMIT 1), "
        "CASE WHEN p.item_kind = 'caption' THEN p.item_id END, 0), "
        "COALESCE(gc.image_id, 0), COALESCE(r.split, ''), COALESCE(r.attributes, '') "
        "FROM projection_points p LEFT JOIN images i ON p.item_kind = 'image' AND i.id = p.item_id "
        "LEFT JOIN generations g ON g.image_id = i.id "
        "LEFT JOIN captions gc ON gc.id = g.caption_id "
        "LEFT JOIN captions pc ON p.item_kind = 'caption' AND pc.id = p.item_id "
        "LEFT JOIN images r ON r.id = CASE WHEN p.item_kind = 'caption' THEN pc.image_id "
        "WHEN i.modality = 'generated' THEN gc.image_id ELSE i.id END "
        "WHERE p.projection_id = ? ORDER BY p.item_kind DESC, p.item_id");
    s.bind(1, projectionId);
    std::vector<ProjectedItem> out;
    while (s.step()) {
        ProjectedItem item;
        item.itemKind = s.columnText(0);
        item.itemId = s.columnInt(1);
        item.x = s.columnDouble(2);
        item.y = s.columnDouble(3);
        item.modality = s.columnText(4);
        item.captionId = s.columnInt(5);
        item.sourceRealImageId = s.columnInt(6);
        item.split = s.columnText(7);
        item.attributesJson = s.columnText(8);
        out.push_back(std::move(item));
    }
    return out;
}

}  // namespace genra::store
