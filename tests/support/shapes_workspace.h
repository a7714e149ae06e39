// Shared by the test suites: a Shapes benchmark imported into a fresh workspace, made with the real
// core jobs (genra make-shapes + genra import karpathy).
#pragma once

#include "core/data/importers.h"
#include "core/data/shapes.h"
#include "core/store/workspace.h"
#include "support/test_context.h"

#include <catch2/catch.hpp>

#include <filesystem>

namespace genra::test {

// Writes the Shapes images `make` describes (under make.outDir) and imports them as dataset
// "shapes" into the new workspace `ws`, with `importThreads` decoding threads (0: all).
inline void makeShapesWorkspace(const data::MakeShapesOptions& make, const std::filesystem::path& ws,
                                int importThreads = 0) {
    TestContext context;
    data::MakeShapesJob shapes(make);
    REQUIRE(shapes.run(context));
    store::Workspace::create(ws);
    auto import = data::shapesImportOptions(ws, make.outDir);
    import.threads = importThreads;
    data::KarpathyImportJob importer(import);
    REQUIRE(importer.run(context));
}

// Writes `count` 64-px Shapes images under root/shapes and imports them as dataset "shapes" into
// the workspace root/ws, which it returns. `version` is the Shapes benchmark version.
inline std::filesystem::path makeShapesWorkspace(const std::filesystem::path& root, int count, std::uint64_t seed = 3,
                                                 int version = data::kShapesDefaultVersion) {
    data::MakeShapesOptions shapes;
    shapes.outDir = root / "shapes";
    shapes.count = count;
    shapes.seed = seed;
    shapes.imageSize = 64;
    shapes.version = version;
    makeShapesWorkspace(shapes, root / "ws");
    return root / "ws";
}

}  // namespace genra::test
