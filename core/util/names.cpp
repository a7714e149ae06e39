#include "core/util/names.h"

#include "core/util/error.h"

namespace genra::util {

namespace {

// The name quoted for a message: printable ASCII as is, anything else as \xNN, and cut short.
std::string quoted(const std::string& name) {
    static const char* digits = "0123456789abcdef";
    std::string out = "\"";
    for (std::size_t i = 0; i < name.size() && i < 80; ++i) {
        const auto c = static_cast<unsigned char>(name[i]);
        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
            out += static_cast<char>(c);
        } else {
            out += "\\x";
            out += digits[c >> 4];
            out += digits[c & 15];
        }
    }
    if (name.size() > 80) out += "...";
    return out + "\"";
}

bool allowed(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
           c == '.';
}

}  // namespace

void validateName(const std::string& name, const std::string& what) {
    const std::string prefix = "invalid " + what + " name " + quoted(name) + ": ";
    if (name.empty()) throw Error("invalid " + what + " name: the name is empty");
    if (name.size() > kMaxNameLength) {
        throw Error(prefix + "longer than " + std::to_string(kMaxNameLength) + " characters");
    }
    for (const char c : name) {
        if (c == '/' || c == '\\') throw Error(prefix + "names become folder names and may not contain '/' or '\\'");
        if (!allowed(c)) throw Error(prefix + "use only letters, digits, '-', '_' and '.'");
    }
    if (name.front() == '.') throw Error(prefix + "a name may not start with '.'");
    if (name.size() > 4 && name.compare(0, 4, "run-") == 0 &&
        name.find_first_not_of("0123456789", 4) == std::string::npos) {
        throw Error(prefix + "\"run-<number>\" names the checkpoint folder of a training run; choose another name");
    }
}

}  // namespace genra::util
