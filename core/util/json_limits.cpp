#include "core/util/json_limits.h"

#include "core/util/error.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iterator>

namespace genra::util {

int jsonMaxDepth() {
    static const int limit = [] {
        const char* text = std::getenv("GENRA_JSON_MAX_DEPTH");
        if (text == nullptr || *text == '\0') return kDefaultJsonMaxDepth;
        char* end = nullptr;
        const long value = std::strtol(text, &end, 10);
        if (*end != '\0' || value < 1 || value > 1000000) return kDefaultJsonMaxDepth;
        return static_cast<int>(value);
    }();
    return limit;
}

void checkJsonDepth(std::string_view text, const std::string& source, int maxDepth) {
    int depth = 0;
    bool inString = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (inString) {
            if (c == '\\') {
                ++i;  // the escaped character cannot end the string
            } else if (c == '"') {
                inString = false;
            }
            continue;
        }
        switch (c) {
            case '"':
                inString = true;
                break;
            case '[':
            case '{':
                if (++depth > maxDepth) {
                    throw ParseError(source, "byte " + std::to_string(i + 1),
                                     "JSON nested deeper than " + std::to_string(maxDepth) +
                                         " levels (the limit for JSON read from files and other programs; "
                                         "GENRA_JSON_MAX_DEPTH raises it)");
                }
                break;
            case ']':
            case '}':
                if (depth > 0) --depth;
                break;
            default:
                break;
        }
    }
}

std::pair<std::int64_t, std::int64_t> lineAndColumn(std::string_view text, std::size_t offset) {
    offset = std::min(offset, text.size());
    std::int64_t line = 1;
    std::size_t lineStart = 0;
    for (std::size_t i = 0; i < offset; ++i) {
        if (text[i] == '\n') {
            ++line;
            lineStart = i + 1;
        }
    }
    return {line, static_cast<std::int64_t>(offset - lineStart) + 1};
}

void throwNumberOutOfRange(std::string_view text, const std::string& source, const nlohmann::json::out_of_range& e) {
    // what(): "[json.exception.out_of_range.406] number overflow parsing '1e400'"
    const std::string what = e.what();
    std::string number;
    if (const auto open = what.find('\''); open != std::string::npos) {
        if (const auto close = what.find('\'', open + 1); close != std::string::npos) {
            number = what.substr(open + 1, close - open - 1);
        }
    }
    std::string where = "malformed JSON";
    if (const auto at = number.empty() ? std::string_view::npos : text.find(number); at != std::string_view::npos) {
        const auto [line, column] = lineAndColumn(text, at);
        where = "line " + std::to_string(line) + ", column " + std::to_string(column);
    }
    throw ParseError(source, where,
                     "malformed JSON: number " + (number.empty() ? std::string() : number + " ") +
                         "is out of range (larger than a double can hold)");
}

nlohmann::json parseUntrustedJson(std::string_view text, const std::string& source) {
    checkJsonDepth(text, source);
    try {
        return nlohmann::json::parse(text.begin(), text.end());
    } catch (const nlohmann::json::out_of_range& e) {
        throwNumberOutOfRange(text, source, e);
    }
}

nlohmann::json parseUntrustedJson(std::istream& in, const std::string& source) {
    const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    if (in.bad()) throw Error("cannot read " + source);
    return parseUntrustedJson(text, source);
}

void checkJsonFileDepth(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return;
    const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    checkJsonDepth(text, path);
}

}  // namespace genra::util
