#include "core/util/json_file.h"

#include "core/util/error.h"
#include "core/util/json_limits.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>

namespace fs = std::filesystem;

namespace genra::util {

namespace {

std::string readText(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw Error("cannot open " + file.string() + ": " + std::strerror(errno));
    std::ostringstream buffer;
    buffer << in.rdbuf();
    if (in.bad()) throw Error("cannot read " + file.string());
    return buffer.str();
}

[[noreturn]] void throwMalformed(const fs::path& file, const std::string& text, const nlohmann::json::parse_error& e) {
    // e.byte counts the characters read, so the offending one is at e.byte - 1.
    const std::size_t offset = e.byte > 0 ? e.byte - 1 : 0;
    const auto [line, column] = lineAndColumn(text, offset);
    std::string what = e.what();
    const auto syntax = what.find("syntax error");
    if (syntax != std::string::npos) {
        what = what.substr(syntax);
    } else if (const auto colon = what.find("]: "); colon != std::string::npos) {
        what = what.substr(colon + 3);
    }
    throw ParseError(file.string(), "line " + std::to_string(line) + ", column " + std::to_string(column),
                     "malformed JSON: " + what);
}

}  // namespace

nlohmann::json readJsonFile(const fs::path& file) {
    const std::string text = readText(file);
    try {
        return parseUntrustedJson(text, file.string());
    } catch (const nlohmann::json::parse_error& e) {
        throwMalformed(file, text, e);
    }
}

nlohmann::ordered_json readOrderedJsonFile(const fs::path& file) {
    const std::string text = readText(file);
    checkJsonDepth(text, file.string());
    try {
        return nlohmann::ordered_json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
        throwMalformed(file, text, e);
    } catch (const nlohmann::json::out_of_range& e) {
        throwNumberOutOfRange(text, file.string(), e);
    }
}

}  // namespace genra::util
