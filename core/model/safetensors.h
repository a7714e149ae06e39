// The safetensors checkpoint format (https://github.com/huggingface/safetensors), read and written
// without the Python package: an 8-byte little-endian header length, a JSON header mapping tensor
// names to {dtype, shape, data_offsets} plus optional "__metadata__" strings, then the raw data.
// The reader trusts nothing in the file: every length, offset and shape is checked before a byte
// of the data buffer is touched, and every failure is a genra::Error naming the file and tensor.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "core/model/state_dict.h"

namespace genra::model {

// Free-form string pairs stored under "__metadata__" (Hugging Face writes {"format": "pt"}).
using SafetensorsMetadata = std::map<std::string, std::string>;

struct SafetensorsContents {
    StateDict tensors;
    SafetensorsMetadata metadata;
};

// One tensor's header entry, as validated by the reader.
struct SafetensorsEntry {
    std::string name;
    std::string dtype;  // "F32", "BF16", ... as spelled in the file
    std::vector<std::int64_t> shape;
    std::uint64_t dataBegin = 0;  // offsets relative to the start of the data buffer
    std::uint64_t dataEnd = 0;
};

struct SafetensorsHeader {
    std::vector<SafetensorsEntry> entries;  // sorted by name
    SafetensorsMetadata metadata;
    std::uint64_t headerBytes = 0;  // the JSON header's length, padding included
};

// Reads a whole file. Tensors are owned copies (the file is not kept open or mapped afterwards).
SafetensorsContents readSafetensors(const std::filesystem::path& path);

// Parses a file image already in memory; `sourceName` names it in error messages. This is the
// entry point the fuzzer drives, and readSafetensors() goes through it too.
SafetensorsContents parseSafetensors(const std::uint8_t* data, std::size_t size,
                                     const std::string& sourceName);

// Validates the header (and that the file is long enough for the data it declares) without
// copying any tensor data; used to recognise the format and to list a checkpoint cheaply.
SafetensorsHeader readSafetensorsHeader(const std::filesystem::path& path);
SafetensorsHeader parseSafetensorsHeader(const std::uint8_t* data, std::size_t size,
                                         const std::string& sourceName);

// Writes tensors in name order, the header padded with spaces to a multiple of 8 bytes as the
// reference implementation does. Tensors may live on any device and be non-contiguous; they are
// copied to contiguous CPU memory first. The file is written beside the target and renamed into
// place, so a crash never leaves a half-written checkpoint under the final name.
void writeSafetensors(const std::filesystem::path& path, const StateDict& tensors,
                      const SafetensorsMetadata& metadata = {});

// The same bytes writeSafetensors() would put in the file.
std::vector<std::uint8_t> serializeSafetensors(const StateDict& tensors,
                                               const SafetensorsMetadata& metadata = {});

// The safetensors spelling of a torch dtype ("F16" for torch::kHalf); throws for dtypes the
// format (or this implementation) cannot store.
std::string safetensorsDtypeName(torch::ScalarType type);

}  // namespace genra::model
