// The three importers of real-image datasets: COCO captions, Karpathy splits, CSV/TSV. Each turns
// its input into a plan (checking the whole file first), then hands it to writePlannedImages.
#include "core/data/importers.h"

#include <algorithm>
#include <cctype>
#include <sstream>
#include <unordered_map>

#include "core/data/csv.h"
#include "core/data/import_common.h"
#include "core/store/workspace.h"
#include "core/util/error.h"
#include "core/util/json_file.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace genra::data {

using detail::PlannedCaption;
using detail::PlannedImage;

namespace {

std::string lower(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
    return text;
}

bool allDigits(const std::string& text) {
    return !text.empty() &&
           std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c); });
}

// Adds an image to the plan, or returns the one already planned for the same path (a file listed
// twice is one image with the captions of both entries).
PlannedImage& planImage(std::vector<PlannedImage>& plan, std::unordered_map<std::string, std::size_t>& byPath,
                        PlannedImage image, std::size_t* indexOut = nullptr) {
    const auto [it, inserted] = byPath.emplace(image.path, plan.size());
    if (inserted) plan.push_back(std::move(image));
    if (indexOut) *indexOut = it->second;
    return plan[it->second];
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// COCO captions

std::string cocoSplitFromFileName(const fs::path& file) {
    const std::string stem = lower(file.stem().string());
    std::string token;
    auto check = [](std::string word) -> std::string {
        while (!word.empty() && std::isdigit(static_cast<unsigned char>(word.back()))) word.pop_back();
        if (word == "train" || word == "val" || word == "test" || word == "restval") return word;
        if (word == "validation" || word == "valid") return "val";
        return {};
    };
    for (std::size_t i = 0; i <= stem.size(); ++i) {
        if (i < stem.size() && std::isalnum(static_cast<unsigned char>(stem[i]))) {
            token += stem[i];
            continue;
        }
        if (auto split = check(token); !split.empty()) return split;
        token.clear();
    }
    return "train";
}

CocoImportJob::CocoImportJob(CocoImportOptions options) : options_(std::move(options)) {}

bool CocoImportJob::run(jobs::JobContext& context) {
    summary_ = ImportSummary{};
    summary_.kind = "coco";
    started_ = false;
    const fs::path& file = options_.captionsFile;
    const std::string fileName = file.string();
    summary_.datasetName = detail::datasetNameFor(options_.name, file);
    context.progress(-1.0, "reading " + file.filename().string());

    const fs::path root = detail::absolutePath(options_.imageRoot);
    detail::requireImageRoot(options_.imageRoot);
    const std::string split = options_.split.empty() ? cocoSplitFromFileName(file) : options_.split;

    // The images are planned and the annotations checked as the parser reaches them (COCO's
    // train file holds 118k images and 590k annotations, too many to build as one document);
    // the annotations are matched to images once all are read, whichever comes first in the file.
    struct Annotation {
        std::string id;
        std::string imageId;
        std::string caption;
        std::size_t index = 0;
    };
    std::vector<PlannedImage> plan;
    std::unordered_map<std::string, std::size_t> byPath;
    std::unordered_map<std::string, std::size_t> byId;       // COCO image id -> plan index
    std::unordered_map<std::string, std::size_t> idElement;  // COCO image id -> images[] index
    std::vector<Annotation> pending;
    const json doc = util::readJsonFileStreamingArrays(
        file, {"images", "annotations"}, [&](const std::string& key, const json& entry, std::size_t i) {
            if (i % 4096 == 0) context.checkCancelled();
            if (key == "annotations") {
                const std::string where = detail::jsonIndex("annotations", i);
                Annotation annotation;
                annotation.id = detail::requireKeyText(entry, "id", where, fileName);
                annotation.imageId = detail::requireKeyText(entry, "image_id", where, fileName);
                annotation.caption = detail::trim(detail::requireString(entry, "caption", where, fileName));
                annotation.index = i;
                pending.push_back(std::move(annotation));
                return;
            }
            const std::string where = detail::jsonIndex("images", i);
            const std::string id = detail::requireKeyText(entry, "id", where, fileName);
            const std::string name = detail::requireString(entry, "file_name", where, fileName);
            if (const auto seen = idElement.find(id); seen != idElement.end()) {
                throw ParseError(
                    fileName, where + ".id",
                    "duplicate image id " + id + " (also images[" + std::to_string(seen->second) + "])");
            }
            idElement.emplace(id, i);
            PlannedImage image;
            image.path =
                detail::imagePathUnder(root, name, options_.allowOutsideRoot, fileName, where + ".file_name");
            image.split = split;
            image.sourceKey = id;
            image.origin = fileName + ": " + where;
            std::size_t index = 0;
            planImage(plan, byPath, std::move(image), &index);
            byId.emplace(id, index);
        });
    detail::requireObject(doc, "", fileName);
    detail::requireArray(doc, "images", "", fileName);
    detail::requireArray(doc, "annotations", "", fileName);
    for (auto& annotation : pending) {
        const auto it = byId.find(annotation.imageId);
        if (it == byId.end()) {
            summary_.addError("annotation of an unknown image",
                              fileName + ": " + detail::jsonIndex("annotations", annotation.index) +
                                  ".image_id: no image with id " + annotation.imageId + " in images[]");
            continue;
        }
        plan[it->second].captions.push_back(PlannedCaption{std::move(annotation.caption), annotation.id});
    }
    pending = {};
    context.checkCancelled();

    auto workspace = store::Workspace::open(options_.workspace);
    store::DatasetInfo info;
    info.name = summary_.datasetName;
    info.kind = "coco";
    info.source = detail::absolutePath(file);
    info.imageRoot = root.string();
    json meta{{"split", split}};
    if (doc.contains("info")) meta["info"] = doc["info"];
    info.metaJson = meta.dump();
    const std::int64_t datasetId = detail::openImportDataset(workspace, info);
    started_ = true;
    detail::writePlannedImages(workspace, datasetId, plan, summary_, context, options_.threads,
                               options_.chunkImages);
    return true;
}

// ---------------------------------------------------------------------------------------------
// Karpathy splits

KarpathyImportJob::KarpathyImportJob(KarpathyImportOptions options) : options_(std::move(options)) {}

bool KarpathyImportJob::run(jobs::JobContext& context) {
    summary_ = ImportSummary{};
    summary_.kind = "karpathy";
    started_ = false;
    const fs::path& file = options_.jsonFile;
    const std::string fileName = file.string();
    summary_.datasetName = detail::datasetNameFor(options_.name, file);
    context.progress(-1.0, "reading " + file.filename().string());

    const fs::path root = detail::absolutePath(options_.imageRoot);
    detail::requireImageRoot(options_.imageRoot);

    // Each image is planned as the parser reaches it: Karpathy's COCO file (123k images, each
    // sentence with its tokens) would take gigabytes as one document.
    std::vector<PlannedImage> plan;
    std::unordered_map<std::string, std::size_t> byPath;
    const json doc = util::readJsonFileStreamingArrays(
        file, {"images"}, [&](const std::string&, const json& entry, std::size_t i) {
            if (i % 4096 == 0) context.checkCancelled();
            const std::string where = detail::jsonIndex("images", i);
            const std::string name = detail::requireString(entry, "filename", where, fileName);
            PlannedImage image;
            image.split = detail::requireString(entry, "split", where, fileName);
            fs::path relative;
            if (entry.contains("filepath") && !entry["filepath"].is_null()) {
                relative = detail::requireString(entry, "filepath", where, fileName);
            }
            image.path = detail::imagePathUnder(root, (relative / name).string(), options_.allowOutsideRoot,
                                                fileName, where + ".filename");
            image.origin = fileName + ": " + where;
            if (auto key = detail::optionalKeyText(entry, "cocoid", where, fileName)) {
                image.sourceKey = *key;
            } else if (auto imgid = detail::optionalKeyText(entry, "imgid", where, fileName)) {
                image.sourceKey = *imgid;
            } else {
                image.sourceKey = name;
            }
            if (entry.contains("attributes")) {
                const json& attributes = entry["attributes"];
                if (!attributes.is_object()) {
                    throw ParseError(fileName, where + ".attributes", "expected an object");
                }
                image.attributesJson = attributes.dump();
            }
            const json& sentences = detail::requireArray(entry, "sentences", where, fileName);
            for (std::size_t k = 0; k < sentences.size(); ++k) {
                const std::string sentenceWhere = detail::jsonIndex(where + ".sentences", k);
                const std::string raw =
                    detail::trim(detail::requireString(sentences[k], "raw", sentenceWhere, fileName));
                const auto sentid = detail::optionalKeyText(sentences[k], "sentid", sentenceWhere, fileName);
                image.captions.push_back(PlannedCaption{raw, sentid.value_or("")});
            }
            std::vector<PlannedCaption> captions = image.captions;
            const std::size_t before = plan.size();
            PlannedImage& planned = planImage(plan, byPath, std::move(image));
            if (plan.size() == before) {
                planned.captions.insert(planned.captions.end(), captions.begin(), captions.end());
            }
        });
    detail::requireObject(doc, "", fileName);
    detail::requireArray(doc, "images", "", fileName);
    context.checkCancelled();

    auto workspace = store::Workspace::open(options_.workspace);
    store::DatasetInfo info;
    info.name = summary_.datasetName;
    info.kind = "karpathy";
    info.source = detail::absolutePath(file);
    info.imageRoot = root.string();
    // Top-level keys besides images (e.g. "dataset", or the Shapes benchmark's attribute_values)
    // describe the whole dataset: keep them.
    json meta = json::object();
    for (const auto& [key, value] : doc.items()) {
        if (key != "images") meta[key] = value;
    }
    info.metaJson = meta.dump();
    const std::int64_t datasetId = detail::openImportDataset(workspace, info);
    started_ = true;
    detail::writePlannedImages(workspace, datasetId, plan, summary_, context, options_.threads,
                               options_.chunkImages);
    return true;
}

// ---------------------------------------------------------------------------------------------
// CSV / TSV

namespace {

// Finds a column by name (case-insensitive), by a list of default names, or, for digits, by index.
// Returns -1 when `optional` and nothing matched.
int resolveColumn(const std::vector<std::string>& header, const std::string& given,
                  const std::vector<std::string>& defaults, const std::string& what,
                  const std::string& option, const std::string& fileName, std::int64_t line, bool optional) {
    std::vector<std::string> names;
    for (const auto& h : header) names.push_back(lower(detail::trim(h)));
    auto find = [&](const std::string& name) -> int {
        const auto it = std::find(names.begin(), names.end(), lower(name));
        return it == names.end() ? -1 : static_cast<int>(it - names.begin());
    };
    auto listHeader = [&] {
        std::string list;
        for (std::size_t i = 0; i < header.size(); ++i) list += (i ? ", \"" : "\"") + header[i] + "\"";
        return list;
    };
    if (!given.empty()) {
        if (const int index = find(given); index >= 0) return index;
        if (allDigits(given)) {
            const int index = std::stoi(given);
            if (index < static_cast<int>(header.size())) return index;
        }
        throw ParseError(
            fileName, "line " + std::to_string(line),
            "no " + what + " column \"" + given + "\" in the header (columns: " + listHeader() + ")");
    }
    for (const auto& name : defaults) {
        if (const int index = find(name); index >= 0) return index;
    }
    if (optional) return -1;
    std::string tried;
    for (std::size_t i = 0; i < defaults.size(); ++i) tried += (i ? ", " : "") + defaults[i];
    throw ParseError(fileName, "line " + std::to_string(line),
                     "no " + what + " column in the header (columns: " + listHeader() + "; looked for " +
                         tried + "); name it with " + option);
}

int columnIndex(const std::string& given, int fallback, const std::string& option) {
    if (given.empty()) return fallback;
    if (!allDigits(given)) {
        throw Error(option + " \"" + given + "\": without a header row, columns are 0-based indices");
    }
    return std::stoi(given);
}

}  // namespace

CsvImportJob::CsvImportJob(CsvImportOptions options) : options_(std::move(options)) {}

bool CsvImportJob::run(jobs::JobContext& context) {
    summary_ = ImportSummary{};
    summary_.kind = "csv";
    started_ = false;
    const fs::path& file = options_.file;
    const std::string fileName = file.string();
    summary_.datasetName = detail::datasetNameFor(options_.name, file);
    context.progress(-1.0, "reading " + file.filename().string());

    const char delimiter = options_.delimiter.value_or(delimiterForFile(file));
    CsvReader reader = CsvReader::fromFile(file, delimiter);
    const fs::path root = detail::absolutePath(options_.imageRoot);
    detail::requireImageRoot(options_.imageRoot);

    CsvRecord record;
    int pathIndex = 0;
    int captionIndex = 1;
    int splitIndex = -1;
    json columns = json::object();
    if (options_.header) {
        if (!reader.next(record)) throw ParseError(fileName, "line 1", "empty file: expected a header row");
        pathIndex =
            resolveColumn(record.fields, options_.pathColumn,
                          {"image", "filepath", "path", "image_path", "file_name", "filename", "file"},
                          "image path", "--path-column", fileName, record.line, false);
        captionIndex = resolveColumn(record.fields, options_.captionColumn, {"caption", "text"}, "caption",
                                     "--caption-column", fileName, record.line, false);
        splitIndex = resolveColumn(record.fields, options_.splitColumn, {"split"}, "split", "--split-column",
                                   fileName, record.line, true);
        columns["path"] = record.fields[static_cast<std::size_t>(pathIndex)];
        columns["caption"] = record.fields[static_cast<std::size_t>(captionIndex)];
        if (splitIndex >= 0) columns["split"] = record.fields[static_cast<std::size_t>(splitIndex)];
    } else {
        pathIndex = columnIndex(options_.pathColumn, 0, "--path-column");
        captionIndex = columnIndex(options_.captionColumn, 1, "--caption-column");
        splitIndex =
            options_.splitColumn.empty() ? -1 : columnIndex(options_.splitColumn, -1, "--split-column");
        columns["path"] = pathIndex;
        columns["caption"] = captionIndex;
        if (splitIndex >= 0) columns["split"] = splitIndex;
    }
    if (pathIndex == captionIndex) {
        throw Error(fileName + ": the image path and the caption cannot both be column " +
                    std::to_string(pathIndex));
    }
    const std::size_t needed = static_cast<std::size_t>(std::max({pathIndex, captionIndex, splitIndex})) + 1;

    std::vector<PlannedImage> plan;
    std::unordered_map<std::string, std::size_t> byPath;
    std::int64_t row = 0;
    while (reader.next(record)) {
        ++row;
        const std::string where = "line " + std::to_string(record.line);
        if (record.fields.size() < needed) {
            throw ParseError(fileName, where,
                             "expected at least " + std::to_string(needed) + " fields separated by '" +
                                 (delimiter == '\t' ? std::string("\\t") : std::string(1, delimiter)) +
                                 "', found " + std::to_string(record.fields.size()));
        }
        const std::string pathText = detail::trim(record.fields[static_cast<std::size_t>(pathIndex)]);
        if (pathText.empty()) throw ParseError(fileName, where, "empty image path");
        const std::string caption = detail::trim(record.fields[static_cast<std::size_t>(captionIndex)]);
        detail::requireUtf8(pathText, "the image path", fileName, where);
        detail::requireUtf8(caption, "the caption", fileName, where);
        PlannedImage image;
        image.path = detail::imagePathUnder(root, pathText, options_.allowOutsideRoot, fileName, where);
        image.sourceKey = pathText;
        image.split = options_.split;
        image.origin = fileName + ": " + where;
        if (splitIndex >= 0) {
            const std::string split = detail::trim(record.fields[static_cast<std::size_t>(splitIndex)]);
            detail::requireUtf8(split, "the split", fileName, where);
            if (!split.empty()) image.split = split;
        }
        PlannedImage& planned = planImage(plan, byPath, std::move(image));
        if (caption.empty()) {
            summary_.addError("empty caption", fileName + ": " + where + ": empty caption for " + pathText);
            continue;
        }
        planned.captions.push_back(PlannedCaption{caption, std::to_string(row)});
        if (row % 50000 == 0) {
            context.checkCancelled();
            context.progress(-1.0, "read " + std::to_string(row) + " rows");
        }
    }
    context.checkCancelled();

    auto workspace = store::Workspace::open(options_.workspace);
    store::DatasetInfo info;
    info.name = summary_.datasetName;
    info.kind = "csv";
    info.source = detail::absolutePath(file);
    info.imageRoot = root.string();
    info.metaJson = json{
        {"delimiter", std::string(1, delimiter)},
        {"header", options_.header},
        {"columns", columns},
        {"rows", row}}.dump();
    const std::int64_t datasetId = detail::openImportDataset(workspace, info);
    started_ = true;
    detail::writePlannedImages(workspace, datasetId, plan, summary_, context, options_.threads,
                               options_.chunkImages);
    return true;
}

}  // namespace genra::data
