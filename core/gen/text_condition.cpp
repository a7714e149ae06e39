#include "core/gen/text_condition.h"

#include "core/util/error.h"

#include <algorithm>

namespace genra::gen {

torch::Tensor clipTokenFeatures(model::ClipModel& clip, const torch::Tensor& tokens) {
    const auto contextLength = clip->config().contextLength;
    if (tokens.dim() != 2 || tokens.size(1) == 0 || tokens.size(1) > contextLength) {
        throw Error("CLIP token features: expected tokens [B, L] with 0 < L <= " + std::to_string(contextLength));
    }
    const auto ids = tokens.to(clip->positional_embedding.device(), torch::kLong);
    const auto length = ids.size(1);
    auto x = clip->token_embedding->forward(ids) + clip->positional_embedding.narrow(0, 0, length);
    x = clip->transformer->forward(x, model::causalMask(length, x.options()));
    return clip->ln_final->forward(x);
}

TextConditioner::TextConditioner(model::ClipModel clip, std::shared_ptr<const text::ClipTokenizer> tokenizer)
    : clip_(std::move(clip)), tokenizer_(std::move(tokenizer)) {
    if (!clip_ || !tokenizer_) throw Error("text conditioning needs a CLIP model with its vocabulary");
    clip_->eval();
    for (auto& p : clip_->parameters()) p.set_requires_grad(false);
}

std::int64_t TextConditioner::width() const { return clip_->config().transformerWidth; }
std::int64_t TextConditioner::vocabSize() const { return clip_->config().vocabSize; }

TokenFeatures TextConditioner::encode(const std::vector<std::string>& captions) {
    torch::NoGradGuard noGrad;
    const int contextLength = static_cast<int>(clip_->config().contextLength);
    auto tokens = tokenizer_->tokenize(captions, contextLength, true);
    // The end-of-text token has the largest id of each row (true of CLIP's tokenizer).
    const auto eot = tokens.argmax(-1);
    const std::int64_t length = captions.empty() ? 1 : eot.max().item<std::int64_t>() + 1;
    tokens = tokens.narrow(1, 0, length).contiguous();
    TokenFeatures out;
    out.features = clipTokenFeatures(clip_, tokens).to(torch::kCPU, torch::kFloat32);
    out.mask = torch::arange(length).unsqueeze(0) <= eot.unsqueeze(1);
    out.tokens = tokens.to(torch::kLong).masked_fill(out.mask.logical_not(), 0);
    return out;
}

TokenFeatures concatFeatures(const TokenFeatures& a, const TokenFeatures& b) {
    const auto length = std::max(a.features.size(1), b.features.size(1));
    auto pad = [&](const TokenFeatures& f) {
        const auto missing = length - f.features.size(1);
        if (missing == 0) return f;
        TokenFeatures p;
        p.features = torch::cat({f.features, torch::zeros({f.features.size(0), missing, f.features.size(2)}, f.features.options())}, 1);
        p.mask = torch::cat({f.mask, torch::zeros({f.mask.size(0), missing}, f.mask.options())}, 1);
        if (f.tokens.defined())
            p.tokens = torch::cat({f.tokens, torch::zeros({f.tokens.size(0), missing}, f.tokens.options())}, 1);
        return p;
    };
    const auto pa = pad(a);
    const auto pb = pad(b);
    TokenFeatures out{torch::cat({pa.features, pb.features}, 0), torch::cat({pa.mask, pb.mask}, 0), {}};
    if (pa.tokens.defined() && pb.tokens.defined()) out.tokens = torch::cat({pa.tokens, pb.tokens}, 0);
    return out;
}

TokenFeatures selectRows(const TokenFeatures& f, const torch::Tensor& index) {
    return {f.features.index_select(0, index), f.mask.index_select(0, index),
            f.tokens.defined() ? f.tokens.index_select(0, index) : torch::Tensor()};
}

}  // namespace genra::gen
