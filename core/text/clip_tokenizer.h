// OpenAI CLIP's byte-level BPE tokenizer, id for id: SimpleTokenizer.encode/decode and
// clip.tokenize(). Captions are cleaned (text_clean.h), split by CLIP's pattern
// (pre_tokenizer.h), mapped byte by byte to characters (byte_encoder.h) and merged by rank.
#pragma once

#include <torch/torch.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/text/bpe_vocab_file.h"

namespace genra::text {

constexpr int kClipContextLength = 77;
constexpr const char* kStartOfText = "<|startoftext|>";
constexpr const char* kEndOfText = "<|endoftext|>";

// Immutable once built; every method may be called from several threads at once (the word
// cache is shared behind a lock). Move-only.
class ClipTokenizer {
public:
    // Loads a merge list (see readMergeFile for which merges are used): OpenAI's
    // bpe_simple_vocab_16e6.txt.gz gives CLIP's 49,408-token vocabulary.
    static ClipTokenizer fromFile(const std::filesystem::path& path, const MergeFileOptions& options = {});
    // The vocabulary CLIP builds from merges: the 256 byte symbols, the same with "</w>", one
    // token per merge, then <|startoftext|> and <|endoftext|>.
    static ClipTokenizer fromMerges(const std::vector<BpeMerge>& merges);

    ClipTokenizer(ClipTokenizer&&) noexcept;
    ClipTokenizer& operator=(ClipTokenizer&&) noexcept;
    ~ClipTokenizer();

    // SimpleTokenizer.encode: token ids of the cleaned text, no start or end token.
    std::vector<int> encode(std::string_view text) const;
    // SimpleTokenizer.decode: tokens joined, bytes decoded as UTF-8 with U+FFFD for invalid
    // sequences, each "</w>" turned into a space (so words come back followed by a space).
    // Throws genra::Error for an id outside the vocabulary.
    std::string decode(const std::vector<int>& ids) const;
    // One row of tokenize() without the padding: start token, tokens, end token, cut as below.
    std::vector<int> tokenizeOne(std::string_view text, int contextLength = kClipContextLength,
                                 bool truncate = true) const;
    // clip.tokenize: [texts, contextLength] int64, each row start token, tokens, end token,
    // zero padded. A row that does not fit is cut to contextLength with the end token last when
    // truncate is true; otherwise genra::Error names the caption.
    torch::Tensor tokenize(const std::vector<std::string>& texts, int contextLength = kClipContextLength,
                           bool truncate = true) const;

    int startOfTextId() const;
    int endOfTextId() const;
    std::size_t vocabularySize() const;
    std::size_t mergeCount() const;
    // Id of a vocabulary entry written in bytes_to_unicode characters ("cat</w>"), if any.
    std::optional<int> tokenId(std::string_view token) const;
    // The vocabulary entry of an id; throws genra::Error when out of range.
    const std::string& tokenText(int id) const;

private:
    struct Impl;
    explicit ClipTokenizer(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace genra::text
