#include "core/text/bpe_trainer.h"

#include <algorithm>
#include <queue>
#include <unordered_map>

#include "core/jobs/job.h"
#include "core/text/byte_encoder.h"
#include "core/text/clip_tokenizer.h"
#include "core/text/pre_tokenizer.h"
#include "core/text/text_clean.h"

namespace genra::text {

namespace {

std::uint64_t pairKey(int left, int right) {
    return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(left)) << 32) |
           static_cast<std::uint32_t>(right);
}
int leftOf(std::uint64_t key) {
    return static_cast<int>(key >> 32);
}
int rightOf(std::uint64_t key) {
    return static_cast<int>(key & 0xFFFFFFFFu);
}

class SymbolTable {
public:
    int intern(const std::string& text) {
        const auto [it, added] = ids_.emplace(text, static_cast<int>(texts_.size()));
        if (added) texts_.push_back(text);
        return it->second;
    }
    const std::string& text(int id) const { return texts_[static_cast<std::size_t>(id)]; }

private:
    std::vector<std::string> texts_;
    std::unordered_map<std::string, int> ids_;
};

struct Word {
    std::vector<int> symbols;
    std::int64_t count = 0;
};

struct Candidate {
    std::int64_t count = 0;
    std::uint64_t key = 0;
};

}  // namespace

BpeTrainingResult trainBpe(const std::vector<std::string>& captions, const BpeTrainerOptions& options,
                           jobs::JobContext* context) {
    BpeTrainingResult result;
    result.captions = captions.size();

    std::unordered_map<std::string, std::int64_t> wordCounts;
    std::vector<std::string_view> pieces;
    for (std::size_t i = 0; i < captions.size(); ++i) {
        const std::string cleaned = cleanCaption(captions[i]);
        pieces.clear();
        PreTokenizer::clip().split(cleaned, pieces);
        for (std::string_view piece : pieces) {
            // The tokenizer never splits the special tokens, so they teach nothing.
            if (piece == kStartOfText || piece == kEndOfText) continue;
            ++wordCounts[std::string(piece)];
        }
        if (context != nullptr && (i & 0xFFF) == 0) {
            context->checkCancelled();
            context->progress(-1.0, "counting words");
        }
    }

    // Sorted words make symbol ids and every later step independent of hash order.
    std::vector<std::pair<std::string, std::int64_t>> sortedWords(wordCounts.begin(), wordCounts.end());
    std::sort(sortedWords.begin(), sortedWords.end());
    wordCounts.clear();
    result.distinctWords = sortedWords.size();

    SymbolTable symbols;
    std::vector<Word> words;
    words.reserve(sortedWords.size());
    for (const auto& [text, count] : sortedWords) {
        Word word;
        word.count = count;
        for (std::size_t i = 0; i < text.size(); ++i) {
            std::string symbol = byteSymbol(static_cast<std::uint8_t>(text[i]));
            if (i + 1 == text.size()) symbol += "</w>";
            word.symbols.push_back(symbols.intern(symbol));
        }
        words.push_back(std::move(word));
    }
    sortedWords.clear();

    std::unordered_map<std::uint64_t, std::int64_t> pairCounts;
    std::unordered_map<std::uint64_t, std::vector<int>> pairWords;  // may list a word twice, or stale
    for (std::size_t w = 0; w < words.size(); ++w) {
        const auto& s = words[w].symbols;
        for (std::size_t i = 0; i + 1 < s.size(); ++i) {
            const auto key = pairKey(s[i], s[i + 1]);
            pairCounts[key] += words[w].count;
            auto& list = pairWords[key];
            if (list.empty() || list.back() != static_cast<int>(w)) list.push_back(static_cast<int>(w));
        }
    }

    // Highest count first; equal counts: the bytewise-smaller (left, right) first.
    auto lowerPriority = [&symbols](const Candidate& a, const Candidate& b) {
        if (a.count != b.count) return a.count < b.count;
        const int byLeft = symbols.text(leftOf(a.key)).compare(symbols.text(leftOf(b.key)));
        if (byLeft != 0) return byLeft > 0;
        return symbols.text(rightOf(a.key)).compare(symbols.text(rightOf(b.key))) > 0;
    };
    std::priority_queue<Candidate, std::vector<Candidate>, decltype(lowerPriority)> queue(lowerPriority);
    for (const auto& [key, count] : pairCounts) queue.push({count, key});

    std::vector<int> visited(words.size(), -1);
    std::vector<int> merged;
    std::unordered_map<std::uint64_t, std::int64_t> delta;
    while (result.merges.size() < options.maxMerges && !queue.empty()) {
        const Candidate top = queue.top();
        queue.pop();
        const auto current = pairCounts.find(top.key);
        if (current == pairCounts.end() || current->second != top.count) continue;  // outdated entry
        if (top.count < options.minPairCount) break;

        const int left = leftOf(top.key);
        const int right = rightOf(top.key);
        const int step = static_cast<int>(result.merges.size());
        result.merges.push_back({symbols.text(left), symbols.text(right)});
        const int joined = symbols.intern(symbols.text(left) + symbols.text(right));

        delta.clear();
        const std::vector<int> affected = std::move(pairWords[top.key]);
        pairWords.erase(top.key);
        for (int w : affected) {
            if (visited[static_cast<std::size_t>(w)] == step) continue;
            visited[static_cast<std::size_t>(w)] = step;
            Word& word = words[static_cast<std::size_t>(w)];
            auto& s = word.symbols;
            merged.clear();
            for (std::size_t i = 0; i < s.size();) {
                if (i + 1 < s.size() && s[i] == left && s[i + 1] == right) {
                    merged.push_back(joined);
                    i += 2;
                } else {
                    merged.push_back(s[i]);
                    ++i;
                }
            }
            if (merged.size() == s.size()) continue;  // listed, but the pair is gone already
            for (std::size_t i = 0; i + 1 < s.size(); ++i) delta[pairKey(s[i], s[i + 1])] -= word.count;
            for (std::size_t i = 0; i + 1 < merged.size(); ++i) {
                const auto key = pairKey(merged[i], merged[i + 1]);
                delta[key] += word.count;
                // Pairs without the new symbol were in this word before, so it is listed already.
                if (merged[i] == joined || merged[i + 1] == joined) {
                    auto& list = pairWords[key];
                    if (list.empty() || list.back() != w) list.push_back(w);
                }
            }
            s.swap(merged);
        }
        for (const auto& [key, change] : delta) {
            if (change == 0) continue;
            auto& count = pairCounts[key];
            count += change;
            if (count <= 0) {
                pairCounts.erase(key);
                pairWords.erase(key);
            } else {
                queue.push({count, key});
            }
        }
        if (context != nullptr && (result.merges.size() & 0xFF) == 0) {
            context->checkCancelled();
            context->progress(
                static_cast<double>(result.merges.size()) / static_cast<double>(options.maxMerges),
                "learning merges");
        }
    }
    return result;
}

}  // namespace genra::text
