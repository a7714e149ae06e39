// Metric writer throughput and the cost a training thread pays per append, against two references
// measured in the same process: one INSERT per row in its own transaction (what a naive logger
// does) and the same rows inserted in one big transaction (the store's ceiling).
#include "core/store/metric_writer.h"
#include "core/store/workspace.h"
#include "core/store/raw_db.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <unistd.h>

using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

namespace {
double seconds(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); }

std::int64_t makeRun(genra::store::Workspace& ws) {
    static int counter = 0;
    genra::store::rawDb(ws).exec("INSERT INTO runs(name, kind) VALUES('bench-" + std::to_string(++counter) + "', 'bench')");
    return genra::store::rawDb(ws).lastInsertId();
}
}  // namespace

int main(int argc, char** argv) {
    const int rows = argc > 1 ? std::atoi(argv[1]) : 200000;
    const int naiveRows = std::min(rows, 2000);
    const fs::path dir = fs::temp_directory_path() / ("genra-bench-metrics-" + std::to_string(getpid()));
    auto ws = genra::store::Workspace::create(dir);

    // Reference 1: one autocommitted INSERT per row.
    const auto runA = makeRun(ws);
    auto t0 = Clock::now();
    {
        auto s = genra::store::rawDb(ws).prepare("INSERT INTO metrics(run_id, name, step, value) VALUES(?,?,?,?)");
        for (int i = 0; i < naiveRows; ++i) {
            s.bind(1, runA).bind(2, "loss").bind(3, static_cast<std::int64_t>(i)).bind(4, 1.0 / (i + 1));
            s.run();
        }
    }
    auto t1 = Clock::now();
    const double naiveRowsPerSecond = naiveRows / seconds(t0, t1);

    // Reference 2: every row in one transaction on the caller's thread.
    const auto runB = makeRun(ws);
    t0 = Clock::now();
    {
        genra::store::Transaction tx(genra::store::rawDb(ws));
        auto s = genra::store::rawDb(ws).prepare("INSERT INTO metrics(run_id, name, step, value) VALUES(?,?,?,?)");
        for (int i = 0; i < rows; ++i) {
            s.bind(1, runB).bind(2, "loss").bind(3, static_cast<std::int64_t>(i)).bind(4, 1.0 / (i + 1));
            s.run();
        }
        tx.commit();
    }
    t1 = Clock::now();
    const double bulkRowsPerSecond = rows / seconds(t0, t1);

    // The writer: the caller only appends; a background thread commits batches.
    const auto runC = makeRun(ws);
    double appendSeconds = 0.0;
    double totalSeconds = 0.0;
    {
        genra::store::MetricWriter writer(ws.databasePath());
        t0 = Clock::now();
        for (int i = 0; i < rows; ++i) writer.append(runC, i, "loss", 1.0 / (i + 1));
        t1 = Clock::now();
        writer.flush();
        const auto t2 = Clock::now();
        appendSeconds = seconds(t0, t1);
        totalSeconds = seconds(t0, t2);
    }
    const double writerRowsPerSecond = rows / totalSeconds;
    const double appendNs = appendSeconds / rows * 1e9;
    const double naiveNsPerRow = 1e9 / naiveRowsPerSecond;

    std::printf("metric writer benchmark (%d rows; naive reference %d rows)\n", rows, naiveRows);
    std::printf("  naive autocommit INSERT   : %12.0f rows/s  (%8.0f ns per row on the caller)\n", naiveRowsPerSecond,
                naiveNsPerRow);
    std::printf("  one big transaction       : %12.0f rows/s\n", bulkRowsPerSecond);
    std::printf("  MetricWriter end to end   : %12.0f rows/s  = %.2fx the one-transaction ceiling\n",
                writerRowsPerSecond, writerRowsPerSecond / bulkRowsPerSecond);
    std::printf("  MetricWriter append cost  : %12.1f ns per row on the training thread = 1/%.0f of a naive INSERT\n",
                appendNs, naiveNsPerRow / appendNs);
    std::error_code ec;
    fs::remove_all(dir, ec);
    return 0;
}
