// Data behind the Embeddings view (paper Figure 3): 2-D t-SNE maps of a model's stored embeddings
// of real images, the generated images made from their captions and optionally the captions'
// text, stored in the workspace's projections tables and reopened without recomputing.
#pragma once

#include "core/jobs/job.h"

#include <cstdint>
#include <filesystem>
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
// Stores a projection (points' kinds as item_kind 'image'/'caption'); returns its id.
std::int64_t storeProjection(store::Workspace& workspace, const std::string& name, std::int64_t modelId,
                             const std::string& paramsJson, const std::vector<ProjectionPoint>& points);

struct ProjectionOptions {
    std::string model;
    std::string dataset;
    std::string split;          // empty = every split
    int maxCaptions = 500;      // captions sampled (each brings its real and generated images)
    bool includeCaptions = false;
    double perplexity = 30.0;
    int iterations = 1000;
    std::uint64_t seed = 0;
    std::string name;           // empty: "<model> <dataset> t-SNE"
};

// Samples captions that have a generated image and an embedded real image, runs t-SNE on their
// embeddings, stores the map. Errors name the model and dataset when embeddings are missing.
class ProjectionJob : public jobs::Job {
public:
    ProjectionJob(std::filesystem::path workspace, ProjectionOptions options);
    std::string name() const override;
    bool run(jobs::JobContext& context) override;
    std::int64_t projectionId() const { return projectionId_; }

private:
    std::filesystem::path workspace_;
    ProjectionOptions options_;
    std::int64_t projectionId_ = 0;
};

}  // namespace genra::widgets
