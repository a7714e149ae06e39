// make-shapes: lays out, renders and writes the built-in Shapes benchmark (images, Karpathy and COCO
// JSON) on every core; see shapes.h.
#include "core/data/shapes.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <exception>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/data/shapes_internal.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "core/util/threads.h"

namespace fs = std::filesystem;

namespace genra::data {

using namespace shapes_detail;

namespace {

using JsonEmit = std::function<void(const nlohmann::json&)>;
using JsonArrayWriter = std::function<void(const JsonEmit&)>;

// Writes `doc.dump()` and a newline to `path` atomically, the empty array under each top-level key
// of `arrays` filled with what its writer emits. The bytes are those of dump() on the whole
// document: a compact array is "[" + its elements' dumps joined by "," + "]".
void writeJsonStreamingArrays(const fs::path& path, const nlohmann::json& doc,
                              const std::map<std::string, JsonArrayWriter>& arrays) {
    const std::string text = doc.dump();
    std::vector<std::pair<std::size_t, const JsonArrayWriter*>> slots;  // where each "]" is in text
    for (const auto& [key, writer] : arrays) {
        const std::string marker = nlohmann::json(key).dump() + ":[]";
        const auto at = text.find(marker);
        if (!doc.contains(key) || at == std::string::npos || text.find(marker, at + 1) != std::string::npos) {
            throw Error("internal error: cannot place the array \"" + key + "\" in " + path.string());
        }
        slots.emplace_back(at + marker.size() - 1, &writer);
    }
    std::sort(slots.begin(), slots.end());
    util::commitFileAtomically(path, [&](const fs::path& temporary) {
        std::ofstream out(temporary, std::ios::binary);
        if (!out) throw Error("cannot write " + temporary.string());
        std::size_t from = 0;
        for (const auto& [slot, writer] : slots) {
            out.write(text.data() + from, static_cast<std::streamsize>(slot - from));
            bool first = true;
            (*writer)([&](const nlohmann::json& element) {
                if (!first) out.put(',');
                first = false;
                out << element.dump();
            });
            from = slot;
        }
        out.write(text.data() + from, static_cast<std::streamsize>(text.size() - from));
        out.put('\n');
        out.flush();
        if (!out) throw Error("cannot write " + path.string());
    });
}

}  // namespace

std::string shapesFileName(int index) {
    char name[32];
    std::snprintf(name, sizeof name, "%06d.png", index);
    return name;
}

// ---------------------------------------------------------------------------------------------
// The job.

void validate(const MakeShapesOptions& options) {
    if (options.outDir.empty()) throw Error("make-shapes: no output folder given");
    if (options.count < 1)
        throw Error("make-shapes: --count must be at least 1 (got " + std::to_string(options.count) + ")");
    if (options.imageSize < 32 || options.imageSize > 1024) {
        throw Error("make-shapes: --size must be between 32 and 1024 pixels (got " +
                    std::to_string(options.imageSize) + ")");
    }
    if (options.version < kShapesVersionMin || options.version > kShapesVersionMax) {
        throw Error("make-shapes: --version must be 1 or 2 (got " + std::to_string(options.version) + ")");
    }
    if (options.style == ShapesStyle::Studio && options.version < 2)
        throw Error("make-shapes: --style studio needs --version 2 (version 1 has the photo style only)");
    if (!(options.studioFraction >= 0.0 && options.studioFraction <= 1.0))
        throw Error("make-shapes: --studio-fraction must lie in [0, 1] (got " + std::to_string(options.studioFraction) + ")");
    if (options.studioFraction > 0.0 && (options.version < 2 || options.style != ShapesStyle::Photo))
        throw Error("make-shapes: --studio-fraction mixes studio images into a version 2 photo set (use --version 2 "
                    "and no --style studio)");
    double sum = 0.0;
    for (double f : options.splitFractions) {
        if (!(f >= 0.0) || !std::isfinite(f))
            throw Error("make-shapes: split fractions must be finite and >= 0");
        sum += f;
    }
    if (std::abs(sum - 1.0) > 1e-3) {
        throw Error("make-shapes: split fractions must sum to 1 (got " + std::to_string(sum) + ")");
    }
}

MakeShapesJob::MakeShapesJob(MakeShapesOptions options) : options_(std::move(options)) {}

bool MakeShapesJob::run(jobs::JobContext& context) {
    validate(options_);
    const fs::path outDir = options_.outDir;
    for (const char* split : kShapesSplits) {
        const fs::path folder = outDir / "images" / split;
        std::error_code ec;
        fs::create_directories(folder, ec);
        if (ec || !fs::is_directory(folder)) {
            throw Error("cannot create output folder " + folder.string() + ": " +
                        (ec ? ec.message() : std::string("not a folder")));
        }
    }
    if (fs::exists(outDir / "dataset_shapes.json")) {
        context.log(jobs::LogLevel::Warning, "overwriting the Shapes dataset in " + outDir.string());
    }

    const int count = options_.count;
    const int size = options_.imageSize;
    context.progress(0.0, "laying out scenes");
    std::vector<ShapesScene> scenes;
    scenes.reserve(static_cast<std::size_t>(count));
    for (int i = 0; i < count; ++i) {
        scenes.push_back(makeShapesScene(options_.seed, i, size, options_.version));
        scenes.back().style = options_.style;
        if (i % 1024 == 0) context.checkCancelled();
    }
    const auto splits = assignShapesSplits(count, options_.splitFractions, options_.seed);
    for (int i = 0; i < count; ++i) {
        auto& scene = scenes[static_cast<std::size_t>(i)];
        if (splits[static_cast<std::size_t>(i)] != kShapesSplits[0] ||
            !drawnInStudio(options_.seed, i, options_.studioFraction))
            continue;
        scene.style = ShapesStyle::Studio;
        nameStudioStyle(scene, options_.seed);
    }

    // Render and write in parallel; each image depends only on (seed, index), so the thread count
    // never changes a byte.
    const int threads =
        std::max(1, std::min(options_.threads > 0 ? options_.threads : hardwareThreads(), count));
    std::atomic<int> next{0};
    std::atomic<int> done{0};
    std::atomic<bool> stop{false};
    std::mutex mutex;
    std::condition_variable wake;
    std::exception_ptr failure;
    auto worker = [&] {
        while (!stop.load()) {
            const int i = next.fetch_add(1);
            if (i >= count) break;
            try {
                const auto& scene = scenes[static_cast<std::size_t>(i)];
                const Image image = renderShapesScene(scene, options_.seed);
                saveImage(image, outDir / "images" / splits[static_cast<std::size_t>(i)] / shapesFileName(i));
            } catch (...) {
                std::lock_guard<std::mutex> lock(mutex);
                if (!failure) failure = std::current_exception();
                stop.store(true);
            }
            done.fetch_add(1);
            wake.notify_one();
        }
    };
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) pool.emplace_back(worker);
    {
        std::unique_lock<std::mutex> lock(mutex);
        while (!stop.load() && done.load() < count) {
            wake.wait_for(lock, std::chrono::milliseconds(100));
            lock.unlock();
            const int finished = done.load();
            context.progress(0.98 * finished / count,
                             "rendering " + std::to_string(finished) + "/" + std::to_string(count));
            if (context.cancelled()) stop.store(true);
            lock.lock();
        }
    }
    stop.store(true);
    for (auto& thread : pool) thread.join();
    if (failure) std::rethrow_exception(failure);
    context.checkCancelled();

