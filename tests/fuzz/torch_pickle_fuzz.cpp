// Fuzz target: the restricted torch.save unpickler (data.pkl) in memory. Storages come from a stub
// that hands out small zero tensors, so the fuzzer spends its time on opcodes, memo references and
// nesting (self-referencing memos, deep tuples) rather than on zip framing.
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
        std::vector<std::string> notes;
        const auto sd = genra::model::unpickleStateDict(data, size, load, "fuzz.pt", &notes);
        for (const auto& item : sd) {
            if (item.second.numel() > 0) (void)item.second.reshape({-1}).to(torch::kDouble).sum();
        }
    } catch (const genra::Error&) {
    }
    return 0;
}
