#include "core/data/image.h"

#include "core/util/error.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <fstream>

namespace genra::data {

std::vector<std::uint8_t> readFileBytes(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    if (!in) throw Error("cannot open " + path.string() + ": no such file or not readable");
    const auto size = in.tellg();
    std::vector<std::uint8_t> bytes(static_cast<std::size_t>(size));
    in.seekg(0);
    if (size > 0 && !in.read(reinterpret_cast<char*>(bytes.data()), size)) {
        throw Error("cannot read " + path.string());
    }
    return bytes;
}

Image decodeImage(const std::vector<std::uint8_t>& bytes, const std::string& nameForErrors) {
    if (bytes.empty()) throw Error(nameForErrors + ": empty file, not an image");
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
