// Fuzz target: a BPE vocabulary (merge list, plain or gzip) as `--vocab` reaches it: the file is read
// within its limits, the tokenizer built from it, and a caption encoded and decoded.
#include <cstddef>
#include <cstdint>

#include "core/text/clip_tokenizer.h"
#include "core/util/error.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto path = genra::fuzz::writeInput("vocab.txt.gz", data, size);
    try {
        const auto tokenizer = genra::text::ClipTokenizer::fromFile(path);
        const auto ids = tokenizer.encode("a red circle above a blue square, 3 times!");
        (void)tokenizer.decode(ids);
        (void)tokenizer.tokenize({"two small green triangles"});
    } catch (const genra::Error&) {
    }
    return 0;
}
