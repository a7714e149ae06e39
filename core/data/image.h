// Decoded 8-bit images as the engine passes them around (RGB or grey, interleaved), plus decoding
// and encoding through OpenCV. OpenCV stays private to core: callers see only this struct.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace genra::data {

struct Image {
    int width = 0;
    int height = 0;
    int channels = 0;                 // 3 = RGB, 1 = grey
    std::vector<std::uint8_t> pixels;  // row-major, interleaved, height * width * channels bytes

    bool empty() const { return pixels.empty(); }
    std::uint8_t& at(int y, int x, int c) { return pixels[(static_cast<std::size_t>(y) * width + x) * channels + c]; }
    std::uint8_t at(int y, int x, int c) const {
        return pixels[(static_cast<std::size_t>(y) * width + x) * channels + c];
    }
};

// Reads a whole file into memory; throws genra::Error naming the file when it cannot.
std::vector<std::uint8_t> readFileBytes(const std::filesystem::path& path);

// Decodes PNG/JPEG/WebP/BMP/... bytes to RGB (alpha dropped, grey expanded). Throws genra::Error
// with `nameForErrors` in the message when the bytes are not a decodable image.
Image decodeImage(const std::vector<std::uint8_t>& bytes, const std::string& nameForErrors);
Image loadImage(const std::filesystem::path& path);

// Writes the image; the format follows the extension (.png, .jpg, ...).
void saveImage(const Image& image, const std::filesystem::path& path);

}  // namespace genra::data
