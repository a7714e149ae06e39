// Helpers shared by the test suites: temporary folders, running programs, the shared/ folder.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace genra::test {

// A fresh folder under the system temp directory, removed when the object goes away.
class TempDir {
public:
    explicit TempDir(const std::string& prefix = "genra-test");
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return path_; }
    std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

private:
    std::filesystem::path path_;
};

struct ProcessResult {
    int exitCode = -1;
    std::string out;
    std::string err;
};

// Runs argv[0] with the arguments (no shell), feeding `input` on stdin, capturing both streams.
ProcessResult runProcess(const std::vector<std::string>& argv, const std::string& input = {});

void writeFile(const std::filesystem::path& path, const std::string& content);
std::string readFile(const std::filesystem::path& path);

// ../shared/clip/ beside the checkout, or an empty path when it is absent.
std::filesystem::path sharedClipDir();
std::filesystem::path pythonExecutable();
// True when /usr/bin/python3 can import every module named (comma separated).
bool pythonHas(const std::string& modules);

}  // namespace genra::test
