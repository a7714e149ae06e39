#include "widgets/process_train_job.h"

#include "core/store/runs.h"
#include "core/store/workspace.h"
#include "core/util/error.h"

#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryFile>

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace genra::widgets {

QString findGenraProgram(QStringList* lookedAt) {
    QStringList tried;
    QString found;
    const auto consider = [&](const QString& path) {
        tried << path;
        const QFileInfo info(path);
        if (found.isEmpty() && info.isFile() && info.isExecutable()) found = info.absoluteFilePath();
    };
    const QString fromEnvironment = qEnvironmentVariable("GENRA_CLI");
    if (!fromEnvironment.isEmpty()) consider(fromEnvironment);
    const QString here = QCoreApplication::applicationDirPath();
    consider(QDir(here).filePath(QStringLiteral("genra")));
    consider(QDir::cleanPath(QDir(here).filePath(QStringLiteral("../cli/genra"))));  // the build tree
    const QString onPath = QStandardPaths::findExecutable(QStringLiteral("genra"));
    tried << QStringLiteral("genra on PATH");
    if (found.isEmpty() && !onPath.isEmpty()) found = onPath;
    if (lookedAt) *lookedAt = tried;
    return found;
}

ProcessTrainJob::ProcessTrainJob(Options options) : options_(std::move(options)) {}

std::string ProcessTrainJob::name() const {
    return "train " + options_.runName.toStdString() + " (" + std::to_string(options_.processes) + " processes)";
}

QStringList ProcessTrainJob::commandLine() const {
    QStringList args{options_.program, QStringLiteral("train"), QStringLiteral("--workspace"), options_.workspace};
    if (options_.resume) {
        args << QStringLiteral("--resume") << options_.runName;
    } else {
        args << QStringLiteral("--recipe") << recipePath_ << QStringLiteral("--name") << options_.runName;
    }
    args << QStringLiteral("--nproc") << QString::number(options_.processes);
    return args;
}

void ProcessTrainJob::poll(jobs::JobContext& context) {
    auto ws = store::Workspace::open(options_.workspace.toStdString(), store::Db::Mode::ReadOnly);
    const auto run = store::findRun(ws, options_.runName.toStdString());
    if (!run) return;  // rank 0 has not created it yet
    std::int64_t step = 0;
    double loss = std::nan("");
    for (const auto& row : store::runMetrics(ws, run->id)) {
        auto& reported = reportedStep_[row.name];
        if (row.step > reported) {
            context.metric(row.step, row.name, row.value);
            reported = row.step;
        }
        step = std::max(step, row.step);
        if (row.name == "loss") loss = row.value;  // rows come in step order: the last is the latest
    }
    if (step == 0 || run->totalSteps <= 0) return;
    char message[160];
    std::snprintf(message, sizeof message, "step %lld/%lld loss %.4f, %d processes", static_cast<long long>(step),
                  static_cast<long long>(run->totalSteps), loss, options_.processes);
    context.progress(std::min(1.0, static_cast<double>(step) / static_cast<double>(run->totalSteps)), message);
}

bool ProcessTrainJob::run(jobs::JobContext& context) {
    // The ranks read the recipe from a file; it lives as long as this job.
    QTemporaryFile recipeFile(QDir::temp().filePath(QStringLiteral("genra-recipe-XXXXXX.json")));
    if (!options_.resume) {
        if (!recipeFile.open()) {
            throw Error("cannot write the recipe for the processes to " + recipeFile.fileName().toStdString() + ": " +
                        recipeFile.errorString().toStdString());
        }
        recipeFile.write(QByteArray::fromStdString(options_.recipe.dump(2)));
        recipeFile.close();
        recipePath_ = recipeFile.fileName();
    }
    // A resumed run's curve is already on the chart up to where it stopped: report only what comes after.
    if (options_.resume) {
        auto ws = store::Workspace::open(options_.workspace.toStdString(), store::Db::Mode::ReadOnly);
        if (const auto run = store::findRun(ws, options_.runName.toStdString())) {
            for (const auto& row : store::runMetrics(ws, run->id))
                reportedStep_[row.name] = std::max(reportedStep_[row.name], row.step);
        }
    }

    const QStringList command = commandLine();
    QProcess process;
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.start(command.front(), command.mid(1));
    if (!process.waitForStarted(30000)) {
        throw Error("cannot start " + options_.program.toStdString() + ": " + process.errorString().toStdString());
    }
    context.log(jobs::LogLevel::Info, "started " + command.join(QLatin1Char(' ')).toStdString());

    QByteArray pending;
    std::string lastError;
    const auto readOutput = [&] {
        pending += process.readAll();
        for (qsizetype end = pending.indexOf('\n'); end >= 0; end = pending.indexOf('\n')) {
            const std::string line = pending.left(end).trimmed().toStdString();
            pending.remove(0, end + 1);
            if (line.empty()) continue;
            if (line.find("error") != std::string::npos) lastError = line;
            context.log(jobs::LogLevel::Info, line);
        }
    };
    bool stopping = false;
    int interval = options_.pollIntervalMs;
    QElapsedTimer sincePoll;
    sincePoll.start();
    const auto pollTimed = [&] {
        QElapsedTimer took;
        took.start();
        try {
            poll(context);
        } catch (const std::exception& e) {
            // The workspace was busy or is being created: the next poll reads it.
            context.log(jobs::LogLevel::Warning, std::string("reading the run's progress: ") + e.what());
        }
        // Reading all of a long run's metrics takes a while: never spend more than a tenth of the time on it.
        interval = std::max(options_.pollIntervalMs, static_cast<int>(took.elapsed() * 10));
        sincePoll.restart();
    };
    while (process.state() != QProcess::NotRunning) {
        process.waitForFinished(100);
        readOutput();
        if (!stopping && context.cancelled()) {
            stopping = true;
            context.log(jobs::LogLevel::Info, "stopping the processes: they write a checkpoint, then exit");
            process.terminate();  // SIGTERM: the launcher passes it on to the ranks
        }
        if (sincePoll.elapsed() >= interval) pollTimed();
    }
    readOutput();
    pending += '\n';
    readOutput();
    pollTimed();
    const int code = process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1;
    if (code == 0) return true;
    if (stopping) throw Cancelled();
    std::string message = "genra train --nproc " + std::to_string(options_.processes) + " " +
                          (code < 0 ? std::string("crashed") : "exited with code " + std::to_string(code));
    if (!lastError.empty()) message += ": " + lastError;
    throw Error(message);
}

}  // namespace genra::widgets
