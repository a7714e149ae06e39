// Fuzz target: a .safetensors checkpoint, as `genra model import` and every model path reach it:
// the in-memory parser (each tensor touched, so a bad shape or offset shows under ASan), then the
// file through loadClip (format detection, Hugging Face name translation, the architecture inferred
// from shapes within its caps and checked against the file's real tensor sizes before the model
// is allocated). genra::Error is a clear rejection; anything else is a bug.
#include <cstddef>
#include <cstdint>

#include "core/model/model_store.h"
#include "core/model/safetensors.h"
#include "core/util/error.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    try {
        const auto contents = genra::model::parseSafetensors(data, size, "fuzz.safetensors");
        for (const auto& item : contents.tensors) {
            if (item.second.numel() > 0) (void)item.second.reshape({-1}).to(torch::kDouble).sum();
        }
    } catch (const genra::Error&) {
    }
    try {
        const auto path = genra::fuzz::writeInput("model.safetensors", data, size);
        (void)genra::model::loadClip(nullptr, path.string());
    } catch (const genra::Error&) {
    }
    return 0;
}
