// The projections and projection_points tables: 2-D maps (t-SNE) of a model's embeddings.
// The only code that reads or writes them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace genra::store {

class Workspace;

// A point to store: an image or caption and its place on the map.
struct ProjectionPointRecord {
    std::string itemKind;  // image | caption
    std::int64_t itemId = 0;
    double x = 0.0;
    double y = 0.0;
};

// Inserts a projection and its points in one transaction; returns its id.
std::int64_t insertProjection(Workspace& ws, const std::string& name, const std::string& method,
                              std::int64_t modelId, const std::string& paramsJson,
                              const std::vector<ProjectionPointRecord>& points);

struct ProjectionSummary {
    std::int64_t id = 0;
    std::string name;
    std::string model;  // empty when the model was deleted
    std::int64_t modelId = 0;  // 0 when the model was deleted
    std::string paramsJson;
    std::string createdAt;
    std::int64_t points = 0;
};
// Every projection, in id order.
std::vector<ProjectionSummary> projectionSummaries(Workspace& ws);
bool hasProjection(Workspace& ws, const std::string& name);
// The newest projection of that name, or nothing.
std::optional<std::int64_t> findProjection(Workspace& ws, const std::string& name);

// A stored point with what it shows.
struct ProjectedItem {
    std::string itemKind;  // image | caption
    std::int64_t itemId = 0;
    double x = 0.0;
    double y = 0.0;
    std::string modality;  // an image's modality; empty for captions
    std::int64_t captionId =
        0;  // a generated image's source caption, a real image's first, the caption itself
    std::int64_t sourceRealImageId = 0;  // a generated image's caption's real image; 0 otherwise
    // The split and attributes (JSON) of the real image a point stands for: the image itself, a
    // generated image's caption's real image, a caption's image; empty when there is none.
    std::string split;
    std::string attributesJson;
};
// The points of a projection, captions first, then by item id.
std::vector<ProjectedItem> projectionPoints(Workspace& ws, std::int64_t projectionId);

}  // namespace genra::store
