// Importing a folder of generated images made elsewhere (another generator, another machine) and
// linking each to the caption of an existing dataset it was made from.
#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>
#include <unordered_map>

#include "core/data/csv.h"
#include "core/data/import_common.h"
#include "core/data/importers.h"
#include "core/store/dataset_items.h"
#include "core/store/workspace.h"
#include "core/util/error.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace genra::data {

using detail::PlannedImage;

namespace {

bool isImageFile(const fs::path& path) {
    std::string ext = path.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
    static const char* const kExtensions[] = {".png", ".jpg", ".jpeg", ".webp",
                                              ".bmp", ".tif", ".tiff", ".ppm"};
    return std::find(std::begin(kExtensions), std::end(kExtensions), ext) != std::end(kExtensions);
}

std::optional<std::int64_t> parseInteger(const std::string& text) {
    if (text.empty()) return std::nullopt;
    std::int64_t value = 0;
    const char* begin = text.data();
    const char* end = text.data() + text.size();
    if (*begin == '+') ++begin;
    const auto [ptr, ec] = std::from_chars(begin, end, value);
    if (ec != std::errc() || ptr != end) return std::nullopt;
    return value;
}

// One generated image found in the folder or named by the manifest.
struct Found {
    std::string relative;         // as shown in messages and stored as the image's source key
    std::string folderKey;        // the caption key its folder names (empty: not in a key folder)
    std::string manifestCaption;  // the manifest's caption column: a key or the caption text
    std::string generator;
    std::optional<std::int64_t> seed;
    std::string manifestWhere;  // "manifest.tsv: line 7" when listed there
};

struct CaptionIndex {
    std::vector<store::CaptionRecord> captions;
    std::unordered_map<std::string, std::size_t> bySourceKey;
    std::unordered_map<std::int64_t, std::size_t> byId;
    std::unordered_map<std::string, std::size_t> byText;

    const store::CaptionRecord* findKey(const std::string& key) const {
        if (const auto it = bySourceKey.find(key); it != bySourceKey.end()) return &captions[it->second];
        if (const auto id = parseInteger(key)) {
            if (const auto it = byId.find(*id); it != byId.end()) return &captions[it->second];
        }
        return nullptr;
    }
    const store::CaptionRecord* findText(const std::string& text) const {
        const auto it = byText.find(text);
        return it == byText.end() ? nullptr : &captions[it->second];
    }
};

// Reads the manifest into `found` (keyed by absolute path); errors name the manifest and line.
void readManifest(const fs::path& manifest, const fs::path& root, bool allowOutsideRoot,
                  std::map<std::string, Found>& found) {
    const std::string fileName = manifest.string();
    CsvReader reader = CsvReader::fromFile(manifest, delimiterForFile(manifest));
    CsvRecord record;
    if (!reader.next(record)) throw ParseError(fileName, "line 1", "empty manifest: expected a header row");
    int pathIndex = -1;
    int captionIndex = -1;
    int generatorIndex = -1;
    int seedIndex = -1;
    for (std::size_t i = 0; i < record.fields.size(); ++i) {
        std::string name = detail::trim(record.fields[i]);
        std::transform(name.begin(), name.end(), name.begin(),
                       [](unsigned char c) { return std::tolower(c); });
        const int index = static_cast<int>(i);
        if (name == "path" || name == "image" || name == "file")
            pathIndex = pathIndex < 0 ? index : pathIndex;
        if (name == "caption" || name == "caption_key" || name == "key") {
            captionIndex = captionIndex < 0 ? index : captionIndex;
        }
        if (name == "generator") generatorIndex = index;
        if (name == "seed") seedIndex = index;
    }
    if (pathIndex < 0) {
        throw ParseError(
            fileName, "line " + std::to_string(record.line),
            "the header has no \"path\" column (expected columns: path, caption, generator, seed)");
    }
    auto field = [&](int index) -> std::string {
        if (index < 0 || static_cast<std::size_t>(index) >= record.fields.size()) return {};
        return detail::trim(record.fields[static_cast<std::size_t>(index)]);
    };
    while (reader.next(record)) {
        const std::string line = "line " + std::to_string(record.line);
        const std::string where = fileName + ": " + line;
        const std::string pathText = field(pathIndex);
        if (pathText.empty()) throw ParseError(fileName, line, "empty path");
        for (const int index : {pathIndex, captionIndex, generatorIndex}) {
            detail::requireUtf8(field(index), "a field", fileName, line);
        }
        const std::string path = detail::imagePathUnder(root, pathText, allowOutsideRoot, fileName, line);
        Found& entry = found[path];
        entry.relative = fs::path(path).lexically_relative(root).generic_string();
        if (entry.relative.empty() || entry.relative.rfind("..", 0) == 0) entry.relative = path;
        entry.manifestCaption = field(captionIndex);
        entry.generator = field(generatorIndex);
        entry.manifestWhere = where;
        if (const std::string seedText = field(seedIndex); !seedText.empty()) {
            const auto seed = parseInteger(seedText);
            if (!seed) {
                throw ParseError(fileName, "line " + std::to_string(record.line),
                                 "seed \"" + seedText + "\" is not an integer");
            }
            entry.seed = seed;
        }
    }
}

}  // namespace

