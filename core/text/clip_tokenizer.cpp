#include "core/text/clip_tokenizer.h"

#include <cstdint>
#include <limits>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>

#include "core/text/byte_encoder.h"
#include "core/text/pre_tokenizer.h"
#include "core/text/text_clean.h"
#include "core/text/unicode.h"
#include "core/util/error.h"

namespace genra::text {

namespace {

constexpr std::string_view kWordEnd = "</w>";
// CLIP's cache never forgets; ours is cleared when it grows past this many words so a long run
// over unusual text cannot grow without bound.
constexpr std::size_t kMaxCachedWords = 1 << 20;

std::uint64_t pairKey(int left, int right) {
    return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(left)) << 32) |
           static_cast<std::uint32_t>(right);
}

struct MergeRule {
    int rank = 0;
    int result = 0;
};

std::string shortQuote(std::string_view text) {
    constexpr std::size_t kMaxBytes = 120;
    if (text.size() <= kMaxBytes) return "\"" + std::string(text) + "\"";
    std::size_t cut = kMaxBytes;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // whole characters
    return "\"" + std::string(text.substr(0, cut)) + "...\"";
}

}  // namespace

struct ClipTokenizer::Impl {
    std::vector<std::string> vocabulary;           // id -> entry (SimpleTokenizer.decoder)
    std::unordered_map<std::string, int> encoder;  // entry -> id; a repeated entry keeps its last id
    std::unordered_map<std::uint64_t, MergeRule> merges;
    std::array<int, 256> byteId{};
    std::array<int, 256> byteEndId{};
    std::size_t mergeCount = 0;
    int startId = 0;
    int endId = 0;

    mutable std::shared_mutex cacheMutex;
    mutable std::unordered_map<std::string, std::vector<int>> cache;

    // SimpleTokenizer.bpe on one pre-token, given as raw UTF-8 bytes.
    void bpe(std::string_view word, std::vector<int>& out) const {
        if (word == kStartOfText) {
            out.push_back(startId);
            return;
        }
        if (word == kEndOfText) {
            out.push_back(endId);
            return;
        }
        std::vector<int> symbols;
        symbols.reserve(word.size());
        for (std::size_t i = 0; i + 1 < word.size(); ++i)
            symbols.push_back(byteId[static_cast<std::uint8_t>(word[i])]);
        symbols.push_back(byteEndId[static_cast<std::uint8_t>(word.back())]);

        std::vector<int> merged;
        merged.reserve(symbols.size());
        while (symbols.size() > 1) {
            // Ranks are unique, so the lowest-ranked pair present is the one Python's min() picks.
            const MergeRule* best = nullptr;
            int bestLeft = 0;
            int bestRight = 0;
            for (std::size_t i = 0; i + 1 < symbols.size(); ++i) {
                const auto found = merges.find(pairKey(symbols[i], symbols[i + 1]));
                if (found != merges.end() && (best == nullptr || found->second.rank < best->rank)) {
                    best = &found->second;
                    bestLeft = symbols[i];
                    bestRight = symbols[i + 1];
                }
            }
            if (best == nullptr) break;
            // Every occurrence, left to right, never overlapping: as the Python loop does.
            merged.clear();
            for (std::size_t i = 0; i < symbols.size();) {
                if (i + 1 < symbols.size() && symbols[i] == bestLeft && symbols[i + 1] == bestRight) {
                    merged.push_back(best->result);
                    i += 2;
                } else {
                    merged.push_back(symbols[i]);
                    ++i;
                }
            }
            symbols.swap(merged);
        }
        out.insert(out.end(), symbols.begin(), symbols.end());
    }

    void encodeWord(std::string_view word, std::vector<int>& out) const {
        {
            std::shared_lock lock(cacheMutex);
            const auto found = cache.find(std::string(word));
            if (found != cache.end()) {
                out.insert(out.end(), found->second.begin(), found->second.end());
                return;
            }
        }
        std::vector<int> ids;
        bpe(word, ids);
        out.insert(out.end(), ids.begin(), ids.end());
        std::unique_lock lock(cacheMutex);
        if (cache.size() >= kMaxCachedWords) cache.clear();
        cache.emplace(std::string(word), std::move(ids));
    }
};

ClipTokenizer::ClipTokenizer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ClipTokenizer::ClipTokenizer(ClipTokenizer&&) noexcept = default;
ClipTokenizer& ClipTokenizer::operator=(ClipTokenizer&&) noexcept = default;
ClipTokenizer::~ClipTokenizer() = default;

ClipTokenizer ClipTokenizer::fromFile(const std::filesystem::path& path, const MergeFileOptions& options) {
    return fromMerges(readMergeFile(path, options));
}

