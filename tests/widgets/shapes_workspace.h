// Shared by the widget tests: a small Shapes benchmark imported into a fresh workspace, made with
// the real core jobs (genra make-shapes + genra import karpathy).
#pragma once

#include "core/data/importers.h"
#include "core/data/shapes.h"
#include "core/jobs/job.h"
#include "core/store/workspace.h"

#include <catch2/catch.hpp>

#include <filesystem>
#include <memory>

namespace genra::test {

// Writes `count` Shapes images under root/shapes and imports them as dataset "shapes" into the
// workspace root/ws, which it returns. `version` is the Shapes benchmark version.
inline std::filesystem::path makeShapesWorkspace(const std::filesystem::path& root, int count, std::uint64_t seed = 3,
                                                 int version = data::kShapesDefaultVersion) {
    data::MakeShapesOptions shapes;
    shapes.outDir = root / "shapes";
    shapes.count = count;
    shapes.seed = seed;
    shapes.imageSize = 64;
    shapes.version = version;
    data::MakeShapesJob make(shapes);
    jobs::CallbackContext context({}, std::make_shared<jobs::CancelToken>());
    REQUIRE(jobs::runJob(make, context).status == jobs::JobStatus::Succeeded);
    store::Workspace::create(root / "ws");
    data::KarpathyImportJob job(data::shapesImportOptions(root / "ws", root / "shapes"));
    REQUIRE(jobs::runJob(job, context).status == jobs::JobStatus::Succeeded);
    return root / "ws";
}

}  // namespace genra::test
