// Fuzz target: a Karpathy split JSON through `genra import karpathy` (KarpathyImportJob).
#include "import_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    genra::data::KarpathyImportOptions options;
    genra::fuzz::fillCommon(options);
    options.jsonFile = genra::fuzz::writeInput("dataset_fuzz.json", data, size);
    genra::data::KarpathyImportJob job(options);
    genra::fuzz::runImport(job);
    return 0;
}
