// A training run the workbench hands to separate processes: `genra train --nproc N` (the launcher
// and its N data-parallel ranks, docs/cluster.md), followed from the workspace like any run. The
// job starts the program, forwards its output to the job's log, reads the run's metrics from the
// workspace as rank 0 stores them (progress, curves) and, when cancelled, asks the launcher to stop
// (SIGTERM, which it passes on to the ranks: they write a checkpoint and exit, and the run can be
// resumed).
#pragma once

#include "core/jobs/job.h"

#include <nlohmann/json.hpp>

#include <QString>
#include <QStringList>

#include <cstdint>
#include <map>
#include <string>

namespace genra::widgets {

// The `genra` program: $GENRA_CLI when set, else `genra` beside this program, in the build tree's
// app/cli/ beside app/gui/, or on PATH. Empty when there is none; `lookedAt` (optional) receives
// every place tried, in order, for the message that says so.
QString findGenraProgram(QStringList* lookedAt = nullptr);

class ProcessTrainJob : public jobs::Job {
public:
    struct Options {
        QString program;          // the `genra` executable
        QString workspace;        // workspace folder
        nlohmann::json recipe;    // a new run's recipe (ignored when resuming)
        QString runName;          // a new run's name, or the run to resume
        bool resume = false;      // --resume runName instead of --recipe
        int processes = 2;        // --nproc
        int pollIntervalMs = 500; // how often the workspace is read (longer while reading takes long)
    };
    explicit ProcessTrainJob(Options options);

    std::string name() const override;
    // Runs the program to its end. Throws genra::Cancelled when it stopped because the context was
    // cancelled, genra::Error (with the program's last error line) when it failed.
    bool run(jobs::JobContext& context) override;

    // The command line, for the log and tests: program and arguments.
    QStringList commandLine() const;

private:
    // Reads the run's metrics stored after those already reported; reports them and the progress.
    void poll(jobs::JobContext& context);

    Options options_;
    QString recipePath_;
    std::map<std::string, std::int64_t> reportedStep_;  // per metric, the last step reported
};

}  // namespace genra::widgets
