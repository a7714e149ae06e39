// A workspace: a folder holding workspace.sqlite, images/, checkpoints/ and exports/.
// Typed access to the tables that several modules share lives here.
#pragma once

#include "core/store/sqlite.h"

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace genra::store {

struct DatasetInfo {
    std::int64_t id = 0;
    std::string name;
    std::string kind;
    std::string source;
    std::string imageRoot;
    std::string metaJson = "{}";
    std::string createdAt;
};

struct DatasetSummary {
    DatasetInfo info;
    std::int64_t realImages = 0;
    std::int64_t generatedImages = 0;
    std::int64_t unreadableImages = 0;  // status missing or corrupt
    std::int64_t captions = 0;
    std::map<std::string, std::int64_t> splits;      // split -> real images
    std::map<std::string, std::int64_t> generators;  // generator -> generated images
};

struct ImageRecord {
    std::int64_t datasetId = 0;
    std::string path;  // absolute, or relative to the workspace folder
    std::string modality = "real";
    std::string split;
    std::optional<std::int64_t> width;
    std::optional<std::int64_t> height;
    std::optional<std::string> sha256;
    std::string status = "ok";  // ok | missing | corrupt
    std::optional<std::string> error;
    std::string sourceKey;
    std::string attributesJson = "{}";
};

struct CaptionRecord {
    std::int64_t id = 0;
    std::int64_t datasetId = 0;
    std::optional<std::int64_t> imageId;
    std::string text;
    std::string sourceKey;
    std::int64_t ord = 0;
};

class Workspace {
public:
    // Creates the folder layout and the database (an existing empty or workspace folder is fine).
    static Workspace create(const std::filesystem::path& dir);
    // Opens an existing workspace, migrating it forward; errors name the folder.
    static Workspace open(const std::filesystem::path& dir, Db::Mode mode = Db::Mode::ReadWrite);
    static bool exists(const std::filesystem::path& dir);

    const std::filesystem::path& dir() const { return dir_; }
    std::filesystem::path databasePath() const { return dir_ / "workspace.sqlite"; }
    std::filesystem::path imagesDir() const { return dir_ / "images"; }
    std::filesystem::path checkpointsDir() const { return dir_ / "checkpoints"; }
    std::filesystem::path exportsDir() const { return dir_ / "exports"; }
    // Turns a stored image path into one the file system can open.
    std::filesystem::path resolve(const std::string& storedPath) const;

    // Datasets.
    std::int64_t createDataset(const DatasetInfo& info);
    std::optional<DatasetInfo> findDataset(const std::string& name);
    DatasetInfo requireDataset(const std::string& name);  // error names the dataset and workspace
    std::vector<DatasetSummary> listDatasets();
    void deleteDataset(std::int64_t datasetId);

    // Images and captions.
    std::int64_t insertImage(const ImageRecord& image);
    std::optional<std::int64_t> findImage(std::int64_t datasetId, const std::string& path);
    std::int64_t insertCaption(const CaptionRecord& caption);
    std::vector<CaptionRecord> captionsOfDataset(std::int64_t datasetId);
    void insertGeneration(std::int64_t imageId, std::int64_t captionId, const std::string& generator,
                          std::optional<std::int64_t> seed, const std::string& paramsJson);
    // The generators that made images of a dataset, sorted.
    std::vector<std::string> generatorsOfDataset(std::int64_t datasetId);

private:
    // The connection is the store's: its repositories (core/store) and tests reach it through
    // rawDb (core/store/raw_db.h); everything else uses the typed functions.
    friend Db& rawDb(Workspace& ws);
    Workspace(std::filesystem::path dir, std::unique_ptr<Db> db);
    std::filesystem::path dir_;
    std::unique_ptr<Db> db_;
};

}  // namespace genra::store
