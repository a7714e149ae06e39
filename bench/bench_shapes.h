// Shared by the benchmarks: imports a Shapes folder (MakeShapesJob output) into a workspace as
// the dataset "shapes".
#pragma once

#include "core/data/importers.h"
#include "core/jobs/job.h"
#include "core/util/error.h"

#include <filesystem>

namespace genra::bench {

inline void importShapes(const std::filesystem::path& workspace, const std::filesystem::path& shapesDir,
                         jobs::JobContext& context) {
    data::KarpathyImportOptions io;
    io.workspace = workspace;
    io.name = "shapes";
    io.jsonFile = shapesDir / "dataset_shapes.json";
    io.imageRoot = shapesDir;
    data::KarpathyImportJob import(io);
    if (jobs::runJob(import, context).status != jobs::JobStatus::Succeeded) throw Error("import failed");
}

}  // namespace genra::bench
