// CLIP's pre-tokenisation: the regular expression that cuts cleaned text into the words BPE
// works on, run by PCRE2 (compiled once, JIT when the library has it).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace genra::text {

// CLIP's pattern, matched case-insensitively with Unicode properties (PCRE2_UTF | PCRE2_UCP |
// PCRE2_CASELESS, as re.IGNORECASE with the `regex` module):
//   <|startoftext|>, <|endoftext|>, 's 't 're 've 'm 'll 'd, letter runs, single digits, and
//   runs of anything that is neither whitespace, letter nor digit. Whitespace is dropped, and so
//   is U+0345, as the `regex` module does under IGNORECASE (see the .cpp). Letters and digits are
//   those of the Unicode version PCRE2 was built with (14.0 for PCRE2 10.42).
extern const char* const kClipSplitPattern;

class PreTokenizer {
public:
    // Throws genra::Error naming the pattern position when it does not compile.
    explicit PreTokenizer(const std::string& pattern);
    ~PreTokenizer();
    PreTokenizer(const PreTokenizer&) = delete;
    PreTokenizer& operator=(const PreTokenizer&) = delete;

    // The shared instance for kClipSplitPattern; thread-safe.
    static const PreTokenizer& clip();

    // Appends every match of `text` (valid UTF-8; genra::Error otherwise) to `pieces`, in order,
    // as views into `text`. Safe to call from several threads at once.
    void split(std::string_view text, std::vector<std::string_view>& pieces) const;
    std::vector<std::string> split(std::string_view text) const;

    bool usesJit() const { return jit_; }

private:
    struct Code;
    std::unique_ptr<Code> code_;
    bool jit_ = false;
};

}  // namespace genra::text
