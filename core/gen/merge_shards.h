// `genra merge`: brings the generated images and embeddings of shard workspaces (copies of one
// workspace, each of which ran `genra generate/embed --shard K/N`) into one workspace.
//
// Items are matched by content, not by id: a dataset by name, an image by its dataset and stored
// path, a caption by its dataset, its image's path, its position and its text, a model by name.
// Each generated image is copied to the same path under the target (its caption-id folder renamed
// when the target's caption id differs) and recorded with its generator, seed and parameters, plus
// "merged_from": {"workspace", "image_id"} in its parameters: which shard it came from. Embeddings
// of matched items are copied for models of the same name. Everything is checked before anything
// is written: a caption or dataset the target lacks, or a path the target (or another shard) holds
// with another generator, seed or caption, is an error naming it and nothing is written. What the
// target already has is skipped, so merging a shard twice changes nothing. A merge that wrote
// anything is recorded as a run of kind "merge" listing its shards.
#pragma once

#include "core/jobs/job.h"

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace genra::gen {

inline constexpr const char* kRunKindMerge = "merge";

struct MergeShardsOptions {
    std::filesystem::path workspace;            // the target
    std::vector<std::filesystem::path> shards;  // shard workspaces, read only
    bool embeddings = true;                     // also copy stored embeddings
};

struct MergeShardsSummary {
    std::int64_t images = 0;              // generated images added
    std::int64_t imagesPresent = 0;       // already in the target (or in an earlier shard)
    std::int64_t embeddings = 0;          // vectors added
    std::int64_t embeddingsPresent = 0;   // already in the target
    std::int64_t embeddingsUnmatched = 0;  // of a model or item the target lacks: left out
};

class MergeShardsJob : public jobs::Job {
public:
    explicit MergeShardsJob(MergeShardsOptions options) : options_(std::move(options)) {}
    std::string name() const override { return "merge " + std::to_string(options_.shards.size()) + " shards"; }
    bool run(jobs::JobContext& context) override;
    const MergeShardsSummary& summary() const { return summary_; }

private:
    MergeShardsOptions options_;
    MergeShardsSummary summary_;
};

}  // namespace genra::gen
