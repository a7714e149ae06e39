// NumPy's .npy array format (format versions 1.0, 2.0 and 3.0), read into and written from
// torch::Tensor, so embeddings exported by Python tools can be evaluated here and ours read there.
// Supported dtypes: <f8 <f4 <f2 <i8 <i4 <i2 |i1 |u1 |b1 (big-endian '>' variants are read too and
// byte-swapped). Fortran-ordered arrays are read and returned in C order (transposed in memory).
// Every failure is a genra::ParseError naming the file and what is wrong with it.
#pragma once

#include <torch/torch.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

namespace genra::data {

// Reads a whole .npy file into a contiguous CPU tensor with the file's dtype and shape.
torch::Tensor readNpy(const std::filesystem::path& path);

// Parses a file image already in memory; `sourceName` names it in error messages.
torch::Tensor parseNpy(const std::uint8_t* data, std::size_t size, const std::string& sourceName);

// Writes a tensor (any device, any layout) as a C-ordered, little-endian .npy file. The header is
// version 1.0 unless it does not fit in 64 KiB, and is padded so the data starts on a 64-byte
// boundary as NumPy does. Unsupported dtypes (bfloat16, complex, ...) raise genra::Error.
void writeNpy(const std::filesystem::path& path, const torch::Tensor& tensor);

// The header's dtype string for a torch dtype ("<f4" for float32); throws for unsupported ones.
std::string npyDescr(torch::ScalarType type);

}  // namespace genra::data
