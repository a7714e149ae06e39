// CLIP preprocessing against the Python reference (Pillow 9.4, torch, numpy run through
// /usr/bin/python3 by the test itself), centre-crop arithmetic, and the parallel batch loader.
#include "core/data/batch_loader.h"
#include "core/data/image.h"
#include "core/data/preprocess.h"
#include "core/util/error.h"
#include "support/test_support.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <iterator>
#include <random>
#include <thread>

using namespace genra;
using namespace genra::data;
namespace fs = std::filesystem;

namespace {

// The reference side. torchvision is not installed, so its CLIP transform is written out here
// from torchvision's own definitions (Resize with an int, CenterCrop with padding, ToTensor,
// Normalize), using PIL for the resize and torch for the float arithmetic.
const char* kReferenceScript = R"PY(
import sys
import numpy as np
from PIL import Image
import PIL

BICUBIC = Image.Resampling.BICUBIC if hasattr(Image, "Resampling") else Image.BICUBIC

def resize(args):
    src, prefix = args[0], args[1]
    im = Image.open(src)
    im.load()
    with open(prefix + "_source.raw", "wb") as f:
        f.write(np.asarray(im).tobytes())
    sizes = [int(v) for v in args[2:]]
    for w, h in zip(sizes[0::2], sizes[1::2]):
        out = im.resize((w, h), BICUBIC)
        with open("%s_%dx%d.raw" % (prefix, w, h), "wb") as f:
            f.write(np.asarray(out).tobytes())

def resize_float(args):
    src, c, h, w, prefix = args[0], int(args[1]), int(args[2]), int(args[3]), args[4]
    planes = np.fromfile(src, dtype=np.float32).reshape(c, h, w)
    sizes = [int(v) for v in args[5:]]
    for nw, nh in zip(sizes[0::2], sizes[1::2]):
        out = [np.asarray(Image.fromarray(planes[i], mode="F").resize((nw, nh), BICUBIC), dtype=np.float32)
               for i in range(c)]
        np.stack(out).astype(np.float32).tofile("%s_%dx%d.raw" % (prefix, nw, nh))

def clip(args):
    for i in range(0, len(args), 3):
        clip_one(args[i], int(args[i + 1]), args[i + 2])

def clip_one(src, size, dst):
    import torch
    img = Image.open(src)
    img.load()
    # torchvision.transforms.functional.resize(img, size) for an int size.
    w, h = img.size
    short, long = (w, h) if w <= h else (h, w)
    if short != size:
        new_short, new_long = size, int(size * long / short)
        new_w, new_h = (new_short, new_long) if w <= h else (new_long, new_short)
        img = img.resize((new_w, new_h), BICUBIC)
    # torchvision.transforms.functional.center_crop(img, [size, size]).
    w, h = img.size
    if size > w or size > h:
        left = (size - w) // 2 if size > w else 0
        top = (size - h) // 2 if size > h else 0
        right = (size - w + 1) // 2 if size > w else 0
        bottom = (size - h + 1) // 2 if size > h else 0
        arr = np.asarray(img)
        pad = ((top, bottom), (left, right)) + (((0, 0),) if arr.ndim == 3 else ())
        img = Image.fromarray(np.pad(arr, pad, constant_values=0))
        w, h = img.size
    if not (w == size and h == size):
        top = int(round((h - size) / 2.0))
        left = int(round((w - size) / 2.0))
        img = img.crop((left, top, left + size, top + size))
    img = img.convert("RGB")
    # ToTensor and Normalize.
    t = torch.from_numpy(np.array(img, dtype=np.uint8, copy=True)).permute(2, 0, 1).contiguous()
    t = t.to(dtype=torch.float32).div(255)
    mean = torch.as_tensor([0.48145466, 0.4578275, 0.40821073], dtype=torch.float32).view(-1, 1, 1)
    std = torch.as_tensor([0.26862954, 0.26130258, 0.27577711], dtype=torch.float32).view(-1, 1, 1)
    t.sub_(mean).div_(std)
    t.numpy().astype(np.float32).tofile(dst)

{"resize": resize, "resize_float": resize_float, "clip": clip}[sys.argv[1]](sys.argv[2:])
)PY";

