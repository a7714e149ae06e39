// Fuzz target: a whole TorchScript archive (torch.jit.save) as loadWeights reads it: format
// detection (the zip's directory checked, then LibTorch's archive reader lists the records), the
// directory checks before loading (every record within the inflation ratio, none overlapping, the
// total within GENRA_MAX_TORCHSCRIPT_BYTES), then torch::jit::load (LibTorch's unpickler and
// TorchScript compiler) and every parameter and buffer.
#include <cstddef>
#include <cstdint>

#include "core/model/weights.h"
#include "core/util/error.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto path = genra::fuzz::writeInput("model.pt", data, size);
    try {
        (void)genra::model::detectWeightsFormat(path);
    } catch (const genra::Error&) {
    }
    try {
        const auto loaded = genra::model::loadWeights(path, genra::model::WeightsFormat::TorchScript);
        for (const auto& item : loaded.stateDict) {
            if (item.second.numel() > 0) (void)item.second.reshape({-1}).to(torch::kDouble).sum();
        }
    } catch (const genra::Error&) {
    }
    return 0;
}
