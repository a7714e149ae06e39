#include "core/text/byte_encoder.h"

#include "core/text/unicode.h"

namespace genra::text {

namespace {

struct ByteTables {
    std::array<std::uint8_t, 256> order{};
    std::array<char32_t, 256> codePoint{};
    std::array<std::string, 256> utf8;
    std::array<int, 0x100 + 68> byteOf{};  // indexed by code point; -1 where none

    ByteTables() {
        std::array<bool, 256> printable{};
        std::size_t next = 0;
        auto keep = [&](int first, int last) {
            for (int b = first; b <= last; ++b) {
                printable[static_cast<std::size_t>(b)] = true;
                order[next++] = static_cast<std::uint8_t>(b);
                codePoint[static_cast<std::size_t>(b)] = static_cast<char32_t>(b);
            }
        };
        keep('!', '~');
        keep(0xA1, 0xAC);
        keep(0xAE, 0xFF);
        char32_t shifted = 0x100;
        for (int b = 0; b < 256; ++b) {
            if (printable[static_cast<std::size_t>(b)]) continue;
            order[next++] = static_cast<std::uint8_t>(b);
            codePoint[static_cast<std::size_t>(b)] = shifted++;
        }
        byteOf.fill(-1);
        for (int b = 0; b < 256; ++b) {
            const auto index = static_cast<std::size_t>(b);
            appendUtf8(utf8[index], codePoint[index]);
            byteOf[codePoint[index]] = b;
        }
    }
};

const ByteTables& tables() {
    static const ByteTables instance;
    return instance;
}

}  // namespace

const std::array<std::uint8_t, 256>& bytesInVocabularyOrder() {
    return tables().order;
}

char32_t byteToCodePoint(std::uint8_t byte) {
    return tables().codePoint[byte];
}

int codePointToByte(char32_t cp) {
    const auto& byteOf = tables().byteOf;
    return cp < byteOf.size() ? byteOf[cp] : -1;
}

const std::string& byteSymbol(std::uint8_t byte) {
    return tables().utf8[byte];
}

std::string encodeBytes(std::string_view raw) {
    std::string out;
    out.reserve(raw.size() * 2);
    for (char c : raw) out += byteSymbol(static_cast<std::uint8_t>(c));
    return out;
}

}  // namespace genra::text
