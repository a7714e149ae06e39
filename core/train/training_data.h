// What a training run draws from the workspace: units of one real image with its captions and the
// generated images made from those captions, and the deterministic batch plan (which unit, caption
// and generated image fills each slot of each step) that makes a resumed run identical to an
// uninterrupted one.
#pragma once

#include "core/train/recipe.h"

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace genra::store {
class Workspace;
}

namespace genra::train {

struct TrainingPair {
    std::int64_t captionId = 0;
    std::string caption;
    std::int64_t imageId = 0;     // the image paired with the caption in this slot
    std::filesystem::path imagePath;
    bool generated = false;
};

struct TrainingUnit {
    std::int64_t realImageId = 0;
    std::filesystem::path realPath;
    std::vector<TrainingPair> pairs;  // choices for this unit; one is drawn per step
};

struct TrainingData {
    std::vector<TrainingUnit> units;
    std::size_t generatedImages = 0;
    std::size_t realImages = 0;
    std::size_t captions = 0;
    std::size_t skippedUnits = 0;  // real images without any usable generated image
    // Hard negatives only (recipe hard_negatives > 0): for each unit, the units whose captions share
    // the most words with its own (Jaccard of the word sets of all its captions), nearest first.
    std::vector<std::vector<std::size_t>> neighbours;
};

// Fills data.neighbours with up to k nearest units per unit. Throws genra::Error naming the
// recipe key when there are too many units for the all-pairs comparison.
void findCaptionNeighbours(TrainingData& data, std::size_t k);

// Collects the units for the recipe's method from the workspace (only images with status 'ok').
// Methods on generated images need each real image's captions to have generated images; real
// images without any are skipped and counted. Throws genra::Error when nothing is left.
TrainingData collectTrainingData(store::Workspace& workspace, const Recipe& recipe);

struct BatchSlot {
    std::size_t unit = 0;
    std::size_t pair = 0;
};

// Steps per epoch: units / batch (last partial batch dropped), at least 1.
std::int64_t stepsPerEpoch(std::size_t units, int batchSize);
// The slots of a step: a seeded permutation of the units per epoch and a seeded pair choice per
// step, both functions of (seed, step) alone. With hardFraction > 0 (and data.neighbours filled),
// that fraction of the slots is taken by caption neighbours of the permutation's units in the
// batch, each unit at most once per batch.
std::vector<BatchSlot> planBatch(const TrainingData& data, int batchSize, std::int64_t seed, std::int64_t step,
                                 double hardFraction = 0.0);

}  // namespace genra::train
