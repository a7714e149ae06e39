#include "support/test_support.h"

#include <catch2/catch.hpp>
#include <ATen/Context.h>
#include <torch/cuda.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fcntl.h>
#include <fstream>
#include <map>
#include <poll.h>
#include <random>
#include <signal.h>
#include <sstream>
#include <stdexcept>
#include <sys/wait.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace genra::test {

TempDir::TempDir(const std::string& prefix) {
    static std::atomic<int> counter{0};
    std::random_device rd;
    for (int attempt = 0; attempt < 100; ++attempt) {
        auto candidate = fs::temp_directory_path() /
                         (prefix + "-" + std::to_string(getpid()) + "-" + std::to_string(counter++) + "-" +
                          std::to_string(rd() % 100000));
        std::error_code ec;
        if (fs::create_directory(candidate, ec)) {
            path_ = candidate;
            return;
        }
    }
    throw std::runtime_error("cannot create a temporary folder");
}

TempDir::~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
}

ProcessResult runProcess(const std::vector<std::string>& argv, const std::string& input) {
    int inPipe[2], outPipe[2], errPipe[2];
    if (pipe(inPipe) || pipe(outPipe) || pipe(errPipe)) throw std::runtime_error("pipe failed");
    const pid_t pid = fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        dup2(inPipe[0], 0);
        dup2(outPipe[1], 1);
        dup2(errPipe[1], 2);
        for (int fd : {inPipe[0], inPipe[1], outPipe[0], outPipe[1], errPipe[0], errPipe[1]}) close(fd);
        std::vector<char*> args;
        for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        execv(args[0], args.data());
        _exit(127);
    }
    close(inPipe[0]);
    close(outPipe[1]);
    close(errPipe[1]);
    signal(SIGPIPE, SIG_IGN);
    ProcessResult result;
    std::size_t written = 0;
    int inFd = inPipe[1];
    if (input.empty()) {
        close(inFd);
        inFd = -1;
    } else {
        fcntl(inFd, F_SETFL, O_NONBLOCK);
    }
    bool outOpen = true, errOpen = true;
    char buf[65536];
    while (outOpen || errOpen) {
        pollfd fds[3];
        int n = 0;
        if (outOpen) fds[n++] = {outPipe[0], POLLIN, 0};
        if (errOpen) fds[n++] = {errPipe[0], POLLIN, 0};
        if (inFd >= 0) fds[n++] = {inFd, POLLOUT, 0};
        if (poll(fds, static_cast<nfds_t>(n), -1) < 0) break;
        for (int i = 0; i < n; ++i) {
            if (!fds[i].revents) continue;
            if (fds[i].fd == inFd) {
                const ssize_t w = write(inFd, input.data() + written, input.size() - written);
                if (w > 0) written += static_cast<std::size_t>(w);
                if (w < 0 || written == input.size()) {
                    close(inFd);
                    inFd = -1;
                }
                continue;
            }
            const ssize_t r = read(fds[i].fd, buf, sizeof buf);
            if (r <= 0) {
                close(fds[i].fd);
                (fds[i].fd == outPipe[0] ? outOpen : errOpen) = false;
            } else {
                (fds[i].fd == outPipe[0] ? result.out : result.err).append(buf, static_cast<std::size_t>(r));
            }
        }
    }
    if (inFd >= 0) close(inFd);
    int status = 0;
    waitpid(pid, &status, 0);
    result.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return result;
}

void writeFile(const fs::path& path, const std::string& content) {
    if (path.has_parent_path()) fs::create_directories(path.parent_path());
    std::ofstream out(path, std::ios::binary);
    out << content;
    if (!out) throw std::runtime_error("cannot write " + path.string());
}

std::string readFile(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path.string());
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

namespace {
std::atomic<bool> skipped{false};

fs::path fromEnvironment(const char* name, const char* configured) {
    const char* value = std::getenv(name);
    return value && *value ? fs::path(value) : fs::path(configured);
}
}  // namespace

void skip(const std::string& reason) {
    skipped = true;
    WARN("SKIPPED: " << reason);
}

bool anySkipped() { return skipped; }

fs::path sharedClipDir() {
    const fs::path dir = fromEnvironment("GENRA_TEST_SHARED_DIR", GENRA_TEST_SHARED_DIR) / "clip";
    return fs::exists(dir / "bpe_simple_vocab_16e6.txt.gz") ? dir : fs::path();
}

fs::path sharedClipOrSkip() {
    auto dir = sharedClipDir();
    if (dir.empty()) skip("the shared CLIP files (../shared/clip/bpe_simple_vocab_16e6.txt.gz) are absent");
    return dir;
}

fs::path pythonExecutable() { return fromEnvironment("GENRA_TEST_PYTHON", GENRA_TEST_PYTHON); }

bool pythonHas(const std::string& modules) {
    // Importing torch takes seconds; many cases ask the same question.
    static std::map<std::string, bool> known;
    const std::string key = pythonExecutable().string() + "\n" + modules;
    if (const auto it = known.find(key); it != known.end()) return it->second;
    bool has = false;
    if (fs::exists(pythonExecutable()))
        has = runProcess({pythonExecutable().string(), "-c", "import " + modules}).exitCode == 0;
    known[key] = has;
    return has;
}

bool pythonOrSkip(const std::string& modules) {
    if (pythonHas(modules)) return true;
    skip(pythonExecutable().string() + " cannot import " + modules);
    return false;
}

bool cudaOrSkip(const std::string& what) {
    if (torch::cuda::is_available()) return true;
    skip("no CUDA device: " + what);
    return false;
}

StrictFloat32::StrictFloat32()
    : cudnn_(at::globalContext().allowTF32CuDNN()), cublas_(at::globalContext().allowTF32CuBLAS()) {
    at::globalContext().setAllowTF32CuDNN(false);
    at::globalContext().setAllowTF32CuBLAS(false);
}

StrictFloat32::~StrictFloat32() {
    at::globalContext().setAllowTF32CuDNN(cudnn_);
    at::globalContext().setAllowTF32CuBLAS(cublas_);
}

}  // namespace genra::test
