#include "core/store/runs.h"

#include "core/store/workspace.h"
#include "core/store/raw_db.h"
#include "core/util/error.h"
#include "core/util/names.h"

#include <cerrno>
#include <csignal>
#include <ctime>
#include <unistd.h>

namespace genra::store {

namespace {

std::string hostName() {
    char buf[256] = {0};
    gethostname(buf, sizeof buf - 1);
    return buf;
}

bool processAlive(std::int64_t pid) {
    if (pid <= 0) return false;
    return kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

// Whether the process recorded as running a run is gone. Same host: trust the process table.
// Elsewhere: a heartbeat older than two minutes.
bool ownerDead(std::optional<std::int64_t> pid, const std::string& host, double heartbeatAgeSeconds) {
    return host == hostName() ? !(pid && processAlive(*pid)) : heartbeatAgeSeconds > 120.0;
}

constexpr const char* kSelect =
    "SELECT id, name, kind, recipe, status, device, COALESCE(started_at,''), COALESCE(finished_at,''), "
    "COALESCE(error,''), COALESCE(checkpoint,''), step, total_steps, model_id, pid, host, "
    "(julianday('now') - julianday(COALESCE(heartbeat_at, started_at))) * 86400.0 FROM runs ";

RunRecord readRun(Statement& s) {
    RunRecord r;
    r.id = s.columnInt(0);
    r.name = s.columnText(1);
    r.kind = s.columnText(2);
    const auto recipe = s.columnText(3);
    r.recipe = recipe.empty() ? nlohmann::json::object() : nlohmann::json::parse(recipe, nullptr, false);
    r.status = s.columnText(4);
    r.device = s.columnText(5);
    r.startedAt = s.columnText(6);
    r.finishedAt = s.columnText(7);
    r.error = s.columnText(8);
    r.checkpoint = s.columnText(9);
    r.step = s.columnInt(10);
    r.totalSteps = s.columnInt(11);
    r.modelId = s.columnOptionalInt(12);
    const auto pid = s.columnOptionalInt(13);
    const auto host = s.columnText(14);
    const double heartbeatAgeSeconds = s.columnDouble(15);
    if (r.status == "running" && ownerDead(pid, host, heartbeatAgeSeconds)) r.status = "interrupted";
    return r;
}

void loadLastMetrics(Workspace& ws, RunRecord& r) {
    auto s = rawDb(ws).prepare(
        "SELECT m.name, m.value FROM metrics m JOIN (SELECT name, MAX(step) AS step FROM metrics WHERE run_id = ? "
        "GROUP BY name) last ON last.name = m.name AND last.step = m.step WHERE m.run_id = ?");
    s.bind(1, r.id).bind(2, r.id);
    while (s.step()) r.lastMetrics[s.columnText(0)] = s.columnDouble(1);
}

}  // namespace

std::int64_t createRun(Workspace& ws, const std::string& name, const std::string& kind,
                       const nlohmann::json& recipe, const std::string& device, std::int64_t totalSteps,
                       RunNameUse use) {
    if (use == RunNameUse::ModelName) {
        util::validateName(name, "run");
        if (recipe.is_object() && recipe.contains("base_model") && recipe["base_model"].is_string() &&
            recipe["base_model"].get<std::string>() == name) {
            throw Error("run name \"" + name + "\" is the recipe's base_model: the run registers a model of its name, "
                        "which would replace the base model with one built on itself; choose another --name");
        }
        auto model = rawDb(ws).prepare("SELECT kind FROM models WHERE name = ?");
        model.bind(1, name);
        if (model.step()) {
            throw Error("workspace " + ws.dir().string() + " already has a " + model.columnText(0) + " model named \"" +
                        name + "\"; a run registers a model of its name, so choose another --name");
        }
    }
    if (findRun(ws, name)) throw Error("workspace " + ws.dir().string() + " already has a run named \"" + name + "\"");
    auto s = rawDb(ws).prepare(
        "INSERT INTO runs(name, kind, recipe, status, device, started_at, heartbeat_at, pid, host, total_steps) "
        "VALUES(?,?,?,'running',?,strftime('%Y-%m-%dT%H:%M:%fZ','now'),strftime('%Y-%m-%dT%H:%M:%fZ','now'),?,?,?)");
    s.bind(1, name).bind(2, kind).bind(3, recipe.dump()).bind(4, device);
    s.bind(5, static_cast<std::int64_t>(getpid())).bind(6, hostName()).bind(7, totalSteps);
    s.run();
    return rawDb(ws).lastInsertId();
}

namespace {

// The columns that say who owns a run, as one claim attempt saw them.
struct RunOwner {
    std::string name;
    std::string status;
    std::optional<std::int64_t> pid;
    std::string host;
    std::string heartbeatAt;
    double heartbeatAgeSeconds = 0.0;
};

RunOwner readOwner(Workspace& ws, std::int64_t runId) {
    auto s = rawDb(ws).prepare(
        "SELECT name, status, pid, host, COALESCE(heartbeat_at, ''), "
        "(julianday('now') - julianday(COALESCE(heartbeat_at, started_at))) * 86400.0 FROM runs WHERE id = ?");
    s.bind(1, runId);
    if (!s.step()) throw Error("workspace " + ws.dir().string() + " has no run with id " + std::to_string(runId));
    RunOwner o;
    o.name = s.columnText(0);
    o.status = s.columnText(1);
    o.pid = s.columnOptionalInt(2);
    o.host = s.columnText(3);
    o.heartbeatAt = s.columnText(4);
    o.heartbeatAgeSeconds = s.columnDouble(5);
    return o;
}

[[noreturn]] void refuseClaim(Workspace& ws, const RunOwner& o) {
    const std::string process = o.pid ? "process " + std::to_string(*o.pid) : std::string("a process");
    throw Error("run \"" + o.name + "\" in workspace " + ws.dir().string() + " is held by " + process +
                (o.host.empty() ? std::string() : " on " + o.host) +
                "; stop that process first (or wait for it to finish)");
}

}  // namespace

void claimRun(Workspace& ws, std::int64_t runId) {
    const RunOwner seen = readOwner(ws, runId);
    if (seen.status == "running" && !ownerDead(seen.pid, seen.host, seen.heartbeatAgeSeconds)) refuseClaim(ws, seen);
    // The claim holds only if nobody changed the owner since it was judged absent or dead: one
    // statement, so two claimers cannot both pass (SQLite runs writers one at a time).
    auto s = rawDb(ws).prepare(
        "UPDATE runs SET status = 'running', error = NULL, finished_at = NULL, pid = ?, host = ?, "
        "heartbeat_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') "
        "WHERE id = ? AND status = ? AND pid IS ? AND host = ? AND COALESCE(heartbeat_at, '') = ?");
    s.bind(1, static_cast<std::int64_t>(getpid())).bind(2, hostName()).bind(3, runId);
    s.bind(4, seen.status).bind(5, seen.pid).bind(6, seen.host).bind(7, seen.heartbeatAt);
    s.run();
    if (rawDb(ws).changes() == 1) return;
    refuseClaim(ws, readOwner(ws, runId));
}

void heartbeat(Workspace& ws, std::int64_t runId, std::int64_t step) {
    auto s = rawDb(ws).prepare("UPDATE runs SET heartbeat_at = strftime('%Y-%m-%dT%H:%M:%fZ','now'), step = ? WHERE id = ?");
    s.bind(1, step).bind(2, runId);
    s.run();
}

void setCheckpoint(Workspace& ws, std::int64_t runId, const std::string& checkpoint, std::int64_t step) {
    auto s = rawDb(ws).prepare("UPDATE runs SET checkpoint = ?, step = ? WHERE id = ?");
    s.bind(1, checkpoint).bind(2, step).bind(3, runId);
    s.run();
}

void finishRun(Workspace& ws, std::int64_t runId, const std::string& status, const std::string& error,
               std::optional<std::int64_t> modelId) {
    auto s = rawDb(ws).prepare(
        "UPDATE runs SET status = ?, error = ?, finished_at = strftime('%Y-%m-%dT%H:%M:%fZ','now'), "
        "model_id = COALESCE(?, model_id) WHERE id = ?");
    s.bind(1, status);
    if (error.empty()) s.bindNull(2);
    else s.bind(2, error);
    s.bind(3, modelId).bind(4, runId);
    s.run();
}

std::optional<RunRecord> findRun(Workspace& ws, const std::string& idOrName) {
    auto byName = rawDb(ws).prepare(std::string(kSelect) + "WHERE name = ?");
    byName.bind(1, idOrName);
    if (byName.step()) {
        auto r = readRun(byName);
        loadLastMetrics(ws, r);
        return r;
    }
    if (!idOrName.empty() && idOrName.find_first_not_of("0123456789") == std::string::npos) {
        auto byId = rawDb(ws).prepare(std::string(kSelect) + "WHERE id = ?");
        byId.bind(1, static_cast<std::int64_t>(std::stoll(idOrName)));
        if (byId.step()) {
            auto r = readRun(byId);
            loadLastMetrics(ws, r);
            return r;
        }
    }
    return std::nullopt;
}

RunRecord requireRun(Workspace& ws, const std::string& idOrName) {
    auto r = findRun(ws, idOrName);
    if (!r) throw Error("workspace " + ws.dir().string() + " has no run \"" + idOrName + "\" (by name or id)");
    return *r;
}

std::vector<RunRecord> listRuns(Workspace& ws) {
    std::vector<RunRecord> out;
    auto s = rawDb(ws).prepare(std::string(kSelect) + "ORDER BY id");
    while (s.step()) out.push_back(readRun(s));
    for (auto& r : out) loadLastMetrics(ws, r);
    return out;
}

std::vector<std::pair<std::int64_t, double>> runMetricSeries(Workspace& ws, const std::string& runName,
                                                             const std::string& metric) {
    auto s = rawDb(ws).prepare(
        "SELECT m.step, m.value FROM metrics m JOIN runs r ON r.id = m.run_id WHERE r.name = ? AND m.name = ? "
        "ORDER BY m.step");
    s.bind(1, runName).bind(2, metric);
    std::vector<std::pair<std::int64_t, double>> out;
    while (s.step()) out.emplace_back(s.columnInt(0), s.columnDouble(1));
    return out;
}

std::vector<MetricRow> runMetrics(Workspace& ws, std::int64_t runId) {
    auto s = rawDb(ws).prepare("SELECT name, step, value FROM metrics WHERE run_id = ? ORDER BY name, step");
    s.bind(1, runId);
    std::vector<MetricRow> out;
    while (s.step()) out.push_back({runId, s.columnInt(1), s.columnText(0), s.columnDouble(2)});
    return out;
}

std::vector<std::int64_t> modelsOfRun(Workspace& ws, std::int64_t runId) {
    auto s = rawDb(ws).prepare("SELECT id FROM models WHERE run_id = ? ORDER BY id");
    s.bind(1, runId);
    std::vector<std::int64_t> out;
    while (s.step()) out.push_back(s.columnInt(0));
    return out;
}

}  // namespace genra::store
