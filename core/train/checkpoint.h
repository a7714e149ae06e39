// What every training checkpoint shares (CLIP runs, the diffusion generator, captioners): the
// optimiser and CPU RNG state that make a resumed run continue the same curve, and an atomic write
// (a temporary file, then rename) so a killed process never leaves half a checkpoint.
#pragma once

#include <torch/torch.h>

#include <filesystem>

namespace genra::train {

// Writes "optimizer" and "rng/cpu" (the default CPU generator's state) into `archive`.
void writeTrainingState(torch::serialize::OutputArchive& archive, torch::optim::Optimizer& optimizer);
// Restores what writeTrainingState wrote; a checkpoint without "rng/cpu" keeps the current RNG.
void readTrainingState(torch::serialize::InputArchive& archive, torch::optim::Optimizer& optimizer);
// Saves `archive` to `path` through `path`.tmp and a rename.
void saveArchiveAtomically(torch::serialize::OutputArchive& archive, const std::filesystem::path& path);

}  // namespace genra::train
