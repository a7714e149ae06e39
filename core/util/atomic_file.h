// Files that appear complete or not at all, also after a crash or a power cut: the content goes
// to a temporary file in the same folder, which is flushed to disk (fsync) and renamed over the
// target, and then the folder itself is flushed so that the rename is durable too. Checkpoints,
// models, configs and vocabularies are committed this way.
#pragma once

#include <filesystem>
#include <functional>
#include <string_view>

namespace genra::util {

// Writes `bytes` to `path` atomically and durably. Throws genra::Error naming the file.
void writeFileAtomically(const std::filesystem::path& path, std::string_view bytes);

// For writers that need a path of their own (LibTorch archives, gzip, streamed tensors): `write`
// fills the temporary file it is given, then it is committed as above. When `write` throws, the
// temporary file is removed and the exception passes on; `path` is untouched.
void commitFileAtomically(const std::filesystem::path& path,
                          const std::function<void(const std::filesystem::path& temporary)>& write);

// fsync of one file, and of a folder's entries. Throw genra::Error naming the path.
void syncFile(const std::filesystem::path& path);
void syncDirectory(const std::filesystem::path& folder);

}  // namespace genra::util
