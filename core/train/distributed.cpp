#include "core/train/distributed.h"

#include "core/model/embed.h"
#include "core/util/error.h"

// c10d's Gloo and NCCL headers are guarded by USE_C10D_GLOO / USE_C10D_NCCL, which LibTorch's own
// build defines; CMake sets GENRA_HAVE_C10D_GLOO / _NCCL for this file where the headers (and
// Gloo's, Debian package libgloo-dev) are there.
#if defined(GENRA_HAVE_C10D_GLOO) && !defined(USE_C10D_GLOO)
#define USE_C10D_GLOO 1
#endif
#if defined(GENRA_HAVE_C10D_NCCL) && !defined(USE_C10D_NCCL)
#define USE_C10D_NCCL 1
#endif

#if defined(GENRA_HAVE_C10D_GLOO) || defined(GENRA_HAVE_C10D_NCCL)
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#endif
#if defined(GENRA_HAVE_C10D_GLOO)
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#endif
#if defined(GENRA_HAVE_C10D_NCCL)
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <mutex>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif
#include <thread>
#include <unistd.h>

extern char** environ;

namespace genra::train {

namespace {

std::optional<std::string> realEnv(const std::string& name) {
    const char* value = std::getenv(name.c_str());
    if (!value) return std::nullopt;
    return std::string(value);
}

int parseInt(const std::string& name, const std::string& value, int minimum) {
    std::size_t used = 0;
    long parsed = 0;
    try {
        parsed = std::stol(value, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used == 0 || used != value.size() || parsed < minimum || parsed > 1 << 24) {
        throw Error("environment variable " + name + "=\"" + value + "\": expected an integer of at least " +
                    std::to_string(minimum));
    }
    return static_cast<int>(parsed);
}

std::mutex& timeoutMutex() {
    static std::mutex m;
    return m;
}
std::optional<std::chrono::milliseconds>& timeoutOverride() {
    static std::optional<std::chrono::milliseconds> value;
    return value;
}

}  // namespace

std::string firstSlurmHost(const std::string& nodeList) {
    // The first entry ends at a comma outside brackets.
    std::string first;
    int depth = 0;
    for (char c : nodeList) {
        if (c == '[') ++depth;
        if (c == ']') --depth;
        if (c == ',' && depth == 0) break;
        first += c;
    }
    const auto open = first.find('[');
    if (open == std::string::npos) return first;
    const auto close = first.find(']', open);
    if (close == std::string::npos) throw Error("SLURM node list \"" + nodeList + "\": unbalanced '['");
    std::string range = first.substr(open + 1, close - open - 1);
    range = range.substr(0, range.find(','));
    range = range.substr(0, range.find('-'));
    return first.substr(0, open) + range + first.substr(close + 1);
}

LaunchInfo launchInfoFromEnvironment(const EnvLookup& env) {
    LaunchInfo info;
    const auto rank = env("RANK");
    const auto world = env("WORLD_SIZE");
    const auto slurmRank = env("SLURM_PROCID");
    const auto slurmTasks = env("SLURM_NTASKS");
    if (rank || world) {
        if (!rank) throw Error("environment variable WORLD_SIZE is set but RANK is not");
        if (!world) throw Error("environment variable RANK is set but WORLD_SIZE is not");
        info.source = "torchrun";
        info.rank = parseInt("RANK", *rank, 0);
        info.worldSize = parseInt("WORLD_SIZE", *world, 1);
        if (const auto local = env("LOCAL_RANK")) info.localRank = parseInt("LOCAL_RANK", *local, 0);
        const auto addr = env("MASTER_ADDR");
        const auto port = env("MASTER_PORT");
        if (info.worldSize > 1 && (!addr || addr->empty())) {
            throw Error("environment variable MASTER_ADDR is not set (WORLD_SIZE=" + *world + ")");
        }
        if (info.worldSize > 1 && !port) throw Error("environment variable MASTER_PORT is not set (WORLD_SIZE=" + *world + ")");
        if (addr && !addr->empty()) info.masterAddr = *addr;
        if (port) info.masterPort = parseInt("MASTER_PORT", *port, 1);
        if (info.rank >= info.worldSize) {
            throw Error("environment variable RANK=" + *rank + " is not below WORLD_SIZE=" + *world);
        }
    } else if (slurmRank || slurmTasks) {
        if (!slurmRank || !slurmTasks) throw Error("environment variables SLURM_PROCID and SLURM_NTASKS must both be set");
        info.source = "slurm";
        info.rank = parseInt("SLURM_PROCID", *slurmRank, 0);
        info.worldSize = parseInt("SLURM_NTASKS", *slurmTasks, 1);
        if (const auto local = env("SLURM_LOCALID")) info.localRank = parseInt("SLURM_LOCALID", *local, 0);
        if (info.rank >= info.worldSize) {
            throw Error("environment variable SLURM_PROCID=" + *slurmRank + " is not below SLURM_NTASKS=" + *slurmTasks);
        }
        if (const auto addr = env("MASTER_ADDR"); addr && !addr->empty()) {
            info.masterAddr = *addr;
        } else {
            auto nodes = env("SLURM_JOB_NODELIST");
            if (!nodes || nodes->empty()) nodes = env("SLURM_NODELIST");
            if (nodes && !nodes->empty()) {
                info.masterAddr = firstSlurmHost(*nodes);
            } else if (info.worldSize > 1) {
                throw Error("neither MASTER_ADDR nor SLURM_JOB_NODELIST / SLURM_NODELIST is set (SLURM_NTASKS=" +
                            *slurmTasks + ")");
            }
        }
        if (const auto port = env("MASTER_PORT")) info.masterPort = parseInt("MASTER_PORT", *port, 1);
    }
    if (info.masterPort > 65535) throw Error("environment variable MASTER_PORT=" + std::to_string(info.masterPort) + ": not a TCP port");
    return info;
}

LaunchInfo launchInfoFromEnvironment() { return launchInfoFromEnvironment(realEnv); }

std::chrono::milliseconds collectiveTimeout() {
    std::lock_guard<std::mutex> lock(timeoutMutex());
    if (timeoutOverride()) return *timeoutOverride();
    if (const auto value = realEnv("GENRA_DIST_TIMEOUT")) {
        return std::chrono::milliseconds(static_cast<std::int64_t>(parseInt("GENRA_DIST_TIMEOUT", *value, 1)) * 1000);
    }
    return std::chrono::seconds(300);
}

void setCollectiveTimeout(std::chrono::milliseconds timeout) {
    std::lock_guard<std::mutex> lock(timeoutMutex());
    timeoutOverride() = timeout;
}

bool haveGloo() {
#if defined(GENRA_HAVE_C10D_GLOO)
    return true;
#else
    return false;
#endif
}

std::string rankDeviceName(const std::string& requested, const LaunchInfo& info, int cudaDevices) {
    if (info.worldSize <= 1) return requested;
    if (requested != "cuda" && !(requested == "auto" && cudaDevices > 0)) return requested;
    if (cudaDevices <= 0) return requested;  // resolveDevice reports that CUDA is missing
    if (info.localRank >= cudaDevices) {
        throw Error("rank " + std::to_string(info.rank) + " has local rank " + std::to_string(info.localRank) +
                    " (LOCAL_RANK or SLURM_LOCALID) but this node has " + std::to_string(cudaDevices) +
                    " CUDA device(s): start at most one process per GPU, or name a device (cuda:K) in the recipe");
    }
    return "cuda:" + std::to_string(info.localRank);
}

torch::Device rankDevice(const std::string& requested) {
    return model::resolveDevice(
        rankDeviceName(requested, launchInfoFromEnvironment(), static_cast<int>(torch::cuda::device_count())));
}

bool haveNccl() {
#if defined(GENRA_HAVE_C10D_NCCL)
    return true;
#else
    return false;
#endif
}

struct DataParallel::Impl {
#if defined(GENRA_HAVE_C10D_GLOO) || defined(GENRA_HAVE_C10D_NCCL)
    c10::intrusive_ptr<c10d::Store> store;
#endif
#if defined(GENRA_HAVE_C10D_GLOO)
    c10::intrusive_ptr<c10d::ProcessGroupGloo> gloo;
#endif
#if defined(GENRA_HAVE_C10D_NCCL)
    c10::intrusive_ptr<c10d::ProcessGroupNCCL> nccl;
#endif
    std::chrono::milliseconds timeout{300000};

