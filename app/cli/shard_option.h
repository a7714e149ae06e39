// `--shard K/N` for the commands whose work splits across processes or cluster jobs (generate,
// embed): checked while the command line is parsed, so a bad value exits 2 naming the flag before
// anything is opened or written.
#pragma once

#include "core/util/error.h"
#include "core/util/shard.h"

#include <CLI/CLI.hpp>

#include <memory>
#include <string>

namespace genra::cli {

inline CLI::Option* addShardOption(CLI::App* cmd, const std::shared_ptr<Shard>& shard, const std::string& what) {
    auto text = std::make_shared<std::string>();
    auto* option = cmd->add_option(
        "--shard", *text,
        "Only shard K of N (1 <= K <= N) of the " + what +
            ", chosen by a hash of each item's id: shards 1..N together cover everything once. Run each "
            "in a copy of the workspace and bring them together with `genra merge`");
    option->type_name("K/N");
    option->check(CLI::Validator(
        [](std::string& value) {
            try {
                parseShard(value, "");  // CLI11 puts "--shard: " before the message
            } catch (const Error& e) {
                return std::string(e.what());
            }
            return std::string();
        },
        "K/N", "shard"));
    // The option writes into *text, which must outlive parsing: the callback keeps it.
    option->each([shard, text](const std::string& value) { *shard = parseShard(value, "--shard"); });
    return option;
}

}  // namespace genra::cli
