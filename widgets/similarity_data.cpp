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

}  // namespace

SimilarityReport computeSimilarity(store::Workspace& ws, const std::string& modelName, const std::string& dataset,
                                   const std::string& split, int histogramBins, int heatmapSize) {
    const auto model = model::requireModel(ws, modelName);
    const auto data = ws.requireDataset(dataset);
    auto s = ws.db().prepare(
        "SELECT g.id, c.image_id, c.id, c.text, eg.dim, eg.vector, er.dim, er.vector FROM images g "
        "JOIN generations gen ON gen.image_id = g.id JOIN captions c ON c.id = gen.caption_id "
        "JOIN embeddings eg ON eg.model_id = ?1 AND eg.item_kind = 'image' AND eg.item_id = g.id AND eg.encoder = ?2 "
        "JOIN embeddings er ON er.model_id = ?1 AND er.item_kind = 'image' AND er.item_id = c.image_id AND er.encoder = ?3 "
        "WHERE g.dataset_id = ?4 AND g.modality = 'generated' AND (?5 = '' OR g.split = ?5) ORDER BY g.id");
    s.bind(1, model.id).bind(2, model::kEncoderGeneratedImage).bind(3, model::kEncoderRealImage).bind(4, data.id).bind(5, split);
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
    report.histogramEdges = gap.pairedCosineHistogram.edges;
    report.histogramCounts = gap.pairedCosineHistogram.counts;
    // Heat-map of the first pairs: row i real image of pair i, column j generated image of pair j.
    const auto n = static_cast<std::int64_t>(std::min<std::size_t>(static_cast<std::size_t>(std::max(heatmapSize, 0)), report.pairs.size()));
    report.heatmapSize = static_cast<int>(n);
    if (n > 0) {
        const auto rows = torch::nn::functional::normalize(
            realT.index_select(0, torch::tensor(pairing, torch::kInt64).slice(0, 0, n)).to(torch::kFloat64),
            torch::nn::functional::NormalizeFuncOptions().dim(1));
        const auto cols = torch::nn::functional::normalize(genT.slice(0, 0, n).to(torch::kFloat64),
                                                           torch::nn::functional::NormalizeFuncOptions().dim(1));
        const auto sim = torch::matmul(rows, cols.t()).contiguous();
        report.heatmap.assign(sim.data_ptr<double>(), sim.data_ptr<double>() + n * n);
    }
    return report;
}

std::vector<SimilarityPair> worstAligned(const SimilarityReport& report, std::size_t count) {
    std::vector<SimilarityPair> pairs = report.pairs;
    std::stable_sort(pairs.begin(), pairs.end(), [](const auto& a, const auto& b) { return a.cosine < b.cosine; });
    if (pairs.size() > count) pairs.resize(count);
    return pairs;
}

}  // namespace genra::widgets
