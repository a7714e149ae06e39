#include "widgets/job_manager.h"

#include <QMetaObject>
#include <QPointer>
#include <QThread>

#include <algorithm>

namespace genra::widgets {

namespace {
// The worker: runs on its own QThread and forwards callbacks with queued invocations.
class JobThread : public QThread {
public:
    JobThread(std::shared_ptr<jobs::Job> job, std::shared_ptr<jobs::CancelToken> token, JobManager* manager,
              std::function<void(double, const QString&)> progress, std::function<void(int, const QString&)> log,
              std::function<void(qint64, const QString&, double)> metric,
              std::function<void(int, const QString&, double)> finished)
        : job_(std::move(job)), token_(std::move(token)), manager_(manager), progress_(std::move(progress)),
          log_(std::move(log)), metric_(std::move(metric)), finished_(std::move(finished)) {}

    void run() override {
        QPointer<JobManager> manager(manager_);
        auto post = [manager](std::function<void()> fn) {
            if (manager) QMetaObject::invokeMethod(manager.data(), std::move(fn), Qt::QueuedConnection);
        };
        jobs::JobCallbacks callbacks;
        callbacks.onProgress = [this, post](double f, const std::string& m) {
            const QString text = QString::fromStdString(m);
            auto fn = progress_;
            post([fn, f, text] { fn(f, text); });
        };
        callbacks.onLog = [this, post](jobs::LogLevel level, const std::string& line) {
            const QString text = QString::fromStdString(line);
            auto fn = log_;
            post([fn, level, text] { fn(static_cast<int>(level), text); });
        };
        callbacks.onMetric = [this, post](std::int64_t step, const std::string& name, double value) {
            const QString text = QString::fromStdString(name);
            auto fn = metric_;
            post([fn, step, text, value] { fn(step, text, value); });
        };
        jobs::CallbackContext context(callbacks, token_);
        const auto result = jobs::runJob(*job_, context);
        const QString error = QString::fromStdString(result.error);
        auto fn = finished_;
        const int status = static_cast<int>(result.status);
        const double seconds = result.durationSeconds;
        post([fn, status, error, seconds] { fn(status, error, seconds); });
    }

private:
    std::shared_ptr<jobs::Job> job_;
    std::shared_ptr<jobs::CancelToken> token_;
    JobManager* manager_;
    std::function<void(double, const QString&)> progress_;
    std::function<void(int, const QString&)> log_;
    std::function<void(qint64, const QString&, double)> metric_;
    std::function<void(int, const QString&, double)> finished_;
};
}  // namespace

JobManager::JobManager(QObject* parent) : QAbstractTableModel(parent) {}

JobManager::~JobManager() {
    for (auto& r : records_)
        if (r->token) r->token->cancel();
    for (auto* t : threads_) {
        t->wait();
        delete t;
    }
}

int JobManager::start(std::shared_ptr<jobs::Job> job, const QStringList& notes) {
    auto record = std::make_unique<JobRecord>();
    record->id = nextId_++;
    record->name = QString::fromStdString(job->name());
    record->state = JobRecord::State::Queued;
    record->token = std::make_shared<jobs::CancelToken>();
    record->job = std::move(job);
    for (const auto& note : notes) record->log << tr("warning: %1").arg(note);
    const int id = record->id;
    beginInsertRows({}, rowCount(), rowCount());
    records_.push_back(std::move(record));
    endInsertRows();
    startQueued();
    Q_EMIT runningCountChanged(runningCount());
    return id;
}

void JobManager::launch(JobRecord& record) {
    const int id = record.id;
    record.state = JobRecord::State::Running;
    record.started = QDateTime::currentDateTime();
    record.clock.start();
    auto* thread = new JobThread(
        record.job, record.token, this, [this, id](double f, const QString& m) { onProgress(id, f, m); },
        [this, id](int level, const QString& line) { onLog(id, level, line); },
        [this, id](qint64 step, const QString& name, double value) { Q_EMIT jobMetric(id, step, name, value); },
        [this, id](int status, const QString& error, double seconds) { onFinished(id, status, error, seconds); });
    threads_.push_back(thread);
    const int row = rowOf(id);
    Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
    thread->start();
    Q_EMIT jobStarted(id);
}

void JobManager::startQueued() {
    for (auto& r : records_) {
        if (runningCount() >= maxRunning_) return;
        if (r->state == JobRecord::State::Queued) launch(*r);
    }
}

void JobManager::setMaxRunning(int count) {
    maxRunning_ = std::max(1, count);
    startQueued();
    Q_EMIT runningCountChanged(runningCount());
}

void JobManager::cancel(int id) {
    const int row = rowOf(id);
    if (row < 0) return;
    auto& r = *records_[static_cast<std::size_t>(row)];
    if (r.state == JobRecord::State::Queued) {
        r.state = JobRecord::State::Cancelled;
        r.message = tr("Cancelled before it started");
        Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
        Q_EMIT jobFinished(id, false);
        Q_EMIT runningCountChanged(runningCount());
    } else if (r.state == JobRecord::State::Running) {
        r.token->cancel();
        r.message = tr("Cancelling…");
        Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
    }
}

std::shared_ptr<jobs::Job> JobManager::job(int id) const {
    const int row = rowOf(id);
    return row < 0 ? nullptr : records_[static_cast<std::size_t>(row)]->job;
}

const JobRecord* JobManager::record(int id) const {
    const int row = rowOf(id);
    return row < 0 ? nullptr : records_[static_cast<std::size_t>(row)].get();
}

int JobManager::runningCount() const {
    int n = 0;
    for (const auto& r : records_) n += r->state == JobRecord::State::Running ? 1 : 0;
    return n;
}

int JobManager::queuedCount() const {
    int n = 0;
    for (const auto& r : records_) n += r->state == JobRecord::State::Queued ? 1 : 0;
    return n;
}

double JobManager::secondsLeft(const JobRecord& r) {
    if (r.state != JobRecord::State::Running || r.fraction <= 0.01 || r.fraction >= 1.0) return -1.0;
    const double elapsed = r.clock.elapsed() / 1000.0;
    return elapsed * (1.0 - r.fraction) / r.fraction;
}

int JobManager::rowOf(int id) const {
    for (std::size_t i = 0; i < records_.size(); ++i)
        if (records_[i]->id == id) return static_cast<int>(i);
    return -1;
}

void JobManager::onProgress(int id, double fraction, const QString& message) {
    const int row = rowOf(id);
    if (row < 0) return;
    auto& r = *records_[static_cast<std::size_t>(row)];
    r.fraction = fraction;
    r.message = message;
    Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
    Q_EMIT jobProgress(id, fraction, message);
}

void JobManager::onLog(int id, int level, const QString& line) {
    const int row = rowOf(id);
    if (row < 0) return;
    QString text = line;
    if (level == static_cast<int>(jobs::LogLevel::Warning)) text = tr("warning: %1").arg(line);
    if (level == static_cast<int>(jobs::LogLevel::Error)) text = tr("error: %1").arg(line);
    records_[static_cast<std::size_t>(row)]->log << text;
    Q_EMIT jobLog(id, text);
}

void JobManager::onFinished(int id, int status, const QString& error, double seconds) {
    const int row = rowOf(id);
    if (row < 0) return;
    auto& r = *records_[static_cast<std::size_t>(row)];
    switch (static_cast<jobs::JobStatus>(status)) {
        case jobs::JobStatus::Succeeded:
            r.state = JobRecord::State::Succeeded;
            r.fraction = 1.0;
            break;
        case jobs::JobStatus::Cancelled: r.state = JobRecord::State::Cancelled; break;
        case jobs::JobStatus::Failed: r.state = JobRecord::State::Failed; break;
    }
    r.error = error;
    r.elapsedSeconds = seconds;
    Q_EMIT dataChanged(index(row, 0), index(row, ColumnCount - 1));
    // The next queued job starts before listeners hear of this one, so a chain of jobs keeps going.
    startQueued();
    Q_EMIT jobFinished(id, r.state == JobRecord::State::Succeeded);
    Q_EMIT runningCountChanged(runningCount());
}

int JobManager::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(records_.size());
}

