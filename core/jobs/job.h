// The Job interface: every long piece of work (import, generate, train, embed, evaluate, export)
// is a Job. Front ends drive it through a JobContext: the CLI with a terminal progress bar, the GUI
// from a worker thread with queued signals.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace genra::jobs {

enum class LogLevel { Info = 1, Warning, Error };

class JobContext {
public:
    virtual ~JobContext() = default;
    // fraction in [0, 1]; a negative fraction means "unknown" (busy indicator).
    virtual void progress(double fraction, const std::string& message) = 0;
    virtual void metric(std::int64_t step, const std::string& name, double value) = 0;
    virtual void log(LogLevel level, const std::string& line) = 0;
    virtual bool cancelled() const = 0;
    // Throws genra::Cancelled when cancelled; jobs call it between batches.
    void checkCancelled() const;
};

class Job {
public:
    virtual ~Job() = default;
    virtual std::string name() const = 0;
    // Does the work. Returns true on success; on failure either throws genra::Error or returns
    // false after logging why.
    virtual bool run(JobContext& context) = 0;
};

// A flag shared between whoever may cancel (Ctrl-C, a Cancel button) and the running job.
class CancelToken {
public:
    void cancel() { flag_.store(true); }
    bool cancelled() const { return flag_.load(); }
    void reset() { flag_.store(false); }

private:
    std::atomic<bool> flag_{false};
};

// A context that forwards to callbacks; any callback may be empty. Callbacks are invoked on the
// job's thread: front ends marshal them to their own thread.
struct JobCallbacks {
    std::function<void(double, const std::string&)> onProgress;
    std::function<void(std::int64_t, const std::string&, double)> onMetric;
    std::function<void(LogLevel, const std::string&)> onLog;
};

class CallbackContext : public JobContext {
public:
    CallbackContext(JobCallbacks callbacks, std::shared_ptr<CancelToken> token);
    void progress(double fraction, const std::string& message) override;
    void metric(std::int64_t step, const std::string& name, double value) override;
    void log(LogLevel level, const std::string& line) override;
    bool cancelled() const override;
    const std::shared_ptr<CancelToken>& token() const { return token_; }

private:
    JobCallbacks callbacks_;
    std::shared_ptr<CancelToken> token_;
};

enum class JobStatus { Succeeded = 1, Failed, Cancelled };

struct JobResult {
    JobStatus status = JobStatus::Failed;
    std::string error;  // empty unless Failed
    double durationSeconds = 0.0;
};

// Runs the job on the calling thread, turning exceptions into a result: genra::Cancelled (or a
// cancelled context) becomes Cancelled, any other exception Failed with its message.
JobResult runJob(Job& job, JobContext& context);

const char* toString(JobStatus status);

// A sub-job's share of a job: forwards to `inner` with progress mapped into [from, to] (an unknown,
// negative fraction stays unknown); metrics, log and cancellation pass through.
class ScaledContext : public JobContext {
public:
    ScaledContext(JobContext& inner, double from, double to) : inner_(inner), from_(from), to_(to) {}
    void progress(double fraction, const std::string& message) override;
    void metric(std::int64_t step, const std::string& name, double value) override { inner_.metric(step, name, value); }
    void log(LogLevel level, const std::string& line) override { inner_.log(level, line); }
    bool cancelled() const override { return inner_.cancelled(); }

private:
    JobContext& inner_;
    double from_ = 0.0;
    double to_ = 1.0;
};

// Runs `job` as part of another whose context is `context`, its progress in [from, to]. A
// cancelled sub-job (or context) throws genra::Cancelled, a failed one genra::Error with the
// sub-job's name and error, so the caller's run stops the same way.
void runSubJob(Job& job, JobContext& context, double from, double to);

}  // namespace genra::jobs
