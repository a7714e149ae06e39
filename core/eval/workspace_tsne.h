// t-SNE maps of a workspace model's embedding space, stored as projections: the real images of a
// set of captions, the generated images made from those captions, and optionally the captions
// themselves, embedded by the model (real images through its real-image encoder, generated ones
// through f_g) and laid out together, so the embeddings view can show whether the two modalities
// overlap. The map lands in the projections table (method "tsne", params with the settings,
// counts and KL divergence) and projection_points (item_kind "image" or "caption", item_id the
// images/captions row; an image's modality is in images).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "core/eval/tsne.h"
#include "core/jobs/job.h"

namespace genra::eval {

struct WorkspaceTsneOptions {
    std::filesystem::path workspace;
    std::string model;
    std::string dataset;
    std::string split;            // empty = every split
    std::int64_t captions = 200;  // the first N captions (by id) that have generated images; 0 = all
    bool withText = false;        // also place the captions' text embeddings
    std::string generator;        // only generated images of this generator; empty = every generator
    std::string name;             // projection name; default "<model> <dataset>[/<split>]"
    TsneOptions tsne;             // perplexity is lowered to what the point count allows
    // With tsne.method Auto or Torch and tsne.pcaDims 0: sets large enough for the FFT (or tensor)
    // method are first projected on 50 principal components (as FIt-SNE and openTSNE users do),
    // which makes the neighbour search on 512-D CLIP embeddings several times faster.
    bool autoPca = true;
    std::string device = "auto";
    int batchSize = 64;
    int workers = 0;
};

class WorkspaceTsneJob : public jobs::Job {
public:
    explicit WorkspaceTsneJob(WorkspaceTsneOptions options) : options_(std::move(options)) {}
    std::string name() const override { return "t-SNE of " + options_.dataset + " with " + options_.model; }
    bool run(jobs::JobContext& context) override;

    std::int64_t projectionId() const { return projectionId_; }
    std::int64_t realPoints() const { return real_; }
    std::int64_t generatedPoints() const { return generated_; }
    std::int64_t textPoints() const { return text_; }
    const TsneResult& result() const { return result_; }

private:
    WorkspaceTsneOptions options_;
    std::int64_t projectionId_ = 0;
    std::int64_t real_ = 0;
    std::int64_t generated_ = 0;
    std::int64_t text_ = 0;
    TsneResult result_;
};

}  // namespace genra::eval
