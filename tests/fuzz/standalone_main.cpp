// A small stand-in for libFuzzer's main, so the fuzz targets build with gcc in the normal build and
// run under ctest (label "fuzz") with no extra toolchain. It replays every corpus file given, then
// runs a fixed, seeded series of mutations of them (bit flips, interesting bytes and integers, byte
// insertion and deletion, duplication, truncation, splicing of two corpus files) for at most
// --runs inputs or --seconds seconds. The same seed gives the same inputs, so a failure reproduces.
//
// A target must return normally for every input: genra::Error is caught inside the target (a clear
// rejection). Anything else is a bug: an exception escaping the target, a crash signal (SIGSEGV,
// stack overflow included, SIGABRT, SIGBUS, SIGFPE, SIGILL), an input running longer than
// --timeout seconds, or memory past --memory-mb (address space, so an allocation fails with
// std::bad_alloc). The input that did it is written to <artifacts>/crash-<target>-<hash> before the
// process exits with status 1, and its path is printed.
//
//   genra_fuzz_npy [--runs N] [--seconds S] [--seed X] [--timeout S] [--memory-mb M]
//                  [--artifacts DIR] [--max-len BYTES] CORPUS_DIR_OR_FILE...
//
// A single file given with --replay FILE is run once, alone (to reproduce a reported input).
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

namespace fs = std::filesystem;
using Bytes = std::vector<std::uint8_t>;

// What the signal handlers need, prepared before any input runs (they may only call write/open).
const Bytes* gCurrent = nullptr;
char gCrashPath[4096] = {0};
char gTargetName[256] = {0};

std::uint64_t fnv1a(const Bytes& bytes) {
    std::uint64_t h = 1469598103934665603ull;
    for (std::uint8_t b : bytes) h = (h ^ b) * 1099511628211ull;
    return h;
}

void prepareCrashPath(const std::string& artifacts, const Bytes& input) {
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(fnv1a(input)));
    const std::string path = artifacts + "/crash-" + gTargetName + "-" + hex;
    std::snprintf(gCrashPath, sizeof gCrashPath, "%s", path.c_str());
}

void writeAll(int fd, const void* data, std::size_t size) {
    const char* p = static_cast<const char*>(data);
    while (size > 0) {
        const ssize_t n = ::write(fd, p, size);
        if (n <= 0) return;
        p += n;
        size -= static_cast<std::size_t>(n);
    }
}

void say(const char* text) { writeAll(2, text, std::strlen(text)); }

// Async-signal-safe: writes the current input and names it.
void saveCurrentInput(const char* why) {
    say("\nfuzz: ");
    say(gTargetName);
    say(": ");
    say(why);
    say("\n");
    if (gCurrent == nullptr) return;
    const int fd = ::open(gCrashPath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        say("fuzz: could not write the failing input to ");
        say(gCrashPath);
        say("\n");
        return;
    }
    writeAll(fd, gCurrent->data(), gCurrent->size());
    ::close(fd);
    say("fuzz: failing input written to ");
    say(gCrashPath);
    say("\n");
}

void onSignal(int sig) {
    const char* why = sig == SIGALRM   ? "input ran past the time limit (hang)"
                      : sig == SIGSEGV ? "crashed with SIGSEGV (bad memory access or stack overflow)"
                      : sig == SIGABRT ? "crashed with SIGABRT"
                      : sig == SIGBUS  ? "crashed with SIGBUS"
                      : sig == SIGFPE  ? "crashed with SIGFPE"
                      : sig == SIGILL  ? "crashed with SIGILL"
                                       : "crashed with a signal";
    saveCurrentInput(why);
    ::_exit(1);
}

void installHandlers() {
    // Stack overflow needs a stack of its own to report from.
    static std::vector<char> altStack(1 << 16);
    stack_t ss{};
    ss.ss_sp = altStack.data();
    ss.ss_size = altStack.size();
    sigaltstack(&ss, nullptr);
    struct sigaction sa {};
    sa.sa_handler = onSignal;
    sa.sa_flags = SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    for (int sig : {SIGSEGV, SIGABRT, SIGBUS, SIGFPE, SIGILL, SIGALRM}) sigaction(sig, &sa, nullptr);
}

