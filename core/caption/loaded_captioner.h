// A registered captioner (a workspace model of kind "captioner", written by captioner training in
// core/train/captioner_training.h) loaded for decoding, and captions for CLIP embeddings.
#pragma once

#include "core/caption/caption_tokenizer.h"
#include "core/caption/captioner.h"
#include "core/caption/decode.h"
#include "core/jobs/job.h"
#include "core/model/model_store.h"

#include <memory>
#include <string>
#include <vector>

namespace genra::store {
class Workspace;
}

namespace genra::caption {

constexpr const char* kModelKindCaptioner = "captioner";

// A registered captioner, loaded for decoding (CPU, eval mode).
struct LoadedCaptioner {
    model::ModelRecord record;
    ClipCaptioner model{nullptr};
    std::shared_ptr<const CaptionTokenizer> tokenizer;
    std::string clipModel;  // the CLIP model whose embeddings it reads
    DecodeOptions decode;   // the defaults recorded at training
};
LoadedCaptioner loadCaptioner(store::Workspace& workspace, const std::string& name);

// Captions for CLIP embeddings [N, D] (batched decoding on `device`).
std::vector<std::string> captionEmbeddings(LoadedCaptioner& captioner, const torch::Tensor& embeddings,
                                           const DecodeOptions& options, int batchSize, torch::Device device,
                                           jobs::JobContext* context = nullptr);

}  // namespace genra::caption
