#include "core/store/dataset_items.h"

#include "core/store/workspace.h"
#include "core/store/raw_db.h"

namespace genra::store {

std::unordered_set<std::string> imagePathsOfDataset(Workspace& ws, std::int64_t datasetId) {
    auto s = rawDb(ws).prepare("SELECT path FROM images WHERE dataset_id = ?");
    s.bind(1, datasetId);
    std::unordered_set<std::string> out;
    while (s.step()) out.insert(s.columnText(0));
    return out;
}

std::unordered_map<std::int64_t, std::string> imageSplitsOfDataset(Workspace& ws, std::int64_t datasetId) {
    auto s = rawDb(ws).prepare("SELECT id, split FROM images WHERE dataset_id = ?");
    s.bind(1, datasetId);
    std::unordered_map<std::int64_t, std::string> out;
    while (s.step()) out.emplace(s.columnInt(0), s.columnText(1));
    return out;
}

void writeInTransaction(Workspace& ws, const std::function<void()>& writes) {
    Transaction tx(rawDb(ws));
    writes();
    tx.commit();
}

std::vector<RealImageCaption> realImageCaptions(Workspace& ws, std::int64_t datasetId,
                                                const std::string& split, bool readableOnly) {
    auto s = rawDb(ws).prepare(
        "SELECT c.id, c.text, c.source_key, r.id, r.path, r.split FROM captions c JOIN images r ON r.id = "
        "c.image_id "
        "WHERE c.dataset_id = ?1 AND r.dataset_id = ?1 AND r.modality = 'real' AND r.split = ?2 "
        "AND (?3 = 0 OR r.status = 'ok') ORDER BY r.id, c.ord, c.id");
    s.bind(1, datasetId).bind(2, split).bind(3, readableOnly ? 1 : 0);
    std::vector<RealImageCaption> out;
    while (s.step()) {
        out.push_back({s.columnInt(0), s.columnText(1), s.columnText(2), s.columnInt(3), s.columnText(4),
                       s.columnText(5)});
    }
    return out;
}

std::vector<std::pair<std::int64_t, std::string>> generatedImageCaptions(Workspace& ws,
                                                                         std::int64_t datasetId,
                                                                         const std::string& split,
                                                                         const std::string& generator) {
    auto s = rawDb(ws).prepare(
        "SELECT i.id, c.text FROM images i JOIN generations g ON g.image_id = i.id "
        "JOIN captions c ON c.id = g.caption_id WHERE i.dataset_id = ?1 AND i.split = ?2 "
        "AND i.modality = 'generated' AND i.status = 'ok' AND (?3 = '' OR g.generator = ?3) ORDER BY i.id, "
        "c.id");
    s.bind(1, datasetId).bind(2, split).bind(3, generator);
    std::vector<std::pair<std::int64_t, std::string>> out;
    while (s.step()) out.emplace_back(s.columnInt(0), s.columnText(1));
    return out;
}

std::vector<std::int64_t> readableImages(Workspace& ws, std::int64_t datasetId, const std::string& split,
                                         const std::string& modality) {
    auto s = rawDb(ws).prepare(
        "SELECT id FROM images WHERE dataset_id = ?1 AND split = ?2 AND modality = ?3 AND status = 'ok' "
        "ORDER BY id");
    s.bind(1, datasetId).bind(2, split).bind(3, modality);
    std::vector<std::int64_t> out;
    while (s.step()) out.push_back(s.columnInt(0));
    return out;
}

std::vector<std::pair<std::int64_t, std::int64_t>> realCaptionImages(Workspace& ws, std::int64_t datasetId,
                                                                     const std::string& split) {
    auto s = rawDb(ws).prepare(
        "SELECT c.id, c.image_id FROM captions c JOIN images i ON i.id = c.image_id "
        "WHERE i.dataset_id = ?1 AND i.modality = 'real' AND (?2 = '' OR i.split = ?2) ORDER BY c.id");
    s.bind(1, datasetId).bind(2, split);
    std::vector<std::pair<std::int64_t, std::int64_t>> out;
    while (s.step()) out.emplace_back(s.columnInt(0), s.columnInt(1));
    return out;
}

std::vector<std::pair<std::string, std::string>> generatedImagePaths(Workspace& ws, std::int64_t datasetId) {
    auto s = rawDb(ws).prepare(
        "SELECT i.path, g.generator FROM images i JOIN generations g ON g.image_id = i.id WHERE i.dataset_id "
        "= ? AND "
        "i.modality = 'generated' AND i.status = 'ok'");
    s.bind(1, datasetId);
    std::vector<std::pair<std::string, std::string>> out;
    while (s.step()) out.emplace_back(s.columnText(0), s.columnText(1));
    return out;
}

void deleteImage(Workspace& ws, std::int64_t imageId) {
    auto s = rawDb(ws).prepare("DELETE FROM images WHERE id = ?");
    s.bind(1, imageId);
    s.run();
}

std::int64_t recordGeneratedImage(Workspace& ws, const ImageRecord& image, std::int64_t captionId,
                                  const std::string& generator, std::optional<std::int64_t> seed,
                                  const std::string& paramsJson) {
    Transaction tx(rawDb(ws));
    if (const auto stale = ws.findImage(image.datasetId, image.path)) deleteImage(ws, *stale);
    const auto imageId = ws.insertImage(image);
    ws.insertGeneration(imageId, captionId, generator, seed, paramsJson);
    tx.commit();
    return imageId;
}

std::vector<GeneratedForCaption> generatedForCaptions(Workspace& ws, std::int64_t datasetId,
                                                      const std::string& split) {
    auto s = rawDb(ws).prepare(
        "SELECT g.caption_id, i.id, i.path, g.generator FROM generations g JOIN images i ON i.id = "
        "g.image_id "
        "JOIN captions c ON c.id = g.caption_id JOIN images r ON r.id = c.image_id "
        "WHERE c.dataset_id = ? AND i.status = 'ok' AND r.split = ? ORDER BY g.caption_id, i.id");
    s.bind(1, datasetId).bind(2, split);
    std::vector<GeneratedForCaption> out;
    while (s.step()) out.push_back({s.columnInt(0), s.columnInt(1), s.columnText(2), s.columnText(3)});
    return out;
}

std::vector<AttributedImage> attributedRealImages(Workspace& ws, std::int64_t datasetId,
                                                  const std::string& split) {
    auto s = rawDb(ws).prepare(
        "SELECT id, attributes, path FROM images WHERE dataset_id = ?1 AND modality = 'real' AND status = "
        "'ok' "
        "AND (?2 = '' OR split = ?2) ORDER BY id");
    s.bind(1, datasetId).bind(2, split);
    std::vector<AttributedImage> out;
    while (s.step()) out.push_back({s.columnInt(0), s.columnText(1), s.columnText(2)});
    return out;
}

std::vector<AttributedImage> attributedGeneratedImages(Workspace& ws, std::int64_t datasetId,
                                                       const std::string& split,
                                                       const std::string& generator) {
    auto s = rawDb(ws).prepare(
        "SELECT g.image_id, r.attributes, r.path FROM generations g JOIN captions cap ON cap.id = "
        "g.caption_id "
        "JOIN images r ON r.id = cap.image_id JOIN images gi ON gi.id = g.image_id WHERE r.dataset_id = ?1 "
        "AND "
        "(?2 = '' OR r.split = ?2) AND gi.status = 'ok' AND (?3 = '' OR g.generator = ?3) ORDER BY "
        "g.image_id");
    s.bind(1, datasetId).bind(2, split).bind(3, generator);
    std::vector<AttributedImage> out;
    while (s.step()) out.push_back({s.columnInt(0), s.columnText(1), s.columnText(2)});
    return out;
}

namespace {

std::vector<GenerationLink> readLinks(Statement& s) {
    std::vector<GenerationLink> out;
    while (s.step()) {
        out.push_back({s.columnInt(0), s.columnInt(1), s.columnInt(2), s.columnText(3), s.columnText(4),
                       s.columnText(5)});
    }
    return out;
}

}  // namespace

std::vector<GenerationLink> readableGenerationLinks(Workspace& ws, std::int64_t datasetId,
                                                    const std::string& split, const std::string& generator) {
    auto s = rawDb(ws).prepare(
        "SELECT g.image_id, cap.image_id, cap.id, gi.path, r.path, r.attributes FROM generations g "
        "JOIN captions cap ON cap.id = g.caption_id JOIN images r ON r.id = cap.image_id "
        "JOIN images gi ON gi.id = g.image_id WHERE r.dataset_id = ?1 AND (?2 = '' OR r.split = ?2) "
        "AND r.status = 'ok' AND gi.status = 'ok' AND (?3 = '' OR g.generator = ?3) ORDER BY g.image_id");
    s.bind(1, datasetId).bind(2, split).bind(3, generator);
    return readLinks(s);
}

std::vector<GenerationLink> generatedImageLinks(Workspace& ws, std::int64_t datasetId,
                                                const std::string& split, const std::string& generator) {
    auto s = rawDb(ws).prepare(
        "SELECT i.id, r.id, c.id, i.path, r.path, r.attributes FROM images i JOIN generations g ON "
        "g.image_id = i.id "
        "JOIN captions c ON c.id = g.caption_id JOIN images r ON r.id = c.image_id "
        "WHERE i.dataset_id = ?1 AND i.modality = 'generated' AND i.status = 'ok' AND (?2 = '' OR i.split = "
        "?2) "
        "AND (?3 = '' OR g.generator = ?3) ORDER BY i.id");
    s.bind(1, datasetId).bind(2, split).bind(3, generator);
    return readLinks(s);
}

}  // namespace genra::store
