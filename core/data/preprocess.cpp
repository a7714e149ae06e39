#include "core/data/preprocess.h"

#include "core/util/error.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>

namespace genra::data {

namespace {

// Pillow keeps 22 fractional bits: 8 for the pixel value and 2 spare bits for the overshoot of
// the kernel's negative lobes must still fit a signed 32-bit accumulator.
constexpr int kPrecisionBits = 32 - 8 - 2;
constexpr double kBicubicSupport = 2.0;

// Keys' cubic convolution kernel with a = -0.5. The expressions keep Pillow's operation order so
// that every double rounds the same way.
double bicubicKernel(double x) {
    constexpr double a = -0.5;
    if (x < 0.0) x = -x;
    if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0;
    if (x < 2.0) return (((x - 5.0) * x + 8.0) * x - 4.0) * a;
    return 0.0;
}

// Filter taps for the outputs [outFirst, outFirst + outCount) of a 1-D resize inSize -> outSize.
// Output o reads input pixels first[o] .. first[o] + count[o] - 1 with weights[o * stride + t].
struct Taps {
    int stride = 0;
    std::vector<int> first;
    std::vector<int> count;
    std::vector<double> weights;
};

Taps computeTaps(int inSize, int outSize, int outFirst, int outCount) {
    // Downscaling stretches the kernel by the scale factor, which is what antialiases.
    const double scale = static_cast<double>(inSize) / outSize;
    const double filterScale = std::max(scale, 1.0);
    const double support = kBicubicSupport * filterScale;
    const double inverseFilterScale = 1.0 / filterScale;

    Taps taps;
    taps.stride = static_cast<int>(std::ceil(support)) * 2 + 1;
    taps.first.resize(static_cast<std::size_t>(outCount));
    taps.count.resize(static_cast<std::size_t>(outCount));
    taps.weights.assign(static_cast<std::size_t>(outCount) * taps.stride, 0.0);
    for (int i = 0; i < outCount; ++i) {
        const int out = outFirst + i;
        const double center = (out + 0.5) * scale;
        // Pillow rounds the span ends with (int)(v + 0.5), i.e. truncation after adding a half.
        const int lo = std::max(static_cast<int>(center - support + 0.5), 0);
        const int hi = std::min(static_cast<int>(center + support + 0.5), inSize);
        const int n = hi - lo;
        double* w = &taps.weights[static_cast<std::size_t>(i) * taps.stride];
        double total = 0.0;
        for (int t = 0; t < n; ++t) {
            w[t] = bicubicKernel((t + lo - center + 0.5) * inverseFilterScale);
            total += w[t];
        }
        if (total != 0.0) {
            for (int t = 0; t < n; ++t) w[t] /= total;
        }
        taps.first[static_cast<std::size_t>(i)] = lo;
        taps.count[static_cast<std::size_t>(i)] = n;
    }
    return taps;
}

// Pillow's 8-bit path: fixed-point weights, rounding offset of half a unit, floor then clamp.
struct FixedPoint8 {
    using Pixel = std::uint8_t;
    using Weight = std::int32_t;
    using Accumulator = std::int32_t;

    static Weight weight(double w) {
        const double scaled = w * (1 << kPrecisionBits);
        return static_cast<Weight>(w < 0 ? -0.5 + scaled : 0.5 + scaled);
    }
    static Accumulator start() { return 1 << (kPrecisionBits - 1); }
    static Accumulator product(Pixel p, Weight w) { return static_cast<Accumulator>(p) * w; }
    static Pixel finish(Accumulator sum) {
        if (sum < 0) return 0;
        return static_cast<Pixel>(std::min(sum >> kPrecisionBits, 255));
    }
};

// Pillow's mode "F" path: double weights and sums, float32 storage between and after the passes.
struct Float32 {
    using Pixel = float;
    using Weight = double;
    using Accumulator = double;

