#include "core/util/shard.h"

#include "core/util/error.h"

#include <cctype>
#include <limits>

namespace genra {

namespace {

// SplitMix64's finaliser: every input bit reaches every output bit.
std::uint64_t mix(std::uint64_t x) {
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

// A whole number of at most 9 digits, or -1.
int parseCount(const std::string& digits) {
    if (digits.empty() || digits.size() > 9) return -1;
    int value = 0;
    for (const char c : digits) {
        if (!std::isdigit(static_cast<unsigned char>(c))) return -1;
        value = value * 10 + (c - '0');
    }
    return value;
}

}  // namespace

int shardOfKey(std::int64_t key, int count) {
    if (count <= 1) return 1;
    return static_cast<int>(mix(static_cast<std::uint64_t>(key)) % static_cast<std::uint64_t>(count)) + 1;
}

bool Shard::contains(std::int64_t key) const { return count <= 1 || shardOfKey(key, count) == index; }

Shard parseShard(const std::string& text, const std::string& flag) {
    // "--shard \"4/3\": ...", or without the flag where the caller names it (CLI11 does).
    const std::string what = (flag.empty() ? "" : flag + " ") + "\"" + text + "\"";
    const auto slash = text.find('/');
    const int index = slash == std::string::npos ? -1 : parseCount(text.substr(0, slash));
    const int count = slash == std::string::npos ? -1 : parseCount(text.substr(slash + 1));
    if (index < 0 || count < 0) {
        throw Error(what + ": expected K/N, this job's shard K of N (whole numbers, 1 <= K <= N), e.g. 2/8");
    }
    if (count < 1) throw Error(what + ": the number of shards N must be at least 1");
    if (index < 1 || index > count) {
        throw Error(what + ": the shard K must be between 1 and N = " + std::to_string(count));
    }
    return Shard{index, count};
}

}  // namespace genra