int JobManager::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant JobManager::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= rowCount()) return {};
    const auto& r = *records_[static_cast<std::size_t>(index.row())];
    if (role == Qt::DisplayRole) {
        switch (index.column()) {
            case Name: return r.name;
            case State:
                switch (r.state) {
                    case JobRecord::State::Queued: return tr("queued");
                    case JobRecord::State::Running: return tr("running");
                    case JobRecord::State::Succeeded: return tr("done");
                    case JobRecord::State::Failed: return tr("failed");
                    case JobRecord::State::Cancelled: return tr("cancelled");
                }
                return {};
            case Progress: return r.fraction < 0 ? QVariant() : QVariant(int(r.fraction * 100.0 + 0.5));
            case TimeLeft: {
                const double left = secondsLeft(r);
                if (left < 0) return QString();
                const int s = int(left + 0.5);
                return tr("%1:%2").arg(s / 60).arg(s % 60, 2, 10, QLatin1Char('0'));
            }
            case Message: return r.state == JobRecord::State::Failed ? r.error : r.message;
            default: return {};
        }
    }
    if (role == Qt::ToolTipRole && r.state == JobRecord::State::Failed) return r.error;
    return {};
}

QVariant JobManager::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    switch (section) {
        case Name: return tr("Job");
        case State: return tr("State");
        case Progress: return tr("Progress");
        case TimeLeft: return tr("Time left");
        case Message: return tr("Message");
        default: return {};
    }
}

}  // namespace genra::widgets
