#include "core/store/metric_writer.h"

#include "core/store/sqlite.h"
#include "core/util/error.h"

#include <chrono>

namespace genra::store {

MetricWriter::MetricWriter(const std::filesystem::path& databasePath, int flushIntervalMs,
                           std::size_t batchRows)
    : flushIntervalMs_(flushIntervalMs), batchRows_(batchRows) {
    pending_.reserve(batchRows_);
    thread_ = std::thread(&MetricWriter::loop, this, databasePath.string());
}

MetricWriter::~MetricWriter() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stop_ = true;
    }
    wake_.notify_all();
    thread_.join();
}

void MetricWriter::append(std::int64_t runId, std::int64_t step, const std::string& name, double value) {
    bool wakeWriter = false;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        pending_.push_back(MetricRow{runId, step, name, value});
        ++appended_;
        wakeWriter = pending_.size() >= batchRows_;
    }
    if (wakeWriter) wake_.notify_one();
}

void MetricWriter::flush() {
    std::unique_lock<std::mutex> lock(mutex_);
    const std::uint64_t target = appended_;
    flushRequested_ = true;
    wake_.notify_one();
    written_.wait(lock, [&] { return committed_ >= target || !error_.empty(); });
    if (!error_.empty()) throw Error("metric writer: " + error_);
}

std::uint64_t MetricWriter::rowsWritten() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return committed_;
}

void MetricWriter::loop(std::string path) {
    std::unique_ptr<Db> db;
    try {
        db = std::make_unique<Db>(path);
    } catch (const std::exception& e) {
        std::lock_guard<std::mutex> lock(mutex_);
        error_ = e.what();
        written_.notify_all();
        return;
    }
    std::vector<MetricRow> batch;
    batch.reserve(batchRows_);
    for (;;) {
        bool stopping = false;
        {
            std::unique_lock<std::mutex> lock(mutex_);
            wake_.wait_for(lock, std::chrono::milliseconds(flushIntervalMs_), [&] {
                return stop_ || flushRequested_ || pending_.size() >= batchRows_;
            });
            batch.swap(pending_);
            flushRequested_ = false;
            stopping = stop_;
        }
        if (!batch.empty()) {
            std::string failure;
            try {
                Transaction tx(*db);
                auto s = db->prepare(
                    "INSERT OR REPLACE INTO metrics(run_id, name, step, value) VALUES(?,?,?,?)");
                for (const auto& row : batch) {
                    s.bind(1, row.runId).bind(2, row.name).bind(3, row.step).bind(4, row.value);
                    s.run();
                }
                tx.commit();
            } catch (const std::exception& e) {
                failure = e.what();
            }
            std::lock_guard<std::mutex> lock(mutex_);
            if (!failure.empty() && error_.empty()) error_ = failure;
            committed_ += batch.size();
            batch.clear();
        }
        written_.notify_all();
        if (stopping) {
            std::lock_guard<std::mutex> lock(mutex_);
            if (pending_.empty()) return;
        }
    }
}

}  // namespace genra::store
