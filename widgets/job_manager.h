// Running core jobs from the GUI: each job runs on a worker QThread; its progress, log and metrics
// reach the GUI thread through queued invocations. The GUI thread never waits on a job.
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
};

class JobManager : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Name = 0, State, Progress, TimeLeft, Message, ColumnCount };
    explicit JobManager(QObject* parent = nullptr);
    ~JobManager() override;  // cancels running jobs and waits for their threads

    // Takes ownership and starts the job on a new worker thread. Returns its id.
    int start(std::unique_ptr<jobs::Job> job);
    void cancel(int id);
    const JobRecord* record(int id) const;
    const JobRecord& recordAt(int row) const { return *records_.at(static_cast<std::size_t>(row)); }
    int runningCount() const;
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

    std::vector<std::unique_ptr<JobRecord>> records_;
    std::vector<class QThread*> threads_;
    int nextId_ = 1;
};

}  // namespace genra::widgets
