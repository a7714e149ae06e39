#define PCRE2_CODE_UNIT_WIDTH 8
#include "core/text/pre_tokenizer.h"

#include <pcre2.h>

#include "core/util/error.h"

namespace genra::text {

// CLIP's pattern plus one exclusion. Under re.IGNORECASE the `regex` module treats U+0345
// (combining ypogegrammeni, which case-folds to the letter iota) as a member of [\p{L}] for the
// negated class only, so CLIP drops it like whitespace; PCRE2 would make it punctuation. Listing
// it in the negated class reproduces CLIP; every other code point splits alike in both engines.
const char* const kClipSplitPattern =
    R"(<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}\x{345}]+)";

namespace {

std::string pcreMessage(int code) {
    PCRE2_UCHAR buffer[256];
    if (pcre2_get_error_message(code, buffer, sizeof buffer) < 0)
        return "PCRE2 error " + std::to_string(code);
    return reinterpret_cast<const char*>(buffer);
}

// One match-data block per thread: it only holds the overall match, so any pattern can use it.
struct ThreadMatchData {
    pcre2_match_data* data = pcre2_match_data_create(1, nullptr);
    ~ThreadMatchData() { pcre2_match_data_free(data); }
};

pcre2_match_data* threadMatchData() {
    thread_local ThreadMatchData holder;
    if (holder.data == nullptr) throw Error("out of memory for PCRE2 match data");
    return holder.data;
}

}  // namespace

struct PreTokenizer::Code {
    pcre2_code* code = nullptr;
    ~Code() { pcre2_code_free(code); }
};

PreTokenizer::PreTokenizer(const std::string& pattern) : code_(std::make_unique<Code>()) {
    int errorCode = 0;
    PCRE2_SIZE errorOffset = 0;
    code_->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                PCRE2_UTF | PCRE2_UCP | PCRE2_CASELESS, &errorCode, &errorOffset, nullptr);
    if (code_->code == nullptr)
        throw Error("pre-tokeniser pattern, offset " + std::to_string(errorOffset) + ": " +
                    pcreMessage(errorCode));
    // JIT is an optimisation only: libraries built without it still match, just slower.
    jit_ = pcre2_jit_compile(code_->code, PCRE2_JIT_COMPLETE) == 0;
}

PreTokenizer::~PreTokenizer() = default;

const PreTokenizer& PreTokenizer::clip() {
    static const PreTokenizer instance(kClipSplitPattern);
    return instance;
}

void PreTokenizer::split(std::string_view text, std::vector<std::string_view>& pieces) const {
    pcre2_match_data* match = threadMatchData();
    const auto* subject = reinterpret_cast<PCRE2_SPTR>(text.data());
    PCRE2_SIZE offset = 0;
    // PCRE2 validates the whole subject on every call unless told not to: check it once.
    uint32_t options = 0;
    while (offset < text.size()) {
        const int rc = pcre2_match(code_->code, subject, text.size(), offset, options, match, nullptr);
        if (rc == PCRE2_ERROR_NOMATCH) break;
        if (rc < 0) throw Error("pre-tokeniser: " + pcreMessage(rc));
        options = PCRE2_NO_UTF_CHECK;
        const PCRE2_SIZE* range = pcre2_get_ovector_pointer(match);
        if (range[1] == range[0]) {
            // No alternative of CLIP's pattern matches empty text; guard other patterns anyway.
            offset = range[1] + 1;
            while (offset < text.size() && (static_cast<unsigned char>(text[offset]) & 0xC0) == 0x80)
                ++offset;
            continue;
        }
        pieces.push_back(text.substr(range[0], range[1] - range[0]));
        offset = range[1];
    }
}

std::vector<std::string> PreTokenizer::split(std::string_view text) const {
    std::vector<std::string_view> views;
    split(text, views);
    return {views.begin(), views.end()};
}

}  // namespace genra::text
