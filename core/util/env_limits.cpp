#include "core/util/env_limits.h"

#include <cerrno>
#include <cstdlib>

namespace genra::util {

std::uint64_t envLimit(const char* name, std::uint64_t fallback, std::uint64_t minimum, std::uint64_t maximum) {
    const char* text = std::getenv(name);
    if (text == nullptr || *text < '0' || *text > '9') return fallback;
    char* end = nullptr;
    errno = 0;
    const unsigned long long value = std::strtoull(text, &end, 10);
    if (errno != 0 || *end != '\0' || value < minimum || value > maximum) return fallback;
    return value;
}

}  // namespace genra::util
