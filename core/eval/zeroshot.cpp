#include "core/eval/zeroshot.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "core/data/shapes.h"
#include "core/util/error.h"
#include "core/util/json_file.h"

namespace fs = std::filesystem;

namespace genra::eval {

namespace {

torch::Tensor normalisedRows(const torch::Tensor& rows, const std::string& what) {
    auto x = rows.to(torch::kCPU, torch::kFloat);
    auto norms = x.norm(2, 1, true);
    if (x.size(0) > 0 && norms.min().item<float>() <= 0.0f) {
        const auto row = norms.squeeze(1).argmin().item<std::int64_t>();
        throw Error(what + " row " + std::to_string(row) + " has zero norm");
    }
    return x / norms;
}

bool isImageFile(const fs::path& path) {
    std::string ext = path.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    static const std::set<std::string> known{".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff"};
    return known.count(ext) > 0;
}

std::string replaceBraces(const std::string& pattern, const std::string& phrase) {
    std::string out;
    for (std::size_t i = 0; i < pattern.size(); ++i) {
        if (pattern[i] == '{' && i + 1 < pattern.size() && pattern[i + 1] == '}') {
            out += phrase;
            ++i;
        } else {
            out += pattern[i];
        }
    }
    return out;
}

}  // namespace

torch::Tensor ensembleClassEmbeddings(const torch::Tensor& promptEmbeddings, std::int64_t classes) {
    if (promptEmbeddings.dim() != 2) throw Error("prompt embeddings must be [prompts, dim]");
    if (classes < 1) throw Error("zero-shot classification needs at least one class");
    const auto rows = promptEmbeddings.size(0);
    if (rows == 0 || rows % classes != 0) {
        throw Error("prompt embeddings: " + std::to_string(rows) + " rows is not a multiple of " +
                    std::to_string(classes) + " classes (expected classes x templates rows)");
    }
    const auto perClass = rows / classes;
    auto mean = normalisedRows(promptEmbeddings, "prompt embedding").reshape({classes, perClass, -1}).mean(1);
    return normalisedRows(mean, "ensembled class embedding");
}

ZeroShotResult zeroShotClassify(const torch::Tensor& imageEmbeddings, const torch::Tensor& classifier,
                                const std::vector<std::int64_t>& labels,
                                const std::vector<std::int64_t>& ks) {
    if (imageEmbeddings.dim() != 2 || classifier.dim() != 2) throw Error("zero-shot: embeddings must be 2-D");
    if (imageEmbeddings.size(1) != classifier.size(1)) {
        throw Error("zero-shot: image embeddings have dim " + std::to_string(imageEmbeddings.size(1)) +
                    " but class embeddings dim " + std::to_string(classifier.size(1)));
    }
    const auto n = imageEmbeddings.size(0);
    const auto c = classifier.size(0);
    if (c < 1) throw Error("zero-shot: no classes");
    if (static_cast<std::int64_t>(labels.size()) != n) {
        throw Error("zero-shot: " + std::to_string(n) + " image embeddings but " +
                    std::to_string(labels.size()) + " labels");
    }
    for (std::size_t i = 0; i < labels.size(); ++i) {
        if (labels[i] < 0 || labels[i] >= c) {
            throw Error("zero-shot: label " + std::to_string(labels[i]) + " of image " + std::to_string(i) +
                        " is not a class index in [0, " + std::to_string(c) + ")");
        }
    }
    for (auto k : ks) {
        if (k < 1) throw Error("zero-shot: K must be at least 1 (got " + std::to_string(k) + ")");
    }
    ZeroShotResult result;
    result.ks = ks;
    result.images = n;
    result.perClassCount.assign(static_cast<std::size_t>(c), 0);
    std::vector<std::int64_t> perClassHits(static_cast<std::size_t>(c), 0);
    std::vector<std::int64_t> hits(ks.size(), 0);
    const auto scores = torch::matmul(normalisedRows(imageEmbeddings, "image embedding"),
                                      normalisedRows(classifier, "class embedding").t())
                            .contiguous();
    const float* s = scores.data_ptr<float>();
    result.predictions.resize(static_cast<std::size_t>(n));
    for (std::int64_t i = 0; i < n; ++i) {
        const float* row = s + i * c;
        const auto label = labels[static_cast<std::size_t>(i)];
        const float own = row[label];
        std::int64_t rank = 0;
        std::int64_t best = 0;
        for (std::int64_t j = 0; j < c; ++j) {
            if (row[j] > own || (row[j] == own && j < label)) ++rank;
            if (row[j] > row[best]) best = j;
        }
        result.predictions[static_cast<std::size_t>(i)] = best;
        ++result.perClassCount[static_cast<std::size_t>(label)];
        if (rank == 0) ++perClassHits[static_cast<std::size_t>(label)];
        for (std::size_t k = 0; k < ks.size(); ++k) {
            if (rank < ks[k]) ++hits[k];
        }
    }
    for (auto h : hits)
        result.topKPercent.push_back(n > 0 ? 100.0 * static_cast<double>(h) / static_cast<double>(n) : 0.0);
    double sum = 0.0;
    int counted = 0;
    for (std::int64_t j = 0; j < c; ++j) {
        const auto count = result.perClassCount[static_cast<std::size_t>(j)];
        if (count == 0) {
            result.perClassPercent.push_back(std::numeric_limits<double>::quiet_NaN());
            continue;
        }
        const double p = 100.0 * static_cast<double>(perClassHits[static_cast<std::size_t>(j)]) /
                         static_cast<double>(count);
        result.perClassPercent.push_back(p);
        sum += p;
        ++counted;
    }
    result.meanPerClassPercent = counted > 0 ? sum / counted : 0.0;
    return result;
}

std::vector<std::string> expandPrompts(const ZeroShotTask& task) {
    if (task.classPhrases.size() != task.classes.size()) {
        throw Error("zero-shot task \"" + task.name + "\": " + std::to_string(task.classes.size()) +
                    " classes but " + std::to_string(task.classPhrases.size()) + " prompt phrases");
    }
    if (task.templates.empty()) throw Error("zero-shot task \"" + task.name + "\" has no prompt templates");
    std::vector<std::string> prompts;
    prompts.reserve(task.classes.size() * task.templates.size());
    for (const auto& phrase : task.classPhrases) {
        for (const auto& t : task.templates) prompts.push_back(replaceBraces(t, phrase));
    }
    return prompts;
}

const std::vector<std::string>& defaultZeroShotTemplates() {
    static const std::vector<std::string> templates{
        "a photo of a {}.",
        "a picture of a {}.",
        "an image of a {}.",
        "a photo of the {}.",
        "a {}.",
        "a close-up photo of a {}.",
        "a rendering of a {}.",
        "a good photo of a {}.",
    };
    return templates;
}

std::vector<std::string> readTemplatesJson(const fs::path& path) {
    const auto json = util::readJsonFile(path);
    const nlohmann::json* list = &json;
    std::string where = "";
    if (json.is_object()) {
        if (!json.contains("templates"))
            throw ParseError(path.string(), "top level", "expected key \"templates\"");
        list = &json.at("templates");
        where = "templates";
    }
    if (!list->is_array() || list->empty()) {
        throw ParseError(path.string(), where.empty() ? "top level" : where,
                         "expected a non-empty array of strings");
    }
    std::vector<std::string> templates;
    for (std::size_t i = 0; i < list->size(); ++i) {
        const auto& entry = (*list)[i];
        const std::string at = (where.empty() ? "" : where) + "[" + std::to_string(i) + "]";
        if (!entry.is_string()) throw ParseError(path.string(), at, "expected a string");
        const auto text = entry.get<std::string>();
        if (text.find("{}") == std::string::npos) {
            throw ParseError(path.string(), at, "template \"" + text + "\" has no {} for the class name");
        }
        templates.push_back(text);
    }
    return templates;
}

ZeroShotTask readClassesJson(const fs::path& path) {
    const auto json = util::readJsonFile(path);
    ZeroShotTask task;
    task.name = path.stem().string();
    const nlohmann::json* list = &json;
    if (json.is_object()) {
        if (!json.contains("classes"))
            throw ParseError(path.string(), "top level", "expected key \"classes\"");
        list = &json.at("classes");
    }
    std::set<std::string> seen;
    auto add = [&](const std::string& label, const std::string& phrase, const std::string& at) {
        if (label.empty()) throw ParseError(path.string(), at, "empty class name");
        if (!seen.insert(label).second)
            throw ParseError(path.string(), at, "duplicate class \"" + label + "\"");
        task.classes.push_back(label);
        task.classPhrases.push_back(phrase);
    };
    if (list->is_array()) {
        for (std::size_t i = 0; i < list->size(); ++i) {
            const auto at = "classes[" + std::to_string(i) + "]";
            if (!(*list)[i].is_string()) throw ParseError(path.string(), at, "expected a string");
            const auto label = (*list)[i].get<std::string>();
            add(label, label, at);
        }
    } else if (list->is_object()) {
        // nlohmann::json sorts object keys; re-parse in file order so classes keep the user's order.
        const auto ordered = util::readOrderedJsonFile(path);
        const auto& map =
            ordered.is_object() && ordered.contains("classes") ? ordered.at("classes") : ordered;
        for (const auto& item : map.items()) {
            const auto at = "classes." + item.key();
            if (!item.value().is_string())
                throw ParseError(path.string(), at, "expected a prompt phrase string");
            add(item.key(), item.value().get<std::string>(), at);
        }
    } else {
        throw ParseError(path.string(), "classes",
                         "expected an array of class names or an object label -> phrase");
    }
    if (task.classes.empty()) throw ParseError(path.string(), "classes", "no classes");
    return task;
}

ImageFolderDataset readImageFolder(const fs::path& root) {
    if (!fs::is_directory(root)) throw Error("image folder " + root.string() + " is not a directory");
    ImageFolderDataset out;
    out.task.name = root.filename().string();
    std::vector<fs::path> classDirs;
    for (const auto& entry : fs::directory_iterator(root)) {
        if (entry.is_directory()) classDirs.push_back(entry.path());
    }
    std::sort(classDirs.begin(), classDirs.end());
    for (const auto& dir : classDirs) {
        std::vector<fs::path> files;
        for (const auto& entry : fs::directory_iterator(dir)) {
            if (entry.is_regular_file() && isImageFile(entry.path())) files.push_back(entry.path());
        }
        if (files.empty()) continue;
        std::sort(files.begin(), files.end());
        const auto label = static_cast<std::int64_t>(out.task.classes.size());
        const auto name = dir.filename().string();
        out.task.classes.push_back(name);
        std::string phrase = name;
        std::replace(phrase.begin(), phrase.end(), '_', ' ');
        out.task.classPhrases.push_back(phrase);
        for (auto& f : files) {
            out.images.push_back(std::move(f));
            out.labels.push_back(label);
        }
    }
    if (out.task.classes.empty()) {
        throw Error("image folder " + root.string() + " has no class sub-folders holding images");
    }
    return out;
}

std::vector<std::string> shapesZeroShotAttributes() {
    return {"shape", "color", "size", "position"};
}

ZeroShotTask shapesZeroShotTask(const std::string& attribute) {
    const auto values = data::shapesAttributeValues();
    const auto it = values.find(attribute);
    if (it == values.end()) {
        throw Error("unknown Shapes attribute \"" + attribute +
                    "\" (expected shape, color, size or position)");
    }
    ZeroShotTask task;
    task.name = attribute;
    task.classes = it->second;
    task.classPhrases = it->second;
    // Worded like the Shapes captions ("a red circle on the left", "a small blue star").
    if (attribute == "shape") {
        task.templates = {"a photo of a {}.", "a {}.", "there is a {}", "an image of a {}", "a single {}"};
    } else if (attribute == "color") {
        task.templates = {"a {} shape", "a photo of a {} shape.", "there is a {} shape", "a {} object"};
    } else if (attribute == "size") {
        task.templates = {"a {} shape", "a photo of a {} shape.", "there is a {} shape"};
    } else {
        for (auto& phrase : task.classPhrases)
            phrase = phrase == "center" ? "in the center" : "on the " + phrase;
        for (std::size_t i = 0; i < task.classes.size(); ++i) {
            if (task.classes[i] == "top" || task.classes[i] == "bottom")
                task.classPhrases[i] = "at the " + task.classes[i];
        }
        task.templates = {"a shape {}", "there is a shape {}", "a photo of a shape {}.",
                          "{} there is a shape"};
    }
    return task;
}

}  // namespace genra::eval
