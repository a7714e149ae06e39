#include "core/data/image_header.h"

#include "core/util/env_limits.h"

#include <cstring>

namespace genra::data {

namespace {

std::uint32_t be16(const std::uint8_t* p) { return (std::uint32_t{p[0]} << 8) | p[1]; }
std::uint32_t le16(const std::uint8_t* p) { return (std::uint32_t{p[1]} << 8) | p[0]; }
std::uint32_t be32(const std::uint8_t* p) { return (be16(p) << 16) | be16(p + 2); }
std::uint32_t le32(const std::uint8_t* p) { return (le16(p + 2) << 16) | le16(p); }
std::uint32_t le24(const std::uint8_t* p) { return (std::uint32_t{p[2]} << 16) | le16(p); }

template <std::size_t N>
bool startsWith(const std::uint8_t* data, std::size_t size, const char (&magic)[N]) {
    return size >= N - 1 && std::memcmp(data, magic, N - 1) == 0;
}

std::optional<ImageHeader> jpeg(const std::uint8_t* data, std::size_t size) {
    std::size_t pos = 2;
    while (pos + 4 <= size) {
        if (data[pos] != 0xFF) return std::nullopt;
        const std::uint8_t marker = data[pos + 1];
        if (marker == 0xFF) {  // fill byte
            ++pos;
            continue;
        }
        if (marker == 0xD8 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {  // no length
            pos += 2;
            continue;
        }
        const std::size_t length = be16(data + pos + 2);
        const bool frame = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
        if (frame) {
            if (pos + 9 > size) return std::nullopt;
            return ImageHeader{"JPEG", be16(data + pos + 7), be16(data + pos + 5)};
        }
        if (length < 2) return std::nullopt;
        pos += 2 + length;
    }
    return std::nullopt;
}

std::optional<ImageHeader> tiff(const std::uint8_t* data, std::size_t size) {
    const bool little = data[0] == 'I';
    auto u16 = [&](std::size_t at) { return little ? le16(data + at) : be16(data + at); };
    auto u32 = [&](std::size_t at) { return little ? le32(data + at) : be32(data + at); };
    const std::size_t ifd = u32(4);
    if (ifd + 2 > size) return std::nullopt;
    const std::size_t entries = u16(ifd);
    ImageHeader header{"TIFF", 0, 0};
    for (std::size_t i = 0; i < entries; ++i) {
        const std::size_t at = ifd + 2 + i * 12;
        if (at + 12 > size) return std::nullopt;
        const std::uint32_t tag = u16(at);
        const std::uint32_t type = u16(at + 2);
        const std::uint64_t value = type == 3 ? u16(at + 8) : u32(at + 8);
        if (tag == 256) header.width = value;
        if (tag == 257) header.height = value;
    }
    if (header.width == 0 || header.height == 0) return std::nullopt;
    return header;
}

// P1..P6: magic, then width and height as decimal text, with # comments to the end of a line.
std::optional<ImageHeader> pnm(const std::uint8_t* data, std::size_t size) {
    std::size_t pos = 2;
    std::uint64_t numbers[2] = {0, 0};
    for (auto& number : numbers) {
        for (;;) {
            while (pos < size && std::strchr(" \t\r\n\f\v", data[pos]) != nullptr && data[pos] != 0) ++pos;
            if (pos < size && data[pos] == '#') {
                while (pos < size && data[pos] != '\n') ++pos;
                continue;
            }
            break;
        }
        const std::size_t digitsStart = pos;
        while (pos < size && data[pos] >= '0' && data[pos] <= '9' && pos - digitsStart < 12) {
            number = number * 10 + (data[pos] - '0');
            ++pos;
        }
        if (pos == digitsStart) return std::nullopt;
    }
    return ImageHeader{"PNM", numbers[0], numbers[1]};
}

}  // namespace

std::optional<ImageHeader> readImageHeader(const std::uint8_t* data, std::size_t size) {
    if (startsWith(data, size, "\x89PNG\r\n\x1a\n")) {
        if (size < 24) return std::nullopt;
        return ImageHeader{"PNG", be32(data + 16), be32(data + 20)};
    }
    if (size >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF) return jpeg(data, size);
    if (startsWith(data, size, "RIFF") && size >= 30 && std::memcmp(data + 8, "WEBP", 4) == 0) {
        if (std::memcmp(data + 12, "VP8 ", 4) == 0) {
            return ImageHeader{"WebP", le16(data + 26) & 0x3FFFu, le16(data + 28) & 0x3FFFu};
        }
        if (std::memcmp(data + 12, "VP8L", 4) == 0) {
            const std::uint32_t bits = le32(data + 21);
            return ImageHeader{"WebP", (bits & 0x3FFFu) + 1u, ((bits >> 14) & 0x3FFFu) + 1u};
        }
        if (std::memcmp(data + 12, "VP8X", 4) == 0) {
            return ImageHeader{"WebP", std::uint64_t{le24(data + 24)} + 1, std::uint64_t{le24(data + 27)} + 1};
        }
        return std::nullopt;
    }
    if (startsWith(data, size, "BM") && size >= 26) {
        if (le32(data + 14) == 12) return ImageHeader{"BMP", le16(data + 18), le16(data + 20)};
        const auto height = static_cast<std::int32_t>(le32(data + 22));
        const std::uint64_t rows = height < 0 ? -static_cast<std::int64_t>(height) : height;
        return ImageHeader{"BMP", le32(data + 18), rows};
    }
    if ((startsWith(data, size, "II*\0") || startsWith(data, size, "MM\0*")) && size >= 8) {
        return tiff(data, size);
    }
    if (size >= 3 && data[0] == 'P' && data[1] >= '1' && data[1] <= '6') return pnm(data, size);
    if ((startsWith(data, size, "GIF87a") || startsWith(data, size, "GIF89a")) && size >= 10) {
        return ImageHeader{"GIF", le16(data + 6), le16(data + 8)};
    }
    return std::nullopt;
}

std::uint64_t maxImagePixels() {
    return util::envLimit("GENRA_MAX_IMAGE_PIXELS", kDefaultMaxImagePixels, 1, std::uint64_t{1} << 40);
}

}  // namespace genra::data
