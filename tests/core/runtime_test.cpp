// How the programs are linked, checked from inside a running test: the C++ standard library's
// std::filesystem must be libstdc++'s own. PyTorch's pip packages (2.5 and later) export a copy
// of it that they link statically (pytorch/pytorch#133437); with LibTorch loaded first, our calls
// ran that copy, built by another compiler, and every test that made a temporary folder crashed on
// a GPU server. core/CMakeLists.txt names libstdc++ before LibTorch; this test fails if a build
// loses that order.
#include <catch2/catch.hpp>

#include <dlfcn.h>

#include <cstdint>
#include <filesystem>
#include <string>

namespace fs = std::filesystem;

namespace {

std::string providerOf(const void* symbol) {
    Dl_info info{};
    if (dladdr(symbol, &info) == 0 || info.dli_fname == nullptr) return "(unknown)";
    return info.dli_fname;
}

}  // namespace

TEST_CASE("std::filesystem resolves to libstdc++, not to a copy another library exports", "[runtime]") {
    // Addresses taken here go through the dynamic linker, so they point into whichever loaded
    // library won the lookup.
    bool (*remove)(const fs::path&) = &fs::remove;
    std::uintmax_t (*removeAll)(const fs::path&, std::error_code&) = &fs::remove_all;
    fs::path (*tempDir)() = &fs::temp_directory_path;
    for (const void* symbol : {reinterpret_cast<const void*>(remove), reinterpret_cast<const void*>(removeAll),
                               reinterpret_cast<const void*>(tempDir)}) {
        const auto provider = providerOf(symbol);
        INFO("provided by " << provider);
        CHECK(fs::path(provider).filename().string().rfind("libstdc++", 0) == 0);
    }
}
