#include "core/gen/external.h"

#include "core/data/image.h"
#include "core/util/error.h"
#include "core/util/json_file.h"
#include "core/util/json_limits.h"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <mutex>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

namespace fs = std::filesystem;
using nlohmann::json;

namespace genra::gen {

namespace {

using Clock = std::chrono::steady_clock;
constexpr std::size_t kStderrTailBytes = 4096;

// A generator that dies while we write its stdin must become an error, not a SIGPIPE that kills us.
void ignoreSigpipe() {
    static std::once_flag once;
    std::call_once(once, [] { std::signal(SIGPIPE, SIG_IGN); });
}

std::string describeStatus(int status) {
    if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
    if (WIFSIGNALED(status)) return "was killed by signal " + std::to_string(WTERMSIG(status));
    return "stopped";
}

std::string shorten(const std::string& text, std::size_t limit = 200) {
    return text.size() <= limit ? text : text.substr(0, limit) + "...";
}

}  // namespace

std::vector<std::string> splitCommandLine(const std::string& line) {
    std::vector<std::string> out;
    std::string word;
    bool inWord = false;
    char quote = 0;
    for (std::size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (quote) {
            if (c == quote) quote = 0;
            else if (c == '\\' && quote == '"' && i + 1 < line.size()) word += line[++i];
            else word += c;
        } else if (c == '\'' || c == '"') {
            quote = c;
            inWord = true;
        } else if (c == '\\' && i + 1 < line.size()) {
            word += line[++i];
            inWord = true;
        } else if (std::isspace(static_cast<unsigned char>(c))) {
            if (inWord) out.push_back(word);
            word.clear();
            inWord = false;
        } else {
            word += c;
            inWord = true;
        }
    }
    if (quote) throw Error("generator command: unterminated " + std::string(1, quote) + " quote in: " + line);
    if (inWord) out.push_back(word);
    return out;
}

std::map<std::string, ExternalGeneratorConfig> readGeneratorConfigs(const fs::path& file) {
    const json j = util::readJsonFile(file);
    if (!j.is_object()) throw ParseError(file.string(), "top level", "expected an object {\"NAME\": {\"command\": [...]}}");
    std::map<std::string, ExternalGeneratorConfig> out;
    const fs::path base = fs::absolute(file).parent_path();
    for (const auto& [name, entry] : j.items()) {
        const std::string where = "key \"" + name + "\"";
        if (!entry.is_object()) throw ParseError(file.string(), where, "expected an object with \"command\"");
        ExternalGeneratorConfig c;
        c.name = name;
        const auto command = entry.find("command");
        if (command == entry.end()) throw ParseError(file.string(), where, "missing \"command\"");
        if (command->is_string()) {
            c.command = splitCommandLine(command->get<std::string>());
        } else if (command->is_array()) {
            for (const auto& part : *command) {
                if (!part.is_string()) throw ParseError(file.string(), where + ".command", "every argument must be a string");
                c.command.push_back(part.get<std::string>());
            }
        } else {
            throw ParseError(file.string(), where + ".command", "expected an array of strings");
        }
        if (c.command.empty()) throw ParseError(file.string(), where + ".command", "empty command");
        if (entry.contains("timeout_s")) {
            if (!entry["timeout_s"].is_number() || entry["timeout_s"].get<double>() <= 0) {
                throw ParseError(file.string(), where + ".timeout_s", "expected a positive number of seconds");
            }
            c.timeoutSeconds = entry["timeout_s"].get<double>();
        }
        c.workingDir = base;
        if (entry.contains("cwd")) {
            if (!entry["cwd"].is_string()) throw ParseError(file.string(), where + ".cwd", "expected a string");
            c.workingDir = base / entry["cwd"].get<std::string>();
        }
        out.emplace(name, std::move(c));
    }
    return out;
}

ExternalGenerator::ExternalGenerator(ExternalGeneratorConfig config) : config_(std::move(config)) {
    if (config_.command.empty()) throw Error("external generator \"" + config_.name + "\": empty command");
    if (config_.timeoutSeconds <= 0) throw Error("external generator \"" + config_.name + "\": timeout must be positive");
}

ExternalGenerator::~ExternalGenerator() {
    try {
        stop(false);
    } catch (...) {
    }
}

void ExternalGenerator::start() {
    ignoreSigpipe();
    int in[2];
    int out[2];
    int err[2];
    int execReport[2];
    if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0 ||
        pipe2(execReport, O_CLOEXEC) != 0) {
        throw Error("external generator \"" + config_.name + "\": cannot create pipes: " + std::strerror(errno));
    }
    // Everything the child needs is prepared before fork: after it, only async-signal-safe calls.
    std::vector<char*> argv;
    for (auto& arg : config_.command) argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    const std::string cwd = config_.workingDir.string();
    const pid_t pid = fork();
    if (pid < 0) throw Error("external generator \"" + config_.name + "\": fork failed: " + std::strerror(errno));
    if (pid == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        dup2(err[1], 2);
        int code = 0;
        if (!cwd.empty() && chdir(cwd.c_str()) != 0) {
            code = errno;
        } else {
            execvp(argv[0], argv.data());
            code = errno;
        }
        [[maybe_unused]] auto written = write(execReport[1], &code, sizeof code);
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    close(err[1]);
    close(execReport[1]);
    int code = 0;
    ssize_t got = 0;
    do {
        got = read(execReport[0], &code, sizeof code);
    } while (got < 0 && errno == EINTR);
    close(execReport[0]);
    if (got == static_cast<ssize_t>(sizeof code)) {
        close(in[1]);
        close(out[0]);
        close(err[0]);
        int status = 0;
        waitpid(pid, &status, 0);
        throw Error("external generator \"" + config_.name + "\": cannot start " + config_.command[0] +
                    (cwd.empty() ? std::string() : " in " + cwd) + ": " + std::strerror(code));
    }
    pid_ = pid;
    stdinFd_ = in[1];
    stdoutFd_ = out[0];
    stderrFd_ = err[0];
    stdoutBuffer_.clear();
    stderr_.clear();
}

void ExternalGenerator::drainStderr() {
    if (stderrFd_ < 0) return;
    char buffer[4096];
    while (true) {
        pollfd p{stderrFd_, POLLIN, 0};
        if (poll(&p, 1, 0) <= 0 || !(p.revents & (POLLIN | POLLHUP))) return;
        const ssize_t n = read(stderrFd_, buffer, sizeof buffer);
        if (n <= 0) {
            close(stderrFd_);
            stderrFd_ = -1;
            return;
        }
        stderr_.append(buffer, static_cast<std::size_t>(n));
        if (stderr_.size() > kStderrTailBytes) stderr_.erase(0, stderr_.size() - kStderrTailBytes);
    }
}

void ExternalGenerator::stop(bool kill) {
    if (stdinFd_ >= 0) {
        close(stdinFd_);
        stdinFd_ = -1;
    }
    if (pid_ > 0) {
        int status = 0;
        if (kill) {
            ::kill(pid_, SIGKILL);
            waitpid(pid_, &status, 0);
        } else {
            // A well-behaved generator exits when its stdin closes; give it two seconds.
            const auto deadline = Clock::now() + std::chrono::seconds(2);
            while (waitpid(pid_, &status, WNOHANG) == 0) {
                if (Clock::now() > deadline) {
                    ::kill(pid_, SIGKILL);
                    waitpid(pid_, &status, 0);
                    break;
                }
                usleep(10000);
            }
        }
        pid_ = -1;
    }
    drainStderr();
    for (int* fd : {&stdoutFd_, &stderrFd_}) {
        if (*fd >= 0) close(*fd);
        *fd = -1;
    }
}

void ExternalGenerator::fail(const std::string& what, bool kill) {
    stop(kill);
    std::string message = "external generator \"" + config_.name + "\" " + what;
    std::string tail = stderr_;
    while (!tail.empty() && std::isspace(static_cast<unsigned char>(tail.back()))) tail.pop_back();
    message += tail.empty() ? "; it wrote nothing to stderr" : "; stderr tail:\n" + tail;
    throw Error(message);
}

std::vector<fs::path> ExternalGenerator::generate(const ExternalRequest& request) {
    if (pid_ <= 0) start();
    const std::string forCaption = " (caption " + std::to_string(request.captionId) + ")";
    const json message = {{"caption_id", request.captionId}, {"caption", request.caption},
                          {"seeds", request.seeds},          {"out_dir", request.outDir.string()},
                          {"width", request.width},          {"height", request.height},
                          {"steps", request.steps},          {"guidance", request.guidance}};
    const std::string line = message.dump() + "\n";
    std::size_t written = 0;
    while (written < line.size()) {
        const ssize_t n = write(stdinFd_, line.data() + written, line.size() - written);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            int status = 0;
            waitpid(pid_, &status, 0);
            pid_ = -1;
            fail(describeStatus(status) + " before it read the request" + forCaption, false);
        }
        written += static_cast<std::size_t>(n);
    }

