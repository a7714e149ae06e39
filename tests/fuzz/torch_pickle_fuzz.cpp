// libFuzzer target for the restricted torch.save unpickler: any data.pkl must unpickle or raise
// genra::Error. Storages come from a stub that hands out small zero tensors.
#include <cstddef>
#include <cstdint>

#include "core/model/torch_pickle.h"
#include "core/util/error.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const genra::model::StorageLoader load = [](const std::string& key, torch::ScalarType dtype,
                                                std::int64_t numel) {
        if (numel > (1 << 16)) throw genra::Error("storage '" + key + "' larger than the fuzzer hands out");
        return torch::zeros({numel}, torch::TensorOptions().dtype(dtype));
    };
    try {
        const auto sd = genra::model::unpickleStateDict(data, size, load, "fuzz.pt");
        for (const auto& item : sd) {
            if (item.second.numel() > 0) (void)item.second.reshape({-1}).to(torch::kDouble).sum();
        }
    } catch (const genra::Error&) {
        // Rejecting malformed input is the expected outcome.
    }
    return 0;
}
