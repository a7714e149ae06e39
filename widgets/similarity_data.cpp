#include "widgets/similarity_data.h"

#include "core/eval/similarity.h"
#include "core/model/embed.h"
#include "core/model/model_store.h"
#include "core/store/embeddings.h"
#include "core/store/workspace.h"
#include "core/util/error.h"

#include <torch/torch.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <set>

namespace genra::widgets {

namespace {

torch::Tensor stack(const std::vector<std::vector<float>>& rows) {
    const auto n = static_cast<std::int64_t>(rows.size());
    const auto d = rows.empty() ? 0 : static_cast<std::int64_t>(rows.front().size());
    auto t = torch::empty({n, d}, torch::kFloat32);
    for (std::int64_t i = 0; i < n; ++i) std::memcpy(t[i].data_ptr<float>(), rows[static_cast<std::size_t>(i)].data(), sizeof(float) * d);
    return t;
}

// Cosines of every row of `rows` with every row of `cols`, row-major, in double precision.
std::vector<double> cosineMatrix(const torch::Tensor& rows, const torch::Tensor& cols) {
    const auto options = torch::nn::functional::NormalizeFuncOptions().dim(1);
    const auto a = torch::nn::functional::normalize(rows.to(torch::kFloat64), options);
    const auto b = torch::nn::functional::normalize(cols.to(torch::kFloat64), options);
    const auto sim = torch::matmul(a, b.t()).contiguous();
    return std::vector<double>(sim.data_ptr<double>(), sim.data_ptr<double>() + sim.numel());
}

}  // namespace

std::vector<std::string> datasetGenerators(store::Workspace& ws, const std::string& dataset) {
    const auto data = ws.findDataset(dataset);
    if (!data) return {};
    return ws.generatorsOfDataset(data->id);
}

SimilarityReport computeSimilarity(store::Workspace& ws, const std::string& modelName, const std::string& dataset,
                                   const std::string& split, int histogramBins, int heatmapSize, const std::string& generator) {
    const auto model = model::requireModel(ws, modelName);
    const auto data = ws.requireDataset(dataset);
    SimilarityReport report;
    report.model = modelName;
    report.dataset = dataset;
    std::vector<std::vector<float>> generated;
    std::vector<std::vector<float>> real;
    std::map<std::int64_t, std::int64_t> realRow;
    std::vector<std::int64_t> pairing;
    for (auto& e : store::embeddedPairs(ws, model.id, model::kEncoderGeneratedImage, model::kEncoderRealImage, data.id,
                                        split, generator)) {
        SimilarityPair p;
        p.generatedImageId = e.generatedImageId;
        p.realImageId = e.realImageId;
        p.captionId = e.captionId;
        p.caption = std::move(e.caption);
        generated.push_back(std::move(e.generated));
        auto [it, added] = realRow.emplace(p.realImageId, static_cast<std::int64_t>(real.size()));
        if (added) real.push_back(std::move(e.real));
        pairing.push_back(it->second);
        report.pairs.push_back(std::move(p));
    }
    if (report.pairs.size() < 2) {
        throw Error("similarity: model \"" + modelName + "\" has " + std::to_string(report.pairs.size()) +
                    " embedded real-generated pairs in dataset \"" + dataset + "\"" +
                    (split.empty() ? std::string() : " split \"" + split + "\"") +
                    (generator.empty() ? std::string() : " from " + generator) +
                    "; embed the dataset with this model first (genra embed --workspace W --model " + modelName +
                    " --dataset " + dataset + ")");
    }
    const auto realT = stack(real);
    const auto genT = stack(generated);
    if (realT.size(1) != genT.size(1)) throw Error("similarity: real and generated embeddings differ in width");
    eval::SimilarityOptions options;
    options.histogramBins = histogramBins;
    const auto gap = eval::measureModalityGap(realT, genT, torch::tensor(pairing, torch::kInt64), options);
    const auto cosine = gap.pairedCosine.contiguous();
    for (std::size_t i = 0; i < report.pairs.size(); ++i) report.pairs[i].cosine = cosine[static_cast<std::int64_t>(i)].item<double>();
    report.mean = gap.pairedCosineMean;
    report.std = gap.pairedCosineStd;
    report.centroidDistance = gap.centroidDistance;
    report.centroidCosine = gap.centroidCosine;
    report.probeAccuracy = gap.probe.testAccuracy;
    report.frechetDistance = gap.frechetDistance;
    const auto pairingTensor = torch::tensor(pairing, torch::kInt64);
    report.own = eval::measurePairGap(realT, genT, pairingTensor);
    if (model.baseModelId) {
        // Eq. 1's real side: the base model's stored embeddings of the same real images.
        std::vector<std::int64_t> realIds(realRow.size());
        for (const auto& [id, row] : realRow) realIds[static_cast<std::size_t>(row)] = id;
        const auto stored = store::readEmbeddings(ws, {*model.baseModelId, "image", model::kEncoderRealImage}, realIds);
        std::vector<std::vector<float>> frozen;
        for (std::size_t r = 0; r < stored.found.size(); ++r) {
            const auto* row = stored.values.data() + r * static_cast<std::size_t>(stored.dim);
            frozen.emplace_back(row, row + stored.dim);
        }
        if (frozen.size() == realIds.size() && stack(frozen).size(1) == genT.size(1)) {
            report.eq1 = eval::measurePairGap(stack(frozen), genT, pairingTensor);
        }
    }
    report.histogramEdges = gap.pairedCosineHistogram.edges;
    report.histogramCounts = gap.pairedCosineHistogram.counts;
    // Heat-map of the first pairs: row i real image of pair i, column j generated image of pair j.
    const auto n = static_cast<std::int64_t>(std::min<std::size_t>(static_cast<std::size_t>(std::max(heatmapSize, 0)), report.pairs.size()));
    report.heatmapSize = static_cast<int>(n);
    if (n > 0) {
        report.heatmap = cosineMatrix(realT.index_select(0, torch::tensor(pairing, torch::kInt64).slice(0, 0, n)),
                                      genT.slice(0, 0, n));
    }
    return report;
}

std::vector<SimilarityPair> worstAligned(const SimilarityReport& report, std::size_t count) {
    std::vector<SimilarityPair> pairs = report.pairs;
    std::stable_sort(pairs.begin(), pairs.end(), [](const auto& a, const auto& b) { return a.cosine < b.cosine; });
    if (pairs.size() > count) pairs.resize(count);
    return pairs;
}

std::vector<SimilarityPair> heatmapPairs(const SimilarityReport& report, HeatmapSubset subset, std::size_t count,
                                         const std::vector<std::int64_t>& captionIds) {
    std::vector<SimilarityPair> out;
    switch (subset) {
        case HeatmapSubset::Worst: return worstAligned(report, count);
        case HeatmapSubset::Captions: {
            const std::set<std::int64_t> wanted(captionIds.begin(), captionIds.end());
            for (const auto& p : report.pairs) {
                if (out.size() >= count) break;
                if (wanted.count(p.captionId)) out.push_back(p);
            }
            return out;
        }
        case HeatmapSubset::First: break;
    }
    out.assign(report.pairs.begin(), report.pairs.begin() + static_cast<std::ptrdiff_t>(std::min(count, report.pairs.size())));
    return out;
}

std::vector<double> pairHeatmap(store::Workspace& ws, const std::string& modelName, const std::vector<SimilarityPair>& pairs) {
    if (pairs.empty()) return {};
    const auto model = model::requireModel(ws, modelName);
    const auto embedding = [&](std::int64_t imageId, const char* encoder) {
        auto v = store::findEmbedding(ws, {model.id, "image", encoder}, imageId);
        if (!v) {
            throw Error("similarity: model \"" + modelName + "\" has no " + std::string(encoder) + " embedding of image " +
                        std::to_string(imageId));
        }
        return std::move(*v);
    };
    std::vector<std::vector<float>> real;
    std::vector<std::vector<float>> generated;
    for (const auto& p : pairs) {
        real.push_back(embedding(p.realImageId, model::kEncoderRealImage));
        generated.push_back(embedding(p.generatedImageId, model::kEncoderGeneratedImage));
    }
    const auto rows = stack(real);
    const auto cols = stack(generated);
    if (rows.size(1) != cols.size(1)) throw Error("similarity: real and generated embeddings differ in width");
    return cosineMatrix(rows, cols);
}

}  // namespace genra::widgets
