// Dataset importers: COCO captions JSON, Karpathy split JSON, CSV/TSV (image path, caption) lists,
// and folders of generated images linked to the captions of a dataset already in the workspace.
// Each importer is a Job. It reads and checks its whole input file before writing anything (so a
// malformed file leaves the workspace untouched), then decodes every image once, in parallel, to
// record its size and content hash, and writes from one thread in committed chunks: a cancelled
// import keeps what it wrote and running the same import again resumes where it stopped.
// Unreadable images are recorded (status missing/corrupt) and reported, never fatal.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/jobs/job.h"

namespace genra::data {

// What an import did. Errors are grouped by reason, each with a few example messages that name
// the file (and line or key) involved.
struct ImportSummary {
    std::string datasetName;
    std::string kind;                   // coco | karpathy | csv | generated
    std::int64_t imagesImported = 0;    // new image rows, whatever their status
    std::int64_t imagesUnreadable = 0;  // of those, status missing or corrupt
    std::int64_t imagesSkipped = 0;     // already in the dataset (same path): resumed
    std::int64_t captionsImported = 0;
    std::int64_t captionsSkipped = 0;                          // captions of images already imported
    std::int64_t generationsLinked = 0;                        // generated images linked to their caption
    std::map<std::string, std::int64_t> errors;                // reason -> count
    std::map<std::string, std::vector<std::string>> examples;  // reason -> up to kMaxExamples

    static constexpr std::size_t kMaxExamples = 3;

    void addError(const std::string& reason, const std::string& message);
    std::int64_t errorCount() const;
    // A few lines for people: counts, then each error reason with its examples.
    std::string describe() const;
};

// Settings every importer shares.
struct ImportCommon {
    std::filesystem::path workspace;  // folder of an existing workspace
    std::string name;                 // dataset name; empty: the input file's stem
    int threads = 0;                  // decoding threads; 0 = every hardware thread
    int chunkImages = 500;            // at most this many images per committed transaction
    // Image paths in the input that lead outside the image folder are refused unless this is set.
    bool allowOutsideRoot = false;
};

// Base of the importers: a Job with a summary readable after run() (also after a failure or a
// cancel, when it holds what was written so far).
class ImportJob : public jobs::Job {
public:
    const ImportSummary& summary() const { return summary_; }
    // True once the job got past checking its input and began to write.
    bool started() const { return started_; }

protected:
    ImportSummary summary_;
    bool started_ = false;
};

// COCO captions: images[] {id, file_name, width?, height?}, annotations[] {id, image_id, caption}.
struct CocoImportOptions : ImportCommon {
    std::filesystem::path captionsFile;
    std::filesystem::path imageRoot;
    std::string split;  // empty: derived from the file name (see cocoSplitFromFileName)
};

class CocoImportJob : public ImportJob {
public:
    explicit CocoImportJob(CocoImportOptions options);
    std::string name() const override { return "import coco"; }
    bool run(jobs::JobContext& context) override;

private:
    CocoImportOptions options_;
};

// "train" for captions_train2014.json, "val" for captions_val2014.json, ...; "train" when the
// name says nothing.
std::string cocoSplitFromFileName(const std::filesystem::path& file);

// Karpathy splits (dataset_coco.json, dataset_flickr30k.json, and the Shapes benchmark's
// dataset_shapes.json): images[] {split, filename, filepath?, sentences[] {raw, sentid?},
// imgid?/cocoid?, attributes?}. The other top-level keys are kept in the dataset's meta.
struct KarpathyImportOptions : ImportCommon {
    std::filesystem::path jsonFile;
    std::filesystem::path imageRoot;
};

class KarpathyImportJob : public ImportJob {
public:
    explicit KarpathyImportJob(KarpathyImportOptions options);
    std::string name() const override { return "import karpathy"; }
    bool run(jobs::JobContext& context) override;

private:
    KarpathyImportOptions options_;
};

// CSV/TSV of (image path, caption), e.g. Conceptual Captions with local paths. Rows naming the
// same image give one image with several captions. Caption source keys are the 1-based data row.
struct CsvImportOptions : ImportCommon {
    std::filesystem::path file;
    std::filesystem::path imageRoot;  // relative paths in the file are relative to it
    bool header = true;
    // With a header: column names (empty: auto-detect image|filepath|path|file_name|filename and
    // caption|text). Without a header, or when a name is all digits: 0-based column indices
    // (empty: 0 and 1).
    std::string pathColumn;
    std::string captionColumn;
    std::string splitColumn;        // empty: a "split" column when the header has one
    std::optional<char> delimiter;  // empty: tab for .tsv/.tab, else comma
    std::string split = "train";    // for rows without a split column
};

class CsvImportJob : public ImportJob {
public:
    explicit CsvImportJob(CsvImportOptions options);
    std::string name() const override { return "import csv"; }
    bool run(jobs::JobContext& context) override;

private:
    CsvImportOptions options_;
};

// Generated images <root>/<caption key>/<k>.<ext>, plus an optional manifest (TSV, or CSV by
// extension, with a header: path, caption (a caption key or the caption's text), generator, seed;
// only path is required, and relative paths are relative to root). They join dataset `dataset` as
// modality "generated", in the split of their caption's real image, each with a generations row.
// A caption key is a caption's source key (COCO annotation id, Karpathy sentid, CSV row) or, when
// no caption has that source key, its workspace id.
struct GeneratedImportOptions {
    std::filesystem::path workspace;
    std::filesystem::path root;
    std::string dataset;
    std::filesystem::path manifest;  // empty: none
    std::string generator = "external";
    int threads = 0;
    int chunkImages = 500;
    // Manifest paths that lead outside root are refused unless this is set.
    bool allowOutsideRoot = false;
};

class GeneratedImportJob : public ImportJob {
public:
    explicit GeneratedImportJob(GeneratedImportOptions options);
    std::string name() const override { return "import generated"; }
    bool run(jobs::JobContext& context) override;

private:
    GeneratedImportOptions options_;
};

}  // namespace genra::data
