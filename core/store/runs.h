// The runs table (training, captioner, generator and generation runs): creation, status,
// heartbeat, and recognising a run whose process died (status 'running' but its process is gone
// or its heartbeat is stale) as interrupted.
#pragma once

#include "core/store/metric_writer.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace genra::store {

class Workspace;

struct RunRecord {
    std::int64_t id = 0;
    std::string name;
    std::string kind;  // the method
    nlohmann::json recipe;
    std::string status;  // pending | running | finished | failed | cancelled | interrupted (derived)
    std::string device;
    std::string startedAt;
    std::string finishedAt;
    std::string error;
    std::string checkpoint;
    std::int64_t step = 0;
    std::int64_t totalSteps = 0;
    std::optional<std::int64_t> modelId;
    std::map<std::string, double> lastMetrics;  // last value of each metric
};

// How a run's name is used. Training, captioner and generator runs register a model of their name
// whose files go under checkpoints/<name>/, so the name must pass util::validateName, must not be
// taken by a model, and must not be the run's own base model (recipe "base_model"). Generation
// runs only label rows; their names are made from dataset and split names and are not checked.
enum class RunNameUse { ModelName, LabelOnly };

// Inserts a run with status 'running', owned by this process. Throws genra::Error, creating
// nothing, when the name is taken or (RunNameUse::ModelName) not a usable model name.
std::int64_t createRun(Workspace& ws, const std::string& name, const std::string& kind,
                       const nlohmann::json& recipe, const std::string& device, std::int64_t totalSteps,
                       RunNameUse use = RunNameUse::ModelName);
// Takes over an existing run for this process (resume): status 'running', new pid and heartbeat.
// Atomic: one conditional UPDATE succeeds only while the run is not running, or is still owned by
// the dead process this call saw; of two processes claiming one run, exactly one wins and the
// other gets a genra::Error naming the process (and host) that holds the run.
void claimRun(Workspace& ws, std::int64_t runId);
void heartbeat(Workspace& ws, std::int64_t runId, std::int64_t step);
void setCheckpoint(Workspace& ws, std::int64_t runId, const std::string& checkpoint, std::int64_t step);
void finishRun(Workspace& ws, std::int64_t runId, const std::string& status, const std::string& error = {},
               std::optional<std::int64_t> modelId = std::nullopt);

std::optional<RunRecord> findRun(Workspace& ws, const std::string& idOrName);
RunRecord requireRun(Workspace& ws, const std::string& idOrName);
std::vector<RunRecord> listRuns(Workspace& ws);
// (step, value) of one metric of the run named `runName`, by step; empty when there is none.
std::vector<std::pair<std::int64_t, double>> runMetricSeries(Workspace& ws, const std::string& runName,
                                                             const std::string& metric);
// Every metric row of a run, by metric name, then step.
std::vector<MetricRow> runMetrics(Workspace& ws, std::int64_t runId);
// Ids of the models whose run_id is this run, in id order.
std::vector<std::int64_t> modelsOfRun(Workspace& ws, std::int64_t runId);

}  // namespace genra::store