// Gradients, noise, and a hard black/white checkerboard whose edges make the bicubic kernel
// overshoot, so the clipping to [0, 255] is exercised too.
Image makeTestImage(int width, int height, int channels, std::uint32_t seed) {
    Image image;
    image.width = width;
    image.height = height;
    image.channels = channels;
    image.pixels.resize(static_cast<std::size_t>(width) * height * channels);
    std::mt19937 rng(seed);
    for (int y = 0; y < height; ++y) {
        for (int x = 0; x < width; ++x) {
            const bool checker = x < width / 3 && y < height / 3;
            for (int c = 0; c < channels; ++c) {
                int v = 0;
                if (checker) {
                    v = ((x / 3 + y / 2) % 2) * 255;
                } else {
                    const int base = c == 0   ? x * 255 / std::max(1, width - 1)
                                     : c == 1 ? y * 255 / std::max(1, height - 1)
                                              : ((x + 2 * y) * 5) % 256;
                    v = base + static_cast<int>(rng() >> 26) - 32;
                }
                image.at(y, x, c) = static_cast<std::uint8_t>(std::clamp(v, 0, 255));
            }
        }
    }
    return image;
}

std::vector<std::uint8_t> readBytes(const fs::path& path) {
    const std::string s = test::readFile(path);
    return std::vector<std::uint8_t>(s.begin(), s.end());
}

int maxAbsDiff(const std::vector<std::uint8_t>& a, const std::vector<std::uint8_t>& b) {
    int worst = 0;
    for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i)
        worst = std::max(worst, std::abs(a[i] - b[i]));
    return worst;
}

fs::path writeScript(const test::TempDir& tmp) {
    const fs::path script = tmp / "reference.py";
    test::writeFile(script, kReferenceScript);
    return script;
}

void runReference(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {test::pythonExecutable().string()};
    argv.insert(argv.end(), args.begin(), args.end());
    const auto r = test::runProcess(argv);
    INFO("python stderr: " << r.err);
    REQUIRE(r.exitCode == 0);
}

// Checks resizeBicubicAntialias against PIL for every (w, h) in `sizes`.
void checkAgainstPil(const Image& image, const std::vector<std::pair<int, int>>& sizes) {
    test::TempDir tmp("genra-preprocess");
    const fs::path png = tmp / "source.png";
    saveImage(image, png);
    std::vector<std::string> args = {writeScript(tmp).string(), "resize", png.string(),
                                     (tmp / "out").string()};
    for (const auto& [w, h] : sizes) {
        args.push_back(std::to_string(w));
        args.push_back(std::to_string(h));
    }
    runReference(args);
    // The PNG must reach PIL unchanged, or the comparison below would mean nothing.
    REQUIRE(readBytes(tmp / "out_source.raw") == image.pixels);
    for (const auto& [w, h] : sizes) {
        const Image ours = resizeBicubicAntialias(image, w, h);
        const auto theirs = readBytes(tmp / ("out_" + std::to_string(w) + "x" + std::to_string(h) + ".raw"));
        INFO(image.width << "x" << image.height << "x" << image.channels << " -> " << w << "x" << h
                         << ", max abs diff " << maxAbsDiff(ours.pixels, theirs));
        CHECK(ours.width == w);
        CHECK(ours.height == h);
        REQUIRE(ours.pixels.size() == theirs.size());
        CHECK(ours.pixels == theirs);
    }
}

float maxAbsDiff(const torch::Tensor& a, const torch::Tensor& b) {
    return (a - b).abs().max().item<float>();
}

}  // namespace

