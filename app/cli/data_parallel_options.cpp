#include "app/cli/data_parallel_options.h"

#include "app/cli/commands.h"

#include "core/train/distributed.h"
#include "core/util/threads.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>

namespace genra::cli {

void addDataParallelOptions(CLI::App* cmd, const std::shared_ptr<DataParallelOptions>& options) {
    cmd->add_option("--nproc", options->nproc,
                    "Data-parallel: start this many local processes (c10d Gloo on CPU), each with batch_size/N of "
                    "every batch")
        ->capture_default_str()
        ->check(CLI::Range(1, 1024));
    cmd->add_option("--dist-timeout", options->timeoutSeconds,
                    "Seconds a process waits for the others (rendezvous, each collective) before the run fails "
                    "(default 300, or GENRA_DIST_TIMEOUT)")
        ->check(positiveNumber());
}

int launchRanksIfAsked(const DataParallelOptions& options, std::vector<std::string> command, int threads) {
    if (options.timeoutSeconds > 0) train::setCollectiveTimeout(std::chrono::seconds(options.timeoutSeconds));
    if (options.nproc <= 1) return -1;
    const auto exe = std::filesystem::read_symlink("/proc/self/exe").string();
    const int perRank = threads > 0 ? threads : std::max(1, hardwareThreads() / options.nproc);
    std::vector<std::string> argv{exe, "--threads", std::to_string(perRank)};
    argv.insert(argv.end(), command.begin(), command.end());
    argv.insert(argv.end(), {"--dist-timeout", std::to_string(train::collectiveTimeout().count() / 1000)});
    std::fprintf(stderr, "starting %d processes (c10d %s)\n", options.nproc, train::haveGloo() ? "Gloo" : "unavailable");
    return train::launchLocalProcesses(argv, options.nproc, [](int rank, int code) {
        if (code != 0) std::fprintf(stderr, "genra: rank %d exited with code %d\n", rank, code);
    });
}

}  // namespace genra::cli
