#include "core/text/bpe_vocab_file.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>

#include "core/text/unicode.h"
#include "core/util/atomic_file.h"
#include "core/util/env_limits.h"
#include "core/util/error.h"

namespace genra::text {

std::size_t maxVocabBytes() {
    return util::envLimit("GENRA_MAX_VOCAB_BYTES", kDefaultMaxVocabBytes, 1, std::uint64_t{1} << 40);
}

std::size_t maxVocabMerges() {
    return util::envLimit("GENRA_MAX_VOCAB_MERGES", kDefaultMaxVocabMerges, 1, std::uint64_t{1} << 32);
}

namespace {

namespace fs = std::filesystem;

std::string readAll(const fs::path& path) {
    std::error_code ec;
    if (!fs::exists(path, ec)) throw Error(path.string() + ": vocabulary file not found");
    if (fs::is_directory(path, ec)) throw Error(path.string() + ": is a folder, not a vocabulary file");
    gzFile file = gzopen(path.c_str(), "rb");
    if (file == nullptr)
        throw Error(path.string() + ": cannot open vocabulary file: " + std::strerror(errno));
    std::string text;
    char buffer[1 << 16];
    const std::size_t limit = maxVocabBytes();
    for (;;) {
        const int got = gzread(file, buffer, sizeof buffer);
        if (got < 0) {
            int code = 0;
            const std::string why = gzerror(file, &code);
            gzclose(file);
            throw Error(path.string() + ": cannot read vocabulary file: " + why);
        }
        if (got == 0) break;
        if (text.size() + static_cast<std::size_t>(got) > limit) {
            gzclose(file);
            throw Error(path.string() + ": vocabulary file larger than " + std::to_string(limit) +
                        " bytes (decompressed); GENRA_MAX_VOCAB_BYTES raises the limit");
        }
        text.append(buffer, static_cast<std::size_t>(got));
    }
    gzclose(file);
    return text;
}

bool isSeparator(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

std::vector<std::string_view> splitFields(std::string_view line) {
    std::vector<std::string_view> fields;
    std::size_t i = 0;
    while (i < line.size()) {
        while (i < line.size() && isSeparator(line[i])) ++i;
        const std::size_t start = i;
        while (i < line.size() && !isSeparator(line[i])) ++i;
        if (i > start) fields.push_back(line.substr(start, i - start));
    }
    return fields;
}

}  // namespace

std::vector<BpeMerge> readMergeFile(const fs::path& path, const MergeFileOptions& options) {
    const std::string text = readAll(path);
    const std::string file = path.string();
    if (text.empty()) throw ParseError(file, "line 1", "empty file; expected a header line and merges");

    if (const std::size_t bad = findInvalidUtf8(text); bad != std::string::npos) {
        const auto line = 1 + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(bad), '\n');
        throw ParseError(file, "line " + std::to_string(line), "invalid UTF-8");
    }

    // Line starts after the header; a final newline does not start another (empty) line.
    std::vector<std::string_view> lines;
    const std::string_view all(text);
    std::size_t start = all.find('\n');
    if (start == std::string_view::npos) return {};  // a header alone: no merges
    ++start;
    const std::size_t mergeLimit = maxVocabMerges();
    while (start < all.size()) {
        std::size_t end = all.find('\n', start);
        if (end == std::string_view::npos) end = all.size();
        const std::string where = "line " + std::to_string(lines.size() + 2);
        if (end - start > kMaxVocabLineBytes) {
            throw ParseError(file, where,
                             "line longer than " + std::to_string(kMaxVocabLineBytes) +
                                 " bytes; a merge is two short symbols");
        }
        if (lines.size() == mergeLimit) {
            throw ParseError(file, where,
                             "more than " + std::to_string(mergeLimit) +
                                 " merges; GENRA_MAX_VOCAB_MERGES raises the limit");
        }
        lines.push_back(all.substr(start, end - start));
        start = end + 1;
    }

    std::size_t count = lines.size();
    if (options.maxMerges)
        count = std::min(count, *options.maxMerges);
    else if (lines.size() == kClipFileMergeLines)
        count = kClipMergeCount;

    std::vector<BpeMerge> merges;
    merges.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
        const auto fields = splitFields(lines[i]);
        if (fields.size() != 2) {
            throw ParseError(file, "line " + std::to_string(i + 2),
                             "expected a merge, two symbols separated by a space; got " +
                                 std::to_string(fields.size()) + " field(s)");
        }
        merges.push_back({std::string(fields[0]), std::string(fields[1])});
    }
    return merges;
}

void writeMergeFile(const fs::path& path, const std::vector<BpeMerge>& merges) {
    std::string text = "#version: 0.2\n";
    for (std::size_t i = 0; i < merges.size(); ++i) {
        const auto& merge = merges[i];
        for (const std::string* symbol : {&merge.left, &merge.right}) {
            const bool blank = symbol->empty() || std::any_of(symbol->begin(), symbol->end(), [](char c) {
                                   return isSeparator(c) || c == '\n';
                               });
            if (blank)
                throw Error("merge " + std::to_string(i + 1) + " has an empty symbol or one with whitespace");
        }
        text += merge.left;
        text += ' ';
        text += merge.right;
        text += '\n';
    }

    const bool gzip = path.extension() == ".gz";
    util::commitFileAtomically(path, [&](const fs::path& partial) {
        if (gzip) {
            gzFile file = gzopen(partial.c_str(), "wb9");
            if (file == nullptr) throw Error(partial.string() + ": cannot create: " + std::strerror(errno));
            const bool ok =
                gzwrite(file, text.data(), static_cast<unsigned>(text.size())) == static_cast<int>(text.size());
            if (gzclose(file) != Z_OK || !ok) throw Error(partial.string() + ": cannot write the vocabulary");
        } else {
            std::ofstream out(partial, std::ios::binary | std::ios::trunc);
            if (!out) throw Error(partial.string() + ": cannot create: " + std::strerror(errno));
            out.write(text.data(), static_cast<std::streamsize>(text.size()));
            out.close();
            if (!out) throw Error(partial.string() + ": cannot write the vocabulary");
        }
    });
}

}  // namespace genra::text
