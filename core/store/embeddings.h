// The embeddings table: one vector per (model, item kind, item, encoder), stored as `dim` 32-bit
// floats in host byte order. The only code that turns those blobs into floats and back.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/store/sqlite.h"

namespace genra::store {

class Workspace;

// The floats of one stored vector; throws genra::Error naming `what` when the blob does not hold
// exactly `dim` floats.
std::vector<float> decodeEmbedding(const std::vector<std::uint8_t>& blob, std::int64_t dim,
                                   const std::string& what);

// Stored vectors of one model, item kind and encoder.
struct EmbeddingKey {
    std::int64_t modelId = 0;
    std::string itemKind;  // image | caption
    std::string encoder;   // real-image | generated-image | text
};

// The vector of one item, or nothing when it has none; throws when it is damaged.
std::optional<std::vector<float>> findEmbedding(Workspace& ws, const EmbeddingKey& key, std::int64_t itemId);

// The stored vectors of `itemIds` as one row-major matrix, items without one left out.
struct EmbeddingRows {
    std::int64_t dim = 0;            // 0 when no item has a vector
    std::vector<float> values;       // found.size() * dim
    std::vector<std::size_t> found;  // index into itemIds of each row, in order
};
// Throws naming the item when a vector is damaged or its dim differs from the others'.
EmbeddingRows readEmbeddings(Workspace& ws, const EmbeddingKey& key,
                             const std::vector<std::int64_t>& itemIds);

// A generated image of a dataset and the real image of its caption, both embedded by one model.
struct EmbeddedPair {
    std::int64_t generatedImageId = 0;
    std::int64_t realImageId = 0;
    std::int64_t captionId = 0;
    std::string caption;
    std::vector<float> generated;
    std::vector<float> real;
};
// Every such pair in image id order; an empty split or generator means all. Pairs missing either
// vector are left out; a damaged vector throws naming its image.
std::vector<EmbeddedPair> embeddedPairs(Workspace& ws, std::int64_t modelId,
                                        const std::string& generatedEncoder, const std::string& realEncoder,
                                        std::int64_t datasetId, const std::string& split,
                                        const std::string& generator);

// Items of a dataset (in `split`, empty: any) that have no vector under `key` yet, by id, with
// their stored path (images: readable ones of `modality`) or text (captions).
std::vector<std::pair<std::int64_t, std::string>> imagesWithoutEmbedding(Workspace& ws,
                                                                         const EmbeddingKey& key,
                                                                         std::int64_t datasetId,
                                                                         const std::string& split,
                                                                         const std::string& modality);
std::vector<std::pair<std::int64_t, std::string>> captionsWithoutEmbedding(Workspace& ws,
                                                                           const EmbeddingKey& key,
                                                                           std::int64_t datasetId,
                                                                           const std::string& split);

// Names of the models that have stored vectors, in model id order.
std::vector<std::string> embeddedModelNames(Workspace& ws);

// Writes (or replaces) the vectors of `itemIds` in one transaction: row r of the row-major
// `rows` (itemIds.size() x dim) for itemIds[r].
void writeEmbeddings(Workspace& ws, const EmbeddingKey& key, const std::vector<std::int64_t>& itemIds,
                     const float* rows, std::int64_t dim);

// Writes (or replaces) vectors, one statement prepared once; the caller holds the transaction.
class EmbeddingWriter {
public:
    explicit EmbeddingWriter(Workspace& ws);

    void write(const EmbeddingKey& key, std::int64_t itemId, const float* values, std::int64_t dim);

private:
    Statement insert_;
};

}  // namespace genra::store
