#include "core/store/shard_merge.h"

#include "core/store/workspace.h"
#include "core/store/raw_db.h"

namespace genra::store {

std::vector<DatasetImage> imagesWithDatasetNames(Workspace& ws) {
    auto s = rawDb(ws).prepare(
        "SELECT i.id, d.name, i.path, i.modality FROM images i JOIN datasets d ON d.id = i.dataset_id ORDER BY i.id");
    std::vector<DatasetImage> out;
    while (s.step()) out.push_back({s.columnInt(0), s.columnText(1), s.columnText(2), s.columnText(3)});
    return out;
}

std::vector<DatasetCaption> captionsWithDatasetNames(Workspace& ws) {
    auto s = rawDb(ws).prepare(
        "SELECT c.id, d.name, COALESCE(i.path, ''), c.ord, c.text FROM captions c JOIN datasets d ON d.id = "
        "c.dataset_id LEFT JOIN images i ON i.id = c.image_id ORDER BY c.id");
    std::vector<DatasetCaption> out;
    while (s.step()) out.push_back({s.columnInt(0), s.columnText(1), s.columnText(2), s.columnInt(3), s.columnText(4)});
    return out;
}

std::vector<GeneratedImageRow> generatedImageRows(Workspace& ws) {
    auto s = rawDb(ws).prepare(
        "SELECT i.id, d.name, i.path, i.split, i.width, i.height, i.sha256, i.status, i.source_key, i.attributes, "
        "g.caption_id, g.generator, g.seed, g.params FROM images i JOIN generations g ON g.image_id = i.id "
        "JOIN datasets d ON d.id = i.dataset_id WHERE i.modality = 'generated' ORDER BY i.id");
    std::vector<GeneratedImageRow> out;
    while (s.step()) {
        GeneratedImageRow r;
        r.imageId = s.columnInt(0);
        r.dataset = s.columnText(1);
        r.path = s.columnText(2);
        r.split = s.columnText(3);
        r.width = s.columnOptionalInt(4);
        r.height = s.columnOptionalInt(5);
        if (!s.isNull(6)) r.sha256 = s.columnText(6);
        r.status = s.columnText(7);
        r.sourceKey = s.columnText(8);
        r.attributesJson = s.columnText(9);
        r.captionId = s.columnInt(10);
        r.generator = s.columnText(11);
        r.seed = s.columnOptionalInt(12);
        r.paramsJson = s.columnText(13);
        out.push_back(std::move(r));
    }
    return out;
}

std::optional<GenerationOf> generationOfImage(Workspace& ws, std::int64_t imageId) {
    auto s = rawDb(ws).prepare("SELECT caption_id, generator, seed FROM generations WHERE image_id = ?");
    s.bind(1, imageId);
    if (!s.step()) return std::nullopt;
    return GenerationOf{s.columnInt(0), s.columnText(1), s.columnOptionalInt(2)};
}

void forEachStoredEmbedding(Workspace& ws, const std::function<void(const StoredEmbedding&)>& visit) {
    auto s = rawDb(ws).prepare(
        "SELECT m.name, e.item_kind, e.item_id, e.encoder, e.dim, e.vector FROM embeddings e JOIN models m ON "
        "m.id = e.model_id ORDER BY e.model_id, e.item_kind, e.item_id, e.encoder");
    StoredEmbedding row;
    while (s.step()) {
        row.model = s.columnText(0);
        row.itemKind = s.columnText(1);
        row.itemId = s.columnInt(2);
        row.encoder = s.columnText(3);
        row.dim = s.columnInt(4);
        row.vector = s.columnBlob(5);
        visit(row);
    }
}

EmbeddingInserter::EmbeddingInserter(Workspace& ws)
    : ws_(ws),
      insert_(rawDb(ws).prepare(
          "INSERT OR IGNORE INTO embeddings(model_id, item_kind, item_id, encoder, dim, vector) VALUES(?,?,?,?,?,?)")) {}

bool EmbeddingInserter::insertIfAbsent(std::int64_t modelId, const StoredEmbedding& row, std::int64_t itemId) {
    insert_.reset();
    insert_.bind(1, modelId).bind(2, row.itemKind).bind(3, itemId).bind(4, row.encoder).bind(5, row.dim);
    insert_.bindBlob(6, row.vector.data(), row.vector.size());
    insert_.run();
    return rawDb(ws_).changes() > 0;
}

}  // namespace genra::store
