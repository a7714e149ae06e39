#include "core/gen/shift_control.h"

#include "core/util/error.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

namespace genra::gen {

namespace {

constexpr double kTwoPi = 6.283185307179586476925286766559;

std::string number(double value) {
    std::string s = std::to_string(value);
    while (s.size() > 1 && s.back() == '0') s.pop_back();
    if (!s.empty() && s.back() == '.') s.pop_back();
    return s;
}

}  // namespace

double NormalStream::next() {
    if (haveSpare_) {
        haveSpare_ = false;
        return spare_;
    }
    // 53-bit uniforms; u1 in (0, 1) so its logarithm is finite, u2 in [0, 1).
    const double u1 = (static_cast<double>(engine_() >> 11) + 0.5) * 0x1.0p-53;
    const double u2 = static_cast<double>(engine_() >> 11) * 0x1.0p-53;
    const double radius = std::sqrt(-2.0 * std::log(u1));
    const double angle = kTwoPi * u2;
    spare_ = radius * std::sin(angle);
    haveSpare_ = true;
    return radius * std::cos(angle);
}

void validate(const ShiftOptions& o) {
    if (!std::isfinite(o.hueDegrees)) throw Error("shift control: hue rotation must be a finite number of degrees");
    if (!std::isfinite(o.contrast) || !(o.contrast > 0)) {
        throw Error("shift control: contrast factor must be > 0 (got " + number(o.contrast) + ")");
    }
    if (!std::isfinite(o.blurSigma) || !(o.blurSigma >= 0)) {
        throw Error("shift control: blur sigma must be >= 0 (got " + number(o.blurSigma) + ")");
    }
    if (!std::isfinite(o.noiseStd) || !(o.noiseStd >= 0)) {
        throw Error("shift control: noise standard deviation must be >= 0 (got " + number(o.noiseStd) + ")");
    }
}

nlohmann::json toJson(const ShiftOptions& o) {
    return {{"control", true},          {"kind", kShiftControlName}, {"hue_degrees", o.hueDegrees},
            {"contrast", o.contrast},   {"blur_sigma", o.blurSigma}, {"noise_std", o.noiseStd}};
}

data::Image applyShift(const data::Image& image, const ShiftOptions& o, std::uint64_t seed) {
    validate(o);
    if (image.empty() || image.width <= 0 || image.height <= 0) throw Error("shift control: empty image");
    if (image.channels != 3 && image.channels != 1) {
        throw Error("shift control: images must have 3 (RGB) or 1 (grey) channels, not " + std::to_string(image.channels));
    }
    const std::size_t count = static_cast<std::size_t>(image.width) * image.height * image.channels;
    if (image.pixels.size() != count) throw Error("shift control: pixel buffer does not match the image size");

    // Floating point in grey levels 0-255 (exact for 8-bit values), one rounding at the end.
    const cv::Mat view(image.height, image.width, CV_8UC(image.channels), const_cast<std::uint8_t*>(image.pixels.data()));
    cv::Mat values;
    view.convertTo(values, CV_32F);

    // Hue: OpenCV's float HSV has H in degrees [0, 360), S and V in [0, 1].
    double hue = std::fmod(o.hueDegrees, 360.0);
    if (hue < 0) hue += 360.0;
    if (image.channels == 3 && hue != 0.0) {
        cv::Mat hsv;
        cv::cvtColor(values * (1.0 / 255.0), hsv, cv::COLOR_RGB2HSV);
        for (int y = 0; y < hsv.rows; ++y) {
            auto* row = hsv.ptr<cv::Vec3f>(y);
            for (int x = 0; x < hsv.cols; ++x) {
                double h = std::fmod(static_cast<double>(row[x][0]) + hue, 360.0);
                if (h < 0) h += 360.0;
                row[x][0] = static_cast<float>(h);
            }
        }
        cv::Mat rgb;
        cv::cvtColor(hsv, rgb, cv::COLOR_HSV2RGB);
        values = rgb * 255.0;
    }

    // Contrast around each channel's mean over the image.
    if (o.contrast != 1.0) {
        const cv::Scalar mean = cv::mean(values);
        for (int y = 0; y < values.rows; ++y) {
            auto* row = values.ptr<float>(y);
            for (int x = 0; x < values.cols; ++x) {
                for (int c = 0; c < image.channels; ++c) {
                    float& v = row[x * image.channels + c];
                    v = static_cast<float>(mean[c] + o.contrast * (static_cast<double>(v) - mean[c]));
                }
            }
        }
    }

    if (o.blurSigma > 0) {
        cv::Mat blurred;
        cv::GaussianBlur(values, blurred, cv::Size(0, 0), o.blurSigma, o.blurSigma, cv::BORDER_REFLECT_101);
        values = blurred;
    }

    // Noise and rounding, pixel by pixel in row-major, channel-interleaved order (the order the
    // normal draws are taken in).
    NormalStream noise(seed);
    data::Image out;
    out.width = image.width;
    out.height = image.height;
    out.channels = image.channels;
    out.pixels.resize(count);
    std::size_t i = 0;
    for (int y = 0; y < values.rows; ++y) {
        const auto* row = values.ptr<float>(y);
        for (int x = 0; x < values.cols * image.channels; ++x) {
            double v = row[x];
            if (o.noiseStd > 0) v += o.noiseStd * noise.next();
            out.pixels[i++] = static_cast<std::uint8_t>(std::clamp(std::lround(v), 0L, 255L));
        }
    }
    return out;
}

}  // namespace genra::gen
