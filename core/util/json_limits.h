// Limits for JSON that comes from outside the program: dataset annotations, recipes, generator
// configs and replies, model configs. nlohmann's parser is iterative, but copying, comparing and
// dump() recurse once per nesting level, so a small file nested 300,000 levels deep would crash
// the program long after it was "parsed". Every untrusted document goes through parseUntrustedJson,
// which refuses one nested deeper than jsonMaxDepth() before anything is built.
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <istream>
#include <string>
#include <string_view>
#include <utility>

namespace genra::util {

// The default nesting limit (arrays and objects); real annotation files, recipes and configs stay
// under 10. GENRA_JSON_MAX_DEPTH raises or lowers it for a process (see docs/security.md).
constexpr int kDefaultJsonMaxDepth = 256;

// The limit in force: GENRA_JSON_MAX_DEPTH when it holds a positive integer, else the default.
int jsonMaxDepth();

// Throws genra::ParseError naming `source` and the byte where the text first nests deeper than
// `maxDepth` levels. Brackets inside strings do not count; the text need not be valid JSON (the
// parser judges that afterwards).
void checkJsonDepth(std::string_view text, const std::string& source, int maxDepth = jsonMaxDepth());

// checkJsonDepth, then nlohmann::json::parse (whose parse_error passes through unchanged, so
// callers keep their own reporting of syntax errors). A number too large for a double ("1e400"),
// which nlohmann reports as out_of_range rather than parse_error, becomes a ParseError naming
// `source` and the number's line and column (throwNumberOutOfRange).
nlohmann::json parseUntrustedJson(std::string_view text, const std::string& source);

// The same for a whole stream (read to its end first).
nlohmann::json parseUntrustedJson(std::istream& in, const std::string& source);

// The 1-based line and column of byte `offset` of `text` (clamped to its end), for messages.
std::pair<std::int64_t, std::int64_t> lineAndColumn(std::string_view text, std::size_t offset);

// Turns nlohmann's out_of_range from a parse (error 406, "number overflow parsing '1e400'") into a
// genra::ParseError naming `source`, the line and column of the number in `text`, and the number.
[[noreturn]] void throwNumberOutOfRange(std::string_view text, const std::string& source,
                                        const nlohmann::json::out_of_range& e);

// checkJsonDepth on a file's text, for callers that hand the file to a loader of their own
// afterwards. A file that cannot be read passes: the loader reports that in its own words.
void checkJsonFileDepth(const std::string& path);

}  // namespace genra::util
