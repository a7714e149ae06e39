// Fuzz target: an external generator's reply line, through the real ExternalGenerator: a small
// shell generator reads the request and prints the input as its answer (with a final newline), and
// generate() judges it: JSON within the nesting limit, the caption id, "error" answers, the paths
// (confined to out_dir, existing, decodable images). out_dir holds one real image, a.png.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/data/image.h"
#include "core/gen/external.h"
#include "core/util/error.h"
#include "fuzz_support.h"

namespace {

const std::filesystem::path& outDir() {
    static const std::filesystem::path dir = [] {
        const auto d = genra::fuzz::scratchDir() / "out";
        std::filesystem::create_directories(d);
        genra::data::Image image;
        image.width = 4;
        image.height = 4;
        image.channels = 3;
        image.pixels.assign(4 * 4 * 3, 128);
        genra::data::saveImage(image, d / "a.png");
        return d;
    }();
    return dir;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::vector<std::uint8_t> reply(data, data + size);
    reply.push_back('\n');
    const auto replyFile = genra::fuzz::writeInput("reply.jsonl", reply.data(), reply.size());
    genra::gen::ExternalGeneratorConfig config;
    config.name = "fuzz";
    config.command = {"/bin/sh", "-c", "read -r request; cat \"$0\"", replyFile.string()};
    config.timeoutSeconds = 10;
    genra::gen::ExternalRequest request;
    request.captionId = 7;
    request.caption = "a red circle";
    request.seeds = {1};
    request.outDir = outDir();
    try {
        genra::gen::ExternalGenerator generator(config);
        (void)generator.generate(request);
    } catch (const genra::Error&) {
    }
    return 0;
}
