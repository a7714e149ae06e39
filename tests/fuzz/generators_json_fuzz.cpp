// Fuzz target: a workspace's generators.json (external generator commands), read as the Generation
// panel and `genra generate` read it; the command lines are split as the GUI splits typed ones.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/gen/external.h"
#include "core/util/error.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto path = genra::fuzz::writeInput("generators.json", data, size);
    try {
        (void)genra::gen::readGeneratorConfigs(path);
    } catch (const genra::Error&) {
    }
    try {
        (void)genra::gen::splitCommandLine(std::string(reinterpret_cast<const char*>(data), size));
    } catch (const genra::Error&) {
    }
    return 0;
}
