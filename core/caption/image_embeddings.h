// The CLIP image embeddings a captioner reads, for training and for prediction: computed once per
// (CLIP model, image, encoder) and cached in the workspace's embeddings table — generated images
// through f_g, real images through the CLIP model's inference encoder for real images.
#pragma once

#include "core/jobs/job.h"

#include <torch/torch.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace genra::store {
class Workspace;
}

namespace genra::caption {

// Embeds the split's images of one modality (generated, else real) with `clipModel`, only those
// not cached yet. Throws genra::Error when the embedding job fails.
void ensureImageEmbeddings(const std::filesystem::path& workspace, const std::string& clipModel,
                           const std::string& dataset, const std::string& split, bool generated,
                           const std::string& device, jobs::JobContext& context);

// Cached embeddings [ids, D] of `encoder` in the order of `ids`; ids without one are appended to
// `missing` (as indices into `ids`) and get a row of zeros. [0, 0] when none is cached.
torch::Tensor readImageEmbeddings(store::Workspace& workspace, std::int64_t modelId, const char* encoder,
                                  const std::vector<std::int64_t>& ids, std::vector<std::size_t>& missing);

}  // namespace genra::caption
