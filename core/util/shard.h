// Shards of a large job (`--shard K/N`): which items one of N processes or cluster jobs takes, so N
// jobs that each run shard 1..N together cover every item exactly once. An item's shard depends
// only on its key (a database id), never on the order or the number of items, so a shard that is
// re-run, or run against a workspace that gained items, takes the same ones again.
#pragma once

#include <cstdint>
#include <string>

namespace genra {

struct Shard {
    int index = 1;  // K, 1-based
    int count = 1;  // N; 1 = everything

    bool all() const { return count == 1; }
    // Whether the item with this key belongs to this shard.
    bool contains(std::int64_t key) const;
    std::string label() const { return std::to_string(index) + "/" + std::to_string(count); }
};

// The shard 1..N an item with this key belongs to (a 64-bit mix of the key, modulo N, so ids that
// follow a pattern still spread evenly).
int shardOfKey(std::int64_t key, int count);

// Parses "K/N" with 1 <= K <= N; throws genra::Error naming `flag` (when not empty), the value and
// the expected form.
Shard parseShard(const std::string& text, const std::string& flag = "--shard");

}  // namespace genra
