// Helpers the fuzz targets share: a private scratch folder per process and a way to hand the input
// to an API that reads a file, so a target reaches the same code a user's file does.
#pragma once

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>

namespace genra::fuzz {

// A folder of this process's own under the temporary folder, removed at normal exit (a crash
// leaves it for whoever looks at the failure).
inline const std::filesystem::path& scratchDir() {
    static const std::filesystem::path dir = [] {
        std::string pattern = (std::filesystem::temp_directory_path() / "genra-fuzz-XXXXXX").string();
        if (mkdtemp(pattern.data()) == nullptr) std::abort();
        static std::filesystem::path made = pattern;
        std::atexit([] {
            std::error_code ignored;
            std::filesystem::remove_all(made, ignored);
        });
        return made;
    }();
    return dir;
}

// Writes the input to scratchDir()/name (replacing it) and returns the path.
inline std::filesystem::path writeInput(const std::string& name, const std::uint8_t* data, std::size_t size) {
    const auto path = scratchDir() / name;
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    out.close();
    if (!out) std::abort();
    return path;
}

}  // namespace genra::fuzz
