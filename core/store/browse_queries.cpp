#include "core/store/browse_queries.h"

#include "core/store/raw_db.h"
#include "core/util/error.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>

namespace genra::store {

namespace {

// LIKE pattern for a substring search, with the wildcard characters of the text escaped.
std::string likePattern(const std::string& text) {
    std::string out = "%";
    for (char ch : text) {
        if (ch == '%' || ch == '_' || ch == '\\') out += '\\';
        out += ch;
    }
    out += '%';
    return out;
}

// A WHERE clause with its parameters, bound in the order they appear.
struct Where {
    std::string sql;
    std::vector<std::function<void(Statement&, int)>> binders;
    bool needsImage = false;

    void bindAll(Statement& s, int first = 1) const {
        for (std::size_t k = 0; k < binders.size(); ++k) binders[k](s, first + static_cast<int>(k));
    }
};

Where whereClause(const CaptionFilter& f) {
    Where w;
    std::vector<std::string> parts;
    if (f.datasetId) {
        parts.emplace_back("c.dataset_id = ?");
        const std::int64_t id = *f.datasetId;
        w.binders.emplace_back([id](Statement& s, int k) { s.bind(k, id); });
    }
    if (!f.search.empty()) {
        parts.emplace_back("c.text LIKE ? ESCAPE '\\'");
        const std::string pattern = likePattern(f.search);
        w.binders.emplace_back([pattern](Statement& s, int k) { s.bind(k, pattern); });
    }
    if (!f.split.empty()) {
        parts.emplace_back("i.split = ?");
        w.needsImage = true;
        const std::string split = f.split;
        w.binders.emplace_back([split](Statement& s, int k) { s.bind(k, split); });
    }
    if (!f.generator.empty()) {
        parts.emplace_back("EXISTS (SELECT 1 FROM generations g WHERE g.caption_id = c.id AND g.generator = ?)");
        const std::string generator = f.generator;
        w.binders.emplace_back([generator](Statement& s, int k) { s.bind(k, generator); });
    }
    if (f.generated == CaptionFilter::Generated::With) {
        parts.emplace_back("EXISTS (SELECT 1 FROM generations g WHERE g.caption_id = c.id)");
    } else if (f.generated == CaptionFilter::Generated::Without) {
        parts.emplace_back("NOT EXISTS (SELECT 1 FROM generations g WHERE g.caption_id = c.id)");
    }
    for (std::size_t k = 0; k < parts.size(); ++k) w.sql += (k == 0 ? " WHERE " : " AND ") + parts[k];
    return w;
}

// Checks a stored vector against its declared dim; the message names the model and item.
void checkVector(const std::vector<std::uint8_t>& blob, std::int64_t dim, std::int64_t modelId, const char* kind,
                 std::int64_t itemId) {
    if (dim <= 0 || blob.size() != static_cast<std::size_t>(dim) * sizeof(float)) {
        throw Error("embeddings of model " + std::to_string(modelId) + ": " + kind + " " + std::to_string(itemId) +
                    " has " + std::to_string(blob.size()) + " bytes for dim " + std::to_string(dim));
    }
}

BrowseImage readImage(const Statement& s) {
    BrowseImage img;
    img.id = s.columnInt(0);
    img.path = s.columnText(1);
    img.modality = s.columnText(2);
    img.status = s.columnText(3);
    img.error = s.isNull(4) ? std::string() : s.columnText(4);
    img.width = s.columnOptionalInt(5);
    img.height = s.columnOptionalInt(6);
    return img;
}


std::optional<double> cosineOrNone(const std::vector<std::uint8_t>& a, const std::vector<std::uint8_t>& b) {
    if (a.empty() || b.empty() || a.size() != b.size()) return std::nullopt;
    return blobCosine(a, b);
}

}  // namespace

std::vector<std::int64_t> captionIds(Db& db, const CaptionFilter& filter, const CaptionOrder& order) {
    const Where where = whereClause(filter);
    std::string sql = "SELECT c.id FROM captions c";
    if (where.needsImage) sql += " JOIN images i ON i.id = c.image_id";
    sql += where.sql;
    const char* direction = order.descending ? " DESC" : "";
    if (order.sort == CaptionSort::Text) {
        sql += std::string(" ORDER BY c.text COLLATE NOCASE") + direction + ", c.id" + direction;
    } else {
        sql += std::string(" ORDER BY c.id") + (order.sort == CaptionSort::Id ? direction : "");
    }
    auto s = db.prepare(sql);
    where.bindAll(s);
    std::vector<std::int64_t> ids;
    while (s.step()) ids.push_back(s.columnInt(0));
    if (order.sort == CaptionSort::Similarity && order.scores) {
        const auto& scores = *order.scores;
        // Scored captions first (ascending: worst-aligned first), unscored after, each by id.
        std::vector<std::pair<double, std::int64_t>> scored;
        std::vector<std::int64_t> unscored;
        for (std::int64_t id : ids) {
            const auto it = scores.find(id);
            if (it == scores.end()) {
                unscored.push_back(id);
            } else {
                scored.emplace_back(it->second, id);
            }
        }
        std::stable_sort(scored.begin(), scored.end(), [&](const auto& a, const auto& b) {
            if (a.first != b.first) return order.descending ? a.first > b.first : a.first < b.first;
            return a.second < b.second;
        });
        ids.clear();
        for (const auto& [score, id] : scored) ids.push_back(id);
        ids.insert(ids.end(), unscored.begin(), unscored.end());
    }
    return ids;
}

std::vector<CaptionRow> captionRows(Db& db, const std::vector<std::int64_t>& ids) {
    std::vector<CaptionRow> rows;
    if (ids.empty()) return rows;
    std::unordered_map<std::int64_t, CaptionRow> byId;
    // SQLite's default limit on parameters is 999 (older builds): query in slices below it.
    constexpr std::size_t kSlice = 500;
    for (std::size_t begin = 0; begin < ids.size(); begin += kSlice) {
        const std::size_t end = std::min(ids.size(), begin + kSlice);
        std::string sql =
            "SELECT c.id, c.dataset_id, c.image_id, c.text, COALESCE(i.split, ''), "
            "(SELECT COUNT(*) FROM generations g WHERE g.caption_id = c.id) "
            "FROM captions c LEFT JOIN images i ON i.id = c.image_id WHERE c.id IN (";
        for (std::size_t k = begin; k < end; ++k) sql += k == begin ? "?" : ",?";
        sql += ")";
        auto s = db.prepare(sql);
        for (std::size_t k = begin; k < end; ++k) s.bind(static_cast<int>(k - begin + 1), ids[k]);
        while (s.step()) {
            CaptionRow row;
            row.id = s.columnInt(0);
            row.datasetId = s.columnInt(1);
            row.imageId = s.columnOptionalInt(2);
            row.text = s.columnText(3);
            row.split = s.columnText(4);
            row.generatedImages = s.columnInt(5);
            byId.emplace(row.id, std::move(row));
        }
    }
    rows.reserve(ids.size());
    for (std::int64_t id : ids) {
        auto it = byId.find(id);
        if (it != byId.end()) rows.push_back(it->second);
    }
    return rows;
}

std::optional<CaptionDetail> captionDetail(Db& db, std::int64_t captionId) {
    auto rows = captionRows(db, {captionId});
    if (rows.empty()) return std::nullopt;
    CaptionDetail detail;
    detail.caption = std::move(rows.front());
    {
        auto s = db.prepare("SELECT name FROM datasets WHERE id = ?");
        s.bind(1, detail.caption.datasetId);
        if (s.step()) detail.datasetName = s.columnText(0);
    }
    if (detail.caption.imageId) {
        auto s = db.prepare("SELECT id, path, modality, status, error, width, height FROM images WHERE id = ?");
        s.bind(1, *detail.caption.imageId);
        while (s.step()) detail.realImages.push_back(readImage(s));
    }
    auto s = db.prepare(
        "SELECT i.id, i.path, i.modality, i.status, i.error, i.width, i.height, g.generator, g.seed, g.params "
        "FROM generations g JOIN images i ON i.id = g.image_id WHERE g.caption_id = ? "
        "ORDER BY g.generator, g.seed, i.id");
    s.bind(1, captionId);
    while (s.step()) {
        BrowseImage img = readImage(s);
        img.generator = s.columnText(7);
        img.seed = s.columnOptionalInt(8);
        img.paramsJson = s.columnText(9);
        detail.generatedImages.push_back(std::move(img));
    }
    return detail;
}

std::vector<std::string> distinctSplits(Db& db) {
    std::vector<std::string> out;
    auto s = db.prepare("SELECT DISTINCT split FROM images WHERE modality = 'real' AND split <> '' ORDER BY split");
    while (s.step()) out.push_back(s.columnText(0));
    return out;
}

std::vector<std::string> distinctSplits(Workspace& ws) { return distinctSplits(rawDb(ws)); }

std::vector<std::string> distinctGenerators(Db& db) {
    std::vector<std::string> out;
    auto s = db.prepare("SELECT DISTINCT generator FROM generations ORDER BY generator");
    while (s.step()) out.push_back(s.columnText(0));
    return out;
}

std::vector<ModelChoice> modelsWithEmbeddings(Db& db) {
    std::vector<ModelChoice> out;
    auto s = db.prepare(
        "SELECT m.id, m.name, (SELECT COUNT(*) FROM embeddings e WHERE e.model_id = m.id) AS n "
        "FROM models m WHERE EXISTS (SELECT 1 FROM embeddings e WHERE e.model_id = m.id) ORDER BY m.name");
    while (s.step()) out.push_back({s.columnInt(0), s.columnText(1), s.columnInt(2)});
    return out;
}

std::unordered_map<std::int64_t, double> genRealSimilarity(Db& db, std::int64_t modelId) {
    auto s = db.prepare(
        "SELECT g.caption_id, g.image_id, eg.dim, eg.vector, c.image_id, er.dim, er.vector "
        "FROM generations g JOIN captions c ON c.id = g.caption_id "
        "JOIN embeddings eg ON eg.model_id = ?1 AND eg.item_kind = 'image' AND eg.item_id = g.image_id "
        "  AND eg.encoder = 'generated-image' "
        "JOIN embeddings er ON er.model_id = ?1 AND er.item_kind = 'image' AND er.item_id = c.image_id "
        "  AND er.encoder = 'real-image'");
    s.bind(1, modelId);
    std::unordered_map<std::int64_t, std::pair<double, int>> sums;
    while (s.step()) {
        const auto generated = s.columnBlob(3);
        const auto real = s.columnBlob(6);
        checkVector(generated, s.columnInt(2), modelId, "image", s.columnInt(1));
        checkVector(real, s.columnInt(5), modelId, "image", s.columnInt(4));
        if (generated.size() != real.size()) {
            throw Error("embeddings of model " + std::to_string(modelId) + ": image " + std::to_string(s.columnInt(1)) +
                        " and image " + std::to_string(s.columnInt(4)) + " have different dims");
        }
        auto& [sum, n] = sums[s.columnInt(0)];
        sum += blobCosine(generated, real);
        ++n;
    }
    std::unordered_map<std::int64_t, double> out;
    out.reserve(sums.size());
    for (const auto& [caption, acc] : sums) out.emplace(caption, acc.first / acc.second);
    return out;
}

std::unordered_map<std::int64_t, ImageSimilarity> generatedImageSimilarity(Db& db, std::int64_t modelId,
                                                                           std::int64_t captionId) {
    auto s = db.prepare(
        "SELECT g.image_id, eg.vector, er.vector, et.vector FROM generations g "
        "JOIN captions c ON c.id = g.caption_id "
        "JOIN embeddings eg ON eg.model_id = ?1 AND eg.item_kind = 'image' AND eg.item_id = g.image_id "
        "  AND eg.encoder = 'generated-image' "
        "LEFT JOIN embeddings er ON er.model_id = ?1 AND er.item_kind = 'image' AND er.item_id = c.image_id "
        "  AND er.encoder = 'real-image' "
        "LEFT JOIN embeddings et ON et.model_id = ?1 AND et.item_kind = 'caption' AND et.item_id = c.id "
        "  AND et.encoder = 'text' "
        "WHERE g.caption_id = ?2");
    s.bind(1, modelId).bind(2, captionId);
    std::unordered_map<std::int64_t, ImageSimilarity> out;
    while (s.step()) {
        const auto generated = s.columnBlob(1);
        ImageSimilarity sim;
        if (!s.isNull(2)) sim.toReal = cosineOrNone(generated, s.columnBlob(2));
        if (!s.isNull(3)) sim.toCaption = cosineOrNone(generated, s.columnBlob(3));
        out.emplace(s.columnInt(0), sim);
    }
    return out;
}

double blobCosine(const std::vector<std::uint8_t>& a, const std::vector<std::uint8_t>& b) {
    const std::size_t n = std::min(a.size(), b.size()) / sizeof(float);
    double dot = 0.0;
    double na = 0.0;
    double nb = 0.0;
    for (std::size_t k = 0; k < n; ++k) {
        float x = 0.0F;
        float y = 0.0F;
        std::memcpy(&x, a.data() + k * sizeof(float), sizeof(float));
        std::memcpy(&y, b.data() + k * sizeof(float), sizeof(float));
        dot += double(x) * y;
        na += double(x) * x;
        nb += double(y) * y;
    }
    if (na <= 0.0 || nb <= 0.0) return 0.0;
    return dot / std::sqrt(na * nb);
}

}  // namespace genra::store
