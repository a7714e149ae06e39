#include "core/caption/caption_predict.h"

#include "core/caption/image_embeddings.h"
#include "core/caption/loaded_captioner.h"
#include "core/model/embed.h"
#include "core/store/dataset_items.h"
#include "core/store/workspace.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "core/util/json_file.h"

namespace fs = std::filesystem;

namespace genra::caption {

bool CaptionPredictJob::run(jobs::JobContext& context) {
    const bool generated = options_.modality == "generated";
    if (!generated && options_.modality != "real") throw Error("modality must be real or generated, not \"" + options_.modality + "\"");
    std::vector<std::int64_t> ids;
    std::int64_t clipId = 0;
    std::string clipModel;
    {
        auto ws = store::Workspace::open(options_.workspace);
        const auto dataset = ws.requireDataset(options_.dataset);
        auto captioner = loadCaptioner(ws, options_.model);
        clipModel = captioner.clipModel;
        clipId = model::requireModel(ws, clipModel).id;
        ids = store::readableImages(ws, dataset.id, options_.split, generated ? "generated" : "real");
        if (ids.empty()) {
            throw Error("dataset \"" + options_.dataset + "\" has no readable " + options_.modality + " images in split \"" +
                        options_.split + "\"");
        }
    }
    context.progress(-1, "embedding images");
    ensureImageEmbeddings(options_.workspace, clipModel, options_.dataset, options_.split, generated, options_.device, context);
    auto ws = store::Workspace::open(options_.workspace);
    auto captioner = loadCaptioner(ws, options_.model);
    decode_ = captioner.decode;
    if (options_.beamSize) decode_.beamSize = *options_.beamSize;
    if (options_.maxLength) decode_.maxLength = *options_.maxLength;
    if (options_.lengthPenalty) decode_.lengthPenalty = *options_.lengthPenalty;
    std::vector<std::size_t> missing;
    auto embeddings = readImageEmbeddings(ws, clipId, generated ? model::kEncoderGeneratedImage : model::kEncoderRealImage, ids, missing);
    if (!missing.empty()) {
        context.log(jobs::LogLevel::Warning, std::to_string(missing.size()) + " images have no embedding and get no caption");
        std::vector<bool> absent(ids.size(), false);
        for (auto i : missing) absent[i] = true;
        std::vector<std::int64_t> keep;
        std::vector<std::int64_t> keptIds;
        for (std::size_t i = 0; i < ids.size(); ++i) {
            if (absent[i]) continue;
            keep.push_back(static_cast<std::int64_t>(i));
            keptIds.push_back(ids[i]);
        }
        embeddings = embeddings.index_select(0, torch::tensor(keep, torch::kLong));
        ids = std::move(keptIds);
    }
    const auto captions = captionEmbeddings(captioner, embeddings, decode_, options_.batchSize,
                                            model::resolveDevice(options_.device), &context);
    predictions_.clear();
    for (std::size_t i = 0; i < ids.size(); ++i) predictions_.push_back({ids[i], captions[i]});
    if (!options_.out.empty()) writeCocoResults(options_.out, predictions_);
    return true;
}

void writeCocoResults(const fs::path& path, const std::vector<CaptionPrediction>& predictions) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& p : predictions) out.push_back({{"image_id", p.imageId}, {"caption", p.caption}});
    if (path.has_parent_path()) fs::create_directories(path.parent_path());
    util::writeFileAtomically(path, out.dump(2) + "\n");
}

std::vector<CaptionPrediction> readCocoResults(const fs::path& path) {
    const nlohmann::json j = util::readJsonFile(path);
    if (!j.is_array()) throw ParseError(path.string(), "top level", "expected a COCO results array [{\"image_id\", \"caption\"}]");
    std::vector<CaptionPrediction> out;
    for (std::size_t i = 0; i < j.size(); ++i) {
        const auto& e = j[i];
        const std::string where = "entry " + std::to_string(i);
        if (!e.is_object() || !e.contains("image_id") || !e["image_id"].is_number_integer()) {
            throw ParseError(path.string(), where, "needs an integer \"image_id\"");
        }
        if (!e.contains("caption") || !e["caption"].is_string()) throw ParseError(path.string(), where, "needs a string \"caption\"");
        out.push_back({e["image_id"].get<std::int64_t>(), e["caption"].get<std::string>()});
    }
    return out;
}

}  // namespace genra::caption
