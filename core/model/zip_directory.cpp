#include "core/model/zip_directory.h"

#include <algorithm>
#include <fstream>
#include <vector>

#include "core/util/error.h"

namespace genra::model {

namespace {

std::uint64_t le(const std::uint8_t* p, int bytes) {
    std::uint64_t value = 0;
    for (int i = bytes - 1; i >= 0; --i) value = (value << 8) | p[i];
    return value;
}

constexpr std::uint32_t kEndOfDirectory = 0x06054b50;
constexpr std::uint32_t kZip64Locator = 0x07064b50;
constexpr std::uint32_t kZip64End = 0x06064b50;
constexpr std::uint32_t kDirectoryEntry = 0x02014b50;
// Directories larger than this are not torch.save files (a state dict has thousands of records).
constexpr std::uint64_t kMaxDirectoryBytes = std::uint64_t{256} << 20;
// The fixed part of a central directory entry.
constexpr std::uint64_t kDirectoryEntryBytes = 46;

// A stored record holds exactly its size; a deflated one inflates at most kMaxInflateRatio times.
bool inflatesWithinRatio(const ZipEntry& entry) {
    return entry.method == 0 ? entry.compressedBytes == entry.uncompressedBytes
                             : entry.uncompressedBytes / kMaxInflateRatio <= entry.compressedBytes + 1024;
}

void refuseInflation(const std::string& what, const ZipEntry& entry) {
    throw Error(what + "would inflate " + std::to_string(entry.compressedBytes) + " bytes to " +
                std::to_string(entry.uncompressedBytes) + " (more than " + std::to_string(kMaxInflateRatio) +
                " times; torch.save and torch.jit.save store records uncompressed); not read");
}

}  // namespace

ZipDirectory readZipDirectory(const std::filesystem::path& path) {
    const std::string source = path.string();
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    if (!in) throw Error("cannot open " + source);
    const std::uint64_t fileBytes = static_cast<std::uint64_t>(in.tellg());
    auto readAt = [&](std::uint64_t offset, std::size_t count) {
        if (offset > fileBytes || count > fileBytes - offset) {
            throw Error(source + ": zip directory points past the end of the file");
        }
        std::vector<std::uint8_t> bytes(count);
        in.seekg(static_cast<std::streamoff>(offset));
        if (count > 0 && !in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(count))) {
            throw Error("cannot read " + source);
        }
        return bytes;
    };

    // The end-of-directory record lies in the last 22 + 65535 (comment) bytes.
    const std::size_t tailBytes = static_cast<std::size_t>(std::min<std::uint64_t>(fileBytes, 22 + 65535));
    const std::uint64_t tailStart = fileBytes - tailBytes;
    const auto tail = readAt(tailStart, tailBytes);
    std::size_t end = std::string::npos;
    for (std::size_t i = tailBytes >= 22 ? tailBytes - 22 + 1 : 0; i-- > 0;) {
        if (le(tail.data() + i, 4) == kEndOfDirectory) {
            end = i;
            break;
        }
    }
    if (end == std::string::npos) throw Error(source + ": not a zip archive (no end of central directory)");
    std::uint64_t entries = le(tail.data() + end + 10, 2);
    std::uint64_t directoryBytes = le(tail.data() + end + 12, 4);
    std::uint64_t directoryOffset = le(tail.data() + end + 16, 4);
    if (end >= 20 && le(tail.data() + end - 20, 4) == kZip64Locator) {
        const std::uint64_t zip64End = le(tail.data() + end - 20 + 8, 8);
        const auto record = readAt(zip64End, 56);
        if (le(record.data(), 4) != kZip64End) throw Error(source + ": malformed zip64 end of directory");
        entries = le(record.data() + 32, 8);
        directoryBytes = le(record.data() + 40, 8);
        directoryOffset = le(record.data() + 48, 8);
    }
    if (directoryBytes > kMaxDirectoryBytes) throw Error(source + ": zip directory too large");
    if (entries > kMaxZipEntries) {
        throw Error(source + ": zip directory lists " + std::to_string(entries) + " records, more than the " +
                    std::to_string(kMaxZipEntries) + " allowed");
    }
    if (entries * kDirectoryEntryBytes > directoryBytes) {
        throw Error(source + ": malformed zip directory (" + std::to_string(entries) + " records cannot fit in " +
                    std::to_string(directoryBytes) + " bytes)");
    }
    const auto directory = readAt(directoryOffset, static_cast<std::size_t>(directoryBytes));

