#include "core/store/embeddings.h"

#include <cstring>

#include "core/store/workspace.h"
#include "core/store/raw_db.h"
#include "core/util/error.h"

namespace genra::store {

namespace {

constexpr const char* kSelect =
    "SELECT dim, vector FROM embeddings WHERE model_id = ? AND item_kind = ? AND item_id = ? AND encoder = ?";

std::string itemName(const EmbeddingKey& key, std::int64_t itemId) {
    return key.encoder + " embedding of " + key.itemKind + " " + std::to_string(itemId);
}

}  // namespace

std::vector<float> decodeEmbedding(const std::vector<std::uint8_t>& blob, std::int64_t dim,
                                   const std::string& what) {
    if (dim < 0 || blob.size() != static_cast<std::size_t>(dim) * sizeof(float)) {
        throw Error("stored " + what + " is damaged (" + std::to_string(blob.size()) + " bytes for dim " +
                    std::to_string(dim) + ")");
    }
    std::vector<float> v(static_cast<std::size_t>(dim));
    if (!v.empty()) std::memcpy(v.data(), blob.data(), blob.size());
    return v;
}

std::optional<std::vector<float>> findEmbedding(Workspace& ws, const EmbeddingKey& key, std::int64_t itemId) {
    auto s = rawDb(ws).prepare(kSelect);
    s.bind(1, key.modelId).bind(2, key.itemKind).bind(3, itemId).bind(4, key.encoder);
    if (!s.step()) return std::nullopt;
    return decodeEmbedding(s.columnBlob(1), s.columnInt(0), itemName(key, itemId));
}

EmbeddingRows readEmbeddings(Workspace& ws, const EmbeddingKey& key,
                             const std::vector<std::int64_t>& itemIds) {
    auto s = rawDb(ws).prepare(kSelect);
    EmbeddingRows out;
    for (std::size_t i = 0; i < itemIds.size(); ++i) {
        s.reset();
        s.bind(1, key.modelId).bind(2, key.itemKind).bind(3, itemIds[i]).bind(4, key.encoder);
        if (!s.step()) continue;
        const auto dim = s.columnInt(0);
        if (!out.found.empty() && dim != out.dim) {
            throw Error("stored " + itemName(key, itemIds[i]) + " has dim " + std::to_string(dim) +
                        ", others " + std::to_string(out.dim));
        }
        const auto row = decodeEmbedding(s.columnBlob(1), dim, itemName(key, itemIds[i]));
        out.dim = dim;
        out.values.insert(out.values.end(), row.begin(), row.end());
        out.found.push_back(i);
    }
    return out;
}

std::vector<EmbeddedPair> embeddedPairs(Workspace& ws, std::int64_t modelId,
                                        const std::string& generatedEncoder, const std::string& realEncoder,
                                        std::int64_t datasetId, const std::string& split,
                                        const std::string& generator) {
    auto s = rawDb(ws).prepare(
        "SELECT g.id, c.image_id, c.id, c.text, eg.dim, eg.vector, er.dim, er.vector FROM images g "
        "JOIN generations gen ON gen.image_id = g.id JOIN captions c ON c.id = gen.caption_id "
        "JOIN embeddings eg ON eg.model_id = ?1 AND eg.item_kind = 'image' AND eg.item_id = g.id AND "
        "eg.encoder = ?2 "
        "JOIN embeddings er ON er.model_id = ?1 AND er.item_kind = 'image' AND er.item_id = c.image_id AND "
        "er.encoder = ?3 "
        "WHERE g.dataset_id = ?4 AND g.modality = 'generated' AND (?5 = '' OR g.split = ?5) AND (?6 = '' OR "
        "gen.generator = ?6) "
        "ORDER BY g.id");
    s.bind(1, modelId).bind(2, generatedEncoder).bind(3, realEncoder).bind(4, datasetId).bind(5, split);
    s.bind(6, generator);
    std::vector<EmbeddedPair> out;
    while (s.step()) {
        EmbeddedPair p;
        p.generatedImageId = s.columnInt(0);
        p.realImageId = s.columnInt(1);
        p.captionId = s.columnInt(2);
        p.caption = s.columnText(3);
        p.generated =
            decodeEmbedding(s.columnBlob(5), s.columnInt(4),
                            generatedEncoder + " embedding of image " + std::to_string(p.generatedImageId));
        p.real = decodeEmbedding(s.columnBlob(7), s.columnInt(6),
                                 realEncoder + " embedding of image " + std::to_string(p.realImageId));
        out.push_back(std::move(p));
    }
    return out;
}

std::vector<std::pair<std::int64_t, std::string>> imagesWithoutEmbedding(Workspace& ws,
                                                                         const EmbeddingKey& key,
                                                                         std::int64_t datasetId,
                                                                         const std::string& split,
                                                                         const std::string& modality) {
    auto s = rawDb(ws).prepare(
        "SELECT i.id, i.path FROM images i WHERE i.dataset_id = ?1 AND (?2 = '' OR i.split = ?2) AND "
        "i.status = 'ok' "
        "AND i.modality = ?6 AND NOT EXISTS (SELECT 1 FROM embeddings e WHERE e.model_id = ?3 AND "
        "e.item_kind = ?4 "
        "AND e.item_id = i.id AND e.encoder = ?5) ORDER BY i.id");
    s.bind(1, datasetId).bind(2, split).bind(3, key.modelId).bind(4, key.itemKind).bind(5, key.encoder);
    s.bind(6, modality);
    std::vector<std::pair<std::int64_t, std::string>> out;
    while (s.step()) out.emplace_back(s.columnInt(0), s.columnText(1));
    return out;
}

std::vector<std::pair<std::int64_t, std::string>> captionsWithoutEmbedding(Workspace& ws,
                                                                           const EmbeddingKey& key,
                                                                           std::int64_t datasetId,
                                                                           const std::string& split) {
    auto s = rawDb(ws).prepare(
        "SELECT c.id, c.text FROM captions c LEFT JOIN images i ON i.id = c.image_id "
        "WHERE c.dataset_id = ?1 AND (?2 = '' OR i.split = ?2) AND NOT EXISTS (SELECT 1 FROM "
        "embeddings e WHERE e.model_id = ?3 AND e.item_kind = ?4 AND e.item_id = c.id AND "
        "e.encoder = ?5) ORDER BY c.id");
    s.bind(1, datasetId).bind(2, split).bind(3, key.modelId).bind(4, key.itemKind).bind(5, key.encoder);
    std::vector<std::pair<std::int64_t, std::string>> out;
    while (s.step()) out.emplace_back(s.columnInt(0), s.columnText(1));
    return out;
}

void writeEmbeddings(Workspace& ws, const EmbeddingKey& key, const std::vector<std::int64_t>& itemIds,
                     const float* rows, std::int64_t dim) {
    Transaction tx(rawDb(ws));
    EmbeddingWriter writer(ws);
    for (std::size_t r = 0; r < itemIds.size(); ++r) {
        writer.write(key, itemIds[r], rows + static_cast<std::int64_t>(r) * dim, dim);
    }
    tx.commit();
}

std::vector<std::string> embeddedModelNames(Workspace& ws) {
    auto s = rawDb(ws).prepare(
        "SELECT DISTINCT m.name FROM models m JOIN embeddings e ON e.model_id = m.id ORDER BY m.id");
    std::vector<std::string> out;
    while (s.step()) out.push_back(s.columnText(0));
    return out;
}

EmbeddingWriter::EmbeddingWriter(Workspace& ws)
    : insert_(rawDb(ws).prepare(
          "INSERT OR REPLACE INTO embeddings(model_id, item_kind, item_id, encoder, dim, vector) "
          "VALUES(?,?,?,?,?,?)")) {}

void EmbeddingWriter::write(const EmbeddingKey& key, std::int64_t itemId, const float* values,
                            std::int64_t dim) {
    auto& s = insert_;
    s.bind(1, key.modelId).bind(2, key.itemKind).bind(3, itemId).bind(4, key.encoder).bind(5, dim);
    s.bindBlob(6, values, static_cast<std::size_t>(dim) * sizeof(float));
    s.run();
}

}  // namespace genra::store
