// Driving core jobs from a terminal: a progress bar on stderr (plain lines when stderr is not a
// terminal), log lines, and Ctrl-C turned into a clean cancel.
#pragma once

#include "core/jobs/job.h"

#include <chrono>
#include <memory>
#include <mutex>
#include <string>

namespace genra::cli {

class TerminalContext : public jobs::JobContext {
public:
    explicit TerminalContext(bool quiet = false);
    ~TerminalContext() override;
    void progress(double fraction, const std::string& message) override;
    void metric(std::int64_t step, const std::string& name, double value) override;
    void log(jobs::LogLevel level, const std::string& line) override;
    bool cancelled() const override;
    void finish();

private:
    void clearBar();
    std::mutex mutex_;
    bool isTerminal_ = false;
    bool quiet_ = false;
    bool barShown_ = false;
    int lastPercent_ = -1;
    std::chrono::steady_clock::time_point start_;
    std::chrono::steady_clock::time_point lastDraw_;
};

// Installs the SIGINT/SIGTERM handler that cancels running jobs (first press), or exits at once
// (second press).
void installInterruptHandler();
bool interrupted();

// Runs a job with a terminal context; prints the error. Returns the exit code: 0 success,
// 1 failure, 130 when cancelled by Ctrl-C.
int runWithTerminal(jobs::Job& job, bool quiet = false);

}  // namespace genra::cli
