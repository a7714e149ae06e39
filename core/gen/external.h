// External generators: a command the user configures (for instance a Python script running
// diffusers' Stable Diffusion) that the workbench starts once and talks to in JSON lines over its
// stdin/stdout. One request per caption:
//   {"caption_id": 12, "caption": "...", "seeds": [..], "out_dir": "/abs/dir", "width": 512,
//    "height": 512, "steps": 30, "guidance": 7.5}
// answered by one line, {"caption_id": 12, "paths": ["/abs/dir/a.png", ...]} (one path per seed, in
// order) or {"caption_id": 12, "error": "..."}. The process is started with posix_spawn from an
// argv (never a shell), so captions are never interpreted; stderr is collected and its tail is
// quoted when the generator crashes, hangs past its timeout or answers garbage.
#pragma once

#include "core/util/error.h"

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace genra::gen {

struct ExternalGeneratorConfig {
    std::string name;                  // as in "external:NAME"
    std::vector<std::string> command;  // argv; command[0] is looked up on PATH
    double timeoutSeconds = 120.0;     // longest wait for one answer (the first includes start-up)
    std::filesystem::path workingDir;  // empty: the current directory
};

// The generators of a workspace config file: {"NAME": {"command": [...], "timeout_s": 120,
// "cwd": "dir"}}; a relative cwd is relative to the file's folder, and so is the default cwd.
// Other keys are left alone (the GUI's settings may keep some). Errors name the file and key.
std::map<std::string, ExternalGeneratorConfig> readGeneratorConfigs(const std::filesystem::path& file);
// Splits a command line on white space with '...' and "..." quoting and backslash escapes, as a
// shell would for plain words (no variables, globbing or redirection).
std::vector<std::string> splitCommandLine(const std::string& line);

// The generator answered {"error": ...} for one caption: it is still running and may go on.
class GeneratorReportedError : public Error {
public:
    using Error::Error;
};

struct ExternalRequest {
    std::int64_t captionId = 0;
    std::string caption;
    std::vector<std::uint64_t> seeds;
    std::filesystem::path outDir;
    int width = 512;
    int height = 512;
    int steps = 30;
    double guidance = 7.5;
};

class ExternalGenerator {
public:
    explicit ExternalGenerator(ExternalGeneratorConfig config);
    ~ExternalGenerator();  // closes stdin, gives the process a moment to exit, then kills it
    ExternalGenerator(const ExternalGenerator&) = delete;
    ExternalGenerator& operator=(const ExternalGenerator&) = delete;

    // Sends the request (starting the process on first use) and waits for the answer. Returns one
    // path per seed, each checked to exist inside out_dir and to decode as an image. Throws
    // genra::Error naming the generator, the caption and what went wrong (an "error" answer, a crash
    // with its exit status, a timeout, garbage), with the tail of its stderr; after a crash, timeout
    // or garbage the process is stopped and the next request starts a new one.
    std::vector<std::filesystem::path> generate(const ExternalRequest& request);

    const ExternalGeneratorConfig& config() const { return config_; }
    bool running() const { return pid_ > 0; }
    // The last few kB the process wrote to stderr.
    std::string stderrTail() const { return stderr_; }

private:
    void start();
    void stop(bool kill);
    void drainStderr();
    [[noreturn]] void fail(const std::string& what, bool kill);
    ExternalGeneratorConfig config_;
    int pid_ = -1;
    int stdinFd_ = -1;
    int stdoutFd_ = -1;
    int stderrFd_ = -1;
    std::string stdoutBuffer_;
    std::string stderr_;
};

}  // namespace genra::gen