    static Weight weight(double w) { return w; }
    static Accumulator start() { return 0.0; }
    static Accumulator product(Pixel p, Weight w) { return static_cast<double>(p) * w; }
    static Pixel finish(Accumulator sum) { return static_cast<float>(sum); }
};

template <class Traits>
std::vector<typename Traits::Weight> convertWeights(const Taps& taps) {
    std::vector<typename Traits::Weight> out(taps.weights.size());
    std::transform(taps.weights.begin(), taps.weights.end(), out.begin(), Traits::weight);
    return out;
}

// Computes the window [x0, x0 + w) x [y0, y0 + h) of the full inW x inH -> outW x outH resize of
// an interleaved image with C channels, into dst (h * w * C values). Mirrors Pillow's
// ImagingResampleInner: a pass is skipped when its axis keeps its size, the horizontal pass runs
// first over just the rows the vertical pass reads, and the intermediate is stored as Pixel.
template <class Traits, int C>
void resampleWindow(const typename Traits::Pixel* src, int inW, int inH, int outW, int outH, int x0, int y0,
                    int w, int h, typename Traits::Pixel* dst) {
    using Pixel = typename Traits::Pixel;
    using Accumulator = typename Traits::Accumulator;
    const bool horizontal = outW != inW;
    const bool vertical = outH != inH;

    Taps rowTaps;
    int rowFirst = y0;
    int rowEnd = y0 + h;
    if (vertical) {
        rowTaps = computeTaps(inH, outH, y0, h);
        rowFirst = inH;
        rowEnd = 0;
        for (int i = 0; i < h; ++i) {
            rowFirst = std::min(rowFirst, rowTaps.first[static_cast<std::size_t>(i)]);
            rowEnd = std::max(rowEnd, rowTaps.first[static_cast<std::size_t>(i)] +
                                          rowTaps.count[static_cast<std::size_t>(i)]);
        }
        rowEnd = std::max(rowEnd, rowFirst);
    }
    const int rows = rowEnd - rowFirst;
    const std::size_t rowValues = static_cast<std::size_t>(w) * C;

    // Horizontal pass (or a plain copy of the window's columns) over the rows needed below.
    std::vector<Pixel> buffer;
    Pixel* middle = dst;
    if (vertical) {
        buffer.resize(static_cast<std::size_t>(rows) * rowValues);
        middle = buffer.data();
    }
    if (horizontal) {
        const Taps colTaps = computeTaps(inW, outW, x0, w);
        const auto weights = convertWeights<Traits>(colTaps);
        for (int r = 0; r < rows; ++r) {
            const Pixel* in = src + static_cast<std::size_t>(rowFirst + r) * inW * C;
            Pixel* out = middle + static_cast<std::size_t>(r) * rowValues;
            for (int x = 0; x < w; ++x) {
                const auto* k = &weights[static_cast<std::size_t>(x) * colTaps.stride];
                const Pixel* p =
                    in + static_cast<std::size_t>(colTaps.first[static_cast<std::size_t>(x)]) * C;
                const int n = colTaps.count[static_cast<std::size_t>(x)];
                Accumulator sum[C];
                for (int c = 0; c < C; ++c) sum[c] = Traits::start();
                for (int t = 0; t < n; ++t) {
                    for (int c = 0; c < C; ++c) sum[c] += Traits::product(p[t * C + c], k[t]);
                }
                for (int c = 0; c < C; ++c) out[static_cast<std::size_t>(x) * C + c] = Traits::finish(sum[c]);
            }
        }
    } else {
        for (int r = 0; r < rows; ++r) {
            std::memcpy(middle + static_cast<std::size_t>(r) * rowValues,
                        src + (static_cast<std::size_t>(rowFirst + r) * inW + x0) * C,
                        rowValues * sizeof(Pixel));
        }
    }
    if (!vertical) return;

    // Vertical pass: accumulate whole rows tap by tap, which keeps each pixel's summation order
    // (tap 0 first) while letting the compiler vectorise across the row.
    const auto weights = convertWeights<Traits>(rowTaps);
    std::vector<Accumulator> sum(rowValues);
    for (int y = 0; y < h; ++y) {
        const auto* k = &weights[static_cast<std::size_t>(y) * rowTaps.stride];
        const int first = rowTaps.first[static_cast<std::size_t>(y)] - rowFirst;
        const int n = rowTaps.count[static_cast<std::size_t>(y)];
        std::fill(sum.begin(), sum.end(), Traits::start());
        for (int t = 0; t < n; ++t) {
            const Pixel* in = middle + static_cast<std::size_t>(first + t) * rowValues;
            const auto weight = k[t];
            for (std::size_t i = 0; i < rowValues; ++i) sum[i] += Traits::product(in[i], weight);
        }
        Pixel* out = dst + static_cast<std::size_t>(y) * rowValues;
        for (std::size_t i = 0; i < rowValues; ++i) out[i] = Traits::finish(sum[i]);
    }
}

void checkImage(const Image& image, const char* what) {
    if (image.empty() || image.width <= 0 || image.height <= 0) {
        throw Error(std::string(what) + ": empty image");
    }
    if (image.channels != 1 && image.channels != 3) {
        throw Error(std::string(what) + ": unsupported channel count " + std::to_string(image.channels) +
                    " (expected 1 or 3)");
    }
    if (image.pixels.size() != static_cast<std::size_t>(image.width) * image.height * image.channels) {
        throw Error(std::string(what) + ": pixel buffer does not match " + std::to_string(image.width) + "x" +
                    std::to_string(image.height) + "x" + std::to_string(image.channels));
    }
}

// The window of the resized 8-bit image; dispatches on the channel count.
Image resizeWindow(const Image& image, int outW, int outH, int x0, int y0, int w, int h) {
    Image out;
    out.width = w;
    out.height = h;
    out.channels = image.channels;
    out.pixels.resize(static_cast<std::size_t>(w) * h * image.channels);
    if (image.channels == 3) {
        resampleWindow<FixedPoint8, 3>(image.pixels.data(), image.width, image.height, outW, outH, x0, y0, w,
                                       h, out.pixels.data());
    } else {
        resampleWindow<FixedPoint8, 1>(image.pixels.data(), image.width, image.height, outW, outH, x0, y0, w,
                                       h, out.pixels.data());
    }
    return out;
}

// Python's round() on a non-negative half-integer grid: ties go to the even neighbour.
int halfOfRoundedToEven(int twiceValue) {
    const int floorHalf = twiceValue / 2;
    if (twiceValue % 2 == 0) return floorHalf;
    return floorHalf % 2 == 0 ? floorHalf : floorHalf + 1;
}

}  // namespace

Image resizeBicubicAntialias(const Image& image, int newWidth, int newHeight) {
    checkImage(image, "resizeBicubicAntialias");
    if (newWidth <= 0 || newHeight <= 0) {
        throw Error("resizeBicubicAntialias: target size " + std::to_string(newWidth) + "x" +
                    std::to_string(newHeight) + " must be positive");
    }
    return resizeWindow(image, newWidth, newHeight, 0, 0, newWidth, newHeight);
}

torch::Tensor resizeBicubicAntialias(const torch::Tensor& planes, int newWidth, int newHeight) {
    if (!planes.defined() || (planes.dim() != 2 && planes.dim() != 3)) {
        throw Error("resizeBicubicAntialias: expected a [H, W] or [C, H, W] tensor");
    }
    if (!planes.device().is_cpu()) throw Error("resizeBicubicAntialias: expected a CPU tensor");
    if (newWidth <= 0 || newHeight <= 0) {
        throw Error("resizeBicubicAntialias: target size " + std::to_string(newWidth) + "x" +
                    std::to_string(newHeight) + " must be positive");
    }
    const auto input = (planes.dim() == 2 ? planes.unsqueeze(0) : planes).to(torch::kFloat32).contiguous();
    const int channels = static_cast<int>(input.size(0));
    const int height = static_cast<int>(input.size(1));
    const int width = static_cast<int>(input.size(2));
    if (height <= 0 || width <= 0) throw Error("resizeBicubicAntialias: empty tensor");
    auto output = torch::empty({channels, newHeight, newWidth}, torch::kFloat32);
    const float* in = input.data_ptr<float>();
    float* out = output.data_ptr<float>();
    for (int c = 0; c < channels; ++c) {
        resampleWindow<Float32, 1>(in + static_cast<std::size_t>(c) * height * width, width, height, newWidth,
                                   newHeight, 0, 0, newWidth, newHeight,
                                   out + static_cast<std::size_t>(c) * newHeight * newWidth);
    }
    return planes.dim() == 2 ? output.squeeze(0) : output;
}

Size2 shorterSideResizeSize(int width, int height, int size) {
    if (width <= 0 || height <= 0 || size <= 0) {
        throw Error("shorterSideResizeSize: sizes must be positive (image " + std::to_string(width) + "x" +
                    std::to_string(height) + ", target " + std::to_string(size) + ")");
    }
    const bool wide = width > height;
    const int shortSide = wide ? height : width;
    const int longSide = wide ? width : height;
    // Python: int(size * long / short); the product is exact and the division correctly rounded,
    // as in double here.
    const int newLong =
        static_cast<int>(static_cast<double>(static_cast<std::int64_t>(size) * longSide) / shortSide);
    return wide ? Size2{newLong, size} : Size2{size, newLong};
}

CropSpan centerCropSpan(int imageLength, int cropLength) {
    if (cropLength > imageLength) return CropSpan{0, (cropLength - imageLength) / 2, imageLength};
    return CropSpan{halfOfRoundedToEven(imageLength - cropLength), 0, cropLength};
}

Image centerCrop(const Image& image, int cropWidth, int cropHeight) {
    checkImage(image, "centerCrop");
    if (cropWidth <= 0 || cropHeight <= 0) throw Error("centerCrop: crop size must be positive");
    const CropSpan sx = centerCropSpan(image.width, cropWidth);
    const CropSpan sy = centerCropSpan(image.height, cropHeight);
    Image out;
    out.width = cropWidth;
    out.height = cropHeight;
    out.channels = image.channels;
    out.pixels.assign(static_cast<std::size_t>(cropWidth) * cropHeight * image.channels, 0);
    const std::size_t rowBytes = static_cast<std::size_t>(sx.length) * image.channels;
    for (int y = 0; y < sy.length; ++y) {
        const std::size_t from =
            (static_cast<std::size_t>(sy.sourceStart + y) * image.width + sx.sourceStart) * image.channels;
        std::memcpy(&out.at(sy.targetStart + y, sx.targetStart, 0), image.pixels.data() + from, rowBytes);
    }
    return out;
}

void clipPreprocessInto(const Image& image, float* out, int size, const std::array<double, 3>& mean,
                        const std::array<double, 3>& stdDev) {
    checkImage(image, "clipPreprocess");
    if (size <= 0) throw Error("clipPreprocess: size must be positive");
    const Size2 resized = shorterSideResizeSize(image.width, image.height, size);
    const CropSpan sx = centerCropSpan(resized.width, size);
    const CropSpan sy = centerCropSpan(resized.height, size);
    const Image window = resizeWindow(image, resized.width, resized.height, sx.sourceStart, sy.sourceStart,
                                      sx.length, sy.length);

    // ToTensor then Normalize, in float32 and in torchvision's order: (v / 255 - mean) / std.
    // 256 values per channel, so a table is both exact and cheap.
    float table[3][256];
    for (int c = 0; c < 3; ++c) {
        const float m = static_cast<float>(mean[static_cast<std::size_t>(c)]);
        const float s = static_cast<float>(stdDev[static_cast<std::size_t>(c)]);
        if (s == 0.0f)
            throw Error("clipPreprocess: standard deviation of channel " + std::to_string(c) + " is 0");
        for (int v = 0; v < 256; ++v) table[c][v] = (static_cast<float>(v) / 255.0f - m) / s;
    }
    const std::size_t plane = static_cast<std::size_t>(size) * size;
    for (int c = 0; c < 3; ++c) {
        float* dst = out + c * plane;
        // Padding (never needed after a shorter-side resize, kept for generality) is black.
        std::fill(dst, dst + plane, table[c][0]);
        const int sourceChannel = window.channels == 3 ? c : 0;
        for (int y = 0; y < sy.length; ++y) {
            float* row = dst + static_cast<std::size_t>(sy.targetStart + y) * size + sx.targetStart;
            for (int x = 0; x < sx.length; ++x) row[x] = table[c][window.at(y, x, sourceChannel)];
        }
    }
}

torch::Tensor clipPreprocess(const Image& image, int size, const std::array<double, 3>& mean,
                             const std::array<double, 3>& stdDev) {
    if (size <= 0) throw Error("clipPreprocess: size must be positive");
    auto out = torch::empty({3, size, size}, torch::kFloat32);
    clipPreprocessInto(image, out.data_ptr<float>(), size, mean, stdDev);
    return out;
}

torch::Tensor clipPreprocessBatch(const std::vector<Image>& images, int size,
                                  const std::array<double, 3>& mean, const std::array<double, 3>& stdDev) {
    if (size <= 0) throw Error("clipPreprocessBatch: size must be positive");
    auto out = torch::empty({static_cast<std::int64_t>(images.size()), 3, size, size}, torch::kFloat32);
    const std::size_t stride = static_cast<std::size_t>(3) * size * size;
    float* base = out.data_ptr<float>();
    for (std::size_t i = 0; i < images.size(); ++i) {
        try {
            clipPreprocessInto(images[i], base + i * stride, size, mean, stdDev);
        } catch (const Error& e) {
            throw Error("clipPreprocessBatch: image " + std::to_string(i) + ": " + e.what());
        }
    }
    return out;
}

}  // namespace genra::data
