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

nlohmann::json readJsonFileStreamingArrays(const fs::path& file, const std::vector<std::string>& streamedKeys,
                                           const JsonElementHandler& onElement) {
    using Json = nlohmann::json;
    const std::string text = readText(file);
    checkJsonDepth(text, file.string());
    // nlohmann's callback depths: a key of the top-level object arrives at depth 1, as do the
    // start and end of its value; a whole element of that value's array at depth 2 (object_end
    // and array_end carry the finished element, value a scalar one). Returning false drops it.
    std::string key;         // the top-level key whose value is being parsed
    bool streaming = false;  // inside the array of one of streamedKeys
    std::size_t index = 0;
    bool handlerThrew = false;  // then a nlohmann exception is the handler's, not the parser's
    const Json::parser_callback_t callback = [&](int depth, Json::parse_event_t event, Json& parsed) {
        if (depth == 1) {
            if (event == Json::parse_event_t::key) {
                key = parsed.get<std::string>();
            } else if (event == Json::parse_event_t::array_start) {
                streaming = std::find(streamedKeys.begin(), streamedKeys.end(), key) != streamedKeys.end();
                index = 0;
            } else if (event == Json::parse_event_t::array_end) {
                streaming = false;
            }
            return true;
        }
        if (!streaming || depth != 2) return true;
        if (event == Json::parse_event_t::object_end || event == Json::parse_event_t::array_end ||
            event == Json::parse_event_t::value) {
            try {
                onElement(key, parsed, index++);
            } catch (...) {
                handlerThrew = true;
                throw;
            }
            return false;
        }
        return true;
    };
    try {
        return Json::parse(text.begin(), text.end(), callback);
    } catch (const Json::parse_error& e) {
        if (handlerThrew) throw;
        throwMalformed(file, text, e);
    } catch (const Json::out_of_range& e) {
        if (handlerThrew) throw;
        throwNumberOutOfRange(text, file.string(), e);
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
