#include "widgets/similarity_data.h"

#include "core/eval/similarity.h"
#include "core/model/embed.h"
#include "core/model/model_store.h"
#include "core/store/workspace.h"
#include "core/util/error.h"

#include <torch/torch.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <set>

namespace genra::widgets {

namespace {

std::vector<float> vectorOf(const std::vector<std::uint8_t>& blob, std::int64_t dim, const std::string& what) {
    if (blob.size() != static_cast<std::size_t>(dim) * sizeof(float)) {
        throw Error("embeddings: " + what + " has " + std::to_string(blob.size()) + " bytes, expected " +
                    std::to_string(dim * 4));
    }
    std::vector<float> v(static_cast<std::size_t>(dim));
    std::memcpy(v.data(), blob.data(), blob.size());
    return v;
}

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
    std::vector<std::string> out;
    const auto data = ws.findDataset(dataset);
    if (!data) return out;
    auto s = ws.db().prepare(
        "SELECT DISTINCT gen.generator FROM generations gen JOIN images g ON g.id = gen.image_id WHERE g.dataset_id = ? "
        "ORDER BY gen.generator");
    s.bind(1, data->id);
    while (s.step()) out.push_back(s.columnText(0));
    return out;
}

SimilarityReport computeSimilarity(store::Workspace& ws, const std::string& modelName, const std::string& dataset,
                                   const std::string& split, int histogramBins, int heatmapSize, const std::string& generator) {
    const auto model = model::requireModel(ws, modelName);
    const auto data = ws.requireDataset(dataset);
    auto s = ws.db().prepare(
        "SELECT g.id, c.image_id, c.id, c.text, eg.dim, eg.vector, er.dim, er.vector FROM images g "
        "JOIN generations gen ON gen.image_id = g.id JOIN captions c ON c.id = gen.caption_id "
        "JOIN embeddings eg ON eg.model_id = ?1 AND eg.item_kind = 'image' AND eg.item_id = g.id AND eg.encoder = ?2 "
        "JOIN embeddings er ON er.model_id = ?1 AND er.item_kind = 'image' AND er.item_id = c.image_id AND er.encoder = ?3 "
        "WHERE g.dataset_id = ?4 AND g.modality = 'generated' AND (?5 = '' OR g.split = ?5) AND (?6 = '' OR gen.generator = ?6) "
        "ORDER BY g.id");
    s.bind(1, model.id).bind(2, model::kEncoderGeneratedImage).bind(3, model::kEncoderRealImage).bind(4, data.id).bind(5, split);
    s.bind(6, generator);
    SimilarityReport report;
    report.model = modelName;
    report.dataset = dataset;
    std::vector<std::vector<float>> generated;
    std::vector<std::vector<float>> real;
    std::map<std::int64_t, std::int64_t> realRow;
    std::vector<std::int64_t> pairing;
    while (s.step()) {
        SimilarityPair p;
        p.generatedImageId = s.columnInt(0);
        p.realImageId = s.columnInt(1);
        p.captionId = s.columnInt(2);
        p.caption = s.columnText(3);
        generated.push_back(vectorOf(s.columnBlob(5), s.columnInt(4), "generated image " + std::to_string(p.generatedImageId)));
        auto [it, added] = realRow.emplace(p.realImageId, static_cast<std::int64_t>(real.size()));
        if (added) real.push_back(vectorOf(s.columnBlob(7), s.columnInt(6), "real image " + std::to_string(p.realImageId)));
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
    const auto own = eval::measurePairGap(realT, genT, pairingTensor);
    report.unmatchedMean = own.unmatchedCosineMean;
    report.margin = own.margin;
    report.centredMean = own.centredPairedCosineMean;
    report.genToRealR1 = own.genToRealRecallAt1;
    report.genToRealR5 = own.genToRealRecallAt5;
    report.alignLoss = own.alignLoss;
    if (model.baseModelId) {
        // Eq. 1's real side: the base model's stored embeddings of the same real images.
        std::vector<std::int64_t> realIds(realRow.size());
        for (const auto& [id, row] : realRow) realIds[static_cast<std::size_t>(row)] = id;
        auto q = ws.db().prepare("SELECT dim, vector FROM embeddings WHERE model_id = ? AND item_kind = 'image' AND item_id = ? "
                                 "AND encoder = ?");
        std::vector<std::vector<float>> frozen;
        for (auto id : realIds) {
            q.reset();
            q.bind(1, *model.baseModelId).bind(2, id).bind(3, std::string(model::kEncoderRealImage));
            if (!q.step()) break;
            frozen.push_back(vectorOf(q.columnBlob(1), q.columnInt(0), "real image " + std::to_string(id)));
        }
        if (frozen.size() == realIds.size() && stack(frozen).size(1) == genT.size(1)) {
            const auto eq1 = eval::measurePairGap(stack(frozen), genT, pairingTensor);
            report.eq1Available = true;
            report.eq1PairedMean = eq1.pairedCosineMean;
            report.eq1Margin = eq1.margin;
            report.eq1GenToRealR1 = eq1.genToRealRecallAt1;
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
    auto s = ws.db().prepare(
        "SELECT dim, vector FROM embeddings WHERE model_id = ? AND item_kind = 'image' AND item_id = ? AND encoder = ?");
    const auto embedding = [&](std::int64_t imageId, const char* encoder) {
        s.reset();
        s.bind(1, model.id).bind(2, imageId).bind(3, encoder);
        const std::string what = std::string(encoder) + " embedding of image " + std::to_string(imageId);
        if (!s.step()) throw Error("similarity: model \"" + modelName + "\" has no " + what);
        return vectorOf(s.columnBlob(1), s.columnInt(0), what);
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
