// The items of a dataset as the jobs walk them (generation, training, captioning, evaluation,
// adherence): typed reads over the images, captions and generations tables.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

namespace genra::store {

class Workspace;
struct ImageRecord;

// The stored paths of a dataset's images (what an importer skips on a second run).
std::unordered_set<std::string> imagePathsOfDataset(Workspace& ws, std::int64_t datasetId);
// Image id -> split, for every image of a dataset.
std::unordered_map<std::int64_t, std::string> imageSplitsOfDataset(Workspace& ws, std::int64_t datasetId);
// Runs `writes` (insertImage, insertCaption, insertGeneration, ...) in one transaction, committed
// when it returns and rolled back when it throws.
void writeInTransaction(Workspace& ws, const std::function<void()>& writes);

// A caption of a real image.
struct RealImageCaption {
    std::int64_t captionId = 0;
    std::string text;
    std::string sourceKey;
    std::int64_t imageId = 0;
    std::string imagePath;  // as stored
    std::string split;
};
// Captions of the dataset's real images in `split`, by image id, caption order, caption id;
// `readableOnly` keeps images whose status is ok.
std::vector<RealImageCaption> realImageCaptions(Workspace& ws, std::int64_t datasetId,
                                                const std::string& split, bool readableOnly);
// (generated image, text of the caption it was made from) for the dataset's readable generated
// images in `split` by `generator` (empty: any), by image id, caption id.
std::vector<std::pair<std::int64_t, std::string>> generatedImageCaptions(Workspace& ws,
                                                                         std::int64_t datasetId,
                                                                         const std::string& split,
                                                                         const std::string& generator);
// Ids of the dataset's readable images of a modality (real | generated) in `split`, by id.
std::vector<std::int64_t> readableImages(Workspace& ws, std::int64_t datasetId, const std::string& split,
                                         const std::string& modality);
// (caption, its real image) for the captions of the dataset's real images in `split` (empty:
// any), by caption id.
std::vector<std::pair<std::int64_t, std::int64_t>> realCaptionImages(Workspace& ws, std::int64_t datasetId,
                                                                     const std::string& split);
// (stored path, generator) of the dataset's readable generated images.
std::vector<std::pair<std::string, std::string>> generatedImagePaths(Workspace& ws, std::int64_t datasetId);
// Deletes an image row; its generations row goes with it (ON DELETE CASCADE).
void deleteImage(Workspace& ws, std::int64_t imageId);
// Records a generated image and the caption it was made from in one transaction, replacing an
// earlier row of the same dataset and path; returns the image id.
std::int64_t recordGeneratedImage(Workspace& ws, const ImageRecord& image, std::int64_t captionId,
                                  const std::string& generator, std::optional<std::int64_t> seed,
                                  const std::string& paramsJson);

// A generated image made from a caption of one of the dataset's real images in `split`.
struct GeneratedForCaption {
    std::int64_t captionId = 0;
    std::int64_t imageId = 0;
    std::string imagePath;  // as stored
    std::string generator;
};
// The readable ones, by caption id, then image id.
std::vector<GeneratedForCaption> generatedForCaptions(Workspace& ws, std::int64_t datasetId,
                                                      const std::string& split);

// An image with the Shapes attributes of the real image it shows or was made from.
struct AttributedImage {
    std::int64_t imageId = 0;
    std::string attributesJson;  // of the real image
    std::string path;            // of the real image
};
// The dataset's readable real images in `split` (empty: any), by id.
std::vector<AttributedImage> attributedRealImages(Workspace& ws, std::int64_t datasetId,
                                                  const std::string& split);
// The readable generated images made (by `generator`, empty: any) from captions of the dataset's
// real images in `split` (empty: any), by id, each with its real image's attributes and path.
std::vector<AttributedImage> attributedGeneratedImages(Workspace& ws, std::int64_t datasetId,
                                                       const std::string& split,
                                                       const std::string& generator);

// A generated image, the caption it was made from and that caption's real image.
struct GenerationLink {
    std::int64_t generatedImageId = 0;
    std::int64_t realImageId = 0;
    std::int64_t captionId = 0;
    std::string generatedPath;
    std::string realPath;
    std::string realAttributesJson;
};
// Links whose real image is in the dataset's `split` (empty: any), both images readable, made by
// `generator` (empty: any), by generated image id.
std::vector<GenerationLink> readableGenerationLinks(Workspace& ws, std::int64_t datasetId,
                                                    const std::string& split, const std::string& generator);
// Links of the dataset's readable generated images in `split` (empty: any) made by `generator`
// (empty: any), by generated image id; the real image's status is not checked.
std::vector<GenerationLink> generatedImageLinks(Workspace& ws, std::int64_t datasetId,
                                                const std::string& split, const std::string& generator);

}  // namespace genra::store
