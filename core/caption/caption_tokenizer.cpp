#include "core/caption/caption_tokenizer.h"

#include "core/model/model_store.h"
#include "core/text/clip_tokenizer.h"
#include "core/text/gpt2_tokenizer.h"
#include "core/util/error.h"

namespace fs = std::filesystem;

namespace genra::caption {

namespace {

std::string trim(const std::string& s) {
    const auto begin = s.find_first_not_of(" \t\n");
    if (begin == std::string::npos) return {};
    return s.substr(begin, s.find_last_not_of(" \t\n") - begin + 1);
}

// CLIP's BPE ends every word, punctuation included, with a space: "two shapes : a red cross , large".
// Captions read as written: no space before , . : ; ! ? or ')' and none after '('.
std::string tidyPunctuation(const std::string& text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == ' ' && i + 1 < text.size() && std::string(",.:;!?)").find(text[i + 1]) != std::string::npos) continue;
        if (c == ' ' && !out.empty() && out.back() == '(') continue;
        out.push_back(c);
    }
    return out;
}

class ClipBpeTokenizer : public CaptionTokenizer {
public:
    ClipBpeTokenizer(std::shared_ptr<const text::ClipTokenizer> tokenizer, std::string recorded)
        : tokenizer_(std::move(tokenizer)), recorded_(std::move(recorded)) {}
    std::vector<std::int64_t> encode(const std::string& caption) const override {
        const auto ids = tokenizer_->encode(caption);
        return {ids.begin(), ids.end()};
    }
    std::string decode(const std::vector<std::int64_t>& ids) const override {
        std::vector<int> narrow;
        for (auto id : ids)
            if (id != endToken() && id != tokenizer_->startOfTextId()) narrow.push_back(static_cast<int>(id));
        return tidyPunctuation(trim(tokenizer_->decode(narrow)));
    }
    std::int64_t endToken() const override { return tokenizer_->endOfTextId(); }
    std::int64_t vocabularySize() const override { return static_cast<std::int64_t>(tokenizer_->vocabularySize()); }
    nlohmann::json describe() const override { return {{"type", "clip-bpe"}, {"vocab", recorded_}}; }

private:
    std::shared_ptr<const text::ClipTokenizer> tokenizer_;
    std::string recorded_;
};

class Gpt2BpeTokenizer : public CaptionTokenizer {
public:
    Gpt2BpeTokenizer(text::Gpt2Tokenizer tokenizer, std::string vocab, std::string merges)
        : tokenizer_(std::move(tokenizer)), vocab_(std::move(vocab)), merges_(std::move(merges)) {}
    std::vector<std::int64_t> encode(const std::string& caption) const override { return tokenizer_.encode(caption); }
    std::string decode(const std::vector<std::int64_t>& ids) const override {
        std::vector<std::int64_t> kept;
        for (auto id : ids)
            if (id != endToken()) kept.push_back(id);
        return trim(tokenizer_.decode(kept));
    }
    std::int64_t endToken() const override { return tokenizer_.endOfTextId(); }
    std::int64_t vocabularySize() const override { return static_cast<std::int64_t>(tokenizer_.vocabularySize()); }
    nlohmann::json describe() const override { return {{"type", "gpt2"}, {"vocab_json", vocab_}, {"merges", merges_}}; }

private:
    text::Gpt2Tokenizer tokenizer_;
    std::string vocab_;
    std::string merges_;
};

}  // namespace

std::shared_ptr<const CaptionTokenizer> clipBpeCaptionTokenizer(const fs::path& mergeFile, const std::string& recordedPath) {
    return std::make_shared<ClipBpeTokenizer>(model::tokenizerFor(mergeFile), recordedPath);
}

std::shared_ptr<const CaptionTokenizer> gpt2CaptionTokenizer(const fs::path& vocabJson, const fs::path& merges) {
    auto tokenizer = text::Gpt2Tokenizer::fromFiles(vocabJson, merges);
    tokenizer.endOfTextId();  // fails early, naming the problem, when there is no end token
    return std::make_shared<Gpt2BpeTokenizer>(std::move(tokenizer), vocabJson.string(), merges.string());
}

std::shared_ptr<const CaptionTokenizer> captionTokenizerFromJson(const nlohmann::json& json, const fs::path& baseDir,
                                                                 const std::string& source) {
    auto path = [&](const char* key) {
        if (!json.contains(key) || !json[key].is_string()) throw ParseError(source, std::string("tokenizer.") + key, "missing path");
        const fs::path p = json[key].get<std::string>();
        return p.is_absolute() ? p : baseDir / p;
    };
    const std::string type = json.value("type", std::string());
    if (type == "clip-bpe") return clipBpeCaptionTokenizer(path("vocab"), json["vocab"].get<std::string>());
    if (type == "gpt2") {
        auto t = gpt2CaptionTokenizer(path("vocab_json"), path("merges"));
        return t;
    }
    throw ParseError(source, "tokenizer.type", "expected \"clip-bpe\" or \"gpt2\", got \"" + type + "\"");
}

std::vector<std::int64_t> captionTokenRow(const CaptionTokenizer& tokenizer, const std::string& caption, int maxTokens) {
    if (maxTokens < 1) throw Error("max_caption_tokens must be at least 1");
    auto ids = tokenizer.encode(caption);
    if (ids.size() > static_cast<std::size_t>(maxTokens - 1)) ids.resize(static_cast<std::size_t>(maxTokens - 1));
    ids.push_back(tokenizer.endToken());
    return ids;
}

std::pair<torch::Tensor, torch::Tensor> padTokenRows(const std::vector<std::vector<std::int64_t>>& rows) {
    std::size_t longest = 1;
    for (const auto& row : rows) longest = std::max(longest, row.size());
    const auto n = static_cast<std::int64_t>(rows.size());
    auto tokens = torch::zeros({n, static_cast<std::int64_t>(longest)}, torch::kLong);
    auto mask = torch::zeros({n, static_cast<std::int64_t>(longest)}, torch::kBool);
    for (std::int64_t r = 0; r < n; ++r) {
        const auto& ids = rows[static_cast<std::size_t>(r)];
        const auto length = static_cast<std::int64_t>(ids.size());
        if (length == 0) continue;
        tokens[r].slice(0, 0, length).copy_(torch::tensor(ids, torch::kLong));
        mask[r].slice(0, 0, length).fill_(true);
    }
    return {tokens, mask};
}

std::pair<torch::Tensor, torch::Tensor> encodeCaptionBatch(const CaptionTokenizer& tokenizer,
                                                           const std::vector<std::string>& captions, int maxTokens) {
    std::vector<std::vector<std::int64_t>> rows;
    for (const auto& caption : captions) rows.push_back(captionTokenRow(tokenizer, caption, maxTokens));
    return padTokenRows(rows);
}

}  // namespace genra::caption
