// The life of a training run, written once for the CLIP trainer, the captioner and the diffusion
// generator: the workspace row (created, or claimed atomically to resume), the step loop with its
// learning-rate schedule, heartbeat, cancel and stop-after, checkpoints (every N steps, on cancel
// and at the end) and resuming from them, and the row's final status. A loop supplies only what
// differs: its step function and how its state is saved and loaded (core/train/checkpoint.h).
// Shaped like the free train() functions of PyTorch's C++ examples, plus the run bookkeeping they
// leave to the caller.
//
// Data parallelism lives here too (core/train/distributed.h): under a launcher (torchrun's or
// Slurm's variables, or `genra train --nproc N`) every rank runs the same driver; rank 0 alone
// writes the workspace (the row, metrics, heartbeats, checkpoints, the model), the others learn the
// run's id from it, every rank loads the same checkpoint when resuming (so a run resumes at any
// world size), ranks above 0 reseed their RNG streams (unless the loop draws global batches), and a cancel on any rank stops all of them at
// the same step. A loop shards its batches with parallel().shard, gathers embeddings with
// parallel().allGather and calls synchronize(parameters) after backward.
//
//     RunDriver driver(ws, context, spec);          // the row exists (or is claimed) from here on
//     return driver.run([&] {                       // failures and cancels end up in the row
//         ... build the model and optimiser ...
//         TrainingLoop loop;  loop.step = ...;  loop.save = ...;  loop.load = ...;
//         const LoopEnd end = driver.loop(loop);    // resumes, steps, checkpoints
//         ... register the model when end == LoopEnd::Completed ...
//         return RunOutcome{end, modelId};
//     });
#pragma once

#include "core/store/runs.h"
#include "core/train/distributed.h"
#include "core/train/schedule.h"

#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace genra::jobs {
class JobContext;
}
namespace genra::store {
class Workspace;
}

namespace genra::train {

// The run's row: what store::createRun records, or the run store::claimRun takes over.
struct RunSpec {
    RunSpec(std::string name, std::string kind, nlohmann::json recipe, std::string device, std::int64_t totalSteps,
            std::optional<std::int64_t> resumeRunId = std::nullopt)
        : name(std::move(name)), kind(std::move(kind)), recipe(std::move(recipe)), device(std::move(device)),
          totalSteps(totalSteps), resumeRunId(resumeRunId) {}

    std::string name;
    std::string kind;  // runs.kind: the training method, "caption" or "generator"
    nlohmann::json recipe;
    std::string device;
    std::int64_t totalSteps = 0;
    std::optional<std::int64_t> resumeRunId;  // set: claim this run and resume it instead of creating one
    std::filesystem::path checkpointDir;      // empty: <workspace>/checkpoints/run-<id>
    std::string label = "run";                // names the run in messages: "<label> <name>: ..."
};

// What one step reports.
struct StepResult {
    double loss = 0.0;                                    // for the progress line
    std::vector<std::pair<std::string, double>> metrics;  // stored and reported at the new step, in this order
};

// What a training loop supplies to RunDriver::loop.
struct TrainingLoop {
    // Performs optimiser update number `step` (0-based) at `learningRate`, which is already set on
    // every parameter group of `optimizer`.
    std::function<StepResult(std::int64_t step, double learningRate)> step;
    // Writes / reads the loop's whole state (weights, optimiser, RNG, step) at a checkpoint path;
    // load returns the step the checkpoint was written at.
    std::function<void(const std::filesystem::path& path, std::int64_t step)> save;
    std::function<std::int64_t(const std::filesystem::path& path)> load;

