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
// True when the test Python (GENRA_TEST_PYTHON, /usr/bin/python3 by default) can import every module named (comma separated).
bool pythonHas(const std::string& modules);

// True when LibTorch sees a usable CUDA device. Otherwise records a warning in the test's output
// ("no CUDA device: <what> is skipped") so a skipped CUDA check is never mistaken for a pass.
bool cudaOrSkip(const std::string& what);

// Turns TensorFloat-32 off for cuBLAS and cuDNN while it lives (LibTorch lets cuDNN convolutions
// use TF32 by default, which costs about three decimal digits), so float32 CUDA results can be held
// to the same 1e-4 as the CPU's. Restores the previous settings.
class StrictFloat32 {
public:
    StrictFloat32();
    ~StrictFloat32();
    StrictFloat32(const StrictFloat32&) = delete;
    StrictFloat32& operator=(const StrictFloat32&) = delete;

private:
    bool cudnn_ = true;
    bool cublas_ = false;
};

}  // namespace genra::test
