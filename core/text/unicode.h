// UTF-8 and the few Unicode operations caption cleaning needs, with Python's exact semantics:
// CLIP cleans text with Python string methods, so "what Python does" is the specification here.
#pragma once

#include <string>
#include <string_view>

namespace genra::text {

constexpr char32_t kReplacementCharacter = 0xFFFD;

// Decodes UTF-8, replacing each maximal invalid subsequence by U+FFFD exactly as Python's
// bytes.decode("utf-8", errors="replace") does (surrogates and overlong forms are invalid).
std::u32string decodeUtf8(std::string_view bytes);
std::string encodeUtf8(std::u32string_view text);
void appendUtf8(std::string& out, char32_t codePoint);

// Returns bytes with every invalid UTF-8 subsequence replaced as decodeUtf8 does.
std::string sanitizeUtf8(std::string_view bytes);
// Offset of the first invalid byte, or npos when the whole text is valid UTF-8.
std::size_t findInvalidUtf8(std::string_view bytes);

// str.isspace(): what Python's str.strip(), str.split() and re's \s treat as whitespace.
bool isPythonSpace(char32_t codePoint);

// str.lower(): full lower-case mappings (U+0130 becomes two code points) and the final-sigma
// rule, over all of Unicode as of the table's version (see generate_tables.py).
std::u32string pythonLower(std::u32string_view text);

}  // namespace genra::text
