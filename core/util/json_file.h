// Reading a JSON file that comes from outside the program (recipes, dataset annotations, configs,
// generator lists, prediction files): the one place that opens it, holds it to the nesting limit
// of json_limits.h, parses it and names the file, line and column in every error.
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>

namespace genra::util {

// Throws genra::Error "cannot open <file>: <reason>" when the file cannot be read, and
// genra::ParseError "<file>: line L, column C: malformed JSON: <what>" on a syntax error or a
// document nested deeper than jsonMaxDepth().
nlohmann::json readJsonFile(const std::filesystem::path& file);
// The same, keeping object keys in the file's order.
nlohmann::ordered_json readOrderedJsonFile(const std::filesystem::path& file);

}  // namespace genra::util
