// Decoded 8-bit images as the engine passes them around (RGB or grey, interleaved), plus decoding
// and encoding through OpenCV. OpenCV stays private to core: callers see only this struct.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/util/error.h"

namespace genra::data {

// An image whose header declares more pixels than maxImagePixels() (core/data/image_header.h).
class ImageTooLarge : public Error {
public:
    using Error::Error;
};

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

// Reads a whole file into memory; throws genra::Error naming the file when it cannot, or when the
// path is not a regular file (a folder, a FIFO, a device: refused without blocking on it).
std::vector<std::uint8_t> readFileBytes(const std::filesystem::path& path);

// Decodes PNG/JPEG/WebP/BMP/TIFF/PNM bytes to RGB (alpha dropped, grey expanded). Throws
// genra::Error with `nameForErrors` in the message when the bytes are not a decodable image, and
// ImageTooLarge, before decoding, when the header declares more than maxImagePixels() pixels.
Image decodeImage(const std::vector<std::uint8_t>& bytes, const std::string& nameForErrors);
Image loadImage(const std::filesystem::path& path);

// "a folder", "a FIFO", ... for messages about paths that are not regular files.
std::string fileTypeName(std::filesystem::file_type type);

// Writes the image; the format follows the extension (.png, .jpg, ...).
void saveImage(const Image& image, const std::filesystem::path& path);

}  // namespace genra::data
