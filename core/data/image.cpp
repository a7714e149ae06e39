#include "core/data/image.h"

#include "core/util/error.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "core/data/image_header.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace genra::data {

std::string fileTypeName(std::filesystem::file_type type) {
    using std::filesystem::file_type;
    switch (type) {
        case file_type::regular: return "a regular file";
        case file_type::directory: return "a folder";
        case file_type::fifo: return "a FIFO";
        case file_type::socket: return "a socket";
        case file_type::block:
        case file_type::character: return "a device";
        case file_type::symlink: return "a symbolic link";
        case file_type::not_found: return "missing";
        default: return "not a regular file";
    }
}

std::vector<std::uint8_t> readFileBytes(const std::filesystem::path& path) {
    // O_NONBLOCK: opening a FIFO must not wait for a writer; the fstat below refuses it anyway.
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        throw Error("cannot open " + path.string() + ": " + std::strerror(errno));
    }
    struct Closer {
        int fd;
        ~Closer() { ::close(fd); }
    } closer{fd};
    struct stat info {};
    if (::fstat(fd, &info) != 0) throw Error("cannot read " + path.string() + ": " + std::strerror(errno));
    if (!S_ISREG(info.st_mode)) {
        const auto type = S_ISDIR(info.st_mode)    ? std::filesystem::file_type::directory
                          : S_ISFIFO(info.st_mode) ? std::filesystem::file_type::fifo
                          : S_ISSOCK(info.st_mode) ? std::filesystem::file_type::socket
                          : (S_ISCHR(info.st_mode) || S_ISBLK(info.st_mode)) ? std::filesystem::file_type::character
                                                                            : std::filesystem::file_type::unknown;
        throw Error("cannot read " + path.string() + ": " + fileTypeName(type) + ", not a regular file");
    }
    std::vector<std::uint8_t> bytes(static_cast<std::size_t>(info.st_size));
    std::size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t got = ::read(fd, bytes.data() + done, bytes.size() - done);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) throw Error("cannot read " + path.string() + ": " + std::strerror(errno));
        if (got == 0) break;  // the file shrank while it was read
        done += static_cast<std::size_t>(got);
    }
    bytes.resize(done);
    return bytes;
}

Image decodeImage(const std::vector<std::uint8_t>& bytes, const std::string& nameForErrors) {
    if (bytes.empty()) throw Error(nameForErrors + ": empty file, not an image");
    const auto header = readImageHeader(bytes.data(), bytes.size());
    if (!header) {
        throw Error(nameForErrors +
                    ": not a recognised image (PNG, JPEG, WebP, BMP, TIFF, PNM or GIF header expected)");
    }
    const std::uint64_t limit = maxImagePixels();
    if (header->width == 0 || header->height == 0) {
        throw Error(nameForErrors + ": the " + header->format + " header declares an empty image");
    }
    if (header->width > limit || header->height > limit || header->width * header->height > limit) {
        throw ImageTooLarge(nameForErrors + ": the " + header->format + " header declares " +
                            std::to_string(header->width) + " x " + std::to_string(header->height) +
                            " pixels, more than the limit of " + std::to_string(limit) +
                            " (GENRA_MAX_IMAGE_PIXELS raises it); not decoded");
    }
    cv::Mat raw(1, static_cast<int>(bytes.size()), CV_8UC1, const_cast<std::uint8_t*>(bytes.data()));
    cv::Mat decoded;
    try {
        decoded = cv::imdecode(raw, cv::IMREAD_COLOR);
    } catch (const cv::Exception& e) {
        throw Error(nameForErrors + ": cannot decode image: " + e.what());
    }
    if (decoded.empty()) throw Error(nameForErrors + ": not a decodable image (corrupt or unsupported format)");
    cv::Mat rgb;
    cv::cvtColor(decoded, rgb, cv::COLOR_BGR2RGB);
    Image image;
    image.width = rgb.cols;
    image.height = rgb.rows;
    image.channels = 3;
    image.pixels.resize(static_cast<std::size_t>(rgb.total()) * 3);
    for (int y = 0; y < rgb.rows; ++y) {
        std::copy(rgb.ptr<std::uint8_t>(y), rgb.ptr<std::uint8_t>(y) + rgb.cols * 3,
                  image.pixels.begin() + static_cast<std::ptrdiff_t>(y) * rgb.cols * 3);
    }
    return image;
}

Image loadImage(const std::filesystem::path& path) { return decodeImage(readFileBytes(path), path.string()); }

void saveImage(const Image& image, const std::filesystem::path& path) {
    if (image.empty() || (image.channels != 3 && image.channels != 1)) {
        throw Error("cannot save " + path.string() + ": empty image or unsupported channel count");
    }
    cv::Mat view(image.height, image.width, image.channels == 3 ? CV_8UC3 : CV_8UC1,
                 const_cast<std::uint8_t*>(image.pixels.data()));
    cv::Mat out;
    if (image.channels == 3) {
        cv::cvtColor(view, out, cv::COLOR_RGB2BGR);
    } else {
        out = view;
    }
    if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());
    bool ok = false;
    try {
        ok = cv::imwrite(path.string(), out);
    } catch (const cv::Exception& e) {
        throw Error("cannot write " + path.string() + ": " + e.what());
    }
    if (!ok) throw Error("cannot write " + path.string());
}

}  // namespace genra::data