TEST_CASE("bicubic resize equals Pillow byte for byte", "[preprocess]") {
    if (!test::pythonOrSkip("PIL, numpy")) return;

    SECTION("small non-square RGB image, down, up and mixed on both axes") {
        checkAgainstPil(makeTestImage(97, 61, 3, 1), {{50, 30},
                                                      {200, 150},
                                                      {40, 120},
                                                      {150, 20},
                                                      {97, 30},
                                                      {33, 61},
                                                      {96, 60},
                                                      {1, 1},
                                                      {224, 224},
                                                      {3, 97},
                                                      {97, 61}});
    }
    SECTION("640x480 RGB image, CLIP-like and extreme factors") {
        checkAgainstPil(makeTestImage(640, 480, 3, 2),
                        {{298, 224}, {224, 168}, {64, 48}, {13, 479}, {1000, 700}, {639, 481}});
    }
    SECTION("grey image") {
        checkAgainstPil(makeTestImage(61, 97, 1, 3), {{30, 50}, {120, 200}, {224, 367}});
    }
}

TEST_CASE("float bicubic resize equals Pillow's mode F", "[preprocess]") {
    if (!test::pythonOrSkip("PIL, numpy")) return;
    test::TempDir tmp("genra-preprocess");
    torch::manual_seed(7);
    const auto planes = torch::randn({2, 41, 67}) * 3.0;
    const fs::path raw = tmp / "planes.raw";
    test::writeFile(raw, std::string(reinterpret_cast<const char*>(planes.data_ptr<float>()),
                                     static_cast<std::size_t>(planes.numel()) * sizeof(float)));
    const std::vector<std::pair<int, int>> sizes = {{20, 13}, {150, 90}, {67, 10}, {9, 41}};
    std::vector<std::string> args = {writeScript(tmp).string(), "resize_float", raw.string(), "2", "41", "67",
                                     (tmp / "outf").string()};
    for (const auto& [w, h] : sizes) {
        args.push_back(std::to_string(w));
        args.push_back(std::to_string(h));
    }
    runReference(args);
    for (const auto& [w, h] : sizes) {
        const auto ours = resizeBicubicAntialias(planes, w, h);
        REQUIRE(ours.sizes() == torch::IntArrayRef({2, h, w}));
        const std::string bytes =
            test::readFile(tmp / ("outf_" + std::to_string(w) + "x" + std::to_string(h) + ".raw"));
        REQUIRE(bytes.size() == static_cast<std::size_t>(ours.numel()) * sizeof(float));
        auto theirs = torch::empty_like(ours);
        std::memcpy(theirs.data_ptr<float>(), bytes.data(), bytes.size());
        INFO(w << "x" << h << ": max abs diff " << maxAbsDiff(ours, theirs));
        CHECK(torch::equal(ours, theirs));
    }
    SECTION("a [H, W] tensor keeps its rank") {
        CHECK(resizeBicubicAntialias(planes[0], 20, 13).sizes() == torch::IntArrayRef({13, 20}));
        CHECK(torch::equal(resizeBicubicAntialias(planes[0], 20, 13),
                           resizeBicubicAntialias(planes, 20, 13)[0]));
    }
}

TEST_CASE("clipPreprocess equals the torchvision CLIP transform", "[preprocess]") {
    if (!test::pythonOrSkip("PIL, numpy, torch")) return;
    struct Case {
        int width;
        int height;
        int channels;
        int size;
    };
    // Landscape, portrait, upscaling, a shorter side already at the target (no resize), odd
    // leftovers for the crop, grey input, and the real CLIP size on a camera-sized image.
    const Case cases[] = {{640, 480, 3, 224}, {97, 61, 3, 224},   {61, 97, 3, 224}, {13, 7, 3, 32},
                          {224, 301, 3, 224}, {301, 224, 3, 224}, {97, 61, 1, 48},  {100, 100, 3, 64}};
    test::TempDir tmp("genra-preprocess");
    // One Python run for all cases: importing torch is the slow part.
    std::vector<std::string> args = {writeScript(tmp).string(), "clip"};
    std::vector<Image> images;
    for (std::size_t i = 0; i < std::size(cases); ++i) {
        const auto& c = cases[i];
        images.push_back(makeTestImage(c.width, c.height, c.channels, 10 + static_cast<std::uint32_t>(i)));
        const fs::path png = tmp / ("clip" + std::to_string(i) + ".png");
        saveImage(images.back(), png);
        args.insert(args.end(), {png.string(), std::to_string(c.size),
                                 (tmp / ("clip" + std::to_string(i) + ".raw")).string()});
    }
    runReference(args);
    for (std::size_t i = 0; i < std::size(cases); ++i) {
        const auto& c = cases[i];
        const Image& image = images[i];
        const fs::path raw = tmp / ("clip" + std::to_string(i) + ".raw");
        const auto ours = clipPreprocess(image, c.size);
        REQUIRE(ours.sizes() == torch::IntArrayRef({3, c.size, c.size}));
        REQUIRE(ours.dtype() == torch::kFloat32);
        const std::string bytes = test::readFile(raw);
        REQUIRE(bytes.size() == static_cast<std::size_t>(ours.numel()) * sizeof(float));
        auto theirs = torch::empty_like(ours);
        std::memcpy(theirs.data_ptr<float>(), bytes.data(), bytes.size());
        const float diff = maxAbsDiff(ours, theirs);
        INFO(c.width << "x" << c.height << "x" << c.channels << " at " << c.size << ": max abs diff "
                     << diff);
        CHECK(diff <= 1e-6f);
    }
}

