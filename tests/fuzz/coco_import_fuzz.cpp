// Fuzz target: a COCO captions JSON through `genra import coco` (CocoImportJob).
#include "import_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    genra::data::CocoImportOptions options;
    genra::fuzz::fillCommon(options);
    options.captionsFile = genra::fuzz::writeInput("captions_train2014.json", data, size);
    genra::data::CocoImportJob job(options);
    genra::fuzz::runImport(job);
    return 0;
}
