// METEOR and SPICE through their jars. The child's stdin and stdout are one end of a Unix socket
// pair rather than pipes: writing with MSG_NOSIGNAL turns a crashed child into an EPIPE error
// instead of a SIGPIPE that would kill the whole program. stderr goes to a temporary file whose
// tail is quoted when something fails.
#include "core/eval/java_scorers.h"

#include "core/util/error.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <limits>
#include <numeric>
#include <sstream>

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

namespace genra::eval {
namespace {

namespace fs = std::filesystem;

std::string readTail(const fs::path& path, std::size_t maxBytes = 2000) {
    std::ifstream in(path, std::ios::binary);
    std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (all.size() > maxBytes) all = "..." + all.substr(all.size() - maxBytes);
    while (!all.empty() && (all.back() == '\n' || all.back() == '\r')) all.pop_back();
    return all;
}

// A temporary file or folder removed when this goes away.
class TempPath {
public:
    explicit TempPath(bool directory) {
        std::string pattern = (fs::temp_directory_path() / "genra-java-XXXXXX").string();
        if (directory) {
            if (mkdtemp(pattern.data()) == nullptr) throw Error("cannot create a temporary folder: " + std::string(std::strerror(errno)));
        } else {
            const int fd = mkstemp(pattern.data());
            if (fd < 0) throw Error("cannot create a temporary file: " + std::string(std::strerror(errno)));
            close(fd);
        }
        path_ = pattern;
    }
    ~TempPath() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    TempPath(const TempPath&) = delete;
    TempPath& operator=(const TempPath&) = delete;
    const fs::path& path() const { return path_; }

private:
    fs::path path_;
};

// A Java program with a line-oriented conversation on stdin/stdout (or none: `interactive` false
// sends its stdout to the log as well and gives it an empty stdin).
class JavaProcess {
public:
    JavaProcess(const std::string& what, const std::vector<std::string>& args, const fs::path& workDir,
                bool interactive)
        : what_(what), log_(false) {
        int sockets[2] = {-1, -1};
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sockets) != 0)
            throw Error(what_ + ": cannot create a socket pair: " + std::strerror(errno));
        int execStatus[2] = {-1, -1};  // reports a failed exec back to us; closes on success
        if (pipe2(execStatus, O_CLOEXEC) != 0) {
            close(sockets[0]);
            close(sockets[1]);
            throw Error(what_ + ": cannot create a pipe: " + std::strerror(errno));
        }
        const int logFd = open(log_.path().c_str(), O_WRONLY | O_CLOEXEC);
        // Everything the child needs is prepared before fork(): only async-signal-safe calls after it.
        std::vector<char*> argv;
        for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
        argv.push_back(nullptr);
        const std::string dir = workDir.string();

        pid_ = fork();
        if (pid_ == 0) {
            const int in = interactive ? sockets[1] : open("/dev/null", O_RDONLY);
            const int out = interactive ? sockets[1] : logFd;
            if (chdir(dir.c_str()) == 0 && in >= 0 && dup2(in, 0) >= 0 && dup2(out, 1) >= 0 && dup2(logFd, 2) >= 0)
                execvp(argv[0], argv.data());
            const int err = errno;
            ssize_t ignored = write(execStatus[1], &err, sizeof err);
            (void)ignored;
            _exit(127);
        }
        const int forkErrno = errno;
        close(sockets[1]);
        close(execStatus[1]);
        if (logFd >= 0) close(logFd);
        fd_ = sockets[0];
        if (pid_ < 0) {
            close(execStatus[0]);
            close(fd_);
            throw Error(what_ + ": fork failed: " + std::strerror(forkErrno));
        }
        int childErrno = 0;
        ssize_t got = 0;
        do {
            got = read(execStatus[0], &childErrno, sizeof childErrno);
        } while (got < 0 && errno == EINTR);
        close(execStatus[0]);
        if (got == static_cast<ssize_t>(sizeof childErrno)) {
            waitpid(pid_, nullptr, 0);
            pid_ = -1;
            throw Error(what_ + ": cannot run '" + args[0] + "' in " + dir + ": " + std::strerror(childErrno) +
                        (childErrno == ENOENT ? " (is Java installed and on PATH?)" : ""));
        }
        if (!interactive) shutdown(fd_, SHUT_WR);
    }

