// Shared by the shard tests (core and CLI): a Shapes workspace with a tiny CLIP of random weights,
// and copies of it, as every shard of a sharded run starts from a copy of one workspace.
#pragma once

#include "core/model/clip.h"
#include "core/model/model_store.h"
#include "core/store/workspace.h"
#include "support/shapes_workspace.h"

#include <filesystem>
#include <string>

namespace genra::test {

// `count` Shapes images imported as dataset "shapes" into root/ws, with a tiny CLIP of random
// weights (drawn from `seed`) registered as model "tiny"; returns the workspace folder.
inline std::filesystem::path shapesWorkspaceWithTinyClip(const std::filesystem::path& root, int count, std::uint64_t seed) {
    const auto dir = makeShapesWorkspace(root, count, seed);
    auto ws = store::Workspace::open(dir);
    torch::manual_seed(seed);
    model::saveClipModel(ws, "tiny", model::ClipModel(model::clipPreset("tiny")), "");
    return dir;
}

// Copies the workspace folder `from` to the sibling folder `name`; returns the copy.
inline std::filesystem::path copyWorkspace(const std::filesystem::path& from, const std::string& name) {
    const auto to = from.parent_path() / name;
    std::filesystem::copy(from, to, std::filesystem::copy_options::recursive);
    return to;
}

}  // namespace genra::test
