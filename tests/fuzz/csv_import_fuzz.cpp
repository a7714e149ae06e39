// Fuzz target: a CSV of (image path, caption[, split]) through `genra import csv` (CsvImportJob),
// with a header row as the command's default.
#include "import_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    genra::data::CsvImportOptions options;
    genra::fuzz::fillCommon(options);
    options.file = genra::fuzz::writeInput("captions.csv", data, size);
    genra::data::CsvImportJob job(options);
    genra::fuzz::runImport(job);
    return 0;
}
