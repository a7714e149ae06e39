#include "core/store/workspace.h"

#include "core/store/raw_db.h"
#include "core/store/schema.h"
#include "core/util/error.h"

namespace fs = std::filesystem;

namespace genra::store {

Workspace::Workspace(fs::path dir, std::unique_ptr<Db> db) : dir_(std::move(dir)), db_(std::move(db)) {}

Db& rawDb(Workspace& ws) { return *ws.db_; }

bool Workspace::exists(const fs::path& dir) { return fs::is_regular_file(dir / "workspace.sqlite"); }

Workspace Workspace::create(const fs::path& dir) {
    std::error_code ec;
    if (fs::exists(dir, ec) && !fs::is_directory(dir, ec)) {
        throw Error("cannot create workspace " + dir.string() + ": a file of that name exists");
    }
    for (const char* sub : {"images", "checkpoints", "exports"}) {
        fs::create_directories(dir / sub, ec);
        if (ec) throw Error("cannot create " + (dir / sub).string() + ": " + ec.message());
    }
    auto db = std::make_unique<Db>((dir / "workspace.sqlite").string());
    migrate(*db);
    return Workspace(fs::absolute(dir).lexically_normal(), std::move(db));
}

Workspace Workspace::open(const fs::path& dir, Db::Mode mode) {
    if (!exists(dir)) {
        throw Error("no workspace at " + dir.string() +
                    " (expected workspace.sqlite there; create one with `genra init " +
                    dir.string() + "`)");
    }
    auto db = std::make_unique<Db>((dir / "workspace.sqlite").string(), mode);
    if (mode == Db::Mode::ReadWrite) {
        migrate(*db);
        std::error_code ec;
        for (const char* sub : {"images", "checkpoints", "exports"}) fs::create_directories(dir / sub, ec);
    } else if (db->userVersion() > currentSchemaVersion()) {
        migrate(*db);  // throws the "newer version" error
    }
    return Workspace(fs::absolute(dir).lexically_normal(), std::move(db));
}

fs::path Workspace::resolve(const std::string& storedPath) const {
    fs::path p(storedPath);
    return p.is_absolute() ? p : dir_ / p;
}

std::int64_t Workspace::createDataset(const DatasetInfo& info) {
    if (findDataset(info.name)) {
        throw Error("workspace " + dir_.string() + " already has a dataset named \"" + info.name + "\"");
    }
    auto s = db_->prepare("INSERT INTO datasets(name, kind, source, image_root, meta) VALUES(?,?,?,?,?)");
    s.bind(1, info.name).bind(2, info.kind).bind(3, info.source).bind(4, info.imageRoot).bind(5, info.metaJson);
    s.run();
    return db_->lastInsertId();
}

std::optional<DatasetInfo> Workspace::findDataset(const std::string& name) {
    auto s = db_->prepare(
        "SELECT id, name, kind, source, image_root, meta, created_at FROM datasets WHERE name = ?");
    s.bind(1, name);
    if (!s.step()) return std::nullopt;
    DatasetInfo d;
    d.id = s.columnInt(0);
    d.name = s.columnText(1);
    d.kind = s.columnText(2);
    d.source = s.columnText(3);
    d.imageRoot = s.columnText(4);
    d.metaJson = s.columnText(5);
    d.createdAt = s.columnText(6);
    return d;
}

DatasetInfo Workspace::requireDataset(const std::string& name) {
    auto d = findDataset(name);
    if (!d) throw Error("workspace " + dir_.string() + " has no dataset named \"" + name + "\"");
    return *d;
}

std::vector<DatasetSummary> Workspace::listDatasets() {
    std::vector<DatasetSummary> out;
    {
        auto s = db_->prepare(
            "SELECT id, name, kind, source, image_root, meta, created_at FROM datasets ORDER BY id");
        while (s.step()) {
            DatasetSummary d;
            d.info.id = s.columnInt(0);
            d.info.name = s.columnText(1);
            d.info.kind = s.columnText(2);
            d.info.source = s.columnText(3);
            d.info.imageRoot = s.columnText(4);
            d.info.metaJson = s.columnText(5);
            d.info.createdAt = s.columnText(6);
            out.push_back(std::move(d));
        }
    }
    auto images = db_->prepare(
        "SELECT modality, split, status, COUNT(*) FROM images WHERE dataset_id = ? "
        "GROUP BY modality, split, status");
    auto captions = db_->prepare("SELECT COUNT(*) FROM captions WHERE dataset_id = ?");
    auto generators = db_->prepare(
        "SELECT g.generator, COUNT(*) FROM generations g JOIN images i ON i.id = g.image_id "
        "WHERE i.dataset_id = ? GROUP BY g.generator");
    for (auto& d : out) {
        images.bind(1, d.info.id);
        while (images.step()) {
            const std::string modality = images.columnText(0);
            const std::string split = images.columnText(1);
            const std::string status = images.columnText(2);
            const std::int64_t count = images.columnInt(3);
            if (status != "ok") d.unreadableImages += count;
            if (modality == "real") {
                d.realImages += count;
                d.splits[split] += count;
            } else {
                d.generatedImages += count;
            }
        }
        images.reset();
        captions.bind(1, d.info.id);
        captions.step();
        d.captions = captions.columnInt(0);
        captions.reset();
        generators.bind(1, d.info.id);
        while (generators.step()) d.generators[generators.columnText(0)] = generators.columnInt(1);
        generators.reset();
    }
    return out;
}

std::vector<std::string> Workspace::generatorsOfDataset(std::int64_t datasetId) {
    auto s = db_->prepare(
        "SELECT DISTINCT gen.generator FROM generations gen JOIN images g ON g.id = gen.image_id WHERE g.dataset_id = ? "
        "ORDER BY gen.generator");
    s.bind(1, datasetId);
    std::vector<std::string> out;
    while (s.step()) out.push_back(s.columnText(0));
    return out;
}

void Workspace::deleteDataset(std::int64_t datasetId) {
    auto s = db_->prepare("DELETE FROM datasets WHERE id = ?");
    s.bind(1, datasetId);
    s.run();
}

std::int64_t Workspace::insertImage(const ImageRecord& r) {
    auto s = db_->prepare(
        "INSERT INTO images(dataset_id, path, modality, split, width, height, sha256, status, error, "
        "source_key, attributes) VALUES(?,?,?,?,?,?,?,?,?,?,?)");
    s.bind(1, r.datasetId).bind(2, r.path).bind(3, r.modality).bind(4, r.split);
    s.bind(5, r.width).bind(6, r.height).bind(7, r.sha256).bind(8, r.status).bind(9, r.error);
    s.bind(10, r.sourceKey).bind(11, r.attributesJson);
    s.run();
    return db_->lastInsertId();
}

std::optional<std::int64_t> Workspace::findImage(std::int64_t datasetId, const std::string& path) {
    auto s = db_->prepare("SELECT id FROM images WHERE dataset_id = ? AND path = ?");
    s.bind(1, datasetId).bind(2, path);
    if (!s.step()) return std::nullopt;
    return s.columnInt(0);
}

std::int64_t Workspace::insertCaption(const CaptionRecord& c) {
    auto s = db_->prepare(
        "INSERT INTO captions(dataset_id, image_id, text, source_key, ord) VALUES(?,?,?,?,?)");
    s.bind(1, c.datasetId).bind(2, c.imageId).bind(3, c.text).bind(4, c.sourceKey).bind(5, c.ord);
    s.run();
    return db_->lastInsertId();
}

std::vector<CaptionRecord> Workspace::captionsOfDataset(std::int64_t datasetId) {
    std::vector<CaptionRecord> out;
    auto s = db_->prepare(
        "SELECT id, dataset_id, image_id, text, source_key, ord FROM captions WHERE dataset_id = ? "
        "ORDER BY id");
    s.bind(1, datasetId);
    while (s.step()) {
        CaptionRecord c;
        c.id = s.columnInt(0);
        c.datasetId = s.columnInt(1);
        c.imageId = s.columnOptionalInt(2);
        c.text = s.columnText(3);
        c.sourceKey = s.columnText(4);
        c.ord = s.columnInt(5);
        out.push_back(std::move(c));
    }
    return out;
}

void Workspace::insertGeneration(std::int64_t imageId, std::int64_t captionId,
                                 const std::string& generator, std::optional<std::int64_t> seed,
                                 const std::string& paramsJson) {
    auto s = db_->prepare(
        "INSERT OR REPLACE INTO generations(image_id, caption_id, generator, seed, params) "
        "VALUES(?,?,?,?,?)");
    s.bind(1, imageId).bind(2, captionId).bind(3, generator).bind(4, seed).bind(5, paramsJson);
    s.run();
}

}  // namespace genra::store
