// Training runs in the workspace: creation, status, heartbeat, and recognising a run whose
// process died (status 'running' but its process is gone or its heartbeat is stale) as interrupted.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace genra::store {
class Workspace;
}

namespace genra::train {

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

// Inserts a run with status 'running', owned by this process. Throws when the name is taken.
std::int64_t createRun(store::Workspace& ws, const std::string& name, const std::string& kind,
                       const nlohmann::json& recipe, const std::string& device, std::int64_t totalSteps);
// Takes over an existing run for this process (resume): status 'running', new pid and heartbeat.
void claimRun(store::Workspace& ws, std::int64_t runId);
void heartbeat(store::Workspace& ws, std::int64_t runId, std::int64_t step);
void setCheckpoint(store::Workspace& ws, std::int64_t runId, const std::string& checkpoint, std::int64_t step);
void finishRun(store::Workspace& ws, std::int64_t runId, const std::string& status, const std::string& error = {},
               std::optional<std::int64_t> modelId = std::nullopt);

std::optional<RunRecord> findRun(store::Workspace& ws, const std::string& idOrName);
RunRecord requireRun(store::Workspace& ws, const std::string& idOrName);
std::vector<RunRecord> listRuns(store::Workspace& ws);

}  // namespace genra::train
