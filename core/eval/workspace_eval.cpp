#include "core/eval/workspace_eval.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <map>
#include <set>
#include <unordered_map>

#include "core/eval/retrieval.h"
#include "core/eval/zeroshot.h"
#include "core/model/embed.h"
#include "core/model/model_store.h"
#include "core/store/dataset_items.h"
#include "core/store/embeddings.h"
#include "core/store/eval_results.h"
#include "core/store/runs.h"
#include "core/store/workspace.h"
#include "core/util/error.h"

namespace fs = std::filesystem;

namespace genra::eval {

namespace {

// UTC now as SQLite's strftime('%Y-%m-%dT%H:%M:%fZ','now') writes it (milliseconds).
std::string nowIso() {
    const auto now = std::chrono::system_clock::now();
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
    const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    char buffer[40];
    const auto n = std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%S", &utc);
    std::snprintf(buffer + n, sizeof buffer - n, ".%03dZ", static_cast<int>(ms % 1000));
    return buffer;
}

std::string fmt(double v) {
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.2f", v);
    return buffer;
}

struct Ctx {
    store::Workspace& ws;
    const EvalOptions& options;
    store::DatasetInfo dataset;
    model::ModelRecord model;
    jobs::JobContext& context;
    model::LoadedClip* clip = nullptr;
    std::optional<model::ModelRecord> baseModel;  // f_r of an aligned or fine-tuned model
};

// Per-item values of a metric (for paired bootstrap intervals over test items, core/eval/statistics.h):
// {"ids": [item ids], "values": [one value per item]}, stored in the metric's details as "per_item".
template <typename V>
nlohmann::json perItem(const std::vector<std::int64_t>& ids, const std::vector<V>& values) {
    return {{"ids", ids}, {"values", values}};
}

void evaluateRetrieval(Ctx& c, EvalOutcome& out) {
    std::vector<std::int64_t> imageIds;
    for (const auto& image : store::attributedRealImages(c.ws, c.dataset.id, c.options.split))
        imageIds.push_back(image.imageId);
    auto images = loadStoredEmbeddings(c.ws, c.model.id, "image", model::kEncoderRealImage, imageIds);
    std::unordered_map<std::int64_t, std::int64_t> rowOfImage;
    for (std::size_t i = 0; i < imageIds.size(); ++i) rowOfImage[imageIds[i]] = static_cast<std::int64_t>(i);
    std::vector<std::int64_t> captionIds;
    std::vector<std::int64_t> captionImage;
    for (const auto& [captionId, imageId] : store::realCaptionImages(c.ws, c.dataset.id, c.options.split)) {
        const auto it = rowOfImage.find(imageId);
        if (it == rowOfImage.end()) continue;
        captionIds.push_back(captionId);
        captionImage.push_back(it->second);
    }
    const auto requested = captionIds.size();
    auto texts = loadStoredEmbeddings(c.ws, c.model.id, "caption", model::kEncoderText, captionIds);
    if (captionIds.size() != requested)
        throw Error("some captions of dataset \"" + c.dataset.name + "\" have no text embedding");
    // Images whose captions are all missing would make Recall@K undefined: keep captioned images only.
    std::vector<bool> captioned(imageIds.size(), false);
    for (auto r : captionImage) captioned[static_cast<std::size_t>(r)] = true;
    std::vector<std::int64_t> keep;
    std::vector<std::int64_t> newRow(imageIds.size(), -1);
    for (std::size_t i = 0; i < imageIds.size(); ++i) {
        if (!captioned[i]) continue;
        newRow[i] = static_cast<std::int64_t>(keep.size());
        keep.push_back(static_cast<std::int64_t>(i));
    }
    if (keep.empty()) {
        throw Error("dataset \"" + c.dataset.name + "\"" +
                    (c.options.split.empty() ? "" : " split \"" + c.options.split + "\"") +
                    " has no embedded real images with captions to evaluate retrieval on");
    }
    images = images.index_select(0, torch::tensor(keep, torch::kLong));
    for (auto& r : captionImage) r = newRow[static_cast<std::size_t>(r)];
    c.context.progress(0.9, "retrieval on " + std::to_string(keep.size()) + " images");
    RetrievalOptions options;
    options.ks = c.options.ks;
    const auto result = retrievalRecall(images, texts, captionImage, options);
    out.provenance["counts"] = {{"images", keep.size()},
                                {"captions", captionIds.size()},
                                {"uncaptioned_images", imageIds.size() - keep.size()}};
    out.provenance["settings"]["ks"] = c.options.ks;
    std::vector<std::int64_t> keptIds;
    for (auto row : keep) keptIds.push_back(imageIds[static_cast<std::size_t>(row)]);
    auto hits = [](const std::vector<std::int64_t>& ranks, std::int64_t k) {
        std::vector<int> out;
        for (auto r : ranks) out.push_back(r < k ? 100 : 0);
        return out;
    };
    for (std::size_t k = 0; k < result.ks.size(); ++k) {
        out.metrics.push_back({"i2t_R@" + std::to_string(result.ks[k]), result.imageToTextPercent[k],
                               {{"per_item", perItem(keptIds, hits(result.imageQueryRanks, result.ks[k]))}}});
    }
    for (std::size_t k = 0; k < result.ks.size(); ++k) {
        out.metrics.push_back({"t2i_R@" + std::to_string(result.ks[k]), result.textToImagePercent[k],
                               {{"per_item", perItem(captionIds, hits(result.textQueryRanks, result.ks[k]))}}});
    }
}

// The label of an image for an attribute: the attributes JSON value, or the folder name.
std::optional<std::string> labelOf(const std::string& attribute, const nlohmann::json& attributes,
                                   const std::string& path) {
    if (attribute == "folder") return fs::path(path).parent_path().filename().string();
    if (!attributes.is_object() || !attributes.contains(attribute)) return std::nullopt;
    const auto& v = attributes.at(attribute);
    if (v.is_string()) return v.get<std::string>();
    if (v.is_number_integer() || v.is_boolean()) return v.dump();
    return std::nullopt;
}

ZeroShotTask taskFor(Ctx& c, const std::string& attribute, const std::set<std::string>& labelsSeen) {
    ZeroShotTask task;
    const auto shapes = shapesZeroShotAttributes();
    if (!c.options.classesFile.empty()) {
        task = readClassesJson(c.options.classesFile);
        task.name = attribute;
    } else if (std::find(shapes.begin(), shapes.end(), attribute) != shapes.end()) {
        task = shapesZeroShotTask(attribute);
    } else {
        task.name = attribute;
        for (const auto& l : labelsSeen) {
            task.classes.push_back(l);
            std::string phrase = l;
            std::replace(phrase.begin(), phrase.end(), '_', ' ');
            task.classPhrases.push_back(phrase);
        }
    }
    if (!c.options.templatesFile.empty()) {
        task.templates = readTemplatesJson(c.options.templatesFile);
    } else if (task.templates.empty()) {
        task.templates = defaultZeroShotTemplates();
    }
    return task;
}

void evaluateZeroShot(Ctx& c, EvalOutcome& out) {
    const bool gen = c.options.zeroShotGenerated;
    // (image id, attributes of the real image it shows or was made from, path of that real image).
    std::vector<std::int64_t> ids;
    std::vector<nlohmann::json> attributes;
    std::vector<std::string> paths;
    for (auto& image : gen ? store::attributedGeneratedImages(c.ws, c.dataset.id, c.options.split, c.options.generator)
                           : store::attributedRealImages(c.ws, c.dataset.id, c.options.split)) {
        ids.push_back(image.imageId);
        attributes.push_back(nlohmann::json::parse(image.attributesJson, nullptr, false));
        paths.push_back(std::move(image.path));
    }
    std::unordered_map<std::int64_t, std::size_t> indexOf;
    for (std::size_t i = 0; i < ids.size(); ++i) indexOf[ids[i]] = i;
    auto embedded = ids;
    const auto images = loadStoredEmbeddings(
        c.ws, c.model.id, "image", gen ? model::kEncoderGeneratedImage : model::kEncoderRealImage, embedded);
    if (embedded.empty()) {
        throw Error("dataset \"" + c.dataset.name + "\"" +
                    (c.options.split.empty() ? "" : " split \"" + c.options.split + "\"") +
                    " has no embedded " + (gen ? "generated" : "real") + " images to classify");
    }
    auto attributeNames = c.options.attributes;
    if (attributeNames.empty()) {
        for (const auto& a : shapesZeroShotAttributes()) {
            if (attributes[indexOf[embedded.front()]].contains(a)) attributeNames.push_back(a);
        }
        if (attributeNames.empty()) {
            throw Error("images of dataset \"" + c.dataset.name +
                        "\" carry no Shapes attributes; name the attribute to classify (\"folder\" for one "
                        "folder per class)");
        }
    }
    if (!c.options.classesFile.empty() && attributeNames.size() != 1) {
        throw Error("a classes file applies to one attribute, but " + std::to_string(attributeNames.size()) +
                    " were asked for");
    }
    auto& clip = *c.clip;
    if (!clip.tokenizer)
        throw Error("model \"" + c.options.model +
                    "\" has no vocabulary recorded; prompts cannot be embedded");
    const auto device = model::resolveDevice(c.options.device);
    clip.real->to(device);
    const std::string prefix = gen ? "zeroshot_gen_" : "zeroshot_";
    nlohmann::json taskCounts = nlohmann::json::object();
    for (std::size_t a = 0; a < attributeNames.size(); ++a) {
        c.context.checkCancelled();
        const auto& attribute = attributeNames[a];
        std::set<std::string> seen;
        std::vector<std::optional<std::string>> labelText;
        for (auto id : embedded) {
            const auto i = indexOf[id];
            labelText.push_back(labelOf(attribute, attributes[i], paths[i]));
            if (labelText.back()) seen.insert(*labelText.back());
        }
        const auto task = taskFor(c, attribute, seen);
        std::map<std::string, std::int64_t> classIndex;
        for (std::size_t k = 0; k < task.classes.size(); ++k)
            classIndex[task.classes[k]] = static_cast<std::int64_t>(k);
        std::vector<std::int64_t> rows;
        std::vector<std::int64_t> labels;
        std::int64_t unlabelled = 0;
        for (std::size_t r = 0; r < labelText.size(); ++r) {
            const auto it = labelText[r] ? classIndex.find(*labelText[r]) : classIndex.end();
            if (it == classIndex.end()) {
                ++unlabelled;
                continue;
            }
            rows.push_back(static_cast<std::int64_t>(r));
            labels.push_back(it->second);
        }
        if (rows.empty())
            throw Error("no image has a label among the classes of attribute \"" + attribute + "\"");
        const auto prompts = expandPrompts(task);
        torch::Tensor promptEmbeddings;
        {
            torch::NoGradGuard noGrad;
            clip.real->eval();
            const auto tokens =
                clip.tokenizer->tokenize(prompts, static_cast<int>(clip.real->config().contextLength), true);
            promptEmbeddings = clip.real->encodeText(tokens.to(device)).to(torch::kCPU, torch::kFloat);
        }
        const auto classifier =
            ensembleClassEmbeddings(promptEmbeddings, static_cast<std::int64_t>(task.classes.size()));
        const auto result = zeroShotClassify(images.index_select(0, torch::tensor(rows, torch::kLong)),
                                             classifier, labels, {1, 5});
        nlohmann::json perClass = nlohmann::json::object();
        for (std::size_t k = 0; k < task.classes.size(); ++k) {
            const double p = result.perClassPercent[k];
            perClass[task.classes[k]] = {
                {"accuracy", std::isnan(p) ? nlohmann::json(nullptr) : nlohmann::json(p)},
                {"images", result.perClassCount[k]}};
        }
        const nlohmann::json taskDetails = {{"attribute", attribute},          {"classes", task.classes},
                                            {"templates", task.templates},     {"images", result.images},
                                            {"unlabelled_images", unlabelled}, {"per_class", perClass}};
        std::vector<std::int64_t> itemIds;
        std::vector<int> correct;
        for (std::size_t r = 0; r < rows.size(); ++r) {
            itemIds.push_back(embedded[static_cast<std::size_t>(rows[r])]);
            correct.push_back(result.predictions[r] == labels[r] ? 100 : 0);
        }
        out.metrics.push_back({prefix + attribute + "_top1", result.topKPercent[0],
                               {{"task", taskDetails}, {"per_item", perItem(itemIds, correct)}}});
        out.metrics.push_back(
            {prefix + attribute + "_top5", result.topKPercent[1], {{"task", {{"attribute", attribute}}}}});
        out.metrics.push_back({prefix + attribute + "_mean_per_class",
                               result.meanPerClassPercent,
                               {{"task", {{"attribute", attribute}}}}});
        taskCounts[attribute] = result.images;
        c.context.progress(
            0.8 + 0.15 * static_cast<double>(a + 1) / static_cast<double>(attributeNames.size()),
            attribute + ": top-1 " + fmt(result.topKPercent[0]) + "%");
    }
    out.provenance["counts"] = {{"images", embedded.size()}, {"per_task", taskCounts}};
    out.provenance["settings"]["attributes"] = attributeNames;
    out.provenance["settings"]["images"] = gen ? "generated" : "real";
    out.provenance["settings"]["classes_file"] = c.options.classesFile.string();
    out.provenance["settings"]["templates_file"] = c.options.templatesFile.string();
}

void evaluateSimilarity(Ctx& c, EvalOutcome& out) {
    // (generated image, real image of its caption, caption).
    std::vector<std::int64_t> genIds;
    std::vector<std::int64_t> realIdsOfGen;
    std::vector<std::int64_t> captionOfGen;
    for (const auto& link : store::readableGenerationLinks(c.ws, c.dataset.id, c.options.split, c.options.generator)) {
        genIds.push_back(link.generatedImageId);
        realIdsOfGen.push_back(link.realImageId);
        captionOfGen.push_back(link.captionId);
    }
    std::vector<std::int64_t> realIds(realIdsOfGen);
    std::sort(realIds.begin(), realIds.end());
    realIds.erase(std::unique(realIds.begin(), realIds.end()), realIds.end());
    const auto real = loadStoredEmbeddings(c.ws, c.model.id, "image", model::kEncoderRealImage, realIds);
    std::unordered_map<std::int64_t, std::int64_t> realRow;
    for (std::size_t i = 0; i < realIds.size(); ++i) realRow[realIds[i]] = static_cast<std::int64_t>(i);
    std::unordered_map<std::int64_t, std::size_t> pairOf;
    for (std::size_t i = 0; i < genIds.size(); ++i) pairOf[genIds[i]] = i;
    auto embeddedGen = genIds;
    const auto generatedAll =
        loadStoredEmbeddings(c.ws, c.model.id, "image", model::kEncoderGeneratedImage, embeddedGen);
    std::vector<std::int64_t> genRows;
    std::vector<std::int64_t> pairing;
    std::vector<std::int64_t> pairCaption;
    for (std::size_t g = 0; g < embeddedGen.size(); ++g) {
        const auto p = pairOf[embeddedGen[g]];
        const auto it = realRow.find(realIdsOfGen[p]);
        if (it == realRow.end()) continue;  // its real image could not be read
        genRows.push_back(static_cast<std::int64_t>(g));
        pairing.push_back(it->second);
        pairCaption.push_back(captionOfGen[p]);
    }
    if (genRows.size() < 2 || realIds.size() < 2) {
        throw Error("dataset \"" + c.dataset.name + "\"" +
                    (c.options.split.empty() ? "" : " split \"" + c.options.split + "\"") + " has " +
                    std::to_string(genRows.size()) + " generated images paired with " +
                    std::to_string(realIds.size()) + " real ones" +
                    (c.options.generator.empty() ? std::string() : " from generator \"" + c.options.generator + "\"") +
                    "; similarity needs at least two of each (import generated images first" +
                    (c.options.generator.empty() ? std::string() : ", or check the --generator name") + ")");
    }
    const auto generated = generatedAll.index_select(0, torch::tensor(genRows, torch::kLong));
    jobs::ScaledContext sub(c.context, 0.8, 0.98);
    const auto gap =
        measureModalityGap(real, generated, torch::tensor(pairing, torch::kLong), c.options.similarity, &sub);
    // Mean paired cosine per caption, for the histogram and the worst-aligned list.
    std::map<std::int64_t, std::pair<double, int>> perCaption;
    const auto cosines = gap.pairedCosine.to(torch::kDouble).contiguous();
    for (std::size_t i = 0; i < pairCaption.size(); ++i) {
        auto& acc = perCaption[pairCaption[i]];
        acc.first += cosines[static_cast<std::int64_t>(i)].item<double>();
        ++acc.second;
    }
    nlohmann::json captionIds = nlohmann::json::array();
    nlohmann::json captionCosine = nlohmann::json::array();
    for (const auto& [id, acc] : perCaption) {
        captionIds.push_back(id);
        captionCosine.push_back(acc.first / acc.second);
    }
    const nlohmann::json distribution = {
        {"histogram",
         {{"edges", gap.pairedCosineHistogram.edges}, {"counts", gap.pairedCosineHistogram.counts}}},
        {"per_caption", {{"caption_ids", captionIds}, {"mean_cosine", captionCosine}}}};
    out.provenance["counts"] = {{"real_images", realIds.size()},
                                {"generated_images", genRows.size()},
                                {"captions", perCaption.size()}};
    out.provenance["settings"]["histogram_bins"] = c.options.similarity.histogramBins;
    out.provenance["settings"]["probe"] = {{"train_fraction", c.options.similarity.probe.trainFraction},
                                           {"seed", c.options.similarity.probe.seed},
                                           {"C", c.options.similarity.probe.inverseRegularisation}};
    out.metrics.push_back({"paired_cosine_mean", gap.pairedCosineMean, {{"distribution", distribution}}});
    out.metrics.push_back({"paired_cosine_std", gap.pairedCosineStd, {}});
    out.metrics.push_back({"centroid_distance", gap.centroidDistance, {}});
    out.metrics.push_back({"centroid_cosine", gap.centroidCosine, {}});
    out.metrics.push_back({"probe_accuracy",
                           100.0 * gap.probe.testAccuracy,
                           {{"probe",
                             {{"train_accuracy", 100.0 * gap.probe.trainAccuracy},
                              {"train_size", gap.probe.trainSize},
                              {"test_size", gap.probe.testSize}}}}});
    out.metrics.push_back({"frechet_distance", gap.frechetDistance, {}});

    // The measures Eq. 1 can move (a ranking loss: shifting a row of similarities leaves it
    // unchanged), for two pairs: the method's own (its real-image encoder against its
    // generated-image encoder, as above) and the pair Eq. 1 optimises, f_r(x_r) against f_g(x_g).
    std::vector<std::int64_t> itemIds;
    for (auto row : genRows) itemIds.push_back(embeddedGen[static_cast<std::size_t>(row)]);
    const auto pairingTensor = torch::tensor(pairing, torch::kLong);
    auto addPairGap = [&](const std::string& prefix, const PairGap& g) {
        auto percent = [](std::vector<double> v) {
            for (auto& x : v) x *= 100.0;
            return v;
        };
        out.metrics.push_back({prefix + "unmatched_cosine_mean", g.unmatchedCosineMean, {}});
        out.metrics.push_back({prefix + "margin", g.margin, {{"per_item", perItem(itemIds, g.perItemMargin)}}});
        out.metrics.push_back({prefix + "centred_cosine_mean", g.centredPairedCosineMean, {}});
        out.metrics.push_back({prefix + "gen2real_R@1", g.genToRealRecallAt1,
                               {{"per_item", perItem(itemIds, percent(g.perItemHit1))}, {"real_images", g.realRows}}});
        out.metrics.push_back({prefix + "gen2real_R@5", g.genToRealRecallAt5,
                               {{"per_item", perItem(itemIds, percent(g.perItemHit5))}, {"real_images", g.realRows}}});
        out.metrics.push_back({prefix + "align_loss", g.alignLoss, {{"tau", g.tau}}});
    };
    addPairGap("", measurePairGap(real, generated, pairingTensor));
    torch::Tensor frozenReal = real;
    std::string eq1Real = "the model itself (no base model)";
    if (c.baseModel) {
        auto ids = realIds;
        frozenReal = loadStoredEmbeddings(c.ws, c.baseModel->id, "image", model::kEncoderRealImage, ids);
        if (ids != realIds) {
            throw Error("base model \"" + c.baseModel->name + "\" lacks embeddings of " +
                        std::to_string(realIds.size() - ids.size()) + " real images of the split");
        }
        eq1Real = c.baseModel->name;
    }
    const auto eq1 = measurePairGap(frozenReal, generated, pairingTensor);
    out.metrics.push_back({"eq1_paired_cosine_mean", eq1.pairedCosineMean,
                           {{"per_item", perItem(itemIds, eq1.perItemPairedCosine)}}});
    addPairGap("eq1_", eq1);
    out.provenance["eq1_real_encoder"] = eq1Real;
}

}  // namespace

torch::Tensor loadStoredEmbeddings(store::Workspace& ws, std::int64_t modelId, const char* kind,
                                   const char* encoder, std::vector<std::int64_t>& ids) {
    auto rows = store::readEmbeddings(ws, {modelId, kind, encoder}, ids);
    std::vector<std::int64_t> kept;
    kept.reserve(rows.found.size());
    for (auto i : rows.found) kept.push_back(ids[i]);
    ids = std::move(kept);
    if (ids.empty()) return torch::empty({0, rows.dim});
    return torch::from_blob(rows.values.data(), {static_cast<std::int64_t>(ids.size()), rows.dim}, torch::kFloat)
        .clone();
}

void embedForEvaluation(const EmbedRequest& request, jobs::JobContext& context, double from, double to) {
    model::EmbedWorkspaceOptions embed;
    embed.workspace = request.workspace;
    embed.model = request.model;
    embed.dataset = request.dataset;
    embed.split = request.split;
    embed.device = request.device;
    embed.batchSize = request.batchSize;
    embed.workers = request.workers;
    embed.realImages = request.realImages;
    embed.generatedImages = request.generatedImages;
    embed.captions = request.captions;
    model::EmbedWorkspaceJob job(embed);
    jobs::ScaledContext sub(context, from, to);
    if (!job.run(sub))
        throw Error("embedding dataset \"" + request.dataset + "\" with model \"" + request.model +
                    "\" failed");
}

const char* toString(Benchmark benchmark) {
    switch (benchmark) {
        case Benchmark::Retrieval:
            return "retrieval";
        case Benchmark::ZeroShot:
            return "zeroshot";
        case Benchmark::Similarity:
            return "similarity";
    }
    return "?";
}

Benchmark parseBenchmark(const std::string& text) {
    if (text == "retrieval") return Benchmark::Retrieval;
    if (text == "zeroshot" || text == "zero-shot") return Benchmark::ZeroShot;
    if (text == "similarity") return Benchmark::Similarity;
    throw Error("unknown benchmark \"" + text + "\" (expected retrieval, zeroshot or similarity)");
}

std::string EvaluateJob::name() const {
    return std::string("evaluate ") + options_.model + " (" + toString(options_.benchmark) + ") on " +
           options_.dataset;
}

bool EvaluateJob::run(jobs::JobContext& context) {
    outcome_ = EvalOutcome{};
    auto ws = store::Workspace::open(options_.workspace);
    Ctx c{ws, options_, ws.requireDataset(options_.dataset), model::requireModel(ws, options_.model),
          context, nullptr, std::nullopt};
    const auto benchmark = options_.benchmark;
    embedForEvaluation({options_.workspace, options_.model, options_.dataset, options_.split, options_.device,
                        options_.batchSize, options_.workers,
                        benchmark != Benchmark::ZeroShot || !options_.zeroShotGenerated,
                        benchmark == Benchmark::Similarity ||
                            (benchmark == Benchmark::ZeroShot && options_.zeroShotGenerated),
                        benchmark == Benchmark::Retrieval},
                       context, 0.0, 0.8);
    if (benchmark == Benchmark::Similarity && c.model.baseModelId) {
        // Eq. 1's real side is f_r(x_r): the base model's embeddings of the real images.
        c.baseModel = model::findModelById(ws, *c.model.baseModelId);
        if (c.baseModel) {
            embedForEvaluation({options_.workspace, c.baseModel->name, options_.dataset, options_.split, options_.device,
                                options_.batchSize, options_.workers, true, false, false},
                               context, 0.8, 0.85);
        }
    }
    context.checkCancelled();
    outcome_.task = toString(benchmark);
    outcome_.modelId = c.model.id;
    outcome_.runId = c.model.runId;
    outcome_.datasetId = c.dataset.id;
    outcome_.split = options_.split;
    std::string runName;
    if (c.model.runId) {
        if (const auto run = store::findRun(ws, std::to_string(*c.model.runId))) runName = run->name;
    }
    auto clip = model::loadClip(&ws, options_.model);
    c.clip = &clip;
    outcome_.provenance = {{"model", c.model.name},
                           {"model_kind", c.model.kind},
                           {"run", runName.empty() ? nlohmann::json(nullptr) : nlohmann::json(runName)},
                           {"dataset", c.dataset.name},
                           {"split", options_.split},
                           {"device", options_.device},
                           {"settings", nlohmann::json::object()},
                           {"evaluated_at", nowIso()}};
    // Which encoder saw the real images (the recipe's choice for LoRA models).
    outcome_.provenance["inference_encoder"] =
        clip.generated ? model::realImageEncoderName(clip.inference) : std::string("clip");
    if (benchmark == Benchmark::Similarity || (benchmark == Benchmark::ZeroShot && options_.zeroShotGenerated))
        outcome_.provenance["generator"] = options_.generator;
    switch (benchmark) {
        case Benchmark::Retrieval:
            evaluateRetrieval(c, outcome_);
            break;
        case Benchmark::ZeroShot:
            evaluateZeroShot(c, outcome_);
            break;
        case Benchmark::Similarity:
            evaluateSimilarity(c, outcome_);
            break;
    }
    context.checkCancelled();
    storeEvalOutcome(ws, outcome_);
    for (const auto& m : outcome_.metrics) context.log(jobs::LogLevel::Info, m.name + " = " + fmt(m.value));
    context.progress(1.0, "stored " + std::to_string(outcome_.metrics.size()) + " results");
    return true;
}

void storeEvalOutcome(store::Workspace& workspace, EvalOutcome& outcome) {
    std::vector<store::NewEvalResult> rows;
    for (const auto& m : outcome.metrics) {
        if (!std::isfinite(m.value)) throw Error("evaluation produced a non-finite " + m.name);
        auto details = outcome.provenance;
        for (const auto& item : m.details.items()) details[item.key()] = item.value();
        rows.push_back({outcome.runId, outcome.modelId, outcome.task, outcome.datasetId, outcome.split, m.name, m.value,
                        details.dump()});
    }
    outcome.resultIds = store::insertEvalResults(workspace, rows);
}

std::vector<store::EvalResultRecord> queryEvalResults(store::Workspace& workspace, const EvalResultQuery& query) {
    std::set<std::int64_t> modelIds;
    for (const auto& name : query.models) modelIds.insert(model::requireModel(workspace, name).id);
    for (const auto& name : query.runs) {
        const auto run = store::requireRun(workspace, name);
        const auto produced = store::modelsOfRun(workspace, run.id);
        modelIds.insert(produced.begin(), produced.end());
        bool found = !produced.empty();
        if (run.modelId) {
            modelIds.insert(*run.modelId);
            found = true;
        }
        if (!found)
            throw Error("run \"" + run.name + "\" produced no model, so it has no evaluation results");
    }
    std::optional<std::int64_t> datasetId;
    if (!query.dataset.empty()) datasetId = workspace.requireDataset(query.dataset).id;
    store::EvalResultFilter filter;
    filter.task = query.task;
    filter.datasetId = datasetId;
    filter.split = query.split;
    auto rows = store::listEvalResults(workspace, filter);
    if (!modelIds.empty()) {
        rows.erase(std::remove_if(rows.begin(), rows.end(),
                                  [&](const store::EvalResultRecord& r) {
                                      return !r.modelId || modelIds.count(*r.modelId) == 0;
                                  }),
                   rows.end());
    }
    if (!query.latestOnly) return rows;
    // Newest wins: walk backwards, keep the first of each key, restore id order.
    std::set<std::tuple<std::int64_t, std::string, std::int64_t, std::string, std::string>> seen;
    std::vector<store::EvalResultRecord> latest;
    for (auto it = rows.rbegin(); it != rows.rend(); ++it) {
        if (seen.insert(
                    {it->modelId.value_or(-1), it->task, it->datasetId.value_or(-1), it->split, it->metric})
                .second) {
            latest.push_back(std::move(*it));
        }
    }
    std::reverse(latest.begin(), latest.end());
    return latest;
}

}  // namespace genra::eval
