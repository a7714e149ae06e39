#include "core/train/schedule.h"

#include <cmath>

namespace genra::train {

double learningRateAt(const ScheduleOptions& o, long long step) {
    if (step < o.warmupSteps) {
        return o.baseLearningRate * static_cast<double>(step + 1) / static_cast<double>(o.warmupSteps);
    }
    long long t = step - o.warmupSteps;  // position since the end of warm-up
    long long period = o.restartPeriod > 0 ? o.restartPeriod : 1;
    if (o.restartMultiplier <= 1) {
        t %= period;
    } else {
        // Cycle i lasts T_0 * T_mult^i steps.
        while (t >= period) {
            t -= period;
            period *= o.restartMultiplier;
        }
    }
    const double pi = 3.14159265358979323846;
    return o.minLearningRate + (o.baseLearningRate - o.minLearningRate) *
                                   (1.0 + std::cos(pi * static_cast<double>(t) / static_cast<double>(period))) / 2.0;
}

}  // namespace genra::train
