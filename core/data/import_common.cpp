#include "core/data/import_common.h"

#include <algorithm>
#include <atomic>
#include <fstream>
#include <iomanip>
#include <sstream>
#include <thread>
#include <unordered_set>

#include "core/data/image.h"
#include "core/store/dataset_items.h"
#include "core/store/workspace.h"
#include "core/text/unicode.h"
#include "core/util/error.h"
#include "core/util/hash.h"
#include "core/util/json_limits.h"
#include "core/util/threads.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace genra::data {

void ImportSummary::addError(const std::string& reason, const std::string& message) {
    ++errors[reason];
    auto& list = examples[reason];
    if (list.size() < kMaxExamples) list.push_back(message);
}

std::int64_t ImportSummary::errorCount() const {
    std::int64_t total = 0;
    for (const auto& [reason, count] : errors) total += count;
    return total;
}

std::string ImportSummary::describe() const {
    std::ostringstream out;
    auto label = [&out](const char* text) -> std::ostream& {
        out << "  " << std::left << std::setw(28) << text;
        return out;
    };
    out << "dataset \"" << datasetName << "\" (" << kind << ")\n";
    label("images imported:") << imagesImported;
    if (imagesUnreadable > 0) out << " (" << imagesUnreadable << " unreadable, recorded as missing/corrupt)";
    out << "\n";
    label("already imported, skipped:") << imagesSkipped << " images";
    if (captionsSkipped > 0) out << ", " << captionsSkipped << " captions";
    out << "\n";
    if (kind == "generated") {
        label("generations linked:") << generationsLinked << "\n";
    } else {
        label("captions imported:") << captionsImported << "\n";
    }
    label("errors:") << errorCount() << "\n";
    for (const auto& [reason, count] : errors) {
        out << "    " << reason << ": " << count << "\n";
        const auto it = examples.find(reason);
        if (it == examples.end()) continue;
        for (const auto& message : it->second) out << "      e.g. " << message << "\n";
    }
    return out.str();
}

