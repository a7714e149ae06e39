// Image sizes read from the first bytes of a file, before anything is decoded, so that an image
// whose header promises billions of pixels is refused before a decoder allocates them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace genra::data {

struct ImageHeader {
    std::string format;  // "PNG", "JPEG", "WebP", "BMP", "TIFF", "PNM", "GIF"
    std::uint64_t width = 0;
    std::uint64_t height = 0;
};

// The format and size in the header, or nothing when the bytes start no format listed above or
// the header is cut short (a JPEG's size is in its first SOF segment, a TIFF's in its first IFD).
std::optional<ImageHeader> readImageHeader(const std::uint8_t* data, std::size_t size);

// The default pixel limit (64 MP: 8192 x 8192); GENRA_MAX_IMAGE_PIXELS changes it for a process.
constexpr std::uint64_t kDefaultMaxImagePixels = 64ull * 1024 * 1024;

// The limit in force: GENRA_MAX_IMAGE_PIXELS when it holds a positive integer, else the default.
std::uint64_t maxImagePixels();

}  // namespace genra::data
