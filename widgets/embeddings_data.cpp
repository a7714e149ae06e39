#include "widgets/embeddings_data.h"

#include "core/store/workspace.h"
#include "core/util/error.h"

#include <map>

namespace genra::widgets {

std::vector<ProjectionInfo> listProjections(store::Workspace& ws) {
    auto s = ws.db().prepare(
        "SELECT p.id, p.name, COALESCE(m.name, ''), p.params, p.created_at, "
        "(SELECT COUNT(*) FROM projection_points q WHERE q.projection_id = p.id) "
        "FROM projections p LEFT JOIN models m ON m.id = p.model_id ORDER BY p.id");
    std::vector<ProjectionInfo> out;
    while (s.step()) {
        ProjectionInfo info;
        info.id = s.columnInt(0);
        info.name = s.columnText(1);
        info.model = s.columnText(2);
        info.params = s.columnText(3);
        info.createdAt = s.columnText(4);
        info.points = s.columnInt(5);
        out.push_back(std::move(info));
    }
    return out;
}

Projection loadProjection(store::Workspace& ws, std::int64_t projectionId) {
    Projection p;
    for (auto& info : listProjections(ws))
        if (info.id == projectionId) p.info = info;
    if (p.info.id == 0) throw Error("projection " + std::to_string(projectionId) + " does not exist in " + ws.dir().string());
    // Each point's caption: a generated image's source caption, a real image's first caption.
    auto s = ws.db().prepare(
        "SELECT p.item_kind, p.item_id, p.x, p.y, COALESCE(i.modality, ''), "
        "COALESCE(g.caption_id, (SELECT c.id FROM captions c WHERE c.image_id = i.id ORDER BY c.ord, c.id LIMIT 1), "
        "CASE WHEN p.item_kind = 'caption' THEN p.item_id END, 0), "
        "COALESCE((SELECT c2.image_id FROM captions c2 WHERE c2.id = g.caption_id), 0) "
        "FROM projection_points p LEFT JOIN images i ON p.item_kind = 'image' AND i.id = p.item_id "
        "LEFT JOIN generations g ON g.image_id = i.id WHERE p.projection_id = ? ORDER BY p.item_kind DESC, p.item_id");
    s.bind(1, projectionId);
    std::map<std::int64_t, int> realIndex;
    std::vector<std::int64_t> linkImage;
    while (s.step()) {
        ProjectionPoint point;
        const auto kind = s.columnText(0);
        point.itemId = s.columnInt(1);
        point.x = s.columnDouble(2);
        point.y = s.columnDouble(3);
        const auto modality = s.columnText(4);
        point.kind = kind == "caption" ? PointKind::Caption : modality == "generated" ? PointKind::Generated : PointKind::Real;
        point.captionId = s.columnInt(5);
        if (point.kind == PointKind::Real) realIndex[point.itemId] = static_cast<int>(p.points.size());
        linkImage.push_back(point.kind == PointKind::Generated ? s.columnInt(6) : 0);
        p.points.push_back(point);
    }
    for (std::size_t i = 0; i < p.points.size(); ++i) {
        const auto it = realIndex.find(linkImage[i]);
        if (it != realIndex.end()) p.points[i].linkedReal = it->second;
    }
    return p;
}

std::int64_t storeProjection(store::Workspace& ws, const std::string& name, std::int64_t modelId,
                             const std::string& paramsJson, const std::vector<ProjectionPoint>& points) {
    store::Transaction tx(ws.db());
    auto insert = ws.db().prepare("INSERT INTO projections (name, method, model_id, params) VALUES (?, 'tsne', ?, ?)");
    insert.bind(1, name).bind(2, modelId).bind(3, paramsJson).run();
    const auto id = ws.db().lastInsertId();
    auto point = ws.db().prepare("INSERT INTO projection_points (projection_id, item_kind, item_id, x, y) VALUES (?, ?, ?, ?, ?)");
    for (const auto& p : points) {
        point.reset();
        point.bind(1, id).bind(2, p.kind == PointKind::Caption ? "caption" : "image").bind(3, p.itemId).bind(4, p.x).bind(5, p.y);
        point.run();
    }
    tx.commit();
    return id;
}

}  // namespace genra::widgets
