#include "core/text/unicode.h"

#include <algorithm>
#include <cstdint>
#include <iterator>

namespace genra::text {

namespace {

struct LowerRange {
    char32_t first;
    char32_t last;
    int stride;
    std::int32_t delta;
};
struct LowerSpecial {
    char32_t codePoint;
    char32_t lower[3];
};
struct CodeRange {
    char32_t first;
    char32_t last;
};

#include "core/text/unicode_tables.inc"

bool inRanges(const CodeRange* begin, const CodeRange* end, char32_t cp) {
    // The last range starting at or before cp is the only one that can hold it.
    const auto* it =
        std::upper_bound(begin, end, cp, [](char32_t v, const CodeRange& r) { return v < r.first; });
    return it != begin && cp <= std::prev(it)->last;
}

bool isCaseIgnorable(char32_t cp) {
    return inRanges(std::begin(kCaseIgnorableRanges), std::end(kCaseIgnorableRanges), cp);
}

bool isCased(char32_t cp) {
    return inRanges(std::begin(kCasedRanges), std::end(kCasedRanges), cp);
}

char32_t lowerSingle(char32_t cp) {
    if (cp < 0x80) return (cp >= 'A' && cp <= 'Z') ? cp + 32 : cp;
    const auto* begin = std::begin(kLowerRanges);
    const auto* it = std::upper_bound(begin, std::end(kLowerRanges), cp,
                                      [](char32_t v, const LowerRange& r) { return v < r.first; });
    if (it == begin) return cp;
    const LowerRange& r = *std::prev(it);
    if (cp > r.last || (cp - r.first) % static_cast<char32_t>(r.stride) != 0) return cp;
    return static_cast<char32_t>(static_cast<std::int64_t>(cp) + r.delta);
}

// CPython's handle_capital_sigma: U+03A3 becomes final sigma when a cased letter precedes it
// (case-ignorable ones skipped) and no cased letter follows it (same skipping).
char32_t lowerCapitalSigma(std::u32string_view text, std::size_t index) {
    std::size_t j = index;
    char32_t before = 0;
    bool found = false;
    while (j > 0) {
        --j;
        if (!isCaseIgnorable(text[j])) {
            before = text[j];
            found = true;
            break;
        }
    }
    bool finalSigma = found && isCased(before);
    if (finalSigma) {
        for (std::size_t k = index + 1; k < text.size(); ++k) {
            if (!isCaseIgnorable(text[k])) {
                finalSigma = !isCased(text[k]);
                break;
            }
        }
    }
    return finalSigma ? 0x3C2 : 0x3C3;
}

}  // namespace

namespace {

// Decodes the sequence at bytes[i]: returns where the next one starts and sets codePoint, or
// U+FFFD with valid = false for a maximal invalid subpart (the bytes up to the first offending one).
std::size_t decodeOne(std::string_view bytes, std::size_t i, char32_t& codePoint, bool& valid) {
    const std::size_t n = bytes.size();
    const auto b = static_cast<unsigned char>(bytes[i]);
    valid = true;
    if (b < 0x80) {
        codePoint = b;
        return i + 1;
    }
    int need = 0;
    char32_t cp = 0;
    unsigned char lo = 0x80;
    unsigned char hi = 0xBF;
    if (b >= 0xC2 && b <= 0xDF) {
        need = 1;
        cp = b & 0x1F;
    } else if (b >= 0xE0 && b <= 0xEF) {
        need = 2;
        cp = b & 0x0F;
        if (b == 0xE0) lo = 0xA0;  // overlong
        if (b == 0xED) hi = 0x9F;  // surrogates
    } else if (b >= 0xF0 && b <= 0xF4) {
        need = 3;
        cp = b & 0x07;
        if (b == 0xF0) lo = 0x90;  // overlong
        if (b == 0xF4) hi = 0x8F;  // beyond U+10FFFF
    } else {
        codePoint = kReplacementCharacter;
        valid = false;
        return i + 1;
    }
    std::size_t j = i + 1;
    int got = 0;
    while (got < need && j < n) {
        const auto c = static_cast<unsigned char>(bytes[j]);
        if (c < lo || c > hi) break;
        cp = (cp << 6) | (c & 0x3F);
        ++j;
        ++got;
        lo = 0x80;
        hi = 0xBF;
    }
    valid = got == need;
    codePoint = valid ? cp : kReplacementCharacter;
    return j;
}

}  // namespace

std::u32string decodeUtf8(std::string_view bytes) {
    std::u32string out;
    out.reserve(bytes.size());
    std::size_t i = 0;
    while (i < bytes.size()) {
        char32_t cp = 0;
        bool valid = true;
        i = decodeOne(bytes, i, cp, valid);
        out.push_back(cp);
    }
    return out;
}

void appendUtf8(std::string& out, char32_t cp) {
    if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
}

std::string encodeUtf8(std::u32string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char32_t cp : text) appendUtf8(out, cp);
    return out;
}

std::size_t findInvalidUtf8(std::string_view bytes) {
    std::size_t i = 0;
    while (i < bytes.size()) {
        if (static_cast<unsigned char>(bytes[i]) < 0x80) {
            ++i;
            continue;
        }
        char32_t cp = 0;
        bool valid = true;
        const std::size_t next = decodeOne(bytes, i, cp, valid);
        if (!valid) return i;
        i = next;
    }
    return std::string_view::npos;
}

std::string sanitizeUtf8(std::string_view bytes) {
    if (findInvalidUtf8(bytes) == std::string_view::npos) return std::string(bytes);
    return encodeUtf8(decodeUtf8(bytes));
}

bool isPythonSpace(char32_t cp) {
    if (cp < 0x80) return cp == ' ' || (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x1F);
    return std::binary_search(std::begin(kPythonSpaces), std::end(kPythonSpaces), cp);
}

std::u32string pythonLower(std::u32string_view text) {
    std::u32string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char32_t cp = text[i];
        if (cp == 0x3A3) {
            out.push_back(lowerCapitalSigma(text, i));
            continue;
        }
        if (cp >= 0x80) {
            const auto* special = std::find_if(std::begin(kLowerSpecials), std::end(kLowerSpecials),
                                               [cp](const LowerSpecial& s) { return s.codePoint == cp; });
            if (special != std::end(kLowerSpecials)) {
                for (char32_t c : special->lower)
                    if (c != 0) out.push_back(c);
                continue;
            }
        }
        out.push_back(lowerSingle(cp));
    }
    return out;
}

}  // namespace genra::text
