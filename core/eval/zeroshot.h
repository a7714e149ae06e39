// Zero-shot image classification the way CLIP does it: every class name is put into a set of prompt
// templates ("a photo of a {}."), the text tower embeds every prompt, the L2-normalised prompt
// embeddings of a class are averaged and renormalised (prompt ensembling), and an image is
// assigned the class whose ensembled text embedding has the highest cosine similarity with it.
// Reported: top-1 and top-5 accuracy and the accuracy of each class.
//
// Classes come from a JSON file, from an image-folder dataset (one sub-folder per class), or from
// the built-in Shapes attributes (shape, colour, size, position: each one zero-shot task).
// Templates come from a JSON file (e.g. the 80 ImageNet templates of CLIP, supplied by the user)
// or from a small built-in set.
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace genra::eval {

// One classification task: the class labels as stored in the data, and the words that stand for
// each class inside a prompt (often the same; Shapes positions read "on the left" for "left").
struct ZeroShotTask {
    std::string name;                       // "shape", "color", a file name, ...
    std::vector<std::string> classes;       // labels, as found in the data
    std::vector<std::string> classPhrases;  // text put into the templates, one per class
    std::vector<std::string> templates;     // each holds "{}" once or more
};

struct ZeroShotResult {
    std::vector<std::int64_t> ks;             // e.g. {1, 5}; K above the class count counts as all
    std::vector<double> topKPercent;          // one per K
    std::vector<double> perClassPercent;      // top-1 accuracy per class; NaN for a class with no image
    std::vector<std::int64_t> perClassCount;  // images per class
    std::vector<std::int64_t> predictions;    // top-1 class per image
    double meanPerClassPercent = 0.0;         // mean over classes that have images
    std::int64_t images = 0;
};

// CLIP-style ensembling. promptEmbeddings [C * T, D], class-major (class c's templates are rows
// c*T .. c*T+T-1). Each row is L2-normalised, the T rows of a class averaged, the mean
// renormalised. Returns float32 [C, D]. Throws genra::Error when the row count is not C * T or a
// row has zero norm.
torch::Tensor ensembleClassEmbeddings(const torch::Tensor& promptEmbeddings, std::int64_t classes);

// Scores L2-normalised images [N, D] against classifier rows [C, D] (normalised here) and counts
// hits: image i is a top-K hit when fewer than K classes score strictly higher than its label, or
// equal with a lower class index (stable ties: the lower index wins). labels[i] in [0, C).
// Throws genra::Error on mismatched sizes, labels out of range, K < 1, or zero-norm images.
ZeroShotResult zeroShotClassify(const torch::Tensor& imageEmbeddings, const torch::Tensor& classifier,
                                const std::vector<std::int64_t>& labels,
                                const std::vector<std::int64_t>& ks = {1, 5});

// Every prompt of a task, class-major: prompts[c * T + t] = templates[t] with "{}" -> phrase c.
std::vector<std::string> expandPrompts(const ZeroShotTask& task);

// A small general-purpose template set, used when no template file is given.
const std::vector<std::string>& defaultZeroShotTemplates();

// Templates from JSON: either ["a photo of a {}.", ...] or {"templates": [...]}. Every entry must be
// a string holding "{}". Errors (ParseError) name the file and the offending entry.
std::vector<std::string> readTemplatesJson(const std::filesystem::path& path);

// Classes from JSON: ["cat", "dog"], {"classes": [...]}, or {"classes": {"label": "prompt phrase"}}
// (label -> phrase, kept in file order). Duplicate labels are an error naming the label.
ZeroShotTask readClassesJson(const std::filesystem::path& path);

// An image folder with one sub-folder per class: classes are the sub-folder names in sorted order;
// images (png, jpg, jpeg, bmp, webp, tif, tiff; sorted per class) with their class index.
struct ImageFolderDataset {
    ZeroShotTask task;
    std::vector<std::filesystem::path> images;
    std::vector<std::int64_t> labels;
};
ImageFolderDataset readImageFolder(const std::filesystem::path& root);

// The built-in Shapes tasks ("shape", "color", "size", "position"), each with prompts phrased as
// Shapes captions phrase them ("a red shape", "a shape on the left").
ZeroShotTask shapesZeroShotTask(const std::string& attribute);
std::vector<std::string> shapesZeroShotAttributes();

}  // namespace genra::eval