TEST_CASE("shorter-side resize sizes and centre-crop offsets", "[preprocess]") {
    SECTION("the longer side is truncated as Python's int() does") {
        CHECK(shorterSideResizeSize(640, 480, 224).width == 298);  // 224 * 640 / 480 = 298.67
        CHECK(shorterSideResizeSize(640, 480, 224).height == 224);
        CHECK(shorterSideResizeSize(480, 640, 224).height == 298);
        CHECK(shorterSideResizeSize(97, 61, 224).width == 356);  // 356.20
        CHECK(shorterSideResizeSize(5, 5, 224).width == 224);
        CHECK_THROWS_AS(shorterSideResizeSize(0, 5, 224), genra::Error);
    }
    SECTION("odd leftovers round half to even, like Python's round()") {
        // int(round((len - crop) / 2.0)): 1.5 -> 2, 2.5 -> 2, 0.5 -> 0, 3.5 -> 4.
        CHECK(centerCropSpan(7, 4).sourceStart == 2);
        CHECK(centerCropSpan(9, 4).sourceStart == 2);
        CHECK(centerCropSpan(5, 4).sourceStart == 0);
        CHECK(centerCropSpan(11, 4).sourceStart == 4);
        CHECK(centerCropSpan(8, 4).sourceStart == 2);
        CHECK(centerCropSpan(4, 4).sourceStart == 0);
        CHECK(centerCropSpan(9, 4).length == 4);
        CHECK(centerCropSpan(9, 4).targetStart == 0);
    }
    SECTION("a crop larger than the image pads, (crop - len) // 2 before") {
        CHECK(centerCropSpan(3, 6).targetStart == 1);  // 1 before, 2 after
        CHECK(centerCropSpan(3, 6).length == 3);
        CHECK(centerCropSpan(3, 6).sourceStart == 0);
        CHECK(centerCropSpan(2, 5).targetStart == 1);
    }
    SECTION("centerCrop cuts and pads the right pixels") {
        // Each pixel holds its own coordinates.
        Image image;
        image.width = 3;
        image.height = 9;
        image.channels = 3;
        image.pixels.resize(3 * 9 * 3);
        for (int y = 0; y < 9; ++y) {
            for (int x = 0; x < 3; ++x) {
                image.at(y, x, 0) = static_cast<std::uint8_t>(x + 1);
                image.at(y, x, 1) = static_cast<std::uint8_t>(y + 1);
                image.at(y, x, 2) = 7;
            }
        }
        const Image crop = centerCrop(image, 6, 4);  // pad width 3 -> 6 (1 left, 2 right), crop rows 2..5
        REQUIRE(crop.width == 6);
        REQUIRE(crop.height == 4);
        for (int y = 0; y < 4; ++y) {
            for (int x = 0; x < 6; ++x) {
                const bool inside = x >= 1 && x <= 3;
                INFO("x " << x << " y " << y);
                CHECK(crop.at(y, x, 0) == (inside ? x : 0));
                CHECK(crop.at(y, x, 1) == (inside ? y + 3 : 0));
                CHECK(crop.at(y, x, 2) == (inside ? 7 : 0));
            }
        }
    }
    SECTION("clipPreprocess of a tiny image upsamples, then crops; black padding normalises to -mean/std") {
        const Image tiny = makeTestImage(5, 3, 3, 4);
        const auto t = clipPreprocess(tiny, 16);
        CHECK(t.sizes() == torch::IntArrayRef({3, 16, 16}));
        CHECK(torch::isfinite(t).all().item<bool>());
        // Compare with resize + crop done step by step.
        const Size2 s = shorterSideResizeSize(5, 3, 16);
        const Image stepwise = centerCrop(resizeBicubicAntialias(tiny, s.width, s.height), 16, 16);
        const float expected =
            (static_cast<float>(stepwise.at(7, 9, 1)) / 255.0f - static_cast<float>(kClipMean[1])) /
            static_cast<float>(kClipStd[1]);
        CHECK(t[1][7][9].item<float>() == expected);
        const Image padded = centerCrop(tiny, 8, 8);
        CHECK(padded.at(0, 0, 0) == 0);
    }
    SECTION("invalid input is a clear error") {
        CHECK_THROWS_AS(clipPreprocess(Image{}, 224), genra::Error);
        CHECK_THROWS_AS(resizeBicubicAntialias(makeTestImage(4, 4, 3, 1), 0, 3), genra::Error);
    }
}