    // Runs `f` on whichever backend this group has (Gloo and NCCL share no base class that both
    // LibTorch 1.13 and 2.x declare these methods on).
    template <class F>
    void call(F&& f) {
#if defined(GENRA_HAVE_C10D_NCCL)
        if (nccl) {
            f(*nccl);
            return;
        }
#endif
#if defined(GENRA_HAVE_C10D_GLOO)
        if (gloo) {
            f(*gloo);
            return;
        }
#endif
        (void)f;
        throw Error("no c10d process group");
    }
};

DataParallel::DataParallel() : impl_(std::make_unique<Impl>()) {}
DataParallel::~DataParallel() = default;

void DataParallel::rethrow(const std::string& operation, const std::exception& e) const {
    if (dynamic_cast<const Cancelled*>(&e)) throw Cancelled();
    throw Error("rank " + std::to_string(rank_) + " of " + std::to_string(worldSize_) +
                ": lost contact with the other ranks during " + operation + " (" + e.what() +
                "); another process of this run exited or stopped answering within the " +
                std::to_string(impl_->timeout.count() / 1000) +
                " s timeout. Resume the run from its last checkpoint, with any number of processes");
}

std::shared_ptr<DataParallel> DataParallel::connect(const LaunchInfo& info, torch::Device device) {
    auto group = std::make_shared<DataParallel>();
    group->rank_ = info.rank;
    group->worldSize_ = info.worldSize;
    if (info.worldSize <= 1) return group;
    group->impl_->timeout = collectiveTimeout();
#if defined(GENRA_HAVE_C10D_GLOO) || defined(GENRA_HAVE_C10D_NCCL)
    const auto timeout = group->impl_->timeout;
    try {
        c10d::TCPStoreOptions options;
        options.port = static_cast<std::uint16_t>(info.masterPort);
        options.isServer = info.rank == 0;
        options.numWorkers = static_cast<std::size_t>(info.worldSize);
        options.waitWorkers = true;
        options.timeout = timeout;
        auto tcp = c10::make_intrusive<c10d::TCPStore>(info.masterAddr, options);
        group->impl_->store = c10::make_intrusive<c10d::PrefixStore>("genra", tcp);
    } catch (const std::exception& e) {
        throw Error("rank " + std::to_string(info.rank) + " of " + std::to_string(info.worldSize) +
                    ": rendezvous at " + info.masterAddr + ":" + std::to_string(info.masterPort) + " failed (" +
                    e.what() + "); are all " + std::to_string(info.worldSize) + " processes started with the same MASTER_ADDR and MASTER_PORT?");
    }
#if defined(GENRA_HAVE_C10D_NCCL)
    if (device.is_cuda()) {
        try {
            auto options = c10d::ProcessGroupNCCL::Options::create();
            options->timeout = timeout;
            group->impl_->nccl = c10::make_intrusive<c10d::ProcessGroupNCCL>(group->impl_->store, info.rank, info.worldSize, options);
            group->backend_ = "nccl";
            return group;
        } catch (const std::exception& e) {
            throw Error("rank " + std::to_string(info.rank) + ": cannot create the NCCL process group: " + e.what());
        }
    }
#endif
#if defined(GENRA_HAVE_C10D_GLOO)
    try {
        auto options = c10d::ProcessGroupGloo::Options::create();
        options->timeout = timeout;
        const auto iface = realEnv("GLOO_SOCKET_IFNAME");
        const bool loopback = info.masterAddr == "localhost" || info.masterAddr.rfind("127.", 0) == 0;
        if (iface && !iface->empty()) {
            options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(*iface));
        } else if (loopback) {
            options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
        } else {
            options->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
        }
        group->impl_->gloo = c10::make_intrusive<c10d::ProcessGroupGloo>(group->impl_->store, info.rank, info.worldSize, options);
        group->backend_ = "gloo";
        return group;
    } catch (const std::exception& e) {
        throw Error("rank " + std::to_string(info.rank) + " of " + std::to_string(info.worldSize) +
                    ": cannot create the Gloo process group: " + e.what() +
                    " (set GLOO_SOCKET_IFNAME to the network interface the ranks share)");
    }
#endif
    (void)device;
    throw Error("this build has no c10d backend for " + device.str() + " (Gloo needs libgloo-dev at build time)");
#else
    (void)device;
    throw Error("WORLD_SIZE=" + std::to_string(info.worldSize) +
                ": this build of genra has no c10d process group (LibTorch without Gloo headers; install libgloo-dev and rebuild)");
#endif
}

std::pair<std::int64_t, std::int64_t> DataParallel::shard(std::int64_t globalBatch, const std::string& what) const {
    if (globalBatch % worldSize_ != 0) {
        throw Error(what + " " + std::to_string(globalBatch) + " does not split evenly across " + std::to_string(worldSize_) +
                    " processes; choose a multiple of " + std::to_string(worldSize_));
    }
    const std::int64_t per = globalBatch / worldSize_;
    return {per * rank_, per * (rank_ + 1)};
}

void DataParallel::broadcast(const std::vector<torch::Tensor>& tensors) {
    if (!distributed()) return;
    try {
        torch::NoGradGuard noGrad;
        for (const auto& t : tensors) {
            std::vector<torch::Tensor> one{t.is_contiguous() ? t.detach() : t.detach().contiguous()};
            impl_->call([&](auto& pg) { pg.broadcast(one)->wait(); });
            if (!t.is_contiguous()) t.detach().copy_(one[0]);
        }
    } catch (const std::exception& e) {
        rethrow("the broadcast of the initial weights", e);
    }
}

void DataParallel::averageGradients(const std::vector<torch::Tensor>& parameters, std::size_t bucketBytes) {
    if (!distributed()) return;
    try {
        torch::NoGradGuard noGrad;
        std::vector<torch::Tensor> grads;
        for (const auto& p : parameters) {
            if (!p.grad().defined()) p.mutable_grad() = torch::zeros_like(p);
            grads.push_back(p.grad());
        }
        std::size_t i = 0;
        while (i < grads.size()) {
            // One bucket: consecutive gradients of one dtype and device, up to bucketBytes.
            std::vector<torch::Tensor> bucket{grads[i]};
            std::size_t bytes = grads[i].numel() * grads[i].element_size();
            std::size_t j = i + 1;
            while (j < grads.size() && grads[j].scalar_type() == grads[i].scalar_type() &&
                   grads[j].device() == grads[i].device() && bytes < bucketBytes) {
                bytes += grads[j].numel() * grads[j].element_size();
                bucket.push_back(grads[j]);
                ++j;
            }
            std::vector<torch::Tensor> flats;
            for (const auto& g : bucket) flats.push_back(g.reshape({-1}));
            std::vector<torch::Tensor> flat{torch::cat(flats)};
            impl_->call([&](auto& pg) { pg.allreduce(flat)->wait(); });
            flat[0].div_(worldSize_);
            std::int64_t offset = 0;
            for (auto& g : bucket) {
                g.copy_(flat[0].narrow(0, offset, g.numel()).view_as(g));
                offset += g.numel();
            }
            i = j;
        }
    } catch (const std::exception& e) {
        rethrow("the gradient all-reduce", e);
    }
}

torch::Tensor DataParallel::gatherRows(const torch::Tensor& local) {
    torch::Tensor contiguous = local.detach().contiguous();
    std::vector<std::vector<torch::Tensor>> outputs(1);
    for (int r = 0; r < worldSize_; ++r) outputs[0].push_back(torch::empty_like(contiguous));
    std::vector<torch::Tensor> inputs{contiguous};
    try {
        impl_->call([&](auto& pg) { pg.allgather(outputs, inputs)->wait(); });
    } catch (const std::exception& e) {
        rethrow("the all-gather of embeddings", e);
    }
    return torch::cat(outputs[0], 0);
}

torch::Tensor DataParallel::sumOverRanks(const torch::Tensor& tensor) {
    std::vector<torch::Tensor> one{tensor.detach().contiguous().clone()};
    try {
        impl_->call([&](auto& pg) { pg.allreduce(one)->wait(); });
    } catch (const std::exception& e) {
        rethrow("the all-gather's backward", e);
    }
    return one[0];
}

// all_gather with gradients: forward concatenates every rank's rows; backward sums the gradient of
// the whole result over the ranks and hands each rank its own rows.
struct AllGatherFunction : public torch::autograd::Function<AllGatherFunction> {
    static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& local, DataParallel* group) {
        ctx->saved_data["group"] = static_cast<std::int64_t>(reinterpret_cast<std::intptr_t>(group));
        ctx->saved_data["rows"] = local.size(0);
        return group->gatherRows(local);
    }
    static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                   torch::autograd::variable_list gradOutputs) {
        auto* group = reinterpret_cast<DataParallel*>(static_cast<std::intptr_t>(ctx->saved_data["group"].toInt()));
        const std::int64_t rows = ctx->saved_data["rows"].toInt();
        const torch::Tensor grad = group->sumOverRanks(gradOutputs[0]);
        return {grad.narrow(0, rows * group->rank(), rows), torch::Tensor()};
    }
};