namespace detail {

std::string absolutePath(const fs::path& path) {
    std::error_code ec;
    fs::path absolute = fs::absolute(path, ec);
    if (ec) absolute = path;
    return absolute.lexically_normal().string();
}

std::string trim(const std::string& text) {
    const char* space = " \t\r\n\f\v";
    const auto first = text.find_first_not_of(space);
    if (first == std::string::npos) return {};
    const auto last = text.find_last_not_of(space);
    return text.substr(first, last - first + 1);
}

std::string jsonPath(const std::string& where, const std::string& key) {
    return where.empty() ? key : where + "." + key;
}

std::string jsonIndex(const std::string& where, std::size_t index) {
    return where + "[" + std::to_string(index) + "]";
}

namespace {
std::string typeName(const json& value) {
    if (value.is_number_integer()) return "an integer";
    if (value.is_number()) return "a number";
    if (value.is_string()) return "a string";
    if (value.is_array()) return "an array";
    if (value.is_object()) return "an object";
    if (value.is_boolean()) return "a boolean";
    return "null";
}

std::string keyTextOf(const json& value, const std::string& path, const std::string& file) {
    if (value.is_string()) return value.get<std::string>();
    if (value.is_number_integer()) return std::to_string(value.get<std::int64_t>());
    if (value.is_number_float()) {
        const double d = value.get<double>();
        if (d == static_cast<double>(static_cast<std::int64_t>(d)))
            return std::to_string(static_cast<std::int64_t>(d));
    }
    throw ParseError(file, path, "expected an integer or a string, found " + typeName(value));
}
}  // namespace

void requireObject(const json& value, const std::string& where, const std::string& file) {
    if (!value.is_object()) {
        throw ParseError(file, where.empty() ? "top level" : where,
                         "expected an object, found " + typeName(value));
    }
}

const json& requireField(const json& object, const std::string& key, const std::string& where,
                         const std::string& file) {
    requireObject(object, where, file);
    const auto it = object.find(key);
    if (it == object.end()) throw ParseError(file, jsonPath(where, key), "missing required key");
    return *it;
}

const json& requireArray(const json& object, const std::string& key, const std::string& where,
                         const std::string& file) {
    const json& value = requireField(object, key, where, file);
    if (!value.is_array()) {
        throw ParseError(file, jsonPath(where, key), "expected an array, found " + typeName(value));
    }
    return value;
}

std::string requireString(const json& object, const std::string& key, const std::string& where,
                          const std::string& file) {
    const json& value = requireField(object, key, where, file);
    if (!value.is_string()) {
        throw ParseError(file, jsonPath(where, key), "expected a string, found " + typeName(value));
    }
    return value.get<std::string>();
}

std::string requireKeyText(const json& object, const std::string& key, const std::string& where,
                           const std::string& file) {
    return keyTextOf(requireField(object, key, where, file), jsonPath(where, key), file);
}

std::optional<std::string> optionalKeyText(const json& object, const std::string& key,
                                           const std::string& where, const std::string& file) {
    const auto it = object.find(key);
    if (it == object.end() || it->is_null()) return std::nullopt;
    return keyTextOf(*it, jsonPath(where, key), file);
}

std::string imagePathUnder(const fs::path& root, const std::string& name, bool allowOutsideRoot,
                           const std::string& file, const std::string& where) {
    const std::string path = absolutePath(root / name);
    if (allowOutsideRoot) return path;
    const fs::path relative = fs::path(path).lexically_relative(root);
    if (relative.empty() || relative.is_absolute() || *relative.begin() == "..") {
        throw ParseError(file, where,
                         "image path \"" + name + "\" lies outside the image folder " + root.string() +
                             "; give --allow-outside-root to import images from anywhere");
    }
    return path;
}

void requireUtf8(const std::string& value, const std::string& what, const std::string& file,
                 const std::string& where) {
    const std::size_t bad = genra::text::findInvalidUtf8(value);
    if (bad == std::string::npos) return;
    throw ParseError(file, where,
                     what + " is not valid UTF-8 (byte " + std::to_string(bad + 1) +
                         "); save the file as UTF-8");
}

void requireImageRoot(const fs::path& root) {
    std::error_code ec;
    if (root.empty()) throw Error("no image folder given");
    if (!fs::is_directory(root, ec)) {
        throw Error("image folder " + root.string() + " does not exist or is not a folder");
    }
}

std::string datasetNameFor(const std::string& given, const fs::path& inputFile) {
    if (!given.empty()) return given;
    const std::string stem = inputFile.stem().string();
    if (stem.empty())
        throw Error("cannot derive a dataset name from " + inputFile.string() + "; give --name");
    return stem;
}

std::int64_t openImportDataset(store::Workspace& workspace, const store::DatasetInfo& wanted) {
    const auto existing = workspace.findDataset(wanted.name);
    if (!existing) return workspace.createDataset(wanted);
    if (existing->kind != wanted.kind || existing->source != wanted.source ||
        existing->imageRoot != wanted.imageRoot) {
        throw Error("workspace " + workspace.dir().string() + " already has a dataset named \"" +
                    wanted.name + "\" (" + existing->kind + " from " +
                    (existing->source.empty() ? "?" : existing->source) + ", images under " +
                    (existing->imageRoot.empty() ? "?" : existing->imageRoot) + "); this import (" +
                    wanted.kind + " from " + wanted.source + ", images under " + wanted.imageRoot +
                    ") is a different one: choose another --name");
    }
    return existing->id;
}

ImageProbe probeImage(const std::string& path) {
    ImageProbe probe;
    std::error_code ec;
    const fs::file_status status = fs::status(path, ec);
    if (!fs::exists(status)) {
        probe.status = "missing";
        probe.error = path + ": file not found";
        return probe;
    }
    if (!fs::is_regular_file(status)) {
        probe.status = "missing";
        probe.reason = "not a regular file";
        probe.error = path + ": not a regular file (" + fileTypeName(status.type()) + "), not read";
        return probe;
    }
    std::vector<std::uint8_t> bytes;
    try {
        bytes = readFileBytes(path);
    } catch (const std::exception& e) {
        probe.status = "missing";
        probe.error = e.what();
        return probe;
    }
    probe.sha256 = sha256Hex(bytes.data(), bytes.size());
    try {
        const Image image = decodeImage(bytes, path);
        probe.width = image.width;
        probe.height = image.height;
    } catch (const ImageTooLarge& e) {
        probe.status = "corrupt";
        probe.reason = "image too large";
        probe.error = e.what();
    } catch (const std::exception& e) {
        probe.status = "corrupt";
        probe.error = e.what();
    }
    return probe;
}

namespace {

// Decodes a batch with a few threads; results land at the same index as their path.
void probeBatch(const std::vector<const PlannedImage*>& batch, std::vector<ImageProbe>& out, int threads) {
    out.assign(batch.size(), ImageProbe{});
    std::atomic<std::size_t> nextIndex{0};
    auto work = [&] {
        for (std::size_t i = nextIndex++; i < batch.size(); i = nextIndex++) {
            try {
                out[i] = probeImage(batch[i]->path);
            } catch (const std::exception& e) {  // e.g. out of memory on a huge image
                out[i] = ImageProbe{};
                out[i].status = "corrupt";
                out[i].error = batch[i]->path + ": " + e.what();
            }
        }
    };
    const int count = std::max(1, std::min(threads, static_cast<int>(batch.size())));
    std::vector<std::thread> pool;
    for (int t = 1; t < count; ++t) pool.emplace_back(work);
    work();
    for (auto& thread : pool) thread.join();
}

}  // namespace

std::string storedImagePath(const store::Workspace& workspace, const std::string& path) {
    std::error_code ec;
    const fs::path root = fs::absolute(workspace.dir(), ec).lexically_normal();
    if (ec) return path;
    const fs::path file = fs::path(path).lexically_normal();
    const fs::path relative = file.lexically_relative(root);
    if (relative.empty() || relative.is_absolute() || *relative.begin() == "..") return path;
    return relative.generic_string();
}

void writePlannedImages(store::Workspace& workspace, std::int64_t datasetId,
                        const std::vector<PlannedImage>& plan, ImportSummary& summary,
                        jobs::JobContext& context, int threads, int chunkImages) {
    const auto existing = store::imagePathsOfDataset(workspace, datasetId);
    std::vector<const PlannedImage*> todo;
    todo.reserve(plan.size());
    for (const auto& image : plan) {
        if (existing.count(storedImagePath(workspace, image.path)) || existing.count(image.path)) {
            ++summary.imagesSkipped;
            summary.captionsSkipped += static_cast<std::int64_t>(image.captions.size());
        } else {
            todo.push_back(&image);
        }
    }
    if (todo.empty()) {
        context.progress(1.0, plan.empty() ? "nothing to import" : "every image was already imported");
        return;
    }

    const int workers = threads > 0 ? threads : hardwareThreads();
    const std::size_t batchSize = static_cast<std::size_t>(std::max(32, workers * 16));
    const int chunk = std::max(1, chunkImages);

    // Images are decoded and hashed with no transaction open; only the inserts of decoded images
    // hold the write lock, in transactions of at most `chunk` images, so a training run's
    // heartbeat or metrics never wait behind decoding.
    std::vector<const PlannedImage*> batch;
    std::vector<ImageProbe> probes;
    const std::size_t total = todo.size();
    for (std::size_t start = 0; start < total; start += batchSize) {
        // Everything decoded so far is committed: a cancel keeps it, and the next run resumes after it.
        if (context.cancelled()) throw Cancelled();
        const std::size_t end = std::min(total, start + batchSize);
        batch.assign(todo.begin() + static_cast<std::ptrdiff_t>(start),
                     todo.begin() + static_cast<std::ptrdiff_t>(end));
        probeBatch(batch, probes, workers);

        for (std::size_t first = 0; first < batch.size(); first += static_cast<std::size_t>(chunk)) {
            const std::size_t last = std::min(batch.size(), first + static_cast<std::size_t>(chunk));
            store::writeInTransaction(workspace, [&] {
                for (std::size_t i = first; i < last; ++i) {
                    const PlannedImage& image = *batch[i];
                    const ImageProbe& probe = probes[i];
                    store::ImageRecord record;
                    record.datasetId = datasetId;
                    record.path = storedImagePath(workspace, image.path);
                    record.modality = image.modality;
                    record.split = image.split;
                    record.width = probe.width;
                    record.height = probe.height;
                    record.sha256 = probe.sha256;
                    record.status = probe.status;
                    record.error = probe.error;
                    record.sourceKey = image.sourceKey;
                    record.attributesJson = image.attributesJson;
                    const std::int64_t imageId = workspace.insertImage(record);
                    ++summary.imagesImported;
                    if (probe.status != "ok") {
                        ++summary.imagesUnreadable;
                        const std::string reason = probe.reason.empty()
                                                       ? (probe.status == "missing" ? "missing image file" : "corrupt image")
                                                       : probe.reason;
                        const std::string message = probe.error.value_or(image.path);
                        summary.addError(reason, image.origin.empty() ? message : image.origin + ": " + message);
                    }
                    std::int64_t ord = 0;
                    for (const auto& caption : image.captions) {
                        store::CaptionRecord c;
                        c.datasetId = datasetId;
                        c.imageId = imageId;
                        c.text = caption.text;
                        c.sourceKey = caption.sourceKey;
                        c.ord = ord++;
                        workspace.insertCaption(c);
                        ++summary.captionsImported;
                    }
                    if (image.captionId) {
                        workspace.insertGeneration(imageId, *image.captionId, image.generator, image.seed, image.paramsJson);
                        ++summary.generationsLinked;
                    }
                }
            });
        }
        context.progress(static_cast<double>(end) / static_cast<double>(total),
                         "imported " + std::to_string(end) + "/" + std::to_string(total) + " images");
    }
}

}  // namespace detail
}  // namespace genra::data
