// Child process for store_test's killed-writer case: appends metric rows in small committed
// transactions and reports each commit on stdout, until the parent kills it with SIGKILL.
#include "core/store/workspace.h"
#include "core/store/raw_db.h"

#include <cstdio>
#include <cstdlib>

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: %s WORKSPACE RUN_ID\n", argv[0]);
        return 2;
    }
    auto ws = genra::store::Workspace::open(argv[1]);
    const long long runId = std::atoll(argv[2]);
    auto& db = rawDb(ws);
    for (long long batch = 0;; ++batch) {
        genra::store::Transaction tx(db);
        auto s = db.prepare("INSERT INTO metrics(run_id, name, step, value) VALUES(?,?,?,?)");
        for (int i = 0; i < 100; ++i) {
            s.bind(1, static_cast<std::int64_t>(runId)).bind(2, "loss");
            s.bind(3, static_cast<std::int64_t>(batch * 100 + i)).bind(4, 1.0 / (1.0 + batch));
            s.run();
        }
        tx.commit();
        std::printf("%lld\n", (batch + 1) * 100);
        std::fflush(stdout);
    }
}
