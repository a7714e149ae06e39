// Computing CLIP embeddings: for loose files (`genra embed`, writing .npy files and an index) and
// for a workspace dataset (stored per model, item and encoder in the embeddings table, resumable).
// Real images go through the model's real-image encoder, generated images through its
// generated-image encoder (core/model/model_store.h), captions through the text tower.
#pragma once

#include "core/jobs/job.h"
#include "core/util/shard.h"

#include <filesystem>
#include <string>
#include <vector>

namespace genra::model {

struct EmbedFilesOptions {
    std::string weights;   // weights file (any format loadWeights reads)
    std::string vocab;     // vocabulary; needed for captions
    std::vector<std::filesystem::path> images;
    std::vector<std::string> captions;
    std::filesystem::path outDir;
    std::string device = "auto";
    std::string precision = "fp32";  // fp32 | bf16 | fp16 (autocast; fp16 needs CUDA); rows are written as float32
    int batchSize = 32;
    int workers = 0;  // 0 = every core
    // Only this shard of the inputs, each image and caption by its position in its list
    // (core/util/shard.h); the outputs then hold that shard's rows, index.tsv naming each.
    Shard shard;
};

// Writes outDir/image_embeddings.npy (float32 [N, D], encodeImage output, not normalised),
// outDir/text_embeddings.npy (one row per caption) and outDir/index.tsv ("kind<TAB>row<TAB>source"
// per row). Images that cannot be read are left out, reported, and counted in failedImages().
class EmbedFilesJob : public jobs::Job {
public:
    explicit EmbedFilesJob(EmbedFilesOptions options) : options_(std::move(options)) {}
    std::string name() const override { return "embed files"; }
    bool run(jobs::JobContext& context) override;
    std::size_t failedImages() const { return failed_; }

private:
    EmbedFilesOptions options_;
    std::size_t failed_ = 0;
};

struct EmbedWorkspaceOptions {
    std::filesystem::path workspace;
    std::string model;     // workspace model name
    std::string dataset;
    std::string split;     // empty = every split
    bool realImages = true;
    bool generatedImages = true;
    bool captions = true;
    std::string device = "auto";
    std::string precision = "fp32";  // as EmbedFilesOptions; applies to the rows this run computes
    int batchSize = 64;
    int workers = 0;           // decoding and preprocessing threads; 0 = every core
    int prefetchBatches = 4;   // batches decoded ahead of the model: the bound on memory in flight
    // Embeddings are committed in one transaction per this many rows, or sooner once this many
    // seconds have passed since the last commit (what a killed run loses at most).
    int commitRows = 1024;
    double commitSeconds = 5.0;
    // Only the items of this shard (core/util/shard.h): real images and captions by their id,
    // generated images by the id of the caption they were made from, as `generate --shard` splits
    // them. Items already embedded are skipped as ever, so a re-run shard resumes.
    Shard shard;
};

// Encoder names stored in embeddings.encoder.
constexpr const char* kEncoderRealImage = "real-image";
constexpr const char* kEncoderGeneratedImage = "generated-image";
constexpr const char* kEncoderText = "text";

// Streams each modality's pending images: worker threads decode and preprocess a bounded window of
// batches ahead (core/data/batch_loader.h) while this thread runs the model, and rows are stored in
// batched transactions, so memory stays flat however large the dataset. A cancelled run stores
// the rows it computed before it stops; running it again embeds only what is missing.
class EmbedWorkspaceJob : public jobs::Job {
public:
    explicit EmbedWorkspaceJob(EmbedWorkspaceOptions options) : options_(std::move(options)) {}
    std::string name() const override { return "embed " + options_.dataset + " with " + options_.model; }
    bool run(jobs::JobContext& context) override;
    std::size_t written() const { return written_; }
    std::size_t skipped() const { return skipped_; }
    // Transactions that stored embeddings.
    std::size_t commits() const { return commits_; }

private:
    EmbedWorkspaceOptions options_;
    std::size_t commits_ = 0;
    std::size_t written_ = 0;
    std::size_t skipped_ = 0;
};

torch::Device resolveDevice(const std::string& name);

}  // namespace genra::model