    ~JavaProcess() {
        if (fd_ >= 0) close(fd_);
        if (pid_ > 0) {
            kill(pid_, SIGKILL);
            waitpid(pid_, nullptr, 0);
        }
    }
    JavaProcess(const JavaProcess&) = delete;
    JavaProcess& operator=(const JavaProcess&) = delete;

    void writeLine(const std::string& line) {
        const std::string data = line + "\n";
        std::size_t sent = 0;
        while (sent < data.size()) {
            const ssize_t n = send(fd_, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) fail("stopped reading its input (" + std::string(std::strerror(errno)) + ")");
            sent += static_cast<std::size_t>(n);
        }
    }

    std::string readLine() {
        while (true) {
            const auto newline = buffer_.find('\n');
            if (newline != std::string::npos) {
                std::string line = buffer_.substr(0, newline);
                buffer_.erase(0, newline + 1);
                while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
                return line;
            }
            char chunk[4096];
            const ssize_t n = recv(fd_, chunk, sizeof chunk, 0);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) fail("ended its output early");
            buffer_.append(chunk, static_cast<std::size_t>(n));
        }
    }

    // Closes the program's input and waits for it; throws unless it exits with status 0.
    void finish() {
        shutdown(fd_, SHUT_WR);
        int status = 0;
        while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
        }
        pid_ = -1;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            const std::string how = WIFEXITED(status) ? "exited with status " + std::to_string(WEXITSTATUS(status))
                                                      : "was killed by signal " + std::to_string(WTERMSIG(status));
            fail(how);
        }
    }

    [[noreturn]] void fail(const std::string& problem) const {
        const std::string tail = readTail(log_.path());
        throw Error(what_ + " " + problem + (tail.empty() ? "" : "; its output ends with:\n" + tail));
    }

private:
    std::string what_;
    TempPath log_;
    pid_t pid_ = -1;
    int fd_ = -1;
    std::string buffer_;
};

fs::path checkedJar(const fs::path& jar, const std::string& name) {
    std::error_code ec;
    if (!fs::is_regular_file(jar, ec)) throw Error(name + " jar not found: " + jar.string());
    return fs::absolute(jar, ec);
}

double parseScore(const std::string& text, const JavaProcess& process) {
    std::size_t used = 0;
    double value = 0.0;
    try {
        value = std::stod(text, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used == 0 || used != text.size()) process.fail("answered '" + text + "' where a score was expected");
    return value;
}

// Python's str.replace: every non-overlapping occurrence, left to right, in one pass.
std::string replaceAll(const std::string& s, const std::string& from, const std::string& to) {
    std::string out;
    std::size_t start = 0;
    while (true) {
        const auto at = s.find(from, start);
        if (at == std::string::npos) return out + s.substr(start);
        out += s.substr(start, at - start) + to;
        start = at + from.size();
    }
}

// SPICE reports NaN as a string or null for images it cannot parse; the Python code maps
// anything float() rejects to NaN.
double floatOrNan(const nlohmann::json& v) {
    if (v.is_number()) return v.get<double>();
    if (v.is_string()) {
        try {
            return std::stod(v.get<std::string>());
        } catch (const std::exception&) {
        }
    }
    return std::numeric_limits<double>::quiet_NaN();
}

}  // namespace

