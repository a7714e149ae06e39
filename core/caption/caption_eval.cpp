#include "core/caption/caption_eval.h"

#include "core/caption/loaded_captioner.h"
#include "core/model/embed.h"
#include "core/store/dataset_items.h"
#include "core/store/eval_results.h"
#include "core/store/workspace.h"
#include "core/util/error.h"

#include <unordered_map>

namespace fs = std::filesystem;

namespace genra::caption {

std::vector<std::pair<std::int64_t, std::vector<std::string>>> referenceCaptions(store::Workspace& ws, const std::string& dataset,
                                                                                 const std::string& split) {
    const auto info = ws.requireDataset(dataset);
    std::vector<std::pair<std::int64_t, std::vector<std::string>>> out;
    for (auto& c : store::realImageCaptions(ws, info.id, split, true)) {
        if (out.empty() || out.back().first != c.imageId) out.emplace_back(c.imageId, std::vector<std::string>());
        out.back().second.push_back(std::move(c.text));
    }
    return out;
}

bool CaptionEvalJob::run(jobs::JobContext& context) {
    const auto& p = options_.predict;
    DecodeOptions decodeUsed;
    if (options_.predictions.empty()) {
        CaptionPredictJob predict(p);
        if (!predict.run(context)) return false;
        predictions_ = predict.predictions();
        decodeUsed = predict.decodeOptions();
    } else {
        predictions_ = readCocoResults(options_.predictions);
    }
    auto ws = store::Workspace::open(p.workspace);
    const auto captioner = model::requireModel(ws, p.model);
    if (captioner.kind != kModelKindCaptioner) throw Error("model \"" + p.model + "\" is not a captioner");
    const auto references = referenceCaptions(ws, p.dataset, p.split);
    if (references.empty()) throw Error("split \"" + p.split + "\" of \"" + p.dataset + "\" has no captioned real images");
    std::unordered_map<std::int64_t, std::size_t> candidateOf;
    const std::string source = options_.predictions.empty() ? std::string("predictions") : options_.predictions.string();
    for (std::size_t i = 0; i < predictions_.size(); ++i) {
        if (!candidateOf.emplace(predictions_[i].imageId, i).second) {
            throw Error(source + ": image " + std::to_string(predictions_[i].imageId) + " is predicted twice");
        }
    }
    eval::CaptionSet raw;
    for (const auto& [id, refs] : references) {
        auto it = candidateOf.find(id);
        if (it == candidateOf.end()) continue;  // images without an embedding get no caption
        raw.imageIds.push_back(std::to_string(id));
        raw.references.push_back(refs);
        raw.candidates.push_back(predictions_[it->second].caption);
    }
    if (raw.candidates.size() != predictions_.size()) {
        throw Error(source + ": " + std::to_string(predictions_.size() - raw.candidates.size()) +
                    " predictions name images that are not captioned real images of split \"" + p.split + "\"");
    }
    if (raw.candidates.empty()) throw Error(source + ": no prediction to score");
    if (raw.candidates.size() < references.size()) {
        context.log(jobs::LogLevel::Warning, std::to_string(references.size() - raw.candidates.size()) +
                                                 " images of the split have no prediction and are not scored");
    }
    context.progress(-1, "scoring " + std::to_string(raw.candidates.size()) + " captions");
    result_ = eval::evaluateCaptions(raw, options_.metrics);
    if (!options_.store) return true;
    nlohmann::json details = {{"captioner", p.model},
                              {"clip_model", captioner.config.value("clip_model", std::string())},
                              {"train_on", captioner.config.value("train_on", std::string())},
                              {"encoder", p.modality == "generated" ? model::kEncoderGeneratedImage : model::kEncoderRealImage},
                              {"images", raw.candidates.size()},
                              {"notes", result_.notes}};
    if (auto clip = model::findModel(ws, details["clip_model"].get<std::string>())) {
        details["inference_encoder"] = clip->config.value("inference_encoder", std::string("frozen-real"));
    }
    if (options_.predictions.empty()) {
        details["decode"] = {{"beam_size", decodeUsed.beamSize}, {"max_length", decodeUsed.maxLength},
                             {"length_penalty", decodeUsed.lengthPenalty}};
    } else {
        details["predictions"] = fs::absolute(options_.predictions).string();
    }
    const auto datasetId = ws.requireDataset(p.dataset).id;
    std::vector<std::int64_t> scoredIds;
    for (const auto& id : raw.imageIds) scoredIds.push_back(std::stoll(id));
    std::vector<store::NewEvalResult> rows;
    for (const auto& item : result_.scores.items()) {
        if (!item.value().is_number()) continue;  // SPICE without its jar
        auto rowDetails = details;
        if (auto it = result_.perImage.find(item.key()); it != result_.perImage.end() && it->second.size() == scoredIds.size()) {
            // Per-image scores, for paired bootstrap intervals (core/eval/statistics.h).
            rowDetails["per_item"] = {{"ids", scoredIds}, {"values", it->second}};
        }
        rows.push_back({captioner.runId, captioner.id, "caption", datasetId, p.split, item.key(), item.value().get<double>(),
                        rowDetails.dump()});
    }
    store::insertEvalResults(ws, rows);
    return true;
}

}  // namespace genra::caption
