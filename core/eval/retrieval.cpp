// Retrieval Recall@K. For every query we only need the rank of its best correct item, which is
// "how many items beat it": items with a strictly higher score, plus items with an equal score and
// a lower index (the stable tie rule). That is two comparisons per score, fully vectorised, and
// needs no sort at all, so a block of rows costs one matrix product and a few reductions.
#include "core/eval/retrieval.h"

#include "core/util/error.h"

#include <algorithm>
#include <fstream>
#include <limits>
#include <sstream>

namespace genra::eval {
namespace {

torch::Tensor normalisedRows(const torch::Tensor& x, torch::ScalarType computeType, const char* what) {
    torch::Tensor rows = x.detach().to(torch::kCPU).to(computeType).contiguous();
    if (!torch::isfinite(rows).all().item<bool>())
        throw Error(std::string(what) + " embeddings contain NaN or infinite values");
    const torch::Tensor norms = rows.norm(2, 1);
    const torch::Tensor zero = (norms == 0).nonzero();
    if (zero.size(0) > 0)
        throw Error(std::string(what) + " embedding row " + std::to_string(zero[0][0].item<std::int64_t>()) +
                    " is all zeros and cannot be normalised");
    return rows / norms.unsqueeze(1);
}

std::int64_t blockRows(std::int64_t columns, std::int64_t maxElements) {
    return std::max<std::int64_t>(1, maxElements / std::max<std::int64_t>(1, columns));
}

// Ranks of the best correct text for each image query in [begin, end).
torch::Tensor imageQueryRanks(const torch::Tensor& images, const torch::Tensor& texts, const torch::Tensor& map,
                              std::int64_t begin, std::int64_t end) {
    const std::int64_t textCount = texts.size(0);
    const torch::Tensor scores = torch::matmul(images.slice(0, begin, end), texts.t());  // [B, T]
    const torch::Tensor queryIds = torch::arange(begin, end, torch::kLong).unsqueeze(1);
    const torch::Tensor own = map.unsqueeze(0) == queryIds;  // [B, T]: text t describes image b
    const auto lowest = -std::numeric_limits<double>::infinity();
    const torch::Tensor bestScore = scores.masked_fill(own.logical_not(), lowest).amax(1, true);  // [B, 1]
    // Among the image's own captions with the best score, the lowest index ranks first.
    const torch::Tensor columns = torch::arange(textCount, torch::kLong).unsqueeze(0);
    const torch::Tensor bestIndex =
        torch::where(own.logical_and(scores == bestScore), columns, torch::full_like(columns, textCount))
            .amin(1, true);
    const torch::Tensor higher = (scores > bestScore).sum(1);
    const torch::Tensor tiedBefore = (scores == bestScore).logical_and(columns < bestIndex).sum(1);
    return higher + tiedBefore;
}

// Ranks of the described image for each text query in [begin, end).
torch::Tensor textQueryRanks(const torch::Tensor& images, const torch::Tensor& texts, const torch::Tensor& map,
                             std::int64_t begin, std::int64_t end) {
    const torch::Tensor scores = torch::matmul(texts.slice(0, begin, end), images.t());  // [B, I]
    const torch::Tensor target = map.slice(0, begin, end).unsqueeze(1);                  // [B, 1]
    const torch::Tensor targetScore = scores.gather(1, target);
    const torch::Tensor columns = torch::arange(images.size(0), torch::kLong).unsqueeze(0);
    const torch::Tensor higher = (scores > targetScore).sum(1);
    const torch::Tensor tiedBefore = (scores == targetScore).logical_and(columns < target).sum(1);
    return higher + tiedBefore;
}

std::vector<double> recallPercent(const std::vector<std::int64_t>& ranks, const std::vector<std::int64_t>& ks) {
    std::vector<double> out;
    for (const auto k : ks) {
        const auto hits = std::count_if(ranks.begin(), ranks.end(), [k](std::int64_t r) { return r < k; });
        out.push_back(100.0 * static_cast<double>(hits) / static_cast<double>(ranks.size()));
    }
    return out;
}

std::vector<std::int64_t> toVector(const torch::Tensor& t) {
    const torch::Tensor c = t.to(torch::kLong).contiguous();
    return std::vector<std::int64_t>(c.data_ptr<std::int64_t>(), c.data_ptr<std::int64_t>() + c.numel());
}

}  // namespace

RetrievalResult retrievalRecall(const torch::Tensor& imageEmbeddings, const torch::Tensor& textEmbeddings,
                                const std::vector<std::int64_t>& captionImage, const RetrievalOptions& options) {
    if (imageEmbeddings.dim() != 2 || textEmbeddings.dim() != 2)
        throw Error("embeddings must be 2-D [rows, dim]; got image " + std::to_string(imageEmbeddings.dim()) +
                    "-D and text " + std::to_string(textEmbeddings.dim()) + "-D");
    if (!imageEmbeddings.is_floating_point() || !textEmbeddings.is_floating_point())
        throw Error("embeddings must be floating point");
    const std::int64_t imageCount = imageEmbeddings.size(0);
    const std::int64_t textCount = textEmbeddings.size(0);
    if (imageCount == 0 || textCount == 0) throw Error("retrieval needs at least one image and one text embedding");
    if (imageEmbeddings.size(1) != textEmbeddings.size(1))
        throw Error("embedding widths differ: images have " + std::to_string(imageEmbeddings.size(1)) +
                    " dimensions, texts " + std::to_string(textEmbeddings.size(1)));
    if (static_cast<std::int64_t>(captionImage.size()) != textCount)
        throw Error("the caption -> image map has " + std::to_string(captionImage.size()) + " entries but there are " +
                    std::to_string(textCount) + " text embeddings");
    std::vector<bool> captioned(static_cast<std::size_t>(imageCount), false);
    for (std::size_t t = 0; t < captionImage.size(); ++t) {
        const auto image = captionImage[t];
        if (image < 0 || image >= imageCount)
            throw Error("the caption -> image map gives text row " + std::to_string(t) + " image row " +
                        std::to_string(image) + ", outside 0.." + std::to_string(imageCount - 1));
        captioned[static_cast<std::size_t>(image)] = true;
    }
    const auto uncaptioned = std::find(captioned.begin(), captioned.end(), false);
    if (uncaptioned != captioned.end())
        throw Error("image row " + std::to_string(uncaptioned - captioned.begin()) +
                    " has no caption in the caption -> image map");
    if (options.ks.empty()) throw Error("retrieval needs at least one K");
    for (const auto k : options.ks) {
        if (k < 1) throw Error("Recall@K needs K >= 1, got " + std::to_string(k));
    }

    torch::NoGradGuard noGrad;
    // float16 matrix products are slow and coarse on CPU; float64 input keeps its precision.
    const bool wide = imageEmbeddings.scalar_type() == torch::kDouble || textEmbeddings.scalar_type() == torch::kDouble;
    const auto computeType = wide ? torch::kDouble : torch::kFloat;
    const torch::Tensor images = normalisedRows(imageEmbeddings, computeType, "image");
    const torch::Tensor texts = normalisedRows(textEmbeddings, computeType, "text");
    const torch::Tensor map = torch::tensor(captionImage, torch::kLong);

    std::vector<torch::Tensor> imageRanks;
    const std::int64_t imageBlock = blockRows(textCount, options.maxBlockElements);
    for (std::int64_t b = 0; b < imageCount; b += imageBlock)
        imageRanks.push_back(imageQueryRanks(images, texts, map, b, std::min(imageCount, b + imageBlock)));
    std::vector<torch::Tensor> textRanks;
    const std::int64_t textBlock = blockRows(imageCount, options.maxBlockElements);
    for (std::int64_t b = 0; b < textCount; b += textBlock)
        textRanks.push_back(textQueryRanks(images, texts, map, b, std::min(textCount, b + textBlock)));

    RetrievalResult result;
    result.ks = options.ks;
    result.imageQueryRanks = toVector(torch::cat(imageRanks));
    result.textQueryRanks = toVector(torch::cat(textRanks));
    result.imageToTextPercent = recallPercent(result.imageQueryRanks, options.ks);
    result.textToImagePercent = recallPercent(result.textQueryRanks, options.ks);
    return result;
}

std::vector<std::int64_t> readCaptionImageMap(const std::filesystem::path& path) {
    std::ifstream in(path);
    if (!in) throw Error("cannot open " + path.string() + " for reading");
    std::vector<std::int64_t> map;
    std::string line;
    std::size_t lineNumber = 0;
    std::size_t blankSince = 0;  // first line of a run of blank lines; only allowed at the end
    while (std::getline(in, line)) {
        ++lineNumber;
        const auto first = line.find_first_not_of(" \t\r");
        if (first == std::string::npos) {
            if (blankSince == 0) blankSince = lineNumber;
            continue;
        }
        if (blankSince != 0)
            throw ParseError(path.string(), "line " + std::to_string(blankSince),
                             "blank line (every text row needs its image row)");
        const auto last = line.find_last_not_of(" \t\r");
        const std::string field = line.substr(first, last - first + 1);
        std::size_t used = 0;
        long long value = -1;
        try {
            value = std::stoll(field, &used);
        } catch (const std::exception&) {
            used = 0;
        }
        if (used != field.size() || value < 0)
            throw ParseError(path.string(), "line " + std::to_string(lineNumber),
                             "expected a non-negative image row index, got '" + field + "'");
        map.push_back(value);
    }
    return map;
}

nlohmann::ordered_json retrievalToJson(const RetrievalResult& result) {
    nlohmann::ordered_json imageToText = nlohmann::ordered_json::object();
    nlohmann::ordered_json textToImage = nlohmann::ordered_json::object();
    for (std::size_t i = 0; i < result.ks.size(); ++i) {
        const std::string key = "R@" + std::to_string(result.ks[i]);
        imageToText[key] = result.imageToTextPercent[i];
        textToImage[key] = result.textToImagePercent[i];
    }
    nlohmann::ordered_json out = nlohmann::ordered_json::object();
    out["image_to_text"] = imageToText;
    out["text_to_image"] = textToImage;
    return out;
}

}  // namespace genra::eval
