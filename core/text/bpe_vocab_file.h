// Reading and writing BPE merge lists in CLIP's format: a header line, then one merge per line,
// "left right", both in bytes_to_unicode characters ("</w>" closing a word). Plain or gzip.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace genra::text {

struct BpeMerge {
    std::string left;
    std::string right;
    bool operator==(const BpeMerge& other) const { return left == other.left && right == other.right; }
};

// OpenAI's bpe_simple_vocab_16e6.txt holds 262,144 merges but CLIP reads only the first
// 49152 - 256 - 2 = 48,894 of them (merges[1:49152-256-2+1] in simple_tokenizer.py).
constexpr std::size_t kClipMergeCount = 48894;
constexpr std::size_t kClipFileMergeLines = 262144;

// Limits a vocabulary file must keep (docs/security.md), each changed for a process by an
// environment variable: its size once decompressed (GENRA_MAX_VOCAB_BYTES, default 64 MiB; OpenAI's
// file is 1.4 MiB), its merge lines (GENRA_MAX_VOCAB_MERGES, default 1,048,576; OpenAI's has
// 262,144) and the length of one line (1,024 bytes, fixed; real lines are under 40). A file past
// one is refused while it is read, so a gzip bomb is never inflated whole.
constexpr std::size_t kDefaultMaxVocabBytes = std::size_t{64} << 20;
constexpr std::size_t kDefaultMaxVocabMerges = std::size_t{1} << 20;
constexpr std::size_t kMaxVocabLineBytes = 1024;
std::size_t maxVocabBytes();
std::size_t maxVocabMerges();

struct MergeFileOptions {
    // How many merges to read from the top of the file. Unset: every merge in the file, except
    // that a file with exactly kClipFileMergeLines merge lines (OpenAI's 16e6 file) is read as
    // CLIP reads it, kClipMergeCount merges. Set: min(maxMerges, merges in the file), as
    // Python's slice would.
    std::optional<std::size_t> maxMerges;
};

// Reads a merge list, gzip-compressed or not (zlib reads both). Throws genra::Error when the
// file cannot be read and genra::ParseError naming the file and line for malformed content.
std::vector<BpeMerge> readMergeFile(const std::filesystem::path& path, const MergeFileOptions& options = {});

// Writes "#version: 0.2" and the merges; gzip-compressed when the name ends in ".gz". The file
// appears complete or not at all, also after a crash (util::commitFileAtomically).
void writeMergeFile(const std::filesystem::path& path, const std::vector<BpeMerge>& merges);

}  // namespace genra::text
