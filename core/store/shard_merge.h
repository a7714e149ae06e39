// What `genra merge` reads from shard workspaces and writes into the target (core/gen/merge_shards.h):
// every image and caption with its dataset's name (the keys items are matched by across
// workspaces, whose ids differ), the generations rows, and stored embeddings with their model's name.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/store/sqlite.h"

namespace genra::store {

class Workspace;

struct DatasetImage {
    std::int64_t id = 0;
    std::string dataset;  // name
    std::string path;     // as stored
    std::string modality;
};
// Every image of the workspace, by id.
std::vector<DatasetImage> imagesWithDatasetNames(Workspace& ws);

struct DatasetCaption {
    std::int64_t id = 0;
    std::string dataset;    // name
    std::string imagePath;  // the stored path of the image it describes; empty when none
    std::int64_t ord = 0;
    std::string text;
};
// Every caption of the workspace, by id.
std::vector<DatasetCaption> captionsWithDatasetNames(Workspace& ws);

// A generated image with the facts a merge copies: its images row and its generations row.
struct GeneratedImageRow {
    std::int64_t imageId = 0;
    std::string dataset;  // name
    std::string path;
    std::string split;
    std::optional<std::int64_t> width;
    std::optional<std::int64_t> height;
    std::optional<std::string> sha256;
    std::string status;
    std::string sourceKey;
    std::string attributesJson;
    std::int64_t captionId = 0;
    std::string generator;
    std::optional<std::int64_t> seed;
    std::string paramsJson;
};
// Every generated image that has a generations row, by image id.
std::vector<GeneratedImageRow> generatedImageRows(Workspace& ws);

// The generations row of an image: (caption id, generator, seed); nothing when it has none.
struct GenerationOf {
    std::int64_t captionId = 0;
    std::string generator;
    std::optional<std::int64_t> seed;
};
std::optional<GenerationOf> generationOfImage(Workspace& ws, std::int64_t imageId);

// A stored vector with the name of its model.
struct StoredEmbedding {
    std::string model;
    std::string itemKind;
    std::int64_t itemId = 0;
    std::string encoder;
    std::int64_t dim = 0;
    std::vector<std::uint8_t> vector;
};
// Calls `visit` for each stored vector, by model, kind, item, encoder.
void forEachStoredEmbedding(Workspace& ws, const std::function<void(const StoredEmbedding&)>& visit);

// Inserts vectors that are not there yet (INSERT OR IGNORE); the caller holds the transaction.
class EmbeddingInserter {
public:
    explicit EmbeddingInserter(Workspace& ws);
    // True when the row was new.
    bool insertIfAbsent(std::int64_t modelId, const StoredEmbedding& row, std::int64_t itemId);

private:
    Workspace& ws_;
    Statement insert_;
};

}  // namespace genra::store
