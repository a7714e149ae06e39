// Learning-rate schedule: linear warm-up, then cosine annealing with warm restarts (SGDR), with the
// same step semantics as PyTorch's CosineAnnealingWarmRestarts stepped once per optimiser step.
#pragma once

namespace genra::train {

struct ScheduleOptions {
    double baseLearningRate = 1e-4;
    double minLearningRate = 0.0;  // eta_min
    int warmupSteps = 0;
    int restartPeriod = 1000;      // T_0 (steps)
    int restartMultiplier = 1;     // T_mult
};

// Learning rate for optimiser step `step` (0-based: the rate used by the first update is
// learningRateAt(0)). During warm-up the rate rises linearly to the base rate at step warmupSteps.
double learningRateAt(const ScheduleOptions& options, long long step);

}  // namespace genra::train