// splitmix64: a small deterministic generator, the same on every platform.
struct Rng {
    std::uint64_t state;
    std::uint64_t next() {
        std::uint64_t z = (state += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return z ^ (z >> 31);
    }
    std::size_t below(std::size_t n) { return n == 0 ? 0 : static_cast<std::size_t>(next() % n); }
};

const std::uint8_t kInterestingBytes[] = {0x00, 0x01, 0x7f, 0x80, 0xff, '0', '9', '-', '"', '\\', '[', ']',
                                          '{',  '}',  ',',  ':',  '\n', '.', 'e', 0xc3, 0xe2, '(', ')', 't'};
const std::uint64_t kInterestingValues[] = {0,
                                            1,
                                            0x7f,
                                            0xff,
                                            0x7fff,
                                            0xffff,
                                            0x7fffffff,
                                            0x80000000,
                                            0xffffffff,
                                            0x7fffffffffffffffull,
                                            0x8000000000000000ull,
                                            0xffffffffffffffffull,
                                            1ull << 40,
                                            4096};
const char* const kInterestingTexts[] = {"-1", "0", "1e308", "99999999999999999999", "NaN", "null", "[[[[", "{}",
                                         "[]", "\"\"", "\\u0000", "\xff\xfe", "../", "/etc/passwd", "true"};

void mutateOnce(Bytes& data, const std::vector<Bytes>& corpus, Rng& rng, std::size_t maxLen) {
    switch (rng.below(11)) {
        case 0:  // flip a bit
            if (!data.empty()) data[rng.below(data.size())] ^= static_cast<std::uint8_t>(1u << rng.below(8));
            break;
        case 1:  // set a byte to an interesting value
            if (!data.empty()) data[rng.below(data.size())] = kInterestingBytes[rng.below(sizeof kInterestingBytes)];
            break;
        case 2:  // random byte
            if (!data.empty()) data[rng.below(data.size())] = static_cast<std::uint8_t>(rng.next());
            break;
        case 3: {  // insert a few bytes
            const std::size_t n = 1 + rng.below(8);
            Bytes insert(n);
            for (auto& b : insert) b = rng.below(2) ? kInterestingBytes[rng.below(sizeof kInterestingBytes)]
                                                    : static_cast<std::uint8_t>(rng.next());
            data.insert(data.begin() + static_cast<std::ptrdiff_t>(rng.below(data.size() + 1)), insert.begin(),
                        insert.end());
            break;
        }
        case 4: {  // delete a range
            if (data.empty()) break;
            const std::size_t at = rng.below(data.size());
            const std::size_t n = 1 + rng.below(std::min<std::size_t>(data.size() - at, 16));
            data.erase(data.begin() + static_cast<std::ptrdiff_t>(at),
                       data.begin() + static_cast<std::ptrdiff_t>(at + n));
            break;
        }
        case 5:  // truncate
            if (!data.empty()) data.resize(rng.below(data.size()));
            break;
        case 6: {  // overwrite with an interesting integer (little- or big-endian, 1 to 8 bytes)
            if (data.empty()) break;
            const std::uint64_t v = kInterestingValues[rng.below(std::size(kInterestingValues))];
            const std::size_t width = std::size_t{1} << rng.below(4);
            const std::size_t at = rng.below(data.size());
            const bool big = rng.below(2) == 1;
            for (std::size_t i = 0; i < width && at + i < data.size(); ++i) {
                const std::size_t shift = 8 * (big ? width - 1 - i : i);
                data[at + i] = static_cast<std::uint8_t>(v >> shift);
            }
            break;
        }
        case 7: {  // insert an interesting text (numbers, brackets, paths)
            const std::string text = kInterestingTexts[rng.below(std::size(kInterestingTexts))];
            data.insert(data.begin() + static_cast<std::ptrdiff_t>(rng.below(data.size() + 1)), text.begin(),
                        text.end());
            break;
        }
        case 8: {  // duplicate a range somewhere else
            if (data.empty()) break;
            const std::size_t at = rng.below(data.size());
            const std::size_t n = 1 + rng.below(std::min<std::size_t>(data.size() - at, 64));
            const Bytes chunk(data.begin() + static_cast<std::ptrdiff_t>(at),
                              data.begin() + static_cast<std::ptrdiff_t>(at + n));
            data.insert(data.begin() + static_cast<std::ptrdiff_t>(rng.below(data.size() + 1)), chunk.begin(),
                        chunk.end());
            break;
        }
        case 9: {  // splice: this input's head, another corpus file's tail
            if (corpus.empty()) break;
            const Bytes& other = corpus[rng.below(corpus.size())];
            const std::size_t cut = rng.below(data.size() + 1);
            const std::size_t from = rng.below(other.size() + 1);
            data.resize(cut);
            data.insert(data.end(), other.begin() + static_cast<std::ptrdiff_t>(from), other.end());
            break;
        }
        default: {  // copy a range over another (moves lengths, offsets and keys around)
            if (data.size() < 2) break;
            const std::size_t from = rng.below(data.size());
            const std::size_t to = rng.below(data.size());
            const std::size_t n = 1 + rng.below(std::min<std::size_t>(data.size() - std::max(from, to), 8));
            std::memmove(data.data() + to, data.data() + from, n);
            break;
        }
    }
    if (data.size() > maxLen) data.resize(maxLen);
}

Bytes readFile(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void usage() {
    std::cerr << "usage: " << gTargetName
              << " [--runs N] [--seconds S] [--seed X] [--timeout S] [--memory-mb M] [--artifacts DIR]"
                 " [--max-len BYTES] [--replay FILE] CORPUS_DIR_OR_FILE...\n";
}

}  // namespace

int main(int argc, char** argv) {
    std::snprintf(gTargetName, sizeof gTargetName, "%s", fs::path(argv[0]).filename().c_str());
    long long runs = 2000;
    double seconds = 5.0;
    std::uint64_t seed = 1;
    unsigned timeout = 20;
    long long memoryMb = 4096;
    std::size_t maxLen = 1 << 20;
    std::string artifacts = ".";
    std::vector<fs::path> inputs;
    bool replayOnly = false;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) {
                usage();
                std::exit(2);
            }
            return argv[++i];
        };
        if (arg == "--runs") runs = std::stoll(value());
        else if (arg == "--seconds") seconds = std::stod(value());
        else if (arg == "--seed") seed = std::stoull(value());
        else if (arg == "--timeout") timeout = static_cast<unsigned>(std::stoul(value()));
        else if (arg == "--memory-mb") memoryMb = std::stoll(value());
        else if (arg == "--artifacts") artifacts = value();
        else if (arg == "--max-len") maxLen = std::stoull(value());
        else if (arg == "--replay") {
            inputs.emplace_back(value());
            replayOnly = true;
        } else if (arg == "-h" || arg == "--help") {
            usage();
            return 0;
        } else if (!arg.empty() && arg[0] == '-') {
            usage();
            return 2;
        } else {
            inputs.emplace_back(arg);
        }
    }

    // The corpus: every regular file named, or found (sorted, for a fixed order) in a folder named.
    std::vector<fs::path> files;
    for (const auto& input : inputs) {
        if (fs::is_directory(input)) {
            std::vector<fs::path> found;
            for (const auto& entry : fs::recursive_directory_iterator(input)) {
                if (entry.is_regular_file()) found.push_back(entry.path());
            }
            std::sort(found.begin(), found.end());
            files.insert(files.end(), found.begin(), found.end());
        } else if (fs::is_regular_file(input)) {
            files.push_back(input);
        } else {
            std::cerr << gTargetName << ": no such corpus file or folder: " << input << "\n";
            return 2;
        }
    }
    std::vector<Bytes> corpus;
    for (const auto& file : files) corpus.push_back(readFile(file));

    // Address-space cap: a runaway allocation fails (std::bad_alloc, reported) instead of taking
    // the machine. Sanitizer runtimes reserve terabytes of shadow, so they keep no cap.
    bool sanitized = false;
