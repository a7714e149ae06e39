// Data behind the Embeddings view (paper Figure 3): the 2-D t-SNE maps stored in the workspace's
// projections tables (core/eval's WorkspaceTsneJob computes them), read back with what the view
// needs per point: real, generated or caption, the caption it stands for, and for a generated
// image the point of the real image it was made from.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace genra::store {
class Workspace;
}

namespace genra::widgets {

enum class PointKind { Real = 1, Generated, Caption };

struct ProjectionPoint {
    PointKind kind = PointKind::Real;
    std::int64_t itemId = 0;     // image id, or caption id for caption points
    std::int64_t captionId = 0;  // the caption this point stands for (0 when unknown)
    double x = 0.0;
    double y = 0.0;
    int linkedReal = -1;         // generated points: index of their real image's point, -1 if absent
};

struct ProjectionInfo {
    std::int64_t id = 0;
    std::string name;
    std::string model;
    std::string params;  // JSON
    std::string createdAt;
    std::int64_t points = 0;
};

struct Projection {
    ProjectionInfo info;
    std::vector<ProjectionPoint> points;
};

std::vector<ProjectionInfo> listProjections(store::Workspace& workspace);
// Throws genra::Error naming the id when it does not exist.
Projection loadProjection(store::Workspace& workspace, std::int64_t projectionId);
// Stores a projection (points' kinds as item_kind 'image'/'caption'), e.g. one computed elsewhere;
// returns its id.
std::int64_t storeProjection(store::Workspace& workspace, const std::string& name, std::int64_t modelId,
                             const std::string& paramsJson, const std::vector<ProjectionPoint>& points);

}  // namespace genra::widgets
