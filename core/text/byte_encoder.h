// CLIP's bytes_to_unicode(): byte-level BPE works on text where every byte is one printable
// character, so merges never see raw control bytes or spaces and any input can be encoded.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace genra::text {

// The 256 bytes in CLIP's order: '!'..'~', '¡'..'¬', '®'..'ÿ', then the rest in byte order.
// That order is the order of the first 256 vocabulary entries, so it fixes the token ids.
const std::array<std::uint8_t, 256>& bytesInVocabularyOrder();

// The character standing for a byte: the byte itself for the printable ones above, U+0100 + n
// for the n-th remaining byte.
char32_t byteToCodePoint(std::uint8_t byte);
// The byte a character stands for, or -1 when the character stands for none.
int codePointToByte(char32_t codePoint);
// UTF-8 of byteToCodePoint(byte), ready to append.
const std::string& byteSymbol(std::uint8_t byte);

// Every byte of `raw` replaced by its character, as UTF-8.
std::string encodeBytes(std::string_view raw);

}  // namespace genra::text