    ZipDirectory result;
    result.fileBytes = fileBytes;
    std::size_t pos = 0;
    for (std::uint64_t n = 0; n < entries; ++n) {
        if (pos + 46 > directory.size() || le(directory.data() + pos, 4) != kDirectoryEntry) {
            throw Error(source + ": malformed zip directory (entry " + std::to_string(n) + ")");
        }
        const std::uint8_t* p = directory.data() + pos;
        ZipEntry entry;
        entry.method = static_cast<std::uint16_t>(le(p + 10, 2));
        entry.compressedBytes = le(p + 20, 4);
        entry.uncompressedBytes = le(p + 24, 4);
        const std::size_t nameBytes = le(p + 28, 2);
        const std::size_t extraBytes = le(p + 30, 2);
        const std::size_t commentBytes = le(p + 32, 2);
        if (pos + 46 + nameBytes + extraBytes + commentBytes > directory.size()) {
            throw Error(source + ": malformed zip directory (entry " + std::to_string(n) + ")");
        }
        const std::string name(reinterpret_cast<const char*>(p + 46), nameBytes);
        // Zip64 sizes: 0xFFFFFFFF in the entry, the real value in extra field 0x0001, in order.
        const std::uint8_t* extra = p + 46 + nameBytes;
        for (std::size_t e = 0; e + 4 <= extraBytes;) {
            const std::uint64_t id = le(extra + e, 2);
            const std::size_t size = le(extra + e + 2, 2);
            if (e + 4 + size > extraBytes) break;
            if (id == 0x0001) {
                std::size_t at = e + 4;
                if (entry.uncompressedBytes == 0xFFFFFFFFu && at + 8 <= e + 4 + size) {
                    entry.uncompressedBytes = le(extra + at, 8);
                    at += 8;
                }
                if (entry.compressedBytes == 0xFFFFFFFFu && at + 8 <= e + 4 + size) {
                    entry.compressedBytes = le(extra + at, 8);
                }
            }
            e += 4 + size;
        }
        if (n == 0) result.firstName = name;
        result.entries.emplace(name, entry);
        pos += 46 + nameBytes + extraBytes + commentBytes;
    }
    return result;
}

void checkZipRecord(const ZipDirectory& directory, const std::string& source, const std::string& name,
                    std::optional<std::uint64_t> expectedBytes, std::uint64_t limitBytes) {
    const std::string folder = directory.firstName.substr(0, directory.firstName.find('/'));
    const auto it = directory.entries.find(folder + "/" + name);
    if (it == directory.entries.end()) throw Error(source + ": record '" + name + "' is missing");
    const ZipEntry& entry = it->second;
    const std::string what = source + ": record '" + name + "' ";
    if (expectedBytes && entry.uncompressedBytes != *expectedBytes) {
        throw Error(what + "declares " + std::to_string(entry.uncompressedBytes) + " bytes, not the " +
                    std::to_string(*expectedBytes) + " its tensor needs; not read");
    }
    if (!expectedBytes && entry.uncompressedBytes > limitBytes) {
        throw Error(what + "declares " + std::to_string(entry.uncompressedBytes) + " bytes, more than the " +
                    std::to_string(limitBytes) + " allowed; not read");
    }
    if (!inflatesWithinRatio(entry)) refuseInflation(what, entry);
}

void checkZipArchive(const ZipDirectory& directory, const std::string& source, std::uint64_t maxTotalBytes) {
    std::uint64_t compressed = 0;
    std::uint64_t inflated = 0;
    for (const auto& [name, entry] : directory.entries) {
        if (!inflatesWithinRatio(entry)) refuseInflation(source + ": record '" + name + "' ", entry);
        // Each sum stays below 2^64: at most kMaxZipEntries terms, each checked against the file
        // or against kMaxInflateRatio times a 32- or 64-bit size before it is added.
        if (entry.compressedBytes > directory.fileBytes) {
            throw Error(source + ": record '" + name + "' declares " + std::to_string(entry.compressedBytes) +
                        " compressed bytes in a file of " + std::to_string(directory.fileBytes));
        }
        compressed += entry.compressedBytes;
        inflated += entry.uncompressedBytes;
        if (compressed > directory.fileBytes) {
            throw Error(source + ": the zip's records declare more compressed bytes than the file holds (records "
                                 "that overlap); not read");
        }
        if (inflated > maxTotalBytes) {
            throw Error(source + ": the zip's records declare more than " + std::to_string(maxTotalBytes) +
                        " bytes in all once inflated; not read");
        }
    }
}

}  // namespace genra::model