torch::Tensor DataParallel::allGather(const torch::Tensor& local) {
    if (!distributed()) return local;
    if (local.requires_grad() && torch::GradMode::is_enabled()) return AllGatherFunction::apply(local, this);
    return gatherRows(local);
}

bool DataParallel::any(bool value) {
    if (!distributed()) return value;
    // A sum of 0/1 flags: any rank's 1 makes it positive.
    const torch::Tensor total = sumOverRanks(torch::tensor({value ? 1.0f : 0.0f}));
    return total[0].item<float>() > 0.5f;
}

double DataParallel::meanOverRanks(double value) {
    if (!distributed()) return value;
    const torch::Tensor total = sumOverRanks(torch::tensor({value}, torch::kDouble));
    return total[0].item<double>() / static_cast<double>(worldSize_);
}

void DataParallel::barrier() {
    if (!distributed()) return;
    try {
        impl_->call([&](auto& pg) { pg.barrier()->wait(); });
    } catch (const std::exception& e) {
        rethrow("a barrier", e);
    }
}

std::string DataParallel::shareFromMain(const std::function<std::string()>& produce) {
    if (!distributed()) return produce();
#if defined(GENRA_HAVE_C10D_GLOO) || defined(GENRA_HAVE_C10D_NCCL)
    const std::string key = "share/" + std::to_string(shareCounter_++);
    auto encode = [](char tag, const std::string& s) {
        std::vector<std::uint8_t> bytes{static_cast<std::uint8_t>(tag)};
        bytes.insert(bytes.end(), s.begin(), s.end());
        return bytes;
    };
    if (isMain()) {
        std::string value;
        try {
            value = produce();
        } catch (const std::exception& e) {
            try {
                impl_->store->set(key, encode('E', e.what()));
            } catch (...) {
            }
            throw;
        }
        try {
            impl_->store->set(key, encode('V', value));
        } catch (const std::exception& e) {
            rethrow("the start of the run", e);
        }
        return value;
    }
    std::vector<std::uint8_t> bytes;
    try {
        bytes = impl_->store->get(key);
    } catch (const std::exception& e) {
        rethrow("the start of the run", e);
    }
    const std::string text(bytes.begin() + 1, bytes.end());
    if (bytes.empty() || bytes[0] != 'V') throw Error("rank 0 failed: " + text);
    return text;
#else
    return produce();
#endif
}

