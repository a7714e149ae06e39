#include "core/eval/workspace_tsne.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>

#include "core/eval/workspace_eval.h"
#include "core/model/embed.h"
#include "core/model/model_store.h"
#include "core/store/workspace.h"
#include "core/util/error.h"

namespace genra::eval {

bool WorkspaceTsneJob::run(jobs::JobContext& context) {
    auto ws = store::Workspace::open(options_.workspace);
    const auto dataset = ws.requireDataset(options_.dataset);
    const auto modelRecord = model::requireModel(ws, options_.model);
    embedForEvaluation({options_.workspace, options_.model, options_.dataset, options_.split, options_.device,
                        options_.batchSize, options_.workers, true, true, options_.withText},
                       context, 0.0, 0.4);
    // The captions to show: those with generated images first (the pairs the map is about), in id
    // order; datasets without generated images fall back to every caption of a real image.
    std::vector<std::int64_t> captionIds;
    {
        auto s = ws.db().prepare(
            "SELECT c.id, EXISTS (SELECT 1 FROM generations g WHERE g.caption_id = c.id AND (?3 = '' OR "
            "g.generator = ?3)) AS has_gen FROM captions c "
            "JOIN images r ON r.id = c.image_id WHERE r.dataset_id = ?1 AND r.modality = 'real' AND "
            "(?2 = '' OR r.split = ?2) ORDER BY has_gen DESC, c.id");
        s.bind(1, dataset.id).bind(2, options_.split).bind(3, options_.generator);
        while (s.step()) captionIds.push_back(s.columnInt(0));
    }
    if (options_.captions > 0 && static_cast<std::int64_t>(captionIds.size()) > options_.captions) {
        captionIds.resize(static_cast<std::size_t>(options_.captions));
    }
    std::sort(captionIds.begin(), captionIds.end());
    std::set<std::int64_t> realSet;
    std::vector<std::int64_t> generatedIds;
    {
        auto realOf = ws.db().prepare("SELECT image_id FROM captions WHERE id = ?");
        auto gensOf =
            ws.db().prepare("SELECT image_id FROM generations WHERE caption_id = ?1 AND (?2 = '' OR generator = ?2) "
                            "ORDER BY image_id");
        for (auto id : captionIds) {
            realOf.reset();
            realOf.bind(1, id);
            if (realOf.step() && !realOf.isNull(0)) realSet.insert(realOf.columnInt(0));
            gensOf.reset();
            gensOf.bind(1, id).bind(2, options_.generator);
            while (gensOf.step()) generatedIds.push_back(gensOf.columnInt(0));
        }
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
    context.checkCancelled();
    ScaledContext sub(context, 0.4, 0.97);
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
                                   {"kl_divergence", result_.klDivergence},
                                   {"counts", {{"real", real_}, {"generated", generated_}, {"text", text_}}}};
    store::Transaction tx(ws.db());
    auto p =
        ws.db().prepare("INSERT INTO projections(name, method, model_id, params) VALUES(?, 'tsne', ?, ?)");
    p.bind(1, name).bind(2, modelRecord.id).bind(3, params.dump());
    p.run();
    projectionId_ = ws.db().lastInsertId();
    auto s = ws.db().prepare(
        "INSERT INTO projection_points(projection_id, item_kind, item_id, x, y) VALUES(?,?,?,?,?)");
    const auto map = result_.embedding.to(torch::kDouble).contiguous();
    const double* xy = map.data_ptr<double>();
    std::int64_t row = 0;
    auto put = [&](const char* kind, const std::vector<std::int64_t>& ids) {
        for (auto id : ids) {
            s.reset();
            s.bind(1, projectionId_).bind(2, kind).bind(3, id).bind(4, xy[2 * row]).bind(5, xy[2 * row + 1]);
            s.run();
            ++row;
        }
    };
    put("image", realIds);
    put("image", generatedIds);
    put("caption", textIds);
    tx.commit();
    context.progress(1.0, "stored projection \"" + name + "\" (" + std::to_string(points) + " points)");
    return true;
}

}  // namespace genra::eval
