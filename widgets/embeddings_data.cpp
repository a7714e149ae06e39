#include "widgets/embeddings_data.h"

#include "core/store/projections.h"
#include "core/store/workspace.h"
#include "core/util/error.h"

#include <map>

namespace genra::widgets {

std::vector<ProjectionInfo> listProjections(store::Workspace& ws) {
    std::vector<ProjectionInfo> out;
    for (auto& stored : store::projectionSummaries(ws)) {
        ProjectionInfo info;
        info.id = stored.id;
        info.name = std::move(stored.name);
        info.model = std::move(stored.model);
        info.params = std::move(stored.paramsJson);
        info.createdAt = std::move(stored.createdAt);
        info.points = stored.points;
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
    std::map<std::int64_t, int> realIndex;
    std::vector<std::int64_t> linkImage;
    for (const auto& item : store::projectionPoints(ws, projectionId)) {
        ProjectionPoint point;
        point.itemId = item.itemId;
        point.x = item.x;
        point.y = item.y;
        point.kind = item.itemKind == "caption"       ? PointKind::Caption
                     : item.modality == "generated" ? PointKind::Generated
                                                    : PointKind::Real;
        point.captionId = item.captionId;
        if (point.kind == PointKind::Real) realIndex[point.itemId] = static_cast<int>(p.points.size());
        linkImage.push_back(point.kind == PointKind::Generated ? item.sourceRealImageId : 0);
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
    std::vector<store::ProjectionPointRecord> stored;
    stored.reserve(points.size());
    for (const auto& p : points) stored.push_back({p.kind == PointKind::Caption ? "caption" : "image", p.itemId, p.x, p.y});
    return store::insertProjection(ws, name, "tsne", modelId, paramsJson, stored);
}

}  // namespace genra::widgets