std::shared_ptr<DataParallel> processGroup(torch::Device device) {
    static std::mutex mutex;
    static std::shared_ptr<DataParallel> group;
    std::lock_guard<std::mutex> lock(mutex);
    if (!group) group = DataParallel::connect(launchInfoFromEnvironment(), device);
    return group;
}

int freeTcpPort() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) throw Error("cannot open a socket to find a free port");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof addr;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
        ::close(fd);
        throw Error("cannot bind a socket to find a free port");
    }
    const int port = ntohs(addr.sin_port);
    ::close(fd);
    return port;
}

namespace {
// The last SIGINT or SIGTERM the launcher received, still to be passed on to the ranks.
volatile std::sig_atomic_t gSignalToForward = 0;
extern "C" void rememberSignal(int signal) { gSignalToForward = signal; }

// While it lives, SIGINT and SIGTERM are remembered (and interrupt waitpid) instead of ending the
// launcher; the previous handlers come back afterwards.
struct ForwardedSignals {
    struct sigaction oldInt {};
    struct sigaction oldTerm {};
    ForwardedSignals() {
        gSignalToForward = 0;
        struct sigaction sa {};
        sa.sa_handler = rememberSignal;
        sigemptyset(&sa.sa_mask);
        ::sigaction(SIGINT, &sa, &oldInt);
        ::sigaction(SIGTERM, &sa, &oldTerm);
    }
    ~ForwardedSignals() {
        ::sigaction(SIGINT, &oldInt, nullptr);
        ::sigaction(SIGTERM, &oldTerm, nullptr);
    }
};
}  // namespace

