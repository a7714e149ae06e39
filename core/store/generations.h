// Links between captions, real images and the images generated from them (the captions,
// images and generations tables), as the evaluation and map jobs walk them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace genra::store {

class Workspace;

// One caption's text, one image's stored path; nothing when there is no such row.
std::optional<std::string> captionText(Workspace& ws, std::int64_t captionId);
std::optional<std::string> imagePath(Workspace& ws, std::int64_t imageId);

// Captions of the dataset's real images in `split` (empty: any): those with images from
// `generator` (empty: any generator) first, then by caption id.
std::vector<std::int64_t> captionsOfRealImages(Workspace& ws, std::int64_t datasetId,
                                               const std::string& split, const std::string& generator);
// The real image a caption describes, or nothing.
std::optional<std::int64_t> imageOfCaption(Workspace& ws, std::int64_t captionId);
// Images generated from a caption (by `generator`, empty: any), in id order.
std::vector<std::int64_t> generatedFromCaption(Workspace& ws, std::int64_t captionId,
                                               const std::string& generator);

// (generated image, real image of its caption) for the dataset's generated images in `split` made
// by `generator`, in generated image id order; the real image is 0 when the caption has none.
std::vector<std::pair<std::int64_t, std::int64_t>> generatedPairs(Workspace& ws, std::int64_t datasetId,
                                                                  const std::string& split,
                                                                  const std::string& generator);
// How many of the dataset's generated images in `split` `generator` made.
std::int64_t countGeneratedImages(Workspace& ws, std::int64_t datasetId, const std::string& split,
                                  const std::string& generator);

struct CaptionedImage {
    std::int64_t captionId = 0;
    std::string text;
    std::string imagePath;  // the real image's stored path
};
// The first `limit` captions (by id) of the dataset whose real image is in `split` and which
// `generator` made images of.
std::vector<CaptionedImage> captionsWithGenerations(Workspace& ws, std::int64_t datasetId,
                                                    const std::string& split, const std::string& generator,
                                                    std::int64_t limit);
// Stored paths of the images `generator` made of a caption, sorted.
std::vector<std::string> generatedPathsOfCaption(Workspace& ws, std::int64_t captionId,
                                                 const std::string& generator);

// The dataset and split of the real image a caption describes, or nothing when it describes none.
struct CaptionPlace {
    std::string dataset;
    std::string split;
};
std::optional<CaptionPlace> placeOfCaption(Workspace& ws, std::int64_t captionId);
// Generated image id -> the caption it was made from, for every generated image of a dataset.
std::unordered_map<std::int64_t, std::int64_t> captionsOfGeneratedImages(Workspace& ws, std::int64_t datasetId);
// Stored paths of the newest generated images (by id, newest first), at most `limit`.
std::vector<std::string> newestGeneratedPaths(Workspace& ws, std::int64_t limit);

}  // namespace genra::store
