// libFuzzer target for the safetensors reader: any byte string must parse or raise genra::Error,
// never read out of bounds or crash. Build with -DGENRA_BUILD_FUZZ=ON and clang, then run
//   genra_safetensors_fuzz -max_total_time=60 <corpus-dir>
#include <cstddef>
#include <cstdint>

#include "core/model/safetensors.h"
#include "core/util/error.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    try {
        const auto contents = genra::model::parseSafetensors(data, size, "fuzz.safetensors");
        // Touch every tensor so a bad shape/stride would surface here, under ASan.
        for (const auto& [name, tensor] : contents.tensors) {
            if (tensor.numel() > 0) (void)tensor.reshape({-1}).to(torch::kDouble).sum();
        }
    } catch (const genra::Error&) {
        // Rejecting malformed input is the expected outcome.
    }
    return 0;
}
