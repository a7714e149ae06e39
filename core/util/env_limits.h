// Size limits that protect the loaders from hostile files (image pixels, vocabulary sizes, model
// architecture), each with a documented default that an environment variable can change for a
// process (see docs/security.md).
#pragma once

#include <cstdint>

namespace genra::util {

// The value of environment variable `name` when it holds a decimal integer in [minimum, maximum],
// else `fallback`. Read on every call; callers that ask often keep the result.
std::uint64_t envLimit(const char* name, std::uint64_t fallback, std::uint64_t minimum, std::uint64_t maximum);

}  // namespace genra::util