    context.progress(0.98, "writing captions");
    result_ = MakeShapesResult{};
    for (const auto& split : splits) ++result_.splitCounts[split];
    // One image's entries at a time: at 100k images the two documents built whole took 2.6 GiB.
    auto karpathyImages = [&](const JsonEmit& emit) {
        std::int64_t sentid = 0;
        for (int i = 0; i < count; ++i) {
            const auto& scene = scenes[static_cast<std::size_t>(i)];
            const std::string& split = splits[static_cast<std::size_t>(i)];
            nlohmann::json sentences = nlohmann::json::array();
            nlohmann::json sentids = nlohmann::json::array();
            for (const auto& caption : scene.captions) {
                sentences.push_back(
                    {{"raw", caption}, {"tokens", captionTokens(caption)}, {"imgid", i}, {"sentid", sentid}});
                sentids.push_back(sentid);
                ++sentid;
            }
            emit({{"imgid", i},
                  {"filepath", "images/" + split},
                  {"filename", shapesFileName(i)},
                  {"split", split},
                  {"sentences", sentences},
                  {"sentids", sentids},
                  {"attributes", shapesAttributes(scene)}});
        }
    };
    auto cocoImages = [&](const JsonEmit& emit) {
        for (int i = 0; i < count; ++i) {
            emit({{"id", i},
                  {"file_name", "images/" + splits[static_cast<std::size_t>(i)] + "/" + shapesFileName(i)},
                  {"width", size},
                  {"height", size}});
        }
    };
    auto cocoAnnotations = [&](const JsonEmit& emit) {
        std::int64_t sentid = 0;
        for (int i = 0; i < count; ++i) {
            for (const auto& caption : scenes[static_cast<std::size_t>(i)].captions) {
                emit({{"id", sentid}, {"image_id", i}, {"caption", caption}});
                ++sentid;
            }
        }
    };
    nlohmann::json attributeValues = nlohmann::json::object();
    for (const auto& [name, values] : shapesAttributeValues()) attributeValues[name] = values;
    nlohmann::json karpathy{{"dataset", "shapes"},
                            {"seed", options_.seed},
                            {"image_size", size},
                            {"attribute_values", attributeValues},
                            {"images", nlohmann::json::array()}};
    // Version 1 files stay byte-identical to those written before versions existed.
    if (options_.version >= 2) karpathy["shapes_version"] = options_.version;
    if (options_.style != ShapesStyle::Photo) karpathy["shapes_style"] = toString(options_.style);
    if (options_.studioFraction > 0.0) karpathy["studio_fraction"] = options_.studioFraction;
    const nlohmann::json coco{{"info",
                               {{"description", "GenRA Workbench Shapes benchmark (procedural)"},
                                {"version", std::to_string(options_.version)},
                                {"seed", options_.seed},
                                {"count", count},
                                {"image_size", size}}},
                              {"images", nlohmann::json::array()},
                              {"annotations", nlohmann::json::array()}};
    result_.images = count;
    result_.karpathyJson = outDir / "dataset_shapes.json";
    result_.cocoJson = outDir / "captions_shapes.json";
    writeJsonStreamingArrays(result_.karpathyJson, karpathy, {{"images", karpathyImages}});
    writeJsonStreamingArrays(result_.cocoJson, coco,
                             {{"images", cocoImages}, {"annotations", cocoAnnotations}});
    context.progress(1.0, "wrote " + std::to_string(count) + " images");
    return true;
}

KarpathyImportOptions shapesImportOptions(const std::filesystem::path& workspace, const std::filesystem::path& shapesDir,
                                          const std::string& name) {
    KarpathyImportOptions o;
    o.workspace = workspace;
    o.name = name;
    o.jsonFile = shapesDir / "dataset_shapes.json";
    o.imageRoot = shapesDir;
    return o;
}

}  // namespace genra::data
