// `genra init` and `genra datasets`.
#include "app/cli/commands.h"
#include "core/store/workspace.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>
#include <sstream>

namespace genra::cli {

void addInitCommand(CLI::App& app, CliState& state) {
    auto* cmd = app.add_subcommand("init", "Create a new workspace folder (workspace.sqlite, images/, checkpoints/, exports/)");
    auto dir = std::make_shared<std::string>();
    cmd->add_option("DIR", *dir, "Workspace folder to create")->required();
    cmd->callback([&state, dir] {
        state.action = [dir] {
            auto ws = store::Workspace::create(*dir);
            std::cout << "workspace ready at " << ws.dir().string() << "\n";
            return 0;
        };
    });
}

namespace {
std::string joinCounts(const std::map<std::string, std::int64_t>& counts) {
    std::ostringstream out;
    bool first = true;
    for (const auto& [key, count] : counts) {
        if (!first) out << ",";
        first = false;
        out << (key.empty() ? "-" : key) << ":" << count;
    }
    return first ? "-" : out.str();
}
}  // namespace

void addDatasetsCommand(CLI::App& app, CliState& state) {
    auto* cmd = app.add_subcommand("datasets", "List the datasets of a workspace");
    auto workspace = std::make_shared<std::string>();
    auto json = std::make_shared<bool>(false);
    cmd->add_option("--workspace,-w", *workspace, "Workspace folder")->required();
    cmd->add_flag("--json", *json, "Print JSON instead of a table");
    cmd->callback([&state, workspace, json] {
        state.action = [workspace, json] {
            auto ws = store::Workspace::open(*workspace, store::Db::Mode::ReadOnly);
            const auto datasets = ws.listDatasets();
            if (*json) {
                nlohmann::json out = nlohmann::json::array();
                for (const auto& d : datasets) {
                    out.push_back({{"name", d.info.name},
                                   {"kind", d.info.kind},
                                   {"images", d.realImages},
                                   {"generated_images", d.generatedImages},
                                   {"unreadable_images", d.unreadableImages},
                                   {"captions", d.captions},
                                   {"splits", d.splits},
                                   {"generators", d.generators}});
                }
                std::cout << out.dump(2) << "\n";
                return 0;
            }
            std::printf("%-20s %-10s %8s %9s %9s  %s\n", "NAME", "KIND", "IMAGES", "GENERATED", "CAPTIONS",
                        "SPLITS");
            for (const auto& d : datasets) {
                std::printf("%-20s %-10s %8lld %9lld %9lld  %s\n", d.info.name.c_str(), d.info.kind.c_str(),
                            static_cast<long long>(d.realImages), static_cast<long long>(d.generatedImages),
                            static_cast<long long>(d.captions), joinCounts(d.splits).c_str());
            }
            if (datasets.empty()) std::printf("(no datasets; import one with `genra import ...`)\n");
            return 0;
        };
    });
}

}  // namespace genra::cli
