// CLIP preprocessing throughput at 224 on 640x480 JPEG files: one thread doing load + preprocess
// in a loop, against the parallel BatchLoader on every core. Prints images/s and the ratio; the
// figures depend on the machine, so there is no pass/fail.
//
// Usage: genra_preprocess_bench [image count, default 256]
#include "core/data/batch_loader.h"
#include "core/data/image.h"
#include "core/data/preprocess.h"
#include "core/util/threads.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <system_error>
#include <unistd.h>

namespace fs = std::filesystem;
using genra::data::Image;

namespace {

Image makePhotoLikeImage(int width, int height, std::uint32_t seed) {
    Image image;
    image.width = width;
    image.height = height;
    image.channels = 3;
    image.pixels.resize(static_cast<std::size_t>(width) * height * 3);
    std::mt19937 rng(seed);
    for (int y = 0; y < height; ++y) {
        for (int x = 0; x < width; ++x) {
            const int noise = static_cast<int>(rng() >> 28);
            image.at(y, x, 0) = static_cast<std::uint8_t>((x * 255 / width + noise) & 255);
            image.at(y, x, 1) = static_cast<std::uint8_t>((y * 255 / height + noise) & 255);
            image.at(y, x, 2) = static_cast<std::uint8_t>(((x ^ y) + static_cast<int>(seed)) & 255);
        }
    }
    return image;
}

double secondsSince(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
    const int count = argc > 1 ? std::max(1, std::atoi(argv[1])) : 256;
    const fs::path dir = fs::temp_directory_path() / ("genra-preprocess-bench-" + std::to_string(getpid()));
    fs::create_directories(dir);

    // A handful of distinct images, written repeatedly, so that generation does not dominate.
    std::vector<fs::path> paths;
    for (int i = 0; i < count; ++i) {
        const fs::path p = dir / ("img" + std::to_string(i) + ".jpg");
        genra::data::saveImage(makePhotoLikeImage(640, 480, static_cast<std::uint32_t>(i % 8)), p);
        paths.push_back(p);
    }

    // In-memory preprocessing alone, to show how decode and preprocess split the time.
    const Image sample = genra::data::loadImage(paths[0]);
    auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < 64; ++i) (void)genra::data::clipPreprocess(sample, 224);
    const double preprocessOnly = 64 / secondsSince(start);

    start = std::chrono::steady_clock::now();
    // A value per image, summed in the same order on both sides, so that the results can be
    // compared exactly (and the work cannot be optimised away).
    double singleChecksum = 0.0;
    for (const auto& p : paths) {
        singleChecksum +=
            genra::data::clipPreprocess(genra::data::loadImage(p), 224)[1][100][100].item<double>();
    }
    const double single = count / secondsSince(start);

    genra::data::BatchLoaderOptions options;
    options.imageSize = 224;
    options.batchSize = 32;
    options.workerThreads = genra::hardwareThreads();
    options.prefetchBatches = 4;
    start = std::chrono::steady_clock::now();
    std::int64_t loaded = 0;
    double loaderChecksum = 0.0;
    {
        genra::data::BatchLoader loader(paths, options);
        while (auto batch = loader.next()) {
            for (std::int64_t r = 0; r < batch->images.size(0); ++r) {
                loaderChecksum += batch->images[r][1][100][100].item<double>();
            }
            loaded += batch->images.size(0);
        }
    }
    const double parallel = static_cast<double>(loaded) / secondsSince(start);

    std::error_code ec;
    fs::remove_all(dir, ec);

    std::printf("clipPreprocess 224 on 640x480 JPEG, %d images\n", count);
    std::printf("  preprocess only (decoded image in memory): %8.1f images/s\n", preprocessOnly);
    std::printf("  load + preprocess, 1 thread:               %8.1f images/s\n", single);
    std::printf("  BatchLoader, %2d workers:                   %8.1f images/s\n", options.workerThreads,
                parallel);
    std::printf("  ratio BatchLoader / 1 thread:              %8.2fx\n", parallel / single);
    std::printf("  same values on both paths: %s\n", singleChecksum == loaderChecksum ? "yes" : "NO");
    return 0;
}