GeneratedImportJob::GeneratedImportJob(GeneratedImportOptions options) : options_(std::move(options)) {}

bool GeneratedImportJob::run(jobs::JobContext& context) {
    summary_ = ImportSummary{};
    summary_.kind = "generated";
    summary_.datasetName = options_.dataset;
    started_ = false;
    context.progress(-1.0, "scanning " + options_.root.string());

    detail::requireImageRoot(options_.root);
    const fs::path root = detail::absolutePath(options_.root);
    const std::string defaultGenerator = options_.generator.empty() ? "external" : options_.generator;

    // The folder: <root>/<caption key>/<k>.<ext>.
    std::map<std::string, Found> found;  // absolute path -> what is known; sorted for a stable order
    std::error_code ec;
    for (const auto& dir : fs::directory_iterator(root, ec)) {
        if (!dir.is_directory()) continue;
        const std::string key = dir.path().filename().string();
        for (const auto& entry : fs::directory_iterator(dir.path(), ec)) {
            if (!entry.is_regular_file() || !isImageFile(entry.path())) continue;
            const std::string path = detail::absolutePath(entry.path());
            Found& f = found[path];
            f.relative = fs::path(path).lexically_relative(root).generic_string();
            f.folderKey = key;
        }
    }
    if (ec) throw Error("cannot list " + root.string() + ": " + ec.message());
    if (!options_.manifest.empty()) readManifest(options_.manifest, root, options_.allowOutsideRoot, found);
    // Images directly under root and not in the manifest have no caption key at all.
    for (const auto& entry : fs::directory_iterator(root, ec)) {
        if (!entry.is_regular_file() || !isImageFile(entry.path())) continue;
        const std::string path = detail::absolutePath(entry.path());
        if (!found.count(path)) {
            summary_.addError("no caption key",
                              path + ": not in a <caption key>/ folder and not listed in a manifest");
        }
    }
    context.checkCancelled();

    auto workspace = store::Workspace::open(options_.workspace);
    const store::DatasetInfo dataset = workspace.requireDataset(options_.dataset);
    CaptionIndex index;
    index.captions = workspace.captionsOfDataset(dataset.id);
    for (std::size_t i = 0; i < index.captions.size(); ++i) {
        const auto& caption = index.captions[i];
        if (!caption.sourceKey.empty()) index.bySourceKey.emplace(caption.sourceKey, i);
        index.byId.emplace(caption.id, i);
        index.byText.emplace(caption.text, i);
    }
    const auto splitOfImage = store::imageSplitsOfDataset(workspace, dataset.id);

    std::vector<PlannedImage> plan;
    plan.reserve(found.size());
    const json params{{"imported_from", root.string()}};
    for (const auto& [path, f] : found) {
        const store::CaptionRecord* caption = nullptr;
        std::string key = f.folderKey;
        if (!f.manifestCaption.empty()) {
            key = f.manifestCaption;
            caption = index.findKey(key);
            if (!caption) caption = index.findText(key);
        } else if (!key.empty()) {
            caption = index.findKey(key);
        }
        const std::string where = f.manifestWhere.empty() ? path : f.manifestWhere + " (" + f.relative + ")";
        if (key.empty()) {
            summary_.addError("no caption key",
                              where + ": no caption given and not in a <caption key>/ folder");
            continue;
        }
        if (!caption) {
            summary_.addError("unknown caption key",
                              where + ": no caption with key " + key + " in dataset " + options_.dataset);
            continue;
        }
        PlannedImage image;
        image.path = path;
        image.modality = "generated";
        if (caption->imageId) {
            if (const auto it = splitOfImage.find(*caption->imageId); it != splitOfImage.end())
                image.split = it->second;
        }
        image.sourceKey = f.relative;
        image.origin = f.manifestWhere;
        image.captionId = caption->id;
        image.generator = f.generator.empty() ? defaultGenerator : f.generator;
        image.seed = f.seed ? f.seed : parseInteger(fs::path(path).stem().string());
        image.paramsJson = params.dump();
        plan.push_back(std::move(image));
    }
    context.checkCancelled();

    started_ = true;
    detail::writePlannedImages(workspace, dataset.id, plan, summary_, context, options_.threads,
                               options_.chunkImages);
    return true;
}

}  // namespace genra::data
