#include "core/text/html_unescape.h"

#include <algorithm>
#include <cstring>
#include <iterator>

namespace genra::text {

namespace {

struct NamedEntity {
    const char* name;
    char32_t value[2];
};
struct CodeMapping {
    char32_t from;
    char32_t to;
};
struct CodeRange {
    char32_t first;
    char32_t last;
};

#include "core/text/html_entities.inc"

// html's pattern for a named reference: 1-32 characters other than these, then an optional ';'.
constexpr std::size_t kMaxNameLength = 32;

bool endsName(char32_t c) {
    return c == '\t' || c == '\n' || c == '\f' || c == ' ' || c == '<' || c == '&' || c == '#' || c == ';';
}

bool isDigit(char32_t c) {
    return c >= '0' && c <= '9';
}

int hexValue(char32_t c) {
    if (c >= '0' && c <= '9') return static_cast<int>(c - '0');
    if (c >= 'a' && c <= 'f') return static_cast<int>(c - 'a' + 10);
    if (c >= 'A' && c <= 'F') return static_cast<int>(c - 'A' + 10);
    return -1;
}

const NamedEntity* findEntity(std::u32string_view name) {
    // Every name in the table is ASCII; anything else cannot match.
    char ascii[kMaxNameLength + 2];
    if (name.size() > kMaxNameLength + 1) return nullptr;
    for (std::size_t i = 0; i < name.size(); ++i) {
        if (name[i] >= 0x80) return nullptr;
        ascii[i] = static_cast<char>(name[i]);
    }
    ascii[name.size()] = '\0';
    const auto* begin = std::begin(kNamedEntities);
    const auto* end = std::end(kNamedEntities);
    const auto* it = std::lower_bound(begin, end, ascii, [](const NamedEntity& e, const char* key) {
        return std::strcmp(e.name, key) < 0;
    });
    return (it != end && std::strcmp(it->name, ascii) == 0) ? it : nullptr;
}

void appendEntity(std::u32string& out, const NamedEntity& entity) {
    out.push_back(entity.value[0]);
    if (entity.value[1] != 0) out.push_back(entity.value[1]);
}

// html._replace_charref for "#..." references; `number` saturates instead of growing unbounded.
void appendNumeric(std::u32string& out, unsigned long long number) {
    const auto* mapped = std::find_if(std::begin(kReplacedCharRefs), std::end(kReplacedCharRefs),
                                      [number](const CodeMapping& m) { return m.from == number; });
    if (mapped != std::end(kReplacedCharRefs)) {
        out.push_back(mapped->to);
        return;
    }
    if ((number >= 0xD800 && number <= 0xDFFF) || number > 0x10FFFF) {
        out.push_back(0xFFFD);
        return;
    }
    const auto cp = static_cast<char32_t>(number);
    const bool dropped = std::any_of(std::begin(kDroppedCharRefs), std::end(kDroppedCharRefs),
                                     [cp](const CodeRange& r) { return cp >= r.first && cp <= r.last; });
    if (!dropped) out.push_back(cp);
}

}  // namespace

std::u32string unescapeHtml(std::u32string_view text) {
    if (text.find(U'&') == std::u32string_view::npos) return std::u32string(text);
    constexpr unsigned long long kSaturated = 0x110000;  // anything larger behaves the same
    std::u32string out;
    out.reserve(text.size());
    const std::size_t n = text.size();
    std::size_t i = 0;
    while (i < n) {
        if (text[i] != '&') {
            out.push_back(text[i++]);
            continue;
        }
        std::size_t j = i + 1;
        if (j < n && text[j] == '#') {
            ++j;
            unsigned long long number = 0;
            std::size_t digits = 0;
            if (j < n && (text[j] == 'x' || text[j] == 'X')) {
                std::size_t k = j + 1;
                while (k < n && hexValue(text[k]) >= 0) {
                    number = std::min(kSaturated,
                                      number * 16 + static_cast<unsigned long long>(hexValue(text[k])));
                    ++k;
                    ++digits;
                }
                j = k;
            } else {
                while (j < n && isDigit(text[j])) {
                    number = std::min(kSaturated, number * 10 + (text[j] - '0'));
                    ++j;
                    ++digits;
                }
            }
            if (digits == 0) {
                // "&#" and "&#x" without digits are no reference ('#' cannot start a name).
                out.push_back(text[i++]);
                continue;
            }
            if (j < n && text[j] == ';') ++j;
            appendNumeric(out, number);
            i = j;
            continue;
        }
        std::size_t k = j;
        while (k < n && k - j < kMaxNameLength && !endsName(text[k])) ++k;
        if (k == j) {
            out.push_back(text[i++]);
            continue;
        }
        if (k < n && text[k] == ';') ++k;
        const std::u32string_view name = text.substr(j, k - j);
        if (const NamedEntity* entity = findEntity(name)) {
            appendEntity(out, *entity);
        } else {
            // The standard's rule: the longest known prefix (at least two characters) wins and
            // the rest stays as text; with none, the whole match stays as it was.
            bool replaced = false;
            for (std::size_t length = name.size() - 1; length >= 2; --length) {
                if (const NamedEntity* prefix = findEntity(name.substr(0, length))) {
                    appendEntity(out, *prefix);
                    out.append(name.substr(length));
                    replaced = true;
                    break;
                }
            }
            if (!replaced) {
                out.push_back('&');
                out.append(name);
            }
        }
        i = k;
    }
    return out;
}

}  // namespace genra::text
