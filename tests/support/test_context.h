// The job context the tests hand to core jobs: it records what a job reports (progress messages,
// losses, log lines) and answers "cancelled?" as a test sets it up. One double for every suite.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/jobs/job.h"

namespace genra::test {

class TestContext : public jobs::JobContext {
public:
    void progress(double fraction, const std::string& message) override {
        if (fraction >= 0) ++progressCalls;
        lastMessage = message;
    }
    void metric(std::int64_t step, const std::string& name, double value) override {
        lastStep = step;
        if (name == "loss") losses[step] = value;
    }
    void log(jobs::LogLevel, const std::string& line) override { logs.push_back(line); }
    bool cancelled() const override {
        return cancel || (cancelAfterProgress >= 0 && progressCalls >= cancelAfterProgress) ||
               (cancelAtStep > 0 && lastStep >= cancelAtStep);
    }

    // Ways to cancel: at once, after that many progress reports with a known fraction, or once a
    // metric of that step (or later) has been reported.
    bool cancel = false;
    int cancelAfterProgress = -1;  // -1: never
    std::int64_t cancelAtStep = 0;  // 0: never

    int progressCalls = 0;
    std::string lastMessage;
    std::int64_t lastStep = 0;
    std::map<std::int64_t, double> losses;  // the "loss" metric by step
    std::vector<std::string> logs;
};

}  // namespace genra::test
