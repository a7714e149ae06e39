#include "core/util/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <string>

#include "core/util/error.h"

namespace fs = std::filesystem;

namespace genra::util {

namespace {

// Unique per process and call, so two writers of one file never share a temporary file.
fs::path temporaryBeside(const fs::path& path) {
    static std::atomic<unsigned> counter{0};
    fs::path temporary = path;
    temporary += ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
    return temporary;
}

void syncPath(const fs::path& path, int flags, const char* what) {
    const int fd = ::open(path.c_str(), flags | O_CLOEXEC);
    if (fd < 0) throw Error("cannot open " + path.string() + " to flush " + what + ": " + std::strerror(errno));
    const int rc = ::fsync(fd);
    const int error = errno;
    ::close(fd);
    // Some file systems cannot fsync a folder (EINVAL): nothing more can be done there.
    if (rc != 0 && !(error == EINVAL || error == EROFS)) {
        throw Error("cannot flush " + path.string() + " to disk: " + std::strerror(error));
    }
}

}  // namespace

void syncFile(const fs::path& path) { syncPath(path, O_RDONLY, "it"); }

void syncDirectory(const fs::path& folder) {
    syncPath(folder.empty() ? fs::path(".") : folder, O_RDONLY | O_DIRECTORY, "the folder");
}

void commitFileAtomically(const fs::path& path, const std::function<void(const fs::path&)>& write) {
    const fs::path temporary = temporaryBeside(path);
    try {
        write(temporary);
        syncFile(temporary);
        std::error_code ec;
        fs::rename(temporary, path, ec);
        if (ec) throw Error(path.string() + ": cannot move the written file into place: " + ec.message());
    } catch (...) {
        std::error_code ignored;
        fs::remove(temporary, ignored);
        throw;
    }
    syncDirectory(path.parent_path());
}

void writeFileAtomically(const fs::path& path, std::string_view bytes) {
    commitFileAtomically(path, [&](const fs::path& temporary) {
        std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
        if (!out) throw Error("cannot create " + temporary.string() + ": " + std::strerror(errno));
        out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        out.close();
        if (!out) throw Error(path.string() + ": write failed (disk full?)");
    });
}

}  // namespace genra::util
