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

// Marks the running test case skipped: its output says "SKIPPED: <reason>", and when no check
// failed the executable exits with the code given by --skip-exit-code (ctest passes 77 and reports
// the case as "Skipped", never "Passed"). The caller returns from the case or section itself.
void skip(const std::string& reason);
// Whether skip() was called in this process.
bool anySkipped();

// ../shared/clip/ beside the checkout (or $GENRA_TEST_SHARED_DIR/clip), or an empty path when it is absent.
std::filesystem::path sharedClipDir();
// The shared CLIP folder; when it is absent, calls skip() and returns an empty path.
std::filesystem::path sharedClipOrSkip();
// $GENRA_TEST_PYTHON when set (a path that does not exist hides Python from the tests), otherwise
// the GENRA_TEST_PYTHON the build was configured with.
std::filesystem::path pythonExecutable();
// True when the test Python can import every module named (comma separated); cached per process.
bool pythonHas(const std::string& modules);
// pythonHas(modules), calling skip() when it is false.
bool pythonOrSkip(const std::string& modules);

// True when LibTorch sees a usable CUDA device; otherwise calls skip() ("no CUDA device: <what>").
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