ClipTokenizer ClipTokenizer::fromMerges(const std::vector<BpeMerge>& merges) {
    auto impl = std::make_unique<Impl>();
    auto& vocabulary = impl->vocabulary;
    const std::size_t total = 512 + merges.size() + 2;
    if (total > static_cast<std::size_t>(std::numeric_limits<int>::max()))
        throw Error("too many merges for a vocabulary: " + std::to_string(merges.size()));
    vocabulary.reserve(total);
    for (std::uint8_t byte : bytesInVocabularyOrder()) vocabulary.push_back(byteSymbol(byte));
    for (std::uint8_t byte : bytesInVocabularyOrder())
        vocabulary.push_back(byteSymbol(byte) + std::string(kWordEnd));
    for (const auto& merge : merges) vocabulary.push_back(merge.left + merge.right);
    vocabulary.emplace_back(kStartOfText);
    vocabulary.emplace_back(kEndOfText);

    impl->encoder.reserve(total);
    for (std::size_t id = 0; id < vocabulary.size(); ++id)
        impl->encoder[vocabulary[id]] = static_cast<int>(id);
    for (int b = 0; b < 256; ++b) {
        const std::string& symbol = byteSymbol(static_cast<std::uint8_t>(b));
        impl->byteId[static_cast<std::size_t>(b)] = impl->encoder.at(symbol);
        impl->byteEndId[static_cast<std::size_t>(b)] = impl->encoder.at(symbol + std::string(kWordEnd));
    }
    impl->startId = impl->encoder.at(kStartOfText);
    impl->endId = impl->encoder.at(kEndOfText);

    // A word's symbols are always vocabulary entries, so a merge whose halves are not entries can
    // never apply; a repeated merge keeps its last rank, as dict(zip(merges, ranks)) does.
    impl->merges.reserve(merges.size());
    for (std::size_t rank = 0; rank < merges.size(); ++rank) {
        const auto left = impl->encoder.find(merges[rank].left);
        const auto right = impl->encoder.find(merges[rank].right);
        if (left == impl->encoder.end() || right == impl->encoder.end()) continue;
        const int result = impl->encoder.at(merges[rank].left + merges[rank].right);
        impl->merges[pairKey(left->second, right->second)] = MergeRule{static_cast<int>(rank), result};
    }
    impl->mergeCount = merges.size();
    return ClipTokenizer(std::move(impl));
}

std::vector<int> ClipTokenizer::encode(std::string_view text) const {
    const std::string cleaned = cleanCaption(text);
    std::vector<std::string_view> words;
    PreTokenizer::clip().split(cleaned, words);
    std::vector<int> ids;
    ids.reserve(cleaned.size() / 3 + 4);
    for (std::string_view word : words) impl_->encodeWord(word, ids);
    return ids;
}

std::string ClipTokenizer::decode(const std::vector<int>& ids) const {
    std::string bytes;
    for (int id : ids) {
        for (char32_t cp : decodeUtf8(tokenText(id))) {
            const int byte = codePointToByte(cp);
            if (byte < 0)
                throw Error("token " + std::to_string(id) + " holds a character that stands for no byte");
            bytes.push_back(static_cast<char>(byte));
        }
    }
    const std::string text = sanitizeUtf8(bytes);
    std::string out;
    out.reserve(text.size());
    std::size_t i = 0;
    while (i < text.size()) {
        const std::size_t next = text.find(kWordEnd, i);
        if (next == std::string::npos) {
            out.append(text, i, std::string::npos);
            break;
        }
        out.append(text, i, next - i);
        out.push_back(' ');
        i = next + kWordEnd.size();
    }
    return out;
}

std::vector<int> ClipTokenizer::tokenizeOne(std::string_view text, int contextLength, bool truncate) const {
    if (contextLength < 1)
        throw Error("context length must be at least 1, not " + std::to_string(contextLength));
    std::vector<int> tokens{impl_->startId};
    const std::vector<int> body = encode(text);
    tokens.insert(tokens.end(), body.begin(), body.end());
    tokens.push_back(impl_->endId);
    const auto limit = static_cast<std::size_t>(contextLength);
    if (tokens.size() > limit) {
        if (!truncate) {
            throw Error("caption " + shortQuote(text) + " is too long for context length " +
                        std::to_string(contextLength) + " (" + std::to_string(tokens.size()) + " tokens)");
        }
        tokens.resize(limit);
        tokens.back() = impl_->endId;
    }
    return tokens;
}

torch::Tensor ClipTokenizer::tokenize(const std::vector<std::string>& texts, int contextLength,
                                      bool truncate) const {
    if (contextLength < 1)
        throw Error("context length must be at least 1, not " + std::to_string(contextLength));
    auto result = torch::zeros({static_cast<std::int64_t>(texts.size()), contextLength}, torch::kLong);
    auto rows = result.accessor<std::int64_t, 2>();
    for (std::size_t i = 0; i < texts.size(); ++i) {
        const std::vector<int> tokens = tokenizeOne(texts[i], contextLength, truncate);
        for (std::size_t j = 0; j < tokens.size(); ++j)
            rows[static_cast<std::int64_t>(i)][static_cast<std::int64_t>(j)] = tokens[j];
    }
    return result;
}

int ClipTokenizer::startOfTextId() const {
    return impl_->startId;
}
int ClipTokenizer::endOfTextId() const {
    return impl_->endId;
}
std::size_t ClipTokenizer::vocabularySize() const {
    return impl_->vocabulary.size();
}
std::size_t ClipTokenizer::mergeCount() const {
    return impl_->mergeCount;
}

std::optional<int> ClipTokenizer::tokenId(std::string_view token) const {
    const auto found = impl_->encoder.find(std::string(token));
    if (found == impl_->encoder.end()) return std::nullopt;
    return found->second;
}

const std::string& ClipTokenizer::tokenText(int id) const {
    if (id < 0 || static_cast<std::size_t>(id) >= impl_->vocabulary.size()) {
        throw Error("token id " + std::to_string(id) + " is outside the vocabulary (0.." +
                    std::to_string(impl_->vocabulary.size() - 1) + ")");
    }
    return impl_->vocabulary[static_cast<std::size_t>(id)];
}

}  // namespace genra::text
