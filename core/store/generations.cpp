#include "core/store/generations.h"

#include "core/store/workspace.h"
#include "core/store/raw_db.h"

namespace genra::store {

std::optional<std::string> captionText(Workspace& ws, std::int64_t captionId) {
    auto s = rawDb(ws).prepare("SELECT text FROM captions WHERE id = ?");
    s.bind(1, captionId);
    if (!s.step()) return std::nullopt;
    return s.columnText(0);
}

std::optional<std::string> imagePath(Workspace& ws, std::int64_t imageId) {
    auto s = rawDb(ws).prepare("SELECT path FROM images WHERE id = ?");
    s.bind(1, imageId);
    if (!s.step()) return std::nullopt;
    return s.columnText(0);
}

std::vector<std::int64_t> captionsOfRealImages(Workspace& ws, std::int64_t datasetId,
                                               const std::string& split, const std::string& generator) {
    auto s = rawDb(ws).prepare(
        "SELECT c.id, EXISTS (SELECT 1 FROM generations g WHERE g.caption_id = c.id AND (?3 = '' OR "
        "g.generator = ?3)) AS has_gen FROM captions c "
        "JOIN images r ON r.id = c.image_id WHERE r.dataset_id = ?1 AND r.modality = 'real' AND "
        "(?2 = '' OR r.split = ?2) ORDER BY has_gen DESC, c.id");
    s.bind(1, datasetId).bind(2, split).bind(3, generator);
    std::vector<std::int64_t> out;
    while (s.step()) out.push_back(s.columnInt(0));
    return out;
}

std::optional<std::int64_t> imageOfCaption(Workspace& ws, std::int64_t captionId) {
    auto s = rawDb(ws).prepare("SELECT image_id FROM captions WHERE id = ?");
    s.bind(1, captionId);
    if (!s.step() || s.isNull(0)) return std::nullopt;
    return s.columnInt(0);
}

std::vector<std::int64_t> generatedFromCaption(Workspace& ws, std::int64_t captionId,
                                               const std::string& generator) {
    auto s = rawDb(ws).prepare(
        "SELECT image_id FROM generations WHERE caption_id = ?1 AND (?2 = '' OR generator = ?2) ORDER BY "
        "image_id");
    s.bind(1, captionId).bind(2, generator);
    std::vector<std::int64_t> out;
    while (s.step()) out.push_back(s.columnInt(0));
    return out;
}

std::vector<std::pair<std::int64_t, std::int64_t>> generatedPairs(Workspace& ws, std::int64_t datasetId,
                                                                  const std::string& split,
                                                                  const std::string& generator) {
    auto s = rawDb(ws).prepare(
        "SELECT g.image_id, c.image_id FROM generations g JOIN captions c ON c.id = g.caption_id "
        "JOIN images gi ON gi.id = g.image_id WHERE gi.dataset_id = ? AND gi.split = ? AND g.generator = ? "
        "ORDER BY g.image_id");
    s.bind(1, datasetId).bind(2, split).bind(3, generator);
    std::vector<std::pair<std::int64_t, std::int64_t>> out;
    while (s.step()) out.emplace_back(s.columnInt(0), s.columnInt(1));
    return out;
}

std::int64_t countGeneratedImages(Workspace& ws, std::int64_t datasetId, const std::string& split,
                                  const std::string& generator) {
    auto s = rawDb(ws).prepare(
        "SELECT COUNT(*) FROM images i JOIN generations g ON g.image_id = i.id "
        "WHERE i.dataset_id = ? AND i.modality = 'generated' AND i.split = ? AND g.generator = ?");
    s.bind(1, datasetId).bind(2, split).bind(3, generator);
    return s.step() ? s.columnInt(0) : 0;
}

std::vector<CaptionedImage> captionsWithGenerations(Workspace& ws, std::int64_t datasetId,
                                                    const std::string& split, const std::string& generator,
                                                    std::int64_t limit) {
    auto s = rawDb(ws).prepare(
        "SELECT c.id, c.text, ri.path FROM captions c JOIN images ri ON ri.id = c.image_id "
        "WHERE c.dataset_id = ?1 AND ri.split = ?2 AND EXISTS (SELECT 1 FROM generations g WHERE "
        "g.caption_id = c.id "
        "AND g.generator = ?3) ORDER BY c.id LIMIT ?4");
    s.bind(1, datasetId).bind(2, split).bind(3, generator).bind(4, limit);
    std::vector<CaptionedImage> out;
    while (s.step()) out.push_back({s.columnInt(0), s.columnText(1), s.columnText(2)});
    return out;
}

std::vector<std::string> generatedPathsOfCaption(Workspace& ws, std::int64_t captionId,
                                                 const std::string& generator) {
    auto s = rawDb(ws).prepare(
        "SELECT i.path FROM generations g JOIN images i ON i.id = g.image_id WHERE g.caption_id = ? AND "
        "g.generator = ? "
        "ORDER BY i.path");
    s.bind(1, captionId).bind(2, generator);
    std::vector<std::string> out;
    while (s.step()) out.push_back(s.columnText(0));
    return out;
}

std::optional<CaptionPlace> placeOfCaption(Workspace& ws, std::int64_t captionId) {
    auto s = rawDb(ws).prepare(
        "SELECT d.name, r.split FROM captions c JOIN datasets d ON d.id = c.dataset_id "
        "JOIN images r ON r.id = c.image_id AND r.modality = 'real' WHERE c.id = ?");
    s.bind(1, captionId);
    if (!s.step()) return std::nullopt;
    return CaptionPlace{s.columnText(0), s.columnText(1)};
}

std::unordered_map<std::int64_t, std::int64_t> captionsOfGeneratedImages(Workspace& ws, std::int64_t datasetId) {
    auto s = rawDb(ws).prepare(
        "SELECT g.image_id, g.caption_id FROM generations g JOIN images i ON i.id = g.image_id WHERE i.dataset_id = ?");
    s.bind(1, datasetId);
    std::unordered_map<std::int64_t, std::int64_t> out;
    while (s.step()) out.emplace(s.columnInt(0), s.columnInt(1));
    return out;
}

std::vector<std::string> newestGeneratedPaths(Workspace& ws, std::int64_t limit) {
    auto s = rawDb(ws).prepare(
        "SELECT i.path FROM images i JOIN generations g ON g.image_id = i.id WHERE i.modality = 'generated' "
        "ORDER BY i.id DESC LIMIT ?");
    s.bind(1, limit);
    std::vector<std::string> out;
    while (s.step()) out.push_back(s.columnText(0));
    return out;
}

}  // namespace genra::store
