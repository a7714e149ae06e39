#include "widgets/embeddings_data.h"

#include "core/store/embeddings.h"
#include "core/store/projections.h"
#include "core/store/workspace.h"
#include "core/util/error.h"
#include "core/util/json_limits.h"

#include <cmath>
#include <limits>
#include <map>
#include <set>

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
        info.modelId = stored.modelId;
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
    std::map<std::string, int> splitIndex;
    std::map<std::string, int> attributesIndex;  // by the stored JSON text
    for (const auto& item : store::projectionPoints(ws, projectionId)) {
        ProjectionPoint point;
        point.itemId = item.itemId;
        point.x = item.x;
        point.y = item.y;
        point.kind = item.itemKind == "caption"       ? PointKind::Caption
                     : item.modality == "generated" ? PointKind::Generated
                                                    : PointKind::Real;
        point.captionId = item.captionId;
        if (!item.split.empty()) {
            const auto [it, added] = splitIndex.emplace(item.split, static_cast<int>(p.splits.size()));
            if (added) p.splits.push_back(item.split);
            point.split = it->second;
        }
        if (!item.attributesJson.empty() && item.attributesJson != "{}") {
            auto it = attributesIndex.find(item.attributesJson);
            if (it == attributesIndex.end()) {
                std::map<std::string, std::string> values;
                try {
                    const auto json = util::parseUntrustedJson(item.attributesJson, "attributes of image " +
                                                                                        std::to_string(item.itemId));
                    if (json.is_object()) {
                        for (const auto& [key, value] : json.items()) {
                            if (value.is_string()) values[key] = value.get<std::string>();
                            else if (value.is_primitive() && !value.is_null()) values[key] = value.dump();
                        }
                    }
                } catch (const std::exception&) {
                    // Unreadable attributes colour the point as having none.
                }
                it = attributesIndex.emplace(item.attributesJson, static_cast<int>(p.attributeSets.size())).first;
                p.attributeSets.push_back(std::move(values));
            }
            point.attributes = it->second;
        }
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

std::vector<std::string> Projection::attributeKeys() const {
    std::set<std::string> keys;
    for (const auto& set : attributeSets)
        for (const auto& entry : set) keys.insert(entry.first);
    return {keys.begin(), keys.end()};
}

std::string Projection::attribute(const ProjectionPoint& point, const std::string& key) const {
    if (point.attributes < 0 || point.attributes >= static_cast<int>(attributeSets.size())) return {};
    const auto& set = attributeSets[static_cast<std::size_t>(point.attributes)];
    const auto it = set.find(key);
    return it == set.end() ? std::string() : it->second;
}

std::vector<double> pairedCosines(store::Workspace& ws, const Projection& projection) {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    std::vector<double> out(projection.points.size(), nan);
    if (projection.info.modelId == 0) return out;
    std::vector<std::int64_t> realIds;
    std::vector<std::int64_t> generatedIds;
    for (const auto& p : projection.points) {
        if (p.kind == PointKind::Real) realIds.push_back(p.itemId);
        else if (p.kind == PointKind::Generated) generatedIds.push_back(p.itemId);
    }
    const auto rows = [&](const char* encoder, const std::vector<std::int64_t>& ids) {
        std::map<std::int64_t, std::vector<float>> byId;
        const auto found = store::readEmbeddings(ws, {projection.info.modelId, "image", encoder}, ids);
        const auto dim = static_cast<std::size_t>(found.dim);
        for (std::size_t r = 0; r < found.found.size(); ++r) {
            const float* row = found.values.data() + r * dim;
            byId.emplace(ids[found.found[r]], std::vector<float>(row, row + dim));
        }
        return byId;
    };
    const auto real = rows("real-image", realIds);
    const auto generated = rows("generated-image", generatedIds);
    std::vector<double> sum(projection.points.size(), 0.0);
    std::vector<int> count(projection.points.size(), 0);
    for (std::size_t i = 0; i < projection.points.size(); ++i) {
        const auto& p = projection.points[i];
        if (p.kind != PointKind::Generated || p.linkedReal < 0) continue;
        const auto& r = projection.points[static_cast<std::size_t>(p.linkedReal)];
        const auto g = generated.find(p.itemId);
        const auto q = real.find(r.itemId);
        if (g == generated.end() || q == real.end() || g->second.size() != q->second.size()) continue;
        double dot = 0.0;
        double gg = 0.0;
        double qq = 0.0;
        for (std::size_t k = 0; k < g->second.size(); ++k) {
            dot += double(g->second[k]) * q->second[k];
            gg += double(g->second[k]) * g->second[k];
            qq += double(q->second[k]) * q->second[k];
        }
        if (gg <= 0.0 || qq <= 0.0) continue;
        out[i] = dot / std::sqrt(gg * qq);
        sum[static_cast<std::size_t>(p.linkedReal)] += out[i];
        ++count[static_cast<std::size_t>(p.linkedReal)];
    }
    for (std::size_t i = 0; i < out.size(); ++i)
        if (count[i] > 0) out[i] = sum[i] / count[i];
    return out;
}

std::int64_t storeProjection(store::Workspace& ws, const std::string& name, std::int64_t modelId,
                             const std::string& paramsJson, const std::vector<ProjectionPoint>& points) {
    std::vector<store::ProjectionPointRecord> stored;
    stored.reserve(points.size());
    for (const auto& p : points) stored.push_back({p.kind == PointKind::Caption ? "caption" : "image", p.itemId, p.x, p.y});
    return store::insertProjection(ws, name, "tsne", modelId, paramsJson, stored);
}

}  // namespace genra::widgets
