// Data-parallel training on PyTorch's distributed engine, c10d: one process per rank, a TCPStore
// rendezvous at MASTER_ADDR:MASTER_PORT and a Gloo process group (CPU; NCCL where LibTorch was
// built with CUDA and c10d's NCCL backend). train::RunDriver connects it and every trainer uses it
// through the driver: initial weights broadcast from rank 0, gradients all-reduced in buckets and
// averaged after backward, embeddings all-gathered (gradients flowing back to each rank's shard)
// so that contrastive losses see the global batch's negatives.
//
// Launching follows PyTorch's conventions: RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT
// (torchrun --no-python and most launchers), else Slurm's SLURM_PROCID, SLURM_NTASKS,
// SLURM_LOCALID and the first host of SLURM_JOB_NODELIST / SLURM_NODELIST. `genra train --nproc N`
// starts N local processes itself (launchLocalProcesses).
#pragma once

#include <torch/torch.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace genra::train {

// Where this process sits in a multi-process run.
struct LaunchInfo {
    int rank = 0;
    int worldSize = 1;
    int localRank = 0;
    std::string masterAddr = "127.0.0.1";
    int masterPort = 29500;
    std::string source;  // "torchrun", "slurm", or empty for a single process without launcher variables
};

// Looks an environment variable up: the value, or nullopt when unset.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;

// Reads the launcher's variables: RANK and WORLD_SIZE (with LOCAL_RANK, MASTER_ADDR, MASTER_PORT;
// MASTER_ADDR defaults to 127.0.0.1 and MASTER_PORT to 29500 only when WORLD_SIZE is 1), else
// SLURM_PROCID and SLURM_NTASKS (SLURM_LOCALID, the first host of SLURM_JOB_NODELIST or
// SLURM_NODELIST as master, MASTER_PORT or 29500). Neither set: a single process. A value that is
// not a number, a rank outside [0, world size) or a multi-process run without a master address
// throws genra::Error naming the variable.
LaunchInfo launchInfoFromEnvironment(const EnvLookup& env);
LaunchInfo launchInfoFromEnvironment();  // the process's environment

// The device a rank trains on. In a multi-process run (world size above 1), "cuda" and "auto" on a
// machine with CUDA mean the rank's own GPU, "cuda:LOCAL_RANK" (torchrun's, Slurm's SLURM_LOCALID
// or --nproc's rank), so N processes on a node with N GPUs use one each; a LOCAL_RANK at or beyond
// `cudaDevices` throws genra::Error naming it. An explicit "cuda:K" or "cpu", and every device of a
// single process, are kept as given.
std::string rankDeviceName(const std::string& requested, const LaunchInfo& info, int cudaDevices);
// rankDeviceName for this process (its launcher variables, LibTorch's CUDA device count), resolved
// as model::resolveDevice does.
torch::Device rankDevice(const std::string& requested);

// The first host of a Slurm node list: "node[03-05,9],gpu1" -> "node03", "a,b" -> "a".
std::string firstSlurmHost(const std::string& nodeList);

// How long a collective (and the rendezvous) waits for the other ranks before it fails. Default
// 300 s, or GENRA_DIST_TIMEOUT (seconds) when set; `genra train --dist-timeout` overrides both.
std::chrono::milliseconds collectiveTimeout();
void setCollectiveTimeout(std::chrono::milliseconds timeout);

// Whether this build has c10d's Gloo backend (false where LibTorch ships without its headers).
bool haveGloo();
// Whether this build has c10d's NCCL backend (CUDA builds of LibTorch with USE_C10D_NCCL).
bool haveNccl();

// A process group of `worldSize` ranks, or a single process (every operation a no-op or a copy).
// Every method must be called by every rank in the same order. A rank that died or stopped
// answering makes the others' calls fail within collectiveTimeout() with a genra::Error that says
// so ("rank R of N: lost contact with the other ranks ...").
class DataParallel {
public:
    DataParallel();  // a single process
    ~DataParallel();
    DataParallel(const DataParallel&) = delete;
    DataParallel& operator=(const DataParallel&) = delete;

    // Rendezvous through a TCPStore at info.masterAddr:info.masterPort and builds the process
    // group: NCCL when `device` is CUDA and the build has it, else Gloo.
    static std::shared_ptr<DataParallel> connect(const LaunchInfo& info, torch::Device device = torch::kCPU);

    int rank() const { return rank_; }
    int worldSize() const { return worldSize_; }
    bool distributed() const { return worldSize_ > 1; }
    bool isMain() const { return rank_ == 0; }
    const std::string& backendName() const { return backend_; }

    // Rows [begin, end) of a global batch of `globalBatch` rows that this rank computes. Throws
    // genra::Error when the batch does not split evenly across the ranks.
    std::pair<std::int64_t, std::int64_t> shard(std::int64_t globalBatch, const std::string& what = "batch_size") const;

    // Copies rank 0's values into every rank's tensors (weights at the start of a run).
    void broadcast(const std::vector<torch::Tensor>& tensors);
    // Sums each parameter's gradient over the ranks and divides by the world size, in flat buckets
    // of about `bucketBytes`. An undefined gradient counts as zeros (and is defined afterwards).
    void averageGradients(const std::vector<torch::Tensor>& parameters, std::size_t bucketBytes = std::size_t(25) << 20);
    // The ranks' `local` tensors concatenated along dimension 0 in rank order (all the same shape).
    // Autograd: the gradient of the result is summed over the ranks and its own rows flow back to
    // `local`, as PyTorch's all_gather with gradients does; with averageGradients after it, N ranks
    // each computing the global batch's loss train exactly as one process with the whole batch.
    torch::Tensor allGather(const torch::Tensor& local);
    // Whether `value` is true on any rank (cancel requests: every rank stops at the same step).
    bool any(bool value);
    // The mean of `value` over the ranks (each rank's loss on its shard -> the global batch's loss
    // when the shards are the same size); `value` itself for a single process.
    double meanOverRanks(double value);
    void barrier();
    // Rank 0 runs `produce` and every rank returns its result; an exception on rank 0 is published
    // and rethrown there, and other ranks throw genra::Error with its message.
    std::string shareFromMain(const std::function<std::string()>& produce);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
    int rank_ = 0;
    int worldSize_ = 1;
    std::string backend_ = "none";
    std::int64_t shareCounter_ = 0;
    [[noreturn]] void rethrow(const std::string& operation, const std::exception& e) const;
    torch::Tensor gatherRows(const torch::Tensor& local);
    torch::Tensor sumOverRanks(const torch::Tensor& tensor);
    friend struct AllGatherFunction;
};

// The process-wide group of this process's training run, connected on first use from
// launchInfoFromEnvironment() (a single process when no launcher variables are set).
std::shared_ptr<DataParallel> processGroup(torch::Device device = torch::kCPU);

// A free TCP port on the loopback interface (the kernel picks it).
int freeTcpPort();

// Starts `nproc` copies of `argv` (argv[0]: the program) on this machine with RANK, WORLD_SIZE,
// LOCAL_RANK, MASTER_ADDR=127.0.0.1 and a free MASTER_PORT set, and waits for them. When one
// exits with an error, the others get collectiveTimeout() plus 30 s to notice and exit before they
// are terminated. Returns 0 when all succeeded, else the first failing rank's exit code (128 + the
// signal for a killed one); `onExit(rank, code)` hears of each exit.
int launchLocalProcesses(const std::vector<std::string>& argv, int nproc,
                         const std::function<void(int rank, int code)>& onExit = {});

}  // namespace genra::train
