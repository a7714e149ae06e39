// Running core jobs from the GUI: each job runs on a worker QThread; its progress, log and metrics
// reach the GUI thread through queued invocations. The GUI thread never waits on a job. At most
// maxRunning() jobs run at once; the rest wait in the queue (state Queued) and start in order as
// running ones finish. A job object stays with its record, so whoever started it reads its results
// after jobFinished.
#pragma once

#include "core/jobs/job.h"

#include <QAbstractTableModel>
#include <QDateTime>
#include <QElapsedTimer>
#include <QObject>
#include <QStringList>

#include <memory>
#include <vector>

namespace genra::widgets {

struct JobRecord {
    int id = 0;
    QString name;
    enum class State { Queued = 1, Running, Succeeded, Failed, Cancelled } state = State::Queued;
    double fraction = 0.0;  // < 0: unknown
    QString message;
    QString error;
    QStringList log;
    QDateTime started;
    QElapsedTimer clock;
    double elapsedSeconds = 0.0;
    std::shared_ptr<jobs::CancelToken> token;
    std::shared_ptr<jobs::Job> job;  // kept after the run: callers read results (summaries) from it
};

class JobManager : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Name = 0, State, Progress, TimeLeft, Message, ColumnCount };
    // Two at once by default: on a small machine a third job only slows the others down.
    static constexpr int kDefaultMaxRunning = 2;
    explicit JobManager(QObject* parent = nullptr);
    ~JobManager() override;  // cancels running and queued jobs and waits for their threads

    // Queues the job and starts it on a worker thread as soon as fewer than maxRunning() run.
    // `notes` go to the top of its log as warnings (what the job will leave out, say). Returns its id.
    int start(std::shared_ptr<jobs::Job> job, const QStringList& notes = {});
    // A queued job is dropped (Cancelled, jobFinished) without running; a running one is asked to stop.
    void cancel(int id);
    const JobRecord* record(int id) const;
    const JobRecord& recordAt(int row) const { return *records_.at(static_cast<std::size_t>(row)); }
    // The job object of `id` (null for an unknown id); after jobFinished its results can be read.
    std::shared_ptr<jobs::Job> job(int id) const;
    int maxRunning() const { return maxRunning_; }
    void setMaxRunning(int count);  // at least 1; more may start at once when raised
    int runningCount() const;
    int queuedCount() const;
    // Running plus queued: 0 once everything started has finished.
    int unfinishedCount() const { return runningCount() + queuedCount(); }
    // Seconds left, extrapolated from elapsed time and progress; negative when unknown.
    static double secondsLeft(const JobRecord& record);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

Q_SIGNALS:
    void jobStarted(int id);
    void jobProgress(int id, double fraction, const QString& message);
    void jobLog(int id, const QString& line);
    void jobMetric(int id, qint64 step, const QString& name, double value);
    void jobFinished(int id, bool succeeded);
    void runningCountChanged(int running);

private:
    // Called on the GUI thread (queued from the worker).
    void onProgress(int id, double fraction, const QString& message);
    void onLog(int id, int level, const QString& line);
    void onFinished(int id, int status, const QString& error, double seconds);
    int rowOf(int id) const;
    void startQueued();  // starts queued jobs, oldest first, while fewer than maxRunning_ run
    void launch(JobRecord& record);

    std::vector<std::unique_ptr<JobRecord>> records_;
    std::vector<class QThread*> threads_;
    int nextId_ = 1;
    int maxRunning_ = kDefaultMaxRunning;
};

}  // namespace genra::widgets
