// Fuzz target: a .npy array as `genra eval` reads embeddings exported by other tools (readNpy goes
// through parseNpy); the tensor is touched so a bad shape or stride shows under ASan.
#include <cstddef>
#include <cstdint>

#include "core/data/npy.h"
#include "core/util/error.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    try {
        const torch::Tensor t = genra::data::parseNpy(data, size, "fuzz.npy");
        if (t.numel() > 0) (void)t.reshape({-1}).to(torch::kDouble).sum();
    } catch (const genra::Error&) {
    }
    return 0;
}
