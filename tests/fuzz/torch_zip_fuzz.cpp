// Fuzz target: a whole zip-format torch.save() file as loadWeights reads it: the zip's central
// directory (sizes checked before anything is inflated), LibTorch's archive reader, data.pkl through
// the restricted unpickler and each storage record.
#include <cstddef>
#include <cstdint>

#include "core/model/weights.h"
#include "core/model/zip_directory.h"
#include "core/util/error.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto path = genra::fuzz::writeInput("checkpoint.pt", data, size);
    try {
        (void)genra::model::readZipDirectory(path);
    } catch (const genra::Error&) {
    }
    try {
        const auto loaded = genra::model::loadWeights(path, genra::model::WeightsFormat::TorchSave);
        for (const auto& item : loaded.stateDict) {
            if (item.second.numel() > 0) (void)item.second.reshape({-1}).to(torch::kDouble).sum();
        }
    } catch (const genra::Error&) {
    }
    return 0;
}
