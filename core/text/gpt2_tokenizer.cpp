#include "core/text/gpt2_tokenizer.h"

#include "core/text/byte_encoder.h"
#include "core/text/pre_tokenizer.h"
#include "core/text/unicode.h"
#include "core/util/error.h"
#include "core/util/json_file.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <limits>
#include <mutex>
#include <unordered_map>

namespace genra::text {

const char* const kGpt2SplitPattern =
    R"((?-i)'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

struct Gpt2Tokenizer::Impl {
    std::unordered_map<std::string, std::int64_t> encoder;
    std::vector<std::string> decoder;  // by id; empty string for unused ids
    std::unordered_map<std::string, int> ranks;  // "left right" -> rank
    std::unique_ptr<PreTokenizer> splitter;
    std::int64_t endOfText = -1;
    mutable std::mutex cacheMutex;
    mutable std::unordered_map<std::string, std::vector<std::int64_t>> cache;

    // Merges the byte symbols of one piece by rank, every occurrence of the best pair at a time.
    std::vector<std::int64_t> bpe(const std::string& piece) const {
        {
            std::lock_guard<std::mutex> lock(cacheMutex);
            if (auto it = cache.find(piece); it != cache.end()) return it->second;
        }
        std::vector<std::string> symbols;
        for (unsigned char byte : piece) symbols.push_back(byteSymbol(byte));
        while (symbols.size() > 1) {
            int bestRank = std::numeric_limits<int>::max();
            std::string bestLeft;
            std::string bestRight;
            for (std::size_t i = 0; i + 1 < symbols.size(); ++i) {
                auto it = ranks.find(symbols[i] + " " + symbols[i + 1]);
                if (it != ranks.end() && it->second < bestRank) {
                    bestRank = it->second;
                    bestLeft = symbols[i];
                    bestRight = symbols[i + 1];
                }
            }
            if (bestRank == std::numeric_limits<int>::max()) break;
            std::vector<std::string> merged;
            for (std::size_t i = 0; i < symbols.size(); ++i) {
                if (i + 1 < symbols.size() && symbols[i] == bestLeft && symbols[i + 1] == bestRight) {
                    merged.push_back(bestLeft + bestRight);
                    ++i;
                } else {
                    merged.push_back(symbols[i]);
                }
            }
            symbols.swap(merged);
        }
        std::vector<std::int64_t> ids;
        for (const auto& s : symbols) {
            auto it = encoder.find(s);
            if (it == encoder.end()) throw Error("GPT-2 tokenizer: the vocabulary has no entry for \"" + s + "\"");
            ids.push_back(it->second);
        }
        std::lock_guard<std::mutex> lock(cacheMutex);
        if (cache.size() > (1u << 18)) cache.clear();
        cache.emplace(piece, ids);
        return ids;
    }
};

Gpt2Tokenizer::Gpt2Tokenizer(std::map<std::string, std::int64_t> vocabulary, std::vector<BpeMerge> merges, std::string source)
    : impl_(std::make_unique<Impl>()) {
    std::int64_t largest = -1;
    for (const auto& [token, id] : vocabulary) {
        if (id < 0) throw Error(source + ": token \"" + token + "\" has a negative id");
        // Ids index the decoder's table: one id of 2,000,000,000 would allocate it for all of them.
        if (static_cast<std::uint64_t>(id) >= maxVocabMerges() + 512) {
            throw Error(source + ": token \"" + token + "\" has id " + std::to_string(id) +
                        ", more than a vocabulary of at most " + std::to_string(maxVocabMerges()) +
                        " merges holds (GENRA_MAX_VOCAB_MERGES raises the limit)");
        }
        largest = std::max(largest, id);
        impl_->encoder[token] = id;
    }
    impl_->decoder.assign(static_cast<std::size_t>(largest + 1), std::string());
    for (const auto& [token, id] : vocabulary) impl_->decoder[static_cast<std::size_t>(id)] = token;
    for (int b = 0; b < 256; ++b) {
        if (!impl_->encoder.count(byteSymbol(static_cast<std::uint8_t>(b)))) {
            throw Error(source + ": the vocabulary lacks the symbol of byte " + std::to_string(b) +
                        " (a byte-level vocabulary holds all 256)");
        }
    }
    for (std::size_t rank = 0; rank < merges.size(); ++rank) {
        const auto& m = merges[rank];
        if (!impl_->encoder.count(m.left + m.right)) {
            throw Error(source + ": merge " + std::to_string(rank + 1) + " (\"" + m.left + " " + m.right +
                        "\") makes a token the vocabulary lacks");
        }
        impl_->ranks.emplace(m.left + " " + m.right, static_cast<int>(rank));  // the first occurrence wins
    }
    if (auto it = impl_->encoder.find("<|endoftext|>"); it != impl_->encoder.end()) impl_->endOfText = it->second;
    impl_->splitter = std::make_unique<PreTokenizer>(kGpt2SplitPattern);
}

Gpt2Tokenizer::Gpt2Tokenizer(Gpt2Tokenizer&&) noexcept = default;
Gpt2Tokenizer& Gpt2Tokenizer::operator=(Gpt2Tokenizer&&) noexcept = default;
Gpt2Tokenizer::~Gpt2Tokenizer() = default;

Gpt2Tokenizer Gpt2Tokenizer::fromFiles(const std::filesystem::path& vocabJson, const std::filesystem::path& mergesTxt) {
    const nlohmann::json j = util::readJsonFile(vocabJson);
    if (!j.is_object()) throw ParseError(vocabJson.string(), "top level", "expected an object of token -> id");
    std::map<std::string, std::int64_t> vocabulary;
    for (auto it = j.begin(); it != j.end(); ++it) {
        if (!it.value().is_number_integer()) throw ParseError(vocabJson.string(), "key \"" + it.key() + "\"", "expected an integer id");
        vocabulary[it.key()] = it.value().get<std::int64_t>();
    }
    return Gpt2Tokenizer(std::move(vocabulary), readMergeFile(mergesTxt), vocabJson.string());
}

std::vector<std::string> Gpt2Tokenizer::preTokenize(std::string_view text) const { return impl_->splitter->split(text); }

std::vector<std::int64_t> Gpt2Tokenizer::encode(std::string_view text) const {
    std::vector<std::string_view> pieces;
    impl_->splitter->split(text, pieces);
    std::vector<std::int64_t> ids;
    for (const auto& piece : pieces) {
        const auto part = impl_->bpe(std::string(piece));
        ids.insert(ids.end(), part.begin(), part.end());
    }
    return ids;
}

std::string Gpt2Tokenizer::decode(const std::vector<std::int64_t>& ids) const {
    std::string joined;
    for (auto id : ids) {
        if (id < 0 || id >= static_cast<std::int64_t>(impl_->decoder.size()) || impl_->decoder[static_cast<std::size_t>(id)].empty()) {
            throw Error("GPT-2 tokenizer: no token has id " + std::to_string(id));
        }
        joined += impl_->decoder[static_cast<std::size_t>(id)];
    }
    std::string bytes;
    for (char32_t c : decodeUtf8(joined)) {
        const int b = codePointToByte(c);
        if (b >= 0) {
            bytes.push_back(static_cast<char>(b));
        } else {
            appendUtf8(bytes, c);  // special tokens such as <|endoftext|> are plain ASCII already
        }
    }
    return sanitizeUtf8(bytes);
}

std::int64_t Gpt2Tokenizer::endOfTextId() const {
    if (impl_->endOfText < 0) throw Error("GPT-2 tokenizer: the vocabulary has no <|endoftext|> token");
    return impl_->endOfText;
}

std::size_t Gpt2Tokenizer::vocabularySize() const { return impl_->decoder.size(); }

}  // namespace genra::text
