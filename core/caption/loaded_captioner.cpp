#include "core/caption/loaded_captioner.h"

#include "core/model/weights.h"
#include "core/store/workspace.h"
#include "core/util/error.h"

#include <algorithm>

namespace fs = std::filesystem;

namespace genra::caption {

LoadedCaptioner loadCaptioner(store::Workspace& ws, const std::string& name) {
    LoadedCaptioner out;
    out.record = model::requireModel(ws, name);
    if (out.record.kind != kModelKindCaptioner) {
        throw Error("model \"" + name + "\" is a " + out.record.kind + " model, not a captioner");
    }
    const fs::path weights = ws.resolve(out.record.path);
    auto files = model::loadModelFiles(weights);
    const std::string source = weights.string();
    if (!files.config.contains("captioner") || !files.config.contains("tokenizer")) {
        throw ParseError(source, "config", "not a captioner (no \"captioner\" / \"tokenizer\" keys)");
    }
    out.model = ClipCaptioner(captionerConfigFromJson(files.config["captioner"], source));
    loadModuleStateDict(*out.model, files.stateDict, source);
    out.model->eval();
    out.tokenizer = captionTokenizerFromJson(files.config["tokenizer"], weights.parent_path(), source);
    out.clipModel = files.config.value("clip_model", std::string());
    const auto decode = files.config.value("decode", nlohmann::json::object());
    out.decode.beamSize = decode.value("beam_size", out.decode.beamSize);
    out.decode.maxLength = decode.value("max_length", out.decode.maxLength);
    out.decode.lengthPenalty = decode.value("length_penalty", out.decode.lengthPenalty);
    return out;
}

std::vector<std::string> captionEmbeddings(LoadedCaptioner& captioner, const torch::Tensor& embeddings,
                                           const DecodeOptions& options, int batchSize, torch::Device device,
                                           jobs::JobContext* context) {
    torch::NoGradGuard noGrad;
    auto& m = captioner.model;
    m->to(device);
    m->eval();
    DecodeOptions decodeOptions = options;
    // The prefix and every generated token but the last must fit in the decoder's positions.
    const auto room = m->config().decoder.contextLength - m->config().prefixLength + 1;
    decodeOptions.maxLength = static_cast<int>(std::min<std::int64_t>(options.maxLength, room));
    const auto endToken = captioner.tokenizer->endToken();
    std::vector<std::string> captions;
    const auto n = embeddings.size(0);
    const auto step = std::max<std::int64_t>(1, batchSize);
    for (std::int64_t begin = 0; begin < n; begin += step) {
        if (context) context->checkCancelled();
        const auto end = std::min(n, begin + step);
        const auto prefix = m->prefix(embeddings.slice(0, begin, end).to(device));
        for (const auto& ids : decodePrefixes(m, prefix, endToken, decodeOptions)) captions.push_back(captioner.tokenizer->decode(ids));
        if (context) {
            context->progress(static_cast<double>(end) / static_cast<double>(n),
                              "captioned " + std::to_string(end) + "/" + std::to_string(n));
        }
    }
    return captions;
}

}  // namespace genra::caption
