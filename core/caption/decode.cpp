#include "core/caption/decode.h"

#include "core/util/error.h"

#include <cmath>

namespace genra::caption {

namespace {

void checkOptions(const DecodeOptions& options) {
    if (options.maxLength < 1) throw Error("decoding: max_length must be at least 1");
    if (options.beamSize < 1) throw Error("decoding: beam_size must be at least 1");
}

// Stacks equal-length token rows into an int64 [N, t] tensor.
torch::Tensor tokenMatrix(const std::vector<const std::vector<std::int64_t>*>& rows, std::int64_t length) {
    auto out = torch::empty({static_cast<std::int64_t>(rows.size()), length}, torch::kLong);
    auto* data = out.data_ptr<std::int64_t>();
    for (std::size_t r = 0; r < rows.size(); ++r)
        std::copy(rows[r]->begin(), rows[r]->end(), data + static_cast<std::int64_t>(r) * length);
    return out;
}

torch::Tensor callNext(const IncrementalLogProbs& next, const std::vector<std::int64_t>& sources,
                       const std::vector<const std::vector<std::int64_t>*>& rows, const std::vector<std::int64_t>& parents,
                       std::int64_t length) {
    const auto result = next(torch::tensor(sources, torch::kLong), tokenMatrix(rows, length), torch::tensor(parents, torch::kLong));
    if (result.dim() != 2 || result.size(0) != static_cast<std::int64_t>(sources.size())) {
        throw Error("decoding: the model returned log-probabilities of shape " + c10::str(result.sizes()) + " for " +
                    std::to_string(sources.size()) + " rows");
    }
    return result.detach().to(torch::kCPU, torch::kDouble).contiguous();
}

IncrementalLogProbs ignoringParents(const NextTokenLogProbs& next) {
    return [next](const torch::Tensor& sources, const torch::Tensor& tokens, const torch::Tensor&) { return next(sources, tokens); };
}

std::vector<std::vector<std::int64_t>> greedySearch(std::int64_t inputs, std::int64_t endToken, const IncrementalLogProbs& next,
                                                    const DecodeOptions& options) {
    checkOptions(options);
    std::vector<std::vector<std::int64_t>> out(static_cast<std::size_t>(inputs));
    std::vector<bool> done(static_cast<std::size_t>(inputs), false);
    std::vector<std::int64_t> previousRow(static_cast<std::size_t>(inputs), -1);  // each input's row in the last call
    for (int step = 0; step < options.maxLength; ++step) {
        std::vector<std::int64_t> sources;
        std::vector<const std::vector<std::int64_t>*> rows;
        std::vector<std::int64_t> parents;
        for (std::int64_t i = 0; i < inputs; ++i) {
            const auto index = static_cast<std::size_t>(i);
            if (done[index]) continue;
            parents.push_back(previousRow[index]);
            previousRow[index] = static_cast<std::int64_t>(sources.size());
            sources.push_back(i);
            rows.push_back(&out[index]);
        }
        if (sources.empty()) break;
        const auto best = callNext(next, sources, rows, parents, step).argmax(1);
        for (std::size_t r = 0; r < sources.size(); ++r) {
            const auto token = best[static_cast<std::int64_t>(r)].item<std::int64_t>();
            const auto i = static_cast<std::size_t>(sources[r]);
            if (token == endToken) {
                done[i] = true;
            } else {
                out[i].push_back(token);
            }
        }
    }
    return out;
}

std::vector<std::vector<std::int64_t>> beamSearchOver(std::int64_t inputs, std::int64_t endToken, const IncrementalLogProbs& next,
                                                      const DecodeOptions& options) {
    checkOptions(options);
    struct Hypothesis {
        std::vector<std::int64_t> tokens;
        double score = 0.0;      // sum of log-probabilities
        std::int64_t parent = -1;  // the row of the last call it continues
    };
    struct Finished {
        std::vector<std::int64_t> tokens;
        double score = 0.0;  // length-normalised
    };
    const auto beam = static_cast<std::size_t>(options.beamSize);
    const auto n = static_cast<std::size_t>(inputs);
    std::vector<std::vector<Hypothesis>> live(n, std::vector<Hypothesis>(1));
    std::vector<std::vector<Finished>> finished(n);
    auto normalised = [&](double score, std::size_t length) {
        return score / std::pow(static_cast<double>(length), options.lengthPenalty);
    };
    for (int step = 0; step < options.maxLength; ++step) {
        std::vector<std::int64_t> sources;
        std::vector<const std::vector<std::int64_t>*> rows;
        std::vector<std::int64_t> parents;
        for (std::size_t i = 0; i < n; ++i) {
            for (const auto& h : live[i]) {
                sources.push_back(static_cast<std::int64_t>(i));
                rows.push_back(&h.tokens);
                parents.push_back(h.parent);
            }
        }
        if (sources.empty()) break;
        const auto logProbs = callNext(next, sources, rows, parents, step);
        const auto vocab = logProbs.size(1);
        std::int64_t row = 0;
        for (std::size_t i = 0; i < n; ++i) {
            if (live[i].empty()) continue;
            const auto count = static_cast<std::int64_t>(live[i].size());
            std::vector<double> base;
            for (const auto& h : live[i]) base.push_back(h.score);
            const auto total = (logProbs.slice(0, row, row + count) +
                                torch::tensor(base, torch::kDouble).unsqueeze(1))
                                   .reshape({-1});
            const auto firstRow = row;
            row += count;
            const auto k = std::min<std::int64_t>(2 * options.beamSize, total.size(0));
            const auto top = total.topk(k);
            const auto values = std::get<0>(top);
            const auto indices = std::get<1>(top);
            std::vector<Hypothesis> nextLive;
            for (std::int64_t rank = 0; rank < k && nextLive.size() < beam; ++rank) {
                const double value = values[rank].item<double>();
                if (!std::isfinite(value)) break;
                const auto index = indices[rank].item<std::int64_t>();
                const auto parentIndex = index / vocab;
                const auto& parent = live[i][static_cast<std::size_t>(parentIndex)];
                const auto token = index % vocab;
                if (token == endToken) {
                    if (rank < options.beamSize) finished[i].push_back({parent.tokens, normalised(value, parent.tokens.size() + 1)});
                    continue;
                }
                Hypothesis h{parent.tokens, value, firstRow + parentIndex};
                h.tokens.push_back(token);
                nextLive.push_back(std::move(h));
            }
            live[i] = std::move(nextLive);
            if (finished[i].size() >= beam) live[i].clear();
        }
    }
    std::vector<std::vector<std::int64_t>> out(n);
    for (std::size_t i = 0; i < n; ++i) {
        // Hypotheses still live at maxLength end there.
        for (const auto& h : live[i]) finished[i].push_back({h.tokens, normalised(h.score, h.tokens.size())});
        const Finished* best = nullptr;
        for (const auto& f : finished[i])
            if (!best || f.score > best->score) best = &f;
        if (best) out[i] = best->tokens;
    }
    return out;
}

}  // namespace

std::vector<std::vector<std::int64_t>> greedyDecode(std::int64_t inputs, std::int64_t endToken, const NextTokenLogProbs& next,
                                                    const DecodeOptions& options) {
    return greedySearch(inputs, endToken, ignoringParents(next), options);
}

std::vector<std::vector<std::int64_t>> beamSearch(std::int64_t inputs, std::int64_t endToken, const NextTokenLogProbs& next,
                                                  const DecodeOptions& options) {
    return beamSearchOver(inputs, endToken, ignoringParents(next), options);
}

std::vector<std::vector<std::int64_t>> decodeIncremental(std::int64_t inputs, std::int64_t endToken,
                                                         const IncrementalLogProbs& next, const DecodeOptions& options) {
    return options.beamSize <= 1 ? greedySearch(inputs, endToken, next, options) : beamSearchOver(inputs, endToken, next, options);
}

std::vector<std::vector<std::int64_t>> decode(std::int64_t inputs, std::int64_t endToken, const NextTokenLogProbs& next,
                                              const DecodeOptions& options) {
    return decodeIncremental(inputs, endToken, ignoringParents(next), options);
}

}  // namespace genra::caption