int launchLocalProcesses(const std::vector<std::string>& argv, int nproc, const std::function<void(int, int)>& onExit) {
    if (argv.empty()) throw Error("launchLocalProcesses: no program");
    if (nproc < 1) throw Error("--nproc must be at least 1");
    // Ctrl-C in a terminal, or a GUI stopping the launcher, reaches the ranks once, through the
    // launcher: they run in their own process group, and it passes SIGINT / SIGTERM on (each rank
    // then cancels at the same step and rank 0 writes the checkpoint; a second signal quits them).
    const ForwardedSignals forwarded;
    const std::string port = std::to_string(freeTcpPort());
    std::vector<pid_t> pids(static_cast<std::size_t>(nproc), -1);
    for (int rank = 0; rank < nproc; ++rank) {
        std::vector<std::string> env;
        for (char** e = environ; *e; ++e) {
            const std::string item(*e);
            const std::string name = item.substr(0, item.find('='));
            if (name == "RANK" || name == "WORLD_SIZE" || name == "LOCAL_RANK" || name == "MASTER_ADDR" ||
                name == "MASTER_PORT" || name == "LOCAL_WORLD_SIZE")
                continue;
            env.push_back(item);
        }
        env.push_back("RANK=" + std::to_string(rank));
        env.push_back("LOCAL_RANK=" + std::to_string(rank));
        env.push_back("WORLD_SIZE=" + std::to_string(nproc));
        env.push_back("LOCAL_WORLD_SIZE=" + std::to_string(nproc));
        env.push_back("MASTER_ADDR=127.0.0.1");
        env.push_back("MASTER_PORT=" + port);
        std::vector<char*> args, envp;
        for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
        envp.push_back(nullptr);
        const pid_t pid = ::fork();
        if (pid < 0) throw Error("cannot start rank " + std::to_string(rank) + ": fork failed");
        if (pid == 0) {
            ::setpgid(0, 0);
#ifdef __linux__
            ::prctl(PR_SET_PDEATHSIG, SIGTERM);  // a launcher that is killed takes its ranks along
#endif
            ::execve(args[0], args.data(), envp.data());
            _exit(127);
        }
        pids[static_cast<std::size_t>(rank)] = pid;
    }
    int result = 0;
    int running = nproc;
    std::optional<std::chrono::steady_clock::time_point> deadline;
    const auto grace = collectiveTimeout() + std::chrono::seconds(30);
    while (running > 0) {
        if (const int signal = gSignalToForward; signal != 0) {
            gSignalToForward = 0;
            for (pid_t p : pids)
                if (p > 0) ::kill(p, signal);
        }
        int status = 0;
        // Polling, so a signal that arrives just before the wait is passed on within 50 ms.
        const pid_t pid = ::waitpid(-1, &status, WNOHANG);
        if (pid > 0) {
            const auto it = std::find(pids.begin(), pids.end(), pid);
            if (it == pids.end()) continue;
            const int rank = static_cast<int>(it - pids.begin());
            *it = -1;
            --running;
            const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            if (onExit) onExit(rank, code);
            if (code != 0 && result == 0) {
                result = code;
                deadline = std::chrono::steady_clock::now() + grace;
            }
            continue;
        }
        if (pid < 0 && errno != EINTR) break;
        if (deadline && std::chrono::steady_clock::now() > *deadline) {
            for (pid_t p : pids)
                if (p > 0) ::kill(p, SIGTERM);
            deadline.reset();  // now wait for them without a deadline
            continue;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return result;
}

}  // namespace genra::train
