#include "core/text/text_clean.h"

#include "core/text/html_unescape.h"
#include "core/text/unicode.h"

namespace genra::text {

namespace {

bool isAsciiSpace(char c) {
    return c == ' ' || (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x1F);
}

// Most captions are plain ASCII without references: clean those without leaving bytes.
bool cleanAscii(std::string_view text, std::string& out) {
    for (char c : text)
        if (static_cast<unsigned char>(c) >= 0x80 || c == '&') return false;
    out.clear();
    out.reserve(text.size());
    bool pendingSpace = false;
    for (char c : text) {
        if (isAsciiSpace(c)) {
            pendingSpace = !out.empty();
            continue;
        }
        if (pendingSpace) out.push_back(' ');
        pendingSpace = false;
        out.push_back((c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c);
    }
    return true;
}

}  // namespace

std::string cleanCaption(std::string_view text) {
    std::string ascii;
    if (cleanAscii(text, ascii)) return ascii;

    const std::u32string unescaped = unescapeHtml(unescapeHtml(decodeUtf8(text)));
    std::u32string collapsed;
    collapsed.reserve(unescaped.size());
    bool pendingSpace = false;
    for (char32_t c : unescaped) {
        if (isPythonSpace(c)) {
            pendingSpace = !collapsed.empty();
            continue;
        }
        if (pendingSpace) collapsed.push_back(U' ');
        pendingSpace = false;
        collapsed.push_back(c);
    }
    return encodeUtf8(pythonLower(collapsed));
}

}  // namespace genra::text
