// Batched, asynchronous writer for per-step run metrics. Training threads call append() (cheap:
// a short mutex-protected push); a background thread writes batches in transactions through its
// own SQLite connection, so the GUI (another process or connection) can read while it writes.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace genra::store {

struct MetricRow {
    std::int64_t runId = 0;
    std::int64_t step = 0;
    std::string name;
    double value = 0.0;
};

class MetricWriter {
public:
    // flushIntervalMs: longest a row waits before it is written; batchRows: rows that trigger an
    // early write.
    explicit MetricWriter(const std::filesystem::path& databasePath, int flushIntervalMs = 200,
                          std::size_t batchRows = 4096);
    ~MetricWriter();  // writes everything still queued
    MetricWriter(const MetricWriter&) = delete;
    MetricWriter& operator=(const MetricWriter&) = delete;

    void append(std::int64_t runId, std::int64_t step, const std::string& name, double value);
    // Blocks until every row appended before the call is committed. Rethrows a write error.
    void flush();
    std::uint64_t rowsWritten() const;

private:
    void loop(std::string path);
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::condition_variable written_;
    std::vector<MetricRow> pending_;
    std::uint64_t appended_ = 0;
    std::uint64_t committed_ = 0;
    bool stop_ = false;
    bool flushRequested_ = false;
    std::string error_;
    int flushIntervalMs_;
    std::size_t batchRows_;
    std::thread thread_;
};

}  // namespace genra::store
