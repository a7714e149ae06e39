// The central directory of a zip archive (torch.save and TorchScript files are zips), read without
// inflating anything, so that a record's declared size can be checked before LibTorch's reader
// allocates and inflates it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>

namespace genra::model {

struct ZipEntry {
    std::uint16_t method = 0;  // 0 stored, 8 deflated
    std::uint64_t compressedBytes = 0;
    std::uint64_t uncompressedBytes = 0;
};

struct ZipDirectory {
    std::string firstName;  // the first entry's name: LibTorch takes the archive's folder from it
    std::map<std::string, ZipEntry> entries;  // by full name
    std::uint64_t fileBytes = 0;              // the archive's size
};

// Records a directory may list. A torch.save file has one per storage plus four; OpenAI's
// TorchScript CLIPs a few hundred; a state dict of a large language model a few thousand.
constexpr std::uint64_t kMaxZipEntries = 100000;

// Throws genra::Error naming the file when there is no readable central directory (then it is not
// a zip LibTorch could read either), or when it lists more than kMaxZipEntries records.
ZipDirectory readZipDirectory(const std::filesystem::path& path);

// Checks, before anything is inflated, that record `name` declares `expectedBytes` (when given)
// and cannot inflate beyond what its compressed size allows: a stored record holds its size, a
// deflated one at most kMaxInflateRatio times its compressed size. `limitBytes` caps the
// declared size when the expected size is not known. Throws genra::Error naming the file.
constexpr std::uint64_t kMaxInflateRatio = 64;
void checkZipRecord(const ZipDirectory& directory, const std::string& source, const std::string& name,
                    std::optional<std::uint64_t> expectedBytes, std::uint64_t limitBytes);

// Checks every record of the archive the way checkZipRecord checks one (none can inflate beyond
// what its compressed size allows), that the records' compressed sizes add up to no more than the
// file (records that overlap, a zip bomb's trick, are refused), and that all of them together
// declare at most `maxTotalBytes` once inflated. For readers that inflate records they did not
// ask for (LibTorch's TorchScript loader reads every record). Throws genra::Error naming the file.
void checkZipArchive(const ZipDirectory& directory, const std::string& source, std::uint64_t maxTotalBytes);

}  // namespace genra::model