#if defined(__SANITIZE_ADDRESS__)
    sanitized = true;
#endif
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
    sanitized = true;
#endif
#endif
    if (memoryMb > 0 && !sanitized) {
        rlimit limit{};
        limit.rlim_cur = limit.rlim_max = static_cast<rlim_t>(memoryMb) << 20;
        setrlimit(RLIMIT_AS, &limit);
    }
    fs::create_directories(artifacts);
    installHandlers();

    long long executed = 0;
    auto runOne = [&](const Bytes& input) {
        gCurrent = &input;
        prepareCrashPath(artifacts, input);
        alarm(timeout);
        try {
            LLVMFuzzerTestOneInput(input.data(), input.size());
        } catch (const std::exception& e) {
            alarm(0);
            saveCurrentInput((std::string("exception escaped the target: ") + e.what()).c_str());
            std::exit(1);
        } catch (...) {
            alarm(0);
            saveCurrentInput("non-standard exception escaped the target");
            std::exit(1);
        }
        alarm(0);
        gCurrent = nullptr;
        ++executed;
    };

    const auto start = std::chrono::steady_clock::now();
    for (const auto& input : corpus) runOne(input);
    if (replayOnly) {
        std::cerr << gTargetName << ": replayed " << corpus.size() << " input(s), no failure\n";
        return 0;
    }
    const std::size_t replayed = corpus.size();

    Rng rng{seed};
    if (corpus.empty()) corpus.push_back(Bytes{});
    long long mutated = 0;
    while (mutated < runs) {
        const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        if (elapsed >= seconds) break;
        Bytes input = corpus[rng.below(corpus.size())];
        const std::size_t steps = 1 + rng.below(4);
        for (std::size_t s = 0; s < steps; ++s) mutateOnce(input, corpus, rng, maxLen);
        runOne(input);
        ++mutated;
    }
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::cerr << gTargetName << ": " << replayed << " corpus file(s) and " << mutated << " mutation(s) (seed " << seed
              << ") in " << elapsed << " s, no failure\n";
    return 0;
}
