// Data behind the Embeddings view (paper Figure 3): the 2-D t-SNE maps stored in the workspace's
// projections tables (core/eval's WorkspaceTsneJob computes them), read back with what the view
// needs per point: real, generated or caption, the caption it stands for, and for a generated
// image the point of the real image it was made from, the split and attributes of the real image it
// stands for (for colouring), and on demand each generated image's cosine to its real image.
#pragma once

#include <cstdint>
#include <map>
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
    int split = -1;              // index into Projection::splits, -1 when unknown
    int attributes = -1;         // index into Projection::attributeSets, -1 when none
};

struct ProjectionInfo {
    std::int64_t id = 0;
    std::string name;
    std::string model;
    std::string params;  // JSON
    std::string createdAt;
    std::int64_t points = 0;
    std::int64_t modelId = 0;  // 0 when the model was deleted
};

struct Projection {
    ProjectionInfo info;
    std::vector<ProjectionPoint> points;
    // Distinct splits and distinct attribute sets (top-level scalar attributes of the real image,
    // values as text) the points refer to; a map of 1M points holds each only once.
    std::vector<std::string> splits;
    std::vector<std::map<std::string, std::string>> attributeSets;
    // Every attribute key some point has, sorted.
    std::vector<std::string> attributeKeys() const;
    // The point's value of attribute `key`, empty when it has none.
    std::string attribute(const ProjectionPoint& point, const std::string& key) const;
};

std::vector<ProjectionInfo> listProjections(store::Workspace& workspace);
// Throws genra::Error naming the id when it does not exist.
Projection loadProjection(store::Workspace& workspace, std::int64_t projectionId);
// Per point: a generated image's cosine similarity to the real image of its caption, and a real
// image's mean over its generated images, both under the projection's model (stored vectors,
// encoders generated-image and real-image); NaN where a vector or the pair is missing. Throws
// naming the image when a stored vector is damaged.
std::vector<double> pairedCosines(store::Workspace& workspace, const Projection& projection);
// Stores a projection (points' kinds as item_kind 'image'/'caption'), e.g. one computed elsewhere;
// returns its id.
std::int64_t storeProjection(store::Workspace& workspace, const std::string& name, std::int64_t modelId,
                             const std::string& paramsJson, const std::vector<ProjectionPoint>& points);

}  // namespace genra::widgets
