// `--nproc N` and `--dist-timeout S` of the training commands (genra train, genra caption train):
// the options, and starting N local ranks of the same command as torchrun would (this program
// again, with RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR and MASTER_PORT set; core/train/distributed.h).
#pragma once

#include <CLI/CLI.hpp>

#include <memory>
#include <string>
#include <vector>

namespace genra::cli {

struct DataParallelOptions {
    int nproc = 1;
    int timeoutSeconds = 0;  // 0: the default (GENRA_DIST_TIMEOUT or 300 s)
};

// Adds --nproc and --dist-timeout to `cmd`, filling `options`.
void addDataParallelOptions(CLI::App* cmd, const std::shared_ptr<DataParallelOptions>& options);

// Applies --dist-timeout; then, when --nproc is above 1, starts the ranks running `command` (the
// sub-command words and their options, without --nproc), each with `threads` LibTorch threads
// (0: cores / N), waits for them and returns the exit code for this process. Returns -1 when this
// process should run the command itself (one process, or a rank started by a launcher).
int launchRanksIfAsked(const DataParallelOptions& options, std::vector<std::string> command, int threads);

}  // namespace genra::cli
