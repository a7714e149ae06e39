#include "core/caption/image_embeddings.h"

#include "core/model/embed.h"
#include "core/store/embeddings.h"
#include "core/util/error.h"

namespace genra::caption {

void ensureImageEmbeddings(const std::filesystem::path& workspace, const std::string& clipModel, const std::string& dataset,
                           const std::string& split, bool generated, const std::string& device, jobs::JobContext& context) {
    model::EmbedWorkspaceOptions options;
    options.workspace = workspace;
    options.model = clipModel;
    options.dataset = dataset;
    options.split = split;
    options.realImages = !generated;
    options.generatedImages = generated;
    options.captions = false;
    options.device = device;
    model::EmbedWorkspaceJob job(options);
    if (!job.run(context)) throw Error("embedding " + dataset + " with " + clipModel + " failed");
}

torch::Tensor readImageEmbeddings(store::Workspace& ws, std::int64_t modelId, const char* encoder,
                                  const std::vector<std::int64_t>& ids, std::vector<std::size_t>& missing) {
    auto rows = store::readEmbeddings(ws, {modelId, "image", encoder}, ids);
    std::size_t next = 0;
    for (std::size_t i = 0; i < ids.size(); ++i) {
        if (next < rows.found.size() && rows.found[next] == i) ++next;
        else missing.push_back(i);
    }
    if (rows.found.empty()) return torch::empty({0, 0});
    auto out = torch::zeros({static_cast<std::int64_t>(ids.size()), rows.dim}, torch::kFloat);
    const auto found = torch::from_blob(rows.values.data(), {static_cast<std::int64_t>(rows.found.size()), rows.dim},
                                        torch::kFloat);
    std::vector<std::int64_t> at(rows.found.begin(), rows.found.end());
    out.index_copy_(0, torch::tensor(at, torch::kInt64), found);
    return out;
}

}  // namespace genra::caption