    const auto deadline = Clock::now() + std::chrono::duration<double>(config_.timeoutSeconds);
    std::string answer;
    while (true) {
        const auto newline = stdoutBuffer_.find('\n');
        if (newline != std::string::npos) {
            answer = stdoutBuffer_.substr(0, newline);
            stdoutBuffer_.erase(0, newline + 1);
            if (answer.find_first_not_of(" \t\r") == std::string::npos) continue;  // blank lines are ignored
            break;
        }
        const double left = std::chrono::duration<double>(deadline - Clock::now()).count();
        if (left <= 0) {
            fail("did not answer within " + std::to_string(static_cast<int>(config_.timeoutSeconds)) + " s" + forCaption +
                     "; stopped it",
                 true);
        }
        pollfd fds[2] = {{stdoutFd_, POLLIN, 0}, {stderrFd_, POLLIN, 0}};
        const int ready = poll(fds, stderrFd_ >= 0 ? 2 : 1, static_cast<int>(std::min(left * 1000.0, 1000.0)) + 1);
        if (ready < 0 && errno != EINTR) fail(std::string("could not be read: ") + std::strerror(errno), true);
        if (ready <= 0) continue;
        if (stderrFd_ >= 0 && (fds[1].revents & (POLLIN | POLLHUP))) drainStderr();
        if (fds[0].revents & (POLLIN | POLLHUP)) {
            char buffer[4096];
            const ssize_t n = read(stdoutFd_, buffer, sizeof buffer);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) {
                // Closed stdout: the process is exiting. Collect its status and last words.
                int status = 0;
                const auto exitDeadline = Clock::now() + std::chrono::seconds(2);
                while (waitpid(pid_, &status, WNOHANG) == 0) {
                    drainStderr();
                    if (Clock::now() > exitDeadline) {
                        ::kill(pid_, SIGKILL);
                        waitpid(pid_, &status, 0);
                        break;
                    }
                    usleep(10000);
                }
                pid_ = -1;
                fail(describeStatus(status) + " without answering" + forCaption, false);
            }
            stdoutBuffer_.append(buffer, static_cast<std::size_t>(n));
        }
    }

    json reply;
    try {
        reply = util::parseUntrustedJson(answer, "external generator \"" + config_.name + "\" reply");
    } catch (const json::parse_error&) {
        fail("answered garbage" + forCaption + ": \"" + shorten(answer) + "\" is not JSON", true);
    } catch (const ParseError& e) {
        // Deep nesting (which would crash every later copy or dump() of the reply, its "error"
        // included) or a number out of range; the message says which.
        fail("answered garbage" + forCaption + ": " + e.what(), true);
    }
    if (!reply.is_object()) fail("answered garbage" + forCaption + ": \"" + shorten(answer) + "\" is not a JSON object", true);
    if (!reply.contains("caption_id") || !reply["caption_id"].is_number_integer() ||
        reply["caption_id"].get<std::int64_t>() != request.captionId) {
        fail("answered for another caption" + forCaption + ": " + shorten(answer), true);
    }
    if (reply.contains("error")) {
        drainStderr();
        throw GeneratorReportedError("external generator \"" + config_.name + "\" reported an error" + forCaption + ": " +
                    (reply["error"].is_string() ? reply["error"].get<std::string>() : reply["error"].dump()));
    }
    if (!reply.contains("paths") || !reply["paths"].is_array()) {
        fail("answered without \"paths\"" + forCaption + ": " + shorten(answer), true);
    }
    const auto& paths = reply["paths"];
    if (paths.size() != request.seeds.size()) {
        fail("answered " + std::to_string(paths.size()) + " paths for " + std::to_string(request.seeds.size()) + " seeds" +
                 forCaption,
             true);
    }
    std::vector<fs::path> out;
    const fs::path root = fs::weakly_canonical(request.outDir);
    for (const auto& p : paths) {
        if (!p.is_string()) fail("answered a path that is not a string" + forCaption + ": " + p.dump(), true);
        fs::path path = p.get<std::string>();
        if (path.is_relative()) path = request.outDir / path;
        const fs::path canonical = fs::weakly_canonical(path);
        const auto relative = canonical.lexically_relative(root);
        if (relative.empty() || *relative.begin() == "..") {
            throw Error("external generator \"" + config_.name + "\" returned " + path.string() + ", outside out_dir " +
                        request.outDir.string() + forCaption);
        }
        if (!fs::is_regular_file(canonical)) {
            throw Error("external generator \"" + config_.name + "\" returned " + path.string() + ", which does not exist" +
                        forCaption);
        }
        data::loadImage(canonical);  // throws naming the file when it is not an image
        out.push_back(canonical);
    }
    return out;
}

}  // namespace genra::gen
