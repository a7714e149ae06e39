// Reading a JSON file that comes from outside the program (recipes, dataset annotations, configs,
// generator lists, prediction files): the one place that opens it, holds it to the nesting limit
// of json_limits.h, parses it and names the file, line and column in every error.
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace genra::util {

// Throws genra::Error "cannot open <file>: <reason>" when the file cannot be read, and
// genra::ParseError "<file>: line L, column C: malformed JSON: <what>" on a syntax error or a
// document nested deeper than jsonMaxDepth().
nlohmann::json readJsonFile(const std::filesystem::path& file);
// The same, keeping object keys in the file's order.
nlohmann::ordered_json readOrderedJsonFile(const std::filesystem::path& file);

// Called with the top-level key, one element of its array and the element's index in it.
using JsonElementHandler =
    std::function<void(const std::string& key, const nlohmann::json& element, std::size_t index)>;

// readJsonFile for a large dataset file (COCO's 118k images and 590k annotations, Karpathy's
// splits): where the top level is an object, the elements of each array held by one of
// `streamedKeys` go to `onElement` as they are parsed, in the file's order, and are dropped at
// once, so only one element is ever built. The returned document holds everything else; each
// streamed key that was there maps to an empty array. A key whose value is not an array, and any
// key below the top level, is returned as it is. Errors as readJsonFile's; one thrown by
// `onElement` passes through unchanged and ends the parse.
nlohmann::json readJsonFileStreamingArrays(const std::filesystem::path& file,
                                           const std::vector<std::string>& streamedKeys,
                                           const JsonElementHandler& onElement);

}  // namespace genra::util
