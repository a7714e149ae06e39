// Machinery the importers share (not a public API): reading JSON with positions in its errors,
// typed access to JSON fields that names the key path on failure, the dataset identity check that
// makes re-running an import resume it, and the writer that decodes images in parallel and inserts
// them from one thread in committed chunks.
#pragma once

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/data/importers.h"
#include "core/store/workspace.h"

namespace genra::data::detail {

struct PlannedCaption {
    std::string text;
    std::string sourceKey;
};

// One image an import means to write, with its captions, or, for a generated image, the caption
// it was made from.
struct PlannedImage {
    std::string path;  // absolute and lexically normal
    std::string modality = "real";
    std::string split;
    std::string sourceKey;
    std::string attributesJson = "{}";
    std::vector<PlannedCaption> captions;
    std::optional<std::int64_t> captionId;  // generated images only
    std::string generator;
    std::optional<std::int64_t> seed;
    std::string paramsJson = "{}";
    std::string origin;  // where the input named it ("captions.csv: line 7"), for messages
};

// What decoding an image found out.
struct ImageProbe {
    std::string status = "ok";  // ok | missing | corrupt
    std::optional<std::string> error;
    std::string reason;  // the summary's error reason; empty: from the status
    std::optional<std::int64_t> width;
    std::optional<std::int64_t> height;
    std::optional<std::string> sha256;
};

// Reads the file once, hashes the bytes and decodes them; never throws for a bad image. A path
// that is not a regular file (a folder, a FIFO, a device) is "missing" and never opened.
ImageProbe probeImage(const std::string& path);

// Absolute and lexically normalised, as image paths are stored.
std::string absolutePath(const std::filesystem::path& path);

std::string trim(const std::string& text);

// Typed access to JSON; `where` is the key path so far ("annotations[12]"), `file` the input file
// for the message. Missing keys and wrong types throw ParseError naming "<where>.<key>".
const nlohmann::json& requireField(const nlohmann::json& object, const std::string& key,
                                   const std::string& where, const std::string& file);
const nlohmann::json& requireArray(const nlohmann::json& object, const std::string& key,
                                   const std::string& where, const std::string& file);
std::string requireString(const nlohmann::json& object, const std::string& key, const std::string& where,
                          const std::string& file);
// A string or an integer, as text (ids in COCO are integers, elsewhere sometimes strings).
std::string requireKeyText(const nlohmann::json& object, const std::string& key, const std::string& where,
                           const std::string& file);
std::optional<std::string> optionalKeyText(const nlohmann::json& object, const std::string& key,
                                           const std::string& where, const std::string& file);
void requireObject(const nlohmann::json& value, const std::string& where, const std::string& file);
std::string jsonPath(const std::string& where, const std::string& key);
std::string jsonIndex(const std::string& where, std::size_t index);

// The absolute path of `name` (a file_name value, a CSV path, a manifest path) under `root` (itself
// absolute). A path that leads outside root (`../..`, an absolute path elsewhere) is refused with a
// ParseError naming `file` and `where`, unless `allowOutsideRoot`. Symbolic links inside root are
// followed: they were put there by whoever made the folder.
std::string imagePathUnder(const std::filesystem::path& root, const std::string& name, bool allowOutsideRoot,
                           const std::string& file, const std::string& where);

// Throws a ParseError naming `file`, `where` and the byte when `value` (`what`: "caption", ...)
// is not valid UTF-8: stored text is written into JSON later, which needs UTF-8.
void requireUtf8(const std::string& value, const std::string& what, const std::string& file,
                 const std::string& where);

// Throws when the folder of images does not exist: every image would be "missing".
void requireImageRoot(const std::filesystem::path& root);

// Creates the dataset or, when one of that name exists, checks that it came from the same import
// (kind, source file, image root) so that this run resumes it. Returns the dataset id.
std::int64_t openImportDataset(store::Workspace& workspace, const store::DatasetInfo& wanted);

// How an image's path is stored: relative to the workspace folder when the file lies inside it (so a
// workspace that holds its own data, as the demo's does, can be moved or copied), else absolute.
std::string storedImagePath(const store::Workspace& workspace, const std::string& absolutePath);

// Adds the plan to the dataset: images already there (same path) are skipped with their captions;
// the others are decoded in parallel and inserted with their captions (and generation rows), in
// transactions of `chunkImages` images. On cancel the open chunk is committed, then Cancelled thrown.
void writePlannedImages(store::Workspace& workspace, std::int64_t datasetId,
                        const std::vector<PlannedImage>& plan, ImportSummary& summary,
                        jobs::JobContext& context, int threads, int chunkImages);

// The dataset name an import gets: the given one, or the input file's stem.
std::string datasetNameFor(const std::string& given, const std::filesystem::path& inputFile);

}  // namespace genra::data::detail