    torch::optim::Optimizer* optimizer = nullptr;  // gets learningRateAt(schedule, step) before each step
    ScheduleOptions schedule;
    std::int64_t checkpointEvery = 0;            // > 0: a checkpoint every that many steps, besides cancel and end
    bool finalCheckpoint = true;                 // false (dry runs): none at the end; a cancel still writes one
    std::optional<std::int64_t> stopAfterSteps;  // tests: return after this many steps of this session as if killed
    // Data-parallel: true keeps rank 0's RNG stream on every rank (no reseeding of the ranks above
    // 0), for a step that draws the whole global batch's random numbers and keeps its own rows, so
    // that N processes draw what one process draws (the generator's noise, timesteps, pairs).
    bool sameRandomStreamOnEveryRank = false;
    std::string resumeHint;                      // how to resume, logged on cancel ("resume with `genra train ...`")
    // Optional: runs when the last step is done, before the final checkpoint (e.g. to join a prefetch).
    std::function<void()> loopEnded;
    // Optional: the progress line after a step; default "step S/T loss L".
    std::function<std::string(std::int64_t step, std::int64_t totalSteps, double loss, double stepsPerSecond)> progressText;
};

enum class LoopEnd {
    Completed = 1,  // every step done, final checkpoint written (unless a dry run)
    Cancelled,      // the context was cancelled: checkpoint written, resumable
    Stopped,        // stopAfterSteps reached: nothing more written, as if the process had been killed
};

struct RunOutcome {
    LoopEnd end = LoopEnd::Completed;
    std::optional<std::int64_t> modelId;  // the model a completed run registered
};

class RunDriver {
public:
    // Creates the run (status 'running', owned by this process) or claims spec.resumeRunId
    // atomically, and makes its checkpoint folder. Throws genra::Error, creating nothing, when the
    // name is taken or the run is held by a live process. In a multi-process run (processGroup())
    // rank 0 does that and the other ranks receive the run's id.
    RunDriver(store::Workspace& workspace, jobs::JobContext& context, RunSpec spec);

    // The ranks of this run (a single process when no launcher started it).
    DataParallel& parallel() { return *parallel_; }
    bool isMain() const { return parallel_->isMain(); }
    // After backward: averages the gradients of `parameters` over the ranks (no-op for one process).
    void synchronize(const std::vector<torch::Tensor>& parameters) { parallel_->averageGradients(parameters); }
    // At the start, before any step: copies rank 0's values of `parameters` to every rank.
    void broadcastInitial(const std::vector<torch::Tensor>& parameters) { parallel_->broadcast(parameters); }

    std::int64_t runId() const { return runId_; }
    bool resuming() const { return spec_.resumeRunId.has_value(); }
    const std::filesystem::path& checkpointDir() const { return checkpointDir_; }
    const std::filesystem::path& checkpointPath() const { return checkpointPath_; }  // <dir>/last.pt
    // The step the run resumed from (0 for a new run or one without a checkpoint).
    std::int64_t resumedFromStep() const { return resumedFromStep_; }
    // The steps done so far, this session's and those resumed from (after loop: where it ended).
    std::int64_t step() const { return step_; }

    // Runs `body` and records how it ended in the run's row: Completed → 'finished' with the model,
    // Cancelled (or genra::Cancelled thrown, which is rethrown) → 'cancelled', Stopped → nothing.
    // Any other exception marks the run 'failed' with its message and is rethrown as genra::Error
    // "<label> <name>: <message>". Returns false when cancelled, else true.
    bool run(const std::function<RunOutcome()>& body);

    // The step loop: resumes from the run's checkpoint when resuming (loop.load), then steps to
    // spec.totalSteps, storing each step's metrics, reporting progress, beating the heartbeat,
    // checkpointing every loop.checkpointEvery steps, and stopping on cancel or loop.stopAfterSteps.
    LoopEnd loop(const TrainingLoop& loop);

private:
    void checkpoint(const TrainingLoop& loop, std::int64_t step);

    store::Workspace& workspace_;
    jobs::JobContext& context_;
    RunSpec spec_;
    std::int64_t runId_ = 0;
    std::filesystem::path checkpointDir_;
    std::filesystem::path checkpointPath_;
    std::int64_t resumedFromStep_ = 0;
    std::int64_t step_ = 0;
    std::shared_ptr<DataParallel> parallel_;
};

// The run `runIdOrName` if it can be resumed: not finished and not running in another process (on
// ranks above 0 of a multi-process run only its existence and kind are checked: rank 0 claims it).
// With `kind` set, a run of another kind is refused first ("... is a K run, not a <kindNoun> run").
store::RunRecord requireResumableRun(store::Workspace& workspace, const std::string& runIdOrName,
                                     const std::string& kind = {}, const std::string& kindNoun = {});

// "<prefix>-YYYYmmdd-HHMMSS" (UTC now): the name of a run started without one.
std::string timestampedRunName(const std::string& prefix);

}  // namespace genra::train
