// Caption cleaning as CLIP's SimpleTokenizer does it before splitting text into words.
#pragma once

#include <string>
#include <string_view>

namespace genra::text {

// CLIP's whitespace_clean(basic_clean(text)).lower(), without ftfy:
//   1. the bytes are decoded as UTF-8, invalid sequences becoming U+FFFD (Python's "replace");
//   2. html.unescape() twice (see html_unescape.h for exactly what is recognised);
//   3. every run of Python whitespace (str.isspace) becomes one space, both ends stripped;
//   4. str.lower() over all of Unicode, final sigma included (see unicode.h).
// Not done: ftfy.fix_text (mojibake repair, NFC normalisation, curly quotes to straight ones,
// full-width to half-width). Captions that ftfy would change can therefore tokenise differently
// from CLIP's Python tokenizer; plain, NFC-encoded text (nearly all captions) is unaffected.
std::string cleanCaption(std::string_view text);

}  // namespace genra::text