MetricScore meteorJarScore(const CaptionSet& tokenized, const fs::path& jar, const std::string& java) {
    const fs::path jarPath = checkedJar(jar, "METEOR");
    JavaProcess meteor("METEOR (" + jarPath.string() + ")",
                       {java, "-jar", "-Xmx2G", jarPath.string(), "-", "-", "-stdio", "-l", "en", "-norm"},
                       jarPath.parent_path(), true);
    std::string evalLine = "EVAL";
    for (std::size_t img = 0; img < tokenized.candidates.size(); ++img) {
        const std::string hypothesis = replaceAll(replaceAll(tokenized.candidates[img], "|||", ""), "  ", " ");
        std::string line = "SCORE";
        line += " ||| ";
        for (std::size_t r = 0; r < tokenized.references[img].size(); ++r)
            line += (r ? " ||| " : "") + tokenized.references[img][r];
        line += " ||| " + hypothesis;
        meteor.writeLine(line);
        evalLine += " ||| " + meteor.readLine();
    }
    meteor.writeLine(evalLine);
    MetricScore out;
    for (std::size_t img = 0; img < tokenized.candidates.size(); ++img)
        out.perImage.push_back(parseScore(meteor.readLine(), meteor));
    out.corpus = parseScore(meteor.readLine(), meteor);
    meteor.finish();
    return out;
}

MetricScore spiceJarScore(const CaptionSet& tokenized, const fs::path& jar, const std::string& java) {
    const fs::path jarPath = checkedJar(jar, "SPICE");
    // The Python code feeds images sorted by id; numeric ids sort as numbers.
    std::vector<std::size_t> order(tokenized.candidates.size());
    std::iota(order.begin(), order.end(), 0);
    const bool numeric = std::all_of(tokenized.imageIds.begin(), tokenized.imageIds.end(), [](const std::string& id) {
        return !id.empty() && id.find_first_not_of("-0123456789") == std::string::npos;
    });
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        if (numeric) return std::stoll(tokenized.imageIds[a]) < std::stoll(tokenized.imageIds[b]);
        return tokenized.imageIds[a] < tokenized.imageIds[b];
    });

    TempPath work(true);
    const fs::path input = work.path() / "input.json";
    const fs::path output = work.path() / "output.json";
    nlohmann::json items = nlohmann::json::array();
    for (const auto img : order) {
        // Our row index as the id: SPICE echoes it back, and any id type survives the round trip.
        items.push_back({{"image_id", img}, {"test", tokenized.candidates[img]}, {"refs", tokenized.references[img]}});
    }
    {
        std::ofstream out(input);
        out << items.dump(2);
        if (!out) throw Error("cannot write " + input.string());
    }
    std::vector<std::string> args{java, "-jar", "-Xmx8G", jarPath.string(), input.string()};
    std::error_code ec;
    const fs::path cache = jarPath.parent_path() / "cache";
    fs::create_directories(cache, ec);
    if (!ec) {
        args.push_back("-cache");
        args.push_back(cache.string());
    }
    args.insert(args.end(), {"-out", output.string(), "-subset", "-silent"});
    JavaProcess spice("SPICE (" + jarPath.string() + ")", args, jarPath.parent_path(), false);
    spice.finish();

    nlohmann::json results;
    try {
        std::ifstream in(output);
        results = nlohmann::json::parse(in);
    } catch (const nlohmann::json::exception& e) {
        spice.fail("wrote unreadable results (" + std::string(e.what()) + ")");
    }
    if (!results.is_array()) spice.fail("wrote results that are not a JSON array");
    MetricScore out;
    out.perImage.assign(tokenized.candidates.size(), std::numeric_limits<double>::quiet_NaN());
    std::vector<double> inFileOrder;
    for (const auto& item : results) {
        if (!item.is_object() || !item.contains("image_id") || !item.contains("scores")) spice.fail("wrote a malformed result");
        const auto& all = item["scores"].value("All", nlohmann::json::object());
        const double f = floatOrNan(all.value("f", nlohmann::json()));
        inFileOrder.push_back(f);
        const auto& id = item["image_id"];
        if (id.is_number_unsigned() && id.get<std::size_t>() < out.perImage.size()) out.perImage[id.get<std::size_t>()] = f;
    }
    out.corpus = numpyMean(inFileOrder);
    return out;
}

}  // namespace genra::eval
