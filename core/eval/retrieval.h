// Zero-shot image-text retrieval Recall@K, as the CLIP paper reports it for COCO and Flickr30k,
// where every image has several captions:
// - image -> text: an image query is a hit at K when ANY of its captions ranks in the top K texts;
// - text -> image: a caption query is a hit at K when its image ranks in the top K images.
// Both embedding sets are L2-normalised and scored by cosine similarity. Ranking is stable:
// among equal scores the lower row index ranks first, so results never depend on the sort
// implementation or on thread count. Similarities are computed a block of rows at a time, so a
// 25k-caption x 5k-image evaluation never holds the full score matrix in memory.
#pragma once

#include <torch/torch.h>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace genra::eval {

struct RetrievalOptions {
    std::vector<std::int64_t> ks{1, 5, 10};
    // Upper bound on the elements of one block of the score matrix (rows x all columns).
    std::int64_t maxBlockElements = 16 * 1024 * 1024;
};

struct RetrievalResult {
    std::vector<std::int64_t> ks;
    std::vector<double> imageToTextPercent;  // one per K
    std::vector<double> textToImagePercent;  // one per K
    // 0-based rank of the best-ranked correct item for each query (0 = top).
    std::vector<std::int64_t> imageQueryRanks;
    std::vector<std::int64_t> textQueryRanks;
};

// imageEmbeddings [I, D], textEmbeddings [T, D] (any floating dtype; float16 is computed in
// float32), captionImage[t] = row of the image that text row t describes. Every image needs at
// least one caption. Throws genra::Error on mismatched sizes, out-of-range map entries,
// uncaptioned images, zero-norm embeddings or K < 1.
RetrievalResult retrievalRecall(const torch::Tensor& imageEmbeddings, const torch::Tensor& textEmbeddings,
                                const std::vector<std::int64_t>& captionImage,
                                const RetrievalOptions& options = {});

// Reads a caption -> image map: one non-negative integer per line (the image row of text row i on
// line i). Blank lines and surrounding spaces are ignored only at the end of the file.
std::vector<std::int64_t> readCaptionImageMap(const std::filesystem::path& path);

// {"image_to_text": {"R@1": .., "R@5": .., "R@10": ..}, "text_to_image": {...}}, in percent, keys in
// the order of RetrievalResult::ks.
nlohmann::ordered_json retrievalToJson(const RetrievalResult& result);

}  // namespace genra::eval
