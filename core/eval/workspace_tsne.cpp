#include "core/eval/workspace_tsne.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "core/eval/workspace_eval.h"
#include "core/model/embed.h"
#include "core/model/model_store.h"
#include "core/store/generations.h"
#include "core/store/projections.h"
#include "core/store/workspace.h"
#include "core/util/error.h"

namespace genra::eval {

namespace {
constexpr std::int64_t kAutoPcaDims = 50;
}  // namespace

bool WorkspaceTsneJob::run(jobs::JobContext& context) {
    auto ws = store::Workspace::open(options_.workspace);
    const auto dataset = ws.requireDataset(options_.dataset);
    const auto modelRecord = model::requireModel(ws, options_.model);
    embedForEvaluation({options_.workspace, options_.model, options_.dataset, options_.split, options_.device,
                        options_.batchSize, options_.workers, true, true, options_.withText},
                       context, 0.0, 0.4);
    // The captions to show: those with generated images first (the pairs the map is about), in id
    // order; datasets without generated images fall back to every caption of a real image.
    auto captionIds = store::captionsOfRealImages(ws, dataset.id, options_.split, options_.generator);
    if (options_.captions > 0 && static_cast<std::int64_t>(captionIds.size()) > options_.captions) {
        captionIds.resize(static_cast<std::size_t>(options_.captions));
    }
    std::sort(captionIds.begin(), captionIds.end());
    std::set<std::int64_t> realSet;
    std::vector<std::int64_t> generatedIds;
    for (auto id : captionIds) {
        if (const auto real = store::imageOfCaption(ws, id)) realSet.insert(*real);
        const auto generated = store::generatedFromCaption(ws, id, options_.generator);
        generatedIds.insert(generatedIds.end(), generated.begin(), generated.end());
    }
    std::vector<std::int64_t> realIds(realSet.begin(), realSet.end());
    std::vector<std::int64_t> textIds = options_.withText ? captionIds : std::vector<std::int64_t>{};
    const auto real = loadStoredEmbeddings(ws, modelRecord.id, "image", model::kEncoderRealImage, realIds);
    const auto generated =
        loadStoredEmbeddings(ws, modelRecord.id, "image", model::kEncoderGeneratedImage, generatedIds);
    const auto text = options_.withText
                          ? loadStoredEmbeddings(ws, modelRecord.id, "caption", model::kEncoderText, textIds)
                          : torch::empty({0, real.size(1)});
    real_ = static_cast<std::int64_t>(realIds.size());
    generated_ = static_cast<std::int64_t>(generatedIds.size());
    text_ = static_cast<std::int64_t>(textIds.size());
    const auto points = real_ + generated_ + text_;
    if (points < 4) {
        throw Error("dataset \"" + options_.dataset + "\"" +
                    (options_.split.empty() ? "" : " split \"" + options_.split + "\"") + " has only " +
                    std::to_string(points) + " embedded items; a t-SNE map needs at least 4");
    }
    std::vector<torch::Tensor> parts;
    for (const auto& t : {real, generated, text})
        if (t.size(0) > 0) parts.push_back(t);
    auto data = torch::cat(parts);
    data = data / data.norm(2, 1, true).clamp_min(1e-12);  // cosine geometry, as the model compares them
    auto tsne = options_.tsne;
    tsne.perplexity = std::min(tsne.perplexity, maxTsnePerplexity(points));
    const bool sparseMethod = tsne.method == TsneMethod::Auto || tsne.method == TsneMethod::Torch;
    if (options_.autoPca && sparseMethod && tsne.pcaDims == 0 && points > tsne.barnesHutMaxPoints)
        tsne.pcaDims = kAutoPcaDims;
    context.checkCancelled();
    jobs::ScaledContext sub(context, 0.4, 0.97);
    result_ = runTsne(data, tsne, &sub);
    context.checkCancelled();

    const std::string name = options_.name.empty() ? options_.model + " " + options_.dataset +
                                                         (options_.split.empty() ? "" : "/" + options_.split)
                                                   : options_.name;
    const nlohmann::json params = {{"dataset", options_.dataset},
                                   {"split", options_.split},
                                   {"captions", captionIds.size()},
                                   {"with_text", options_.withText},
                                   {"perplexity", tsne.perplexity},
                                   {"iterations", result_.iterations},
                                   {"seed", tsne.seed},
                                   {"method", toString(result_.method)},
                                   {"pca_dims", tsne.pcaDims},
                                   {"kl_divergence", result_.klDivergence},
                                   {"counts", {{"real", real_}, {"generated", generated_}, {"text", text_}}}};
    const auto map = result_.embedding.to(torch::kDouble).contiguous();
    const double* xy = map.data_ptr<double>();
    std::vector<store::ProjectionPointRecord> stored;
    stored.reserve(static_cast<std::size_t>(points));
    auto put = [&](const char* kind, const std::vector<std::int64_t>& ids) {
        for (auto id : ids) {
            const auto row = static_cast<std::int64_t>(stored.size());
            stored.push_back({kind, id, xy[2 * row], xy[2 * row + 1]});
        }
    };
    put("image", realIds);
    put("image", generatedIds);
    put("caption", textIds);
    projectionId_ = store::insertProjection(ws, name, "tsne", modelRecord.id, params.dump(), stored);
    context.progress(1.0, "stored projection \"" + name + "\" (" + std::to_string(points) + " points)");
    return true;
}

}  // namespace genra::eval
