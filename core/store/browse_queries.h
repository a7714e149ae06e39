// Read-side queries behind the caption browser (and any front end that lists captions): the ids of
// the captions that match a filter in a chosen order, their rows fetched a page at a time, one
// caption's real and generated images, and the gen-real cosine similarity of stored embeddings.
// Meant for a read-only connection of its own (Db::Mode::ReadOnly); nothing here writes.
#pragma once

#include "core/store/sqlite.h"

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace genra::store {

class Workspace;

struct CaptionFilter {
    std::string search;                      // case-insensitive substring of the caption; empty: any
    std::optional<std::int64_t> datasetId;   // empty: every dataset
    std::string split;                       // split of the caption's real image; empty: any
    std::string generator;                   // has a generated image by this generator; empty: any
    enum class Generated { Any = 1, With, Without } generated = Generated::Any;
};

enum class CaptionSort { Id = 1, Text, Similarity };

struct CaptionOrder {
    CaptionSort sort = CaptionSort::Id;
    bool descending = false;
    // For CaptionSort::Similarity: caption id -> score. Captions without a score come last in
    // either direction; ties are broken by id.
    const std::unordered_map<std::int64_t, double>* scores = nullptr;
};

// Ids of every caption matching `filter`, in `order`. One query plus, for Similarity, a sort in
// memory: about a second for 500k captions, so callers run it off the GUI thread.
std::vector<std::int64_t> captionIds(Db& db, const CaptionFilter& filter, const CaptionOrder& order = {});

struct CaptionRow {
    std::int64_t id = 0;
    std::int64_t datasetId = 0;
    std::optional<std::int64_t> imageId;
    std::string text;
    std::string split;                 // of its real image; empty when it has none
    std::int64_t generatedImages = 0;  // generations made from this caption
};

// The rows of `ids`, in the same order (ids that no longer exist are left out).
std::vector<CaptionRow> captionRows(Db& db, const std::vector<std::int64_t>& ids);

struct BrowseImage {
    std::int64_t id = 0;
    std::string path;      // as stored: absolute, or relative to the workspace folder
    std::string modality;  // real | generated
    std::string status;    // ok | missing | corrupt
    std::string error;
    std::optional<std::int64_t> width;
    std::optional<std::int64_t> height;
    // Generated images only.
    std::string generator;
    std::optional<std::int64_t> seed;
    std::string paramsJson;
};

struct CaptionDetail {
    CaptionRow caption;
    std::string datasetName;
    std::vector<BrowseImage> realImages;       // the caption's image (one, when it has one)
    std::vector<BrowseImage> generatedImages;  // by generator, then seed, then id
};

// One caption with its images; empty when the caption does not exist.
std::optional<CaptionDetail> captionDetail(Db& db, std::int64_t captionId);

// Distinct values for filter choices.
std::vector<std::string> distinctSplits(Db& db);
std::vector<std::string> distinctSplits(Workspace& ws);  // on the workspace's own connection
std::vector<std::string> distinctGenerators(Db& db);

struct ModelChoice {
    std::int64_t id = 0;
    std::string name;
    std::int64_t embeddings = 0;  // stored vectors (images and captions)
};
// Models that have stored embeddings, by name.
std::vector<ModelChoice> modelsWithEmbeddings(Db& db);

// Per caption: the mean cosine similarity between the "generated-image" embeddings of its
// generated images and the "real-image" embedding of its real image under `modelId`. Captions
// with no such pair have no entry. A vector whose stored dim disagrees with its blob size raises
// genra::Error naming the model and item.
std::unordered_map<std::int64_t, double> genRealSimilarity(Db& db, std::int64_t modelId);

struct ImageSimilarity {
    std::optional<double> toReal;     // cosine to the caption's real image
    std::optional<double> toCaption;  // cosine to the caption's text embedding
};
// For each generated image of one caption (image id -> similarities) under `modelId`.
std::unordered_map<std::int64_t, ImageSimilarity> generatedImageSimilarity(Db& db, std::int64_t modelId,
                                                                           std::int64_t captionId);

// Cosine of two float32 vectors stored as little-endian blobs; 0 when either has zero norm.
double blobCosine(const std::vector<std::uint8_t>& a, const std::vector<std::uint8_t>& b);

}  // namespace genra::store
