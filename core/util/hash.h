// SHA-256, used for image content hashes (workspace provenance) and file fingerprints.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace genra {

class Sha256 {
public:
    Sha256();
    void update(const void* data, std::size_t size);
    // Finishes the digest and returns it as 64 lower-case hex digits.
    std::string hexDigest();

private:
    void block(const std::uint8_t* chunk);
    std::uint32_t state_[8];
    std::uint8_t buffer_[64];
    std::size_t bufferSize_ = 0;
    std::uint64_t totalBytes_ = 0;
};

std::string sha256Hex(const void* data, std::size_t size);
std::string sha256Hex(const std::string& data);

}  // namespace genra