TEST_CASE("batch loader: order, batching, errors, bounded prefetch, early stop", "[preprocess]") {
    test::TempDir tmp("genra-loader");
    constexpr int kSize = 32;
    std::vector<fs::path> paths;
    for (int i = 0; i < 11; ++i) {
        const fs::path p = tmp / ("img" + std::to_string(i) + ".png");
        if (i == 3) {
            test::writeFile(p, "this is not a PNG");
        } else if (i != 7) {
            saveImage(makeTestImage(40 + i, 30 + 2 * i, 3, 100 + static_cast<std::uint32_t>(i)), p);
        }
        paths.push_back(p);  // index 7 never exists
    }

    SECTION("batches come in order, with unreadable files reported by name and left out") {
        BatchLoaderOptions options;
        options.imageSize = kSize;
        options.batchSize = 4;
        options.workerThreads = 3;
        options.prefetchBatches = 2;
        BatchLoader loader(paths, options);
        CHECK(loader.batchCount() == 3);
        std::vector<std::size_t> seen;
        std::vector<ItemError> errors;
        std::size_t expectedBatch = 0;
        while (auto batch = loader.next()) {
            CHECK(batch->batchIndex == expectedBatch++);
            REQUIRE(batch->images.size(0) == static_cast<std::int64_t>(batch->indices.size()));
            CHECK(batch->images.sizes().slice(1) == torch::IntArrayRef({3, kSize, kSize}));
            for (std::size_t r = 0; r < batch->indices.size(); ++r) {
                const std::size_t index = batch->indices[r];
                seen.push_back(index);
                CHECK(torch::equal(batch->images[static_cast<std::int64_t>(r)],
                                   clipPreprocess(loadImage(paths[index]), kSize)));
            }
            errors.insert(errors.end(), batch->errors.begin(), batch->errors.end());
        }
        CHECK(expectedBatch == 3);
        CHECK_FALSE(loader.next().has_value());
        CHECK(seen == std::vector<std::size_t>{0, 1, 2, 4, 5, 6, 8, 9, 10});
        REQUIRE(errors.size() == 2);
        CHECK(errors[0].index == 3);
        CHECK(errors[0].name == paths[3].string());
        CHECK_THAT(errors[0].reason, Catch::Contains("img3.png"));
        CHECK(errors[1].index == 7);
        CHECK(errors[1].name == paths[7].string());
        CHECK_THAT(errors[1].reason, Catch::Contains("img7.png"));
    }

    SECTION("the result does not depend on the number of threads") {
        auto collect = [&](int threads, int batchSize) {
            BatchLoaderOptions options;
            options.imageSize = kSize;
            options.batchSize = batchSize;
            options.workerThreads = threads;
            BatchLoader loader(paths, options);
            std::vector<torch::Tensor> parts;
            while (auto batch = loader.next()) parts.push_back(batch->images);
            return torch::cat(parts);
        };
        const auto single = collect(1, 5);
        CHECK(single.size(0) == 9);
        CHECK(torch::equal(single, collect(4, 5)));
        CHECK(torch::equal(single, collect(8, 2)));
    }

    SECTION("a batch whose every item fails still comes out, empty") {
        BatchLoaderOptions options;
        options.imageSize = kSize;
        options.batchSize = 2;
        BatchLoader loader(
            4,
            [](std::size_t i) -> Image {
                if (i < 2) throw std::runtime_error("broken source " + std::to_string(i));
                return makeTestImage(20, 20, 3, 5);
            },
            [](std::size_t i) { return "mem:" + std::to_string(i); }, options);
        auto first = loader.next();
        REQUIRE(first.has_value());
        CHECK(first->images.sizes() == torch::IntArrayRef({0, 3, kSize, kSize}));
        REQUIRE(first->errors.size() == 2);
        CHECK(first->errors[1].name == "mem:1");
        CHECK(first->errors[1].reason == "broken source 1");
        auto second = loader.next();
        REQUIRE(second.has_value());
        CHECK(second->indices == std::vector<std::size_t>{2, 3});
        CHECK_FALSE(loader.next().has_value());
    }

    SECTION("workers stay within the prefetch window") {
        std::atomic<std::size_t> highest{0};
        std::atomic<int> loads{0};
        BatchLoaderOptions options;
        options.imageSize = 8;
        options.batchSize = 2;
        options.workerThreads = 4;
        options.prefetchBatches = 3;
        BatchLoader loader(
            100,
            [&](std::size_t i) {
                std::size_t seen = highest.load();
                while (i > seen && !highest.compare_exchange_weak(seen, i)) {
                }
                ++loads;
                return makeTestImage(8, 8, 3, 6);
            },
            nullptr, options);
        // Wait until the window is full (slow machines take a while), then give the workers time to
        // overrun it if they were going to.
        auto settle = [&](int expected) {
            const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
            while (loads.load() < expected && std::chrono::steady_clock::now() < deadline) {
                std::this_thread::sleep_for(std::chrono::milliseconds(5));
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(150));
        };
        settle(6);
        CHECK(loads.load() == 6);  // 3 batches of 2, then the workers wait
        CHECK(highest.load() == 5);
        REQUIRE(loader.next().has_value());
        settle(8);
        CHECK(loads.load() == 8);
        CHECK(highest.load() == 7);
    }

    SECTION("destroying the loader early stops and joins the workers promptly") {
        std::atomic<int> loads{0};
        const auto started = std::chrono::steady_clock::now();
        {
            BatchLoaderOptions options;
            options.imageSize = 16;
            options.batchSize = 4;
            options.workerThreads = 4;
            options.prefetchBatches = 2;
            BatchLoader loader(
                10000,
                [&](std::size_t) {
                    ++loads;
                    std::this_thread::sleep_for(std::chrono::milliseconds(5));
                    return makeTestImage(16, 16, 3, 8);
                },
                nullptr, options);
            REQUIRE(loader.next().has_value());
        }
        const auto elapsed = std::chrono::steady_clock::now() - started;
        CHECK(elapsed < std::chrono::seconds(5));
        CHECK(loads.load() <= 4 * 3);  // the consumed batch plus the prefetch window
    }

    SECTION("destroying a loader that was never read is fine too") {
        BatchLoaderOptions options;
        options.imageSize = kSize;
        BatchLoader loader(paths, options);
    }

    SECTION("an empty list gives no batches") {
        BatchLoader loader(std::vector<fs::path>{}, BatchLoaderOptions{});
        CHECK(loader.batchCount() == 0);
        CHECK_FALSE(loader.next().has_value());
    }
}
