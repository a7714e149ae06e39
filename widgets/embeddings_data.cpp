#include "widgets/embeddings_data.h"

#include "core/eval/tsne.h"
#include "core/model/embed.h"
#include "core/model/model_store.h"
#include "core/store/workspace.h"
#include "core/util/error.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>
#include <map>
#include <random>

namespace genra::widgets {

std::vector<ProjectionInfo> listProjections(store::Workspace& ws) {
    auto s = ws.db().prepare(
        "SELECT p.id, p.name, COALESCE(m.name, ''), p.params, p.created_at, "
        "(SELECT COUNT(*) FROM projection_points q WHERE q.projection_id = p.id) "
        "FROM projections p LEFT JOIN models m ON m.id = p.model_id ORDER BY p.id");
    std::vector<ProjectionInfo> out;
    while (s.step()) {
        ProjectionInfo info;
        info.id = s.columnInt(0);
        info.name = s.columnText(1);
        info.model = s.columnText(2);
        info.params = s.columnText(3);
        info.createdAt = s.columnText(4);
        info.points = s.columnInt(5);
        out.push_back(std::move(info));
    }
    return out;
}

Projection loadProjection(store::Workspace& ws, std::int64_t projectionId) {
    Projection p;
    for (auto& info : listProjections(ws))
        if (info.id == projectionId) p.info = info;
    if (p.info.id == 0) throw Error("projection " + std::to_string(projectionId) + " does not exist in " + ws.dir().string());
    // Each point's caption: a generated image's source caption, a real image's first caption.
    auto s = ws.db().prepare(
        "SELECT p.item_kind, p.item_id, p.x, p.y, COALESCE(i.modality, ''), "
        "COALESCE(g.caption_id, (SELECT c.id FROM captions c WHERE c.image_id = i.id ORDER BY c.ord, c.id LIMIT 1), "
        "CASE WHEN p.item_kind = 'caption' THEN p.item_id END, 0), "
        "COALESCE((SELECT c2.image_id FROM captions c2 WHERE c2.id = g.caption_id), 0) "
        "FROM projection_points p LEFT JOIN images i ON p.item_kind = 'image' AND i.id = p.item_id "
        "LEFT JOIN generations g ON g.image_id = i.id WHERE p.projection_id = ? ORDER BY p.item_kind DESC, p.item_id");
    s.bind(1, projectionId);
    std::map<std::int64_t, int> realIndex;
    std::vector<std::int64_t> linkImage;
    while (s.step()) {
        ProjectionPoint point;
        const auto kind = s.columnText(0);
        point.itemId = s.columnInt(1);
        point.x = s.columnDouble(2);
        point.y = s.columnDouble(3);
        const auto modality = s.columnText(4);
        point.kind = kind == "caption" ? PointKind::Caption : modality == "generated" ? PointKind::Generated : PointKind::Real;
        point.captionId = s.columnInt(5);
        if (point.kind == PointKind::Real) realIndex[point.itemId] = static_cast<int>(p.points.size());
        linkImage.push_back(point.kind == PointKind::Generated ? s.columnInt(6) : 0);
        p.points.push_back(point);
    }
    for (std::size_t i = 0; i < p.points.size(); ++i) {
        const auto it = realIndex.find(linkImage[i]);
        if (it != realIndex.end()) p.points[i].linkedReal = it->second;
    }
    return p;
}

std::int64_t storeProjection(store::Workspace& ws, const std::string& name, std::int64_t modelId,
                             const std::string& paramsJson, const std::vector<ProjectionPoint>& points) {
    store::Transaction tx(ws.db());
    auto insert = ws.db().prepare("INSERT INTO projections (name, method, model_id, params) VALUES (?, 'tsne', ?, ?)");
    insert.bind(1, name).bind(2, modelId).bind(3, paramsJson).run();
    const auto id = ws.db().lastInsertId();
    auto point = ws.db().prepare("INSERT INTO projection_points (projection_id, item_kind, item_id, x, y) VALUES (?, ?, ?, ?, ?)");
    for (const auto& p : points) {
        point.reset();
        point.bind(1, id).bind(2, p.kind == PointKind::Caption ? "caption" : "image").bind(3, p.itemId).bind(4, p.x).bind(5, p.y);
        point.run();
    }
    tx.commit();
    return id;
}

ProjectionJob::ProjectionJob(std::filesystem::path workspace, ProjectionOptions options)
    : workspace_(std::move(workspace)), options_(std::move(options)) {}

std::string ProjectionJob::name() const { return "t-SNE of " + options_.dataset + " with " + options_.model; }

bool ProjectionJob::run(jobs::JobContext& context) {
    auto ws = store::Workspace::open(workspace_);
    const auto model = model::requireModel(ws, options_.model);
    const auto dataset = ws.requireDataset(options_.dataset);
    context.progress(-1, "reading embeddings");
    auto s = ws.db().prepare(
        "SELECT c.id, c.image_id, g.image_id, er.dim, er.vector, eg.dim, eg.vector, et.dim, et.vector FROM captions c "
        "JOIN generations g ON g.caption_id = c.id JOIN images gi ON gi.id = g.image_id "
        "JOIN embeddings eg ON eg.model_id = ?1 AND eg.item_kind = 'image' AND eg.item_id = g.image_id AND eg.encoder = ?2 "
        "JOIN embeddings er ON er.model_id = ?1 AND er.item_kind = 'image' AND er.item_id = c.image_id AND er.encoder = ?3 "
        "LEFT JOIN embeddings et ON et.model_id = ?1 AND et.item_kind = 'caption' AND et.item_id = c.id AND et.encoder = ?4 "
        "WHERE c.dataset_id = ?5 AND (?6 = '' OR gi.split = ?6) ORDER BY c.id, g.image_id");
    s.bind(1, model.id).bind(2, model::kEncoderGeneratedImage).bind(3, model::kEncoderRealImage);
    s.bind(4, model::kEncoderText).bind(5, dataset.id).bind(6, options_.split);
    struct Row {
        std::int64_t caption, real, generated;
        std::vector<std::uint8_t> realVec, genVec, textVec;
    };
    std::vector<Row> rows;
    std::vector<std::int64_t> captionOrder;
    while (s.step()) {
        Row r{s.columnInt(0), s.columnInt(1), s.columnInt(2), s.columnBlob(4), s.columnBlob(6),
              s.isNull(8) ? std::vector<std::uint8_t>{} : s.columnBlob(8)};
        if (captionOrder.empty() || captionOrder.back() != r.caption) captionOrder.push_back(r.caption);
        rows.push_back(std::move(r));
    }
    if (rows.empty()) {
        throw Error("t-SNE: model \"" + options_.model + "\" has no embedded real-generated pairs in dataset \"" +
                    options_.dataset + "\"; embed the dataset with this model first");
    }
    context.checkCancelled();
    // A seeded sample of captions; each brings its real image and every generated image made from it.
    std::mt19937_64 rng(options_.seed);
    std::shuffle(captionOrder.begin(), captionOrder.end(), rng);
    if (captionOrder.size() > static_cast<std::size_t>(options_.maxCaptions)) captionOrder.resize(static_cast<std::size_t>(options_.maxCaptions));
    std::sort(captionOrder.begin(), captionOrder.end());
    std::vector<ProjectionPoint> points;
    std::vector<const std::vector<std::uint8_t>*> vectors;
    std::map<std::int64_t, bool> realSeen;
    std::map<std::int64_t, bool> captionSeen;
    for (const auto& r : rows) {
        if (!std::binary_search(captionOrder.begin(), captionOrder.end(), r.caption)) continue;
        if (!realSeen[r.real]) {
            realSeen[r.real] = true;
            points.push_back({PointKind::Real, r.real, r.caption, 0, 0, -1});
            vectors.push_back(&r.realVec);
        }
        points.push_back({PointKind::Generated, r.generated, r.caption, 0, 0, -1});
        vectors.push_back(&r.genVec);
        if (options_.includeCaptions && !r.textVec.empty() && !captionSeen[r.caption]) {
            captionSeen[r.caption] = true;
            points.push_back({PointKind::Caption, r.caption, r.caption, 0, 0, -1});
            vectors.push_back(&r.textVec);
        }
    }
    const auto n = static_cast<std::int64_t>(points.size());
    const auto dim = static_cast<std::int64_t>(vectors.front()->size() / sizeof(float));
    auto data = torch::empty({n, dim}, torch::kFloat32);
    for (std::int64_t i = 0; i < n; ++i) {
        const auto& v = *vectors[static_cast<std::size_t>(i)];
        if (v.size() != static_cast<std::size_t>(dim) * sizeof(float)) throw Error("t-SNE: embeddings of different widths");
        std::memcpy(data[i].data_ptr<float>(), v.data(), v.size());
    }
    data = torch::nn::functional::normalize(data, torch::nn::functional::NormalizeFuncOptions().dim(1));
    eval::TsneOptions tsne;
    tsne.perplexity = std::min(options_.perplexity, eval::maxTsnePerplexity(n));
    tsne.iterations = options_.iterations;
    tsne.seed = options_.seed;
    context.log(jobs::LogLevel::Info, "t-SNE of " + std::to_string(n) + " points, perplexity " + std::to_string(tsne.perplexity));
    const auto result = eval::runTsne(data, tsne, &context);
    const auto map = result.embedding.to(torch::kFloat32).contiguous();
    const auto xy = map.accessor<float, 2>();
    for (std::int64_t i = 0; i < n; ++i) {
        points[static_cast<std::size_t>(i)].x = xy[i][0];
        points[static_cast<std::size_t>(i)].y = xy[i][1];
    }
    const nlohmann::json params = {{"dataset", options_.dataset},        {"split", options_.split},
                                   {"captions", captionOrder.size()},    {"include_captions", options_.includeCaptions},
                                   {"perplexity", tsne.perplexity},      {"iterations", tsne.iterations},
                                   {"seed", options_.seed},              {"kl_divergence", result.klDivergence}};
    const std::string name = options_.name.empty() ? options_.model + " " + options_.dataset + " t-SNE" : options_.name;
    projectionId_ = storeProjection(ws, name, model.id, params.dump(), points);
    context.progress(1.0, "stored projection " + std::to_string(projectionId_));
    return true;
}

}  // namespace genra::widgets
