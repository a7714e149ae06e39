#include "core/util/json_limits.h"

#include "core/util/error.h"

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

nlohmann::json parseUntrustedJson(std::string_view text, const std::string& source) {
    checkJsonDepth(text, source);
    return nlohmann::json::parse(text.begin(), text.end());
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
