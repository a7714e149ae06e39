// Python's html.unescape(), which CLIP applies twice to every caption before tokenising.
#pragma once

#include <string>
#include <string_view>

namespace genra::text {

// Replaces character references exactly as Python 3.11's html.unescape() does:
// - named references from the full WHATWG HTML5 list (2231 names, html.entities.html5),
//   including the legacy ones accepted without ';' and the longest-prefix rule ("&notit;"
//   becomes "¬it;");
// - decimal "&#NNN;" and hexadecimal "&#xHH;" references, ';' optional, with html's fixes:
//   windows-1252 remapping of 0x80-0x9F, U+FFFD for 0, surrogates and values past U+10FFFF,
//   and control / non-character values dropped.
// The tables come from generate_tables.py, so they follow the Python that generated them.
std::u32string unescapeHtml(std::u32string_view text);

}  // namespace genra::text
