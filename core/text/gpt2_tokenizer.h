// GPT-2's byte-level BPE tokenizer (as Hugging Face's GPT2Tokenizer): text is cut by GPT-2's
// pattern (contractions, optionally space-led letter / digit / symbol runs, whitespace), every
// byte becomes one bytes_to_unicode character ("Ġ" for a space), pieces are merged by rank from
// merges.txt and looked up in vocab.json. No lower-casing or cleaning: decode(encode(s)) == s.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/text/bpe_vocab_file.h"

namespace genra::text {

// GPT-2's split pattern, case-sensitive ("(?-i)" switches off the caseless matching that the
// shared PreTokenizer compiles with).
extern const char* const kGpt2SplitPattern;

class Gpt2Tokenizer {
public:
    // vocab.json (token -> id) and merges.txt ("#version" header, "left right" per line). Errors
    // name the file and the key or line.
    static Gpt2Tokenizer fromFiles(const std::filesystem::path& vocabJson, const std::filesystem::path& mergesTxt);
    // Every merge's two parts and result must be in the vocabulary; so must every byte symbol.
    Gpt2Tokenizer(std::map<std::string, std::int64_t> vocabulary, std::vector<BpeMerge> merges, std::string source = "vocabulary");
    Gpt2Tokenizer(Gpt2Tokenizer&&) noexcept;
    Gpt2Tokenizer& operator=(Gpt2Tokenizer&&) noexcept;
    ~Gpt2Tokenizer();

    std::vector<std::int64_t> encode(std::string_view text) const;
    // Tokens joined and mapped back to bytes (invalid UTF-8 replaced by U+FFFD). genra::Error for
    // an unknown id.
    std::string decode(const std::vector<std::int64_t>& ids) const;
    // The pieces before BPE (for tests and inspection).
    std::vector<std::string> preTokenize(std::string_view text) const;

    // <|endoftext|>; genra::Error when the vocabulary has none.
    std::int64_t endOfTextId() const;
    std::size_t vocabularySize() const;  // largest id + 1

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace genra::text
