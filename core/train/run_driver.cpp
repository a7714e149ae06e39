#include "core/train/run_driver.h"

#include "core/jobs/job.h"
#include "core/store/metric_writer.h"
#include "core/store/runs.h"
#include "core/store/workspace.h"
#include "core/util/error.h"

#include <algorithm>
#include <chrono>
#include <ctime>

namespace fs = std::filesystem;

namespace genra::train {

namespace {

using Clock = std::chrono::steady_clock;

// How often the run's row is told this process is alive (store::heartbeat).
constexpr auto kHeartbeatInterval = std::chrono::seconds(2);

}  // namespace

RunDriver::RunDriver(store::Workspace& workspace, jobs::JobContext& context, RunSpec spec)
    : workspace_(workspace), context_(context), spec_(std::move(spec)), parallel_(processGroup()) {
    // Rank 0 creates or claims the row; the other ranks take its id (or its error).
    const std::string id = parallel_->shareFromMain([&] {
        std::int64_t runId = 0;
        if (spec_.resumeRunId) {
            runId = *spec_.resumeRunId;
            store::claimRun(workspace_, runId);
        } else {
            runId = store::createRun(workspace_, spec_.name, spec_.kind, spec_.recipe, spec_.device, spec_.totalSteps);
        }
        return std::to_string(runId) + "\n" + spec_.name;
    });
    runId_ = std::stoll(id.substr(0, id.find('\n')));
    spec_.name = id.substr(id.find('\n') + 1);  // the name rank 0 gave the run
    checkpointDir_ = spec_.checkpointDir.empty() ? workspace_.checkpointsDir() / ("run-" + std::to_string(runId_))
                                                 : spec_.checkpointDir;
    if (isMain()) fs::create_directories(checkpointDir_);
    checkpointPath_ = checkpointDir_ / "last.pt";
    if (parallel_->distributed() && isMain()) {
        context_.log(jobs::LogLevel::Info, "data-parallel over " + std::to_string(parallel_->worldSize()) + " processes (c10d " +
                                               parallel_->backendName() + ")");
    }
}

bool RunDriver::run(const std::function<RunOutcome()>& body) {
    if (!isMain()) {
        // Ranks above 0 write nothing: rank 0 records how the run ended.
        try {
            const RunOutcome outcome = body();
            return outcome.end != LoopEnd::Cancelled;
        } catch (const Cancelled&) {
            throw;
        } catch (const std::exception& e) {
            throw Error(spec_.label + " " + spec_.name + ": " + e.what());
        }
    }
    std::string failure;
    std::string finalStatus = "failed";
    std::optional<std::int64_t> modelId;
    try {
        const RunOutcome outcome = body();
        if (outcome.end == LoopEnd::Stopped) return true;  // as if killed: the row stays 'running'
        if (outcome.end == LoopEnd::Cancelled) {
            store::finishRun(workspace_, runId_, "cancelled");
            return false;
        }
        modelId = outcome.modelId;
        finalStatus = "finished";
    } catch (const Cancelled&) {
        store::finishRun(workspace_, runId_, "cancelled");
        throw;
    } catch (const std::exception& e) {
        failure = e.what();
    }
    store::finishRun(workspace_, runId_, finalStatus, failure, modelId);
    if (!failure.empty()) throw Error(spec_.label + " " + spec_.name + ": " + failure);
    return true;
}

void RunDriver::checkpoint(const TrainingLoop& loop, std::int64_t step) {
    if (!isMain()) return;
    loop.save(checkpointPath_, step);
    store::setCheckpoint(workspace_, runId_, fs::relative(checkpointPath_, workspace_.dir()).string(), step);
}

LoopEnd RunDriver::loop(const TrainingLoop& loop) {
    const std::int64_t totalSteps = spec_.totalSteps;
    std::int64_t& step = step_;
    step = 0;
    if (resuming() && fs::exists(checkpointPath_)) {
        step = loop.load(checkpointPath_);
        resumedFromStep_ = step;
        context_.log(jobs::LogLevel::Info, "resumed from step " + std::to_string(step) + " (" + checkpointPath_.string() + ")");
    } else if (resuming() && isMain()) {
        context_.log(jobs::LogLevel::Warning,
                     "no checkpoint found for " + spec_.label + " " + spec_.name + "; starting from step 0");
    }
    if (!isMain() && !loop.sameRandomStreamOnEveryRank) {
        // Each rank its own RNG stream (dropout, noise), reproducible for a given world size; rank 0
        // keeps the single-process stream (and the one a checkpoint restored).
        const std::uint64_t seed = static_cast<std::uint64_t>(spec_.recipe.value("seed", 0)) * 1000003ULL +
                                   static_cast<std::uint64_t>(parallel_->rank()) * 0x9E3779B97F4A7C15ULL +
                                   static_cast<std::uint64_t>(step);
        torch::manual_seed(seed);
    }

    std::optional<store::MetricWriter> metricWriter;
    if (isMain()) metricWriter.emplace(workspace_.databasePath());
    const std::int64_t sessionStart = step;
    const auto sessionClock = Clock::now();
    auto lastBeat = sessionClock;
    bool cancelled = false;
    bool stopped = false;
    while (step < totalSteps) {
        const bool cancelRequested = context_.cancelled();
        if (parallel_->distributed() ? parallel_->any(cancelRequested) : cancelRequested) {
            cancelled = true;
            break;
        }
        if (loop.stopAfterSteps && step - sessionStart >= *loop.stopAfterSteps) {
            stopped = true;
            break;
        }
        const double learningRate = learningRateAt(loop.schedule, step);
        if (loop.optimizer) {
            for (auto& group : loop.optimizer->param_groups()) group.options().set_lr(learningRate);
        }
        const StepResult result = loop.step(step, learningRate);
        ++step;
        if (!isMain()) continue;  // rank 0 reports, stores and checkpoints

        for (const auto& [name, value] : result.metrics) {
            metricWriter->append(runId_, step, name, value);
            context_.metric(step, name, value);
        }
        std::string message;
        if (loop.progressText) {
            const double elapsed = std::chrono::duration<double>(Clock::now() - sessionClock).count();
            const double stepsPerSecond = static_cast<double>(step - sessionStart) / std::max(elapsed, 1e-9);
            message = loop.progressText(step, totalSteps, result.loss, stepsPerSecond);
        } else {
            message = "step " + std::to_string(step) + "/" + std::to_string(totalSteps) + " loss " + std::to_string(result.loss);
        }
        context_.progress(static_cast<double>(step) / static_cast<double>(totalSteps), message);
        if (loop.checkpointEvery > 0 && step % loop.checkpointEvery == 0 && step < totalSteps) checkpoint(loop, step);
        if (Clock::now() - lastBeat > kHeartbeatInterval) {
            store::heartbeat(workspace_, runId_, step);
            lastBeat = Clock::now();
        }
    }
    if (loop.loopEnded) loop.loopEnded();
    if (metricWriter) metricWriter->flush();
    if (stopped) {
        if (isMain()) store::heartbeat(workspace_, runId_, step);  // a killed process writes nothing more
        return LoopEnd::Stopped;
    }
    if (loop.finalCheckpoint || cancelled) checkpoint(loop, step);
    if (cancelled && isMain()) {
        context_.log(jobs::LogLevel::Info,
                     "cancelled at step " + std::to_string(step) + "; checkpoint written, " + loop.resumeHint);
    }
    return cancelled ? LoopEnd::Cancelled : LoopEnd::Completed;
}

store::RunRecord requireResumableRun(store::Workspace& workspace, const std::string& runIdOrName, const std::string& kind,
                                     const std::string& kindNoun) {
    auto run = store::requireRun(workspace, runIdOrName);
    if (!kind.empty() && run.kind != kind) {
        throw Error("run \"" + run.name + "\" is a " + run.kind + " run, not a " + kindNoun + " run");
    }
    if (!processGroup()->isMain()) return run;  // rank 0 checks and claims it
    if (run.status == "finished") throw Error("run \"" + run.name + "\" already finished; nothing to resume");
    if (run.status == "running") throw Error("run \"" + run.name + "\" is still running in another process; stop it first");
    return run;
}

std::string timestampedRunName(const std::string& prefix) {
    const std::time_t now = std::time(nullptr);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y%m%d-%H%M%S", std::gmtime(&now));
    return prefix + "-" + buf;
}

}  // namespace genra::train
