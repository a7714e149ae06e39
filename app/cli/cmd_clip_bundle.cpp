// `genra model export-clip` and `genra model import-clip`: a pre-trained CLIP as a bundle folder
// (core/model/clip_bundle.h), as the demo ships its f_r.
#include "app/cli/commands.h"
#include "core/model/clip_bundle.h"
#include "core/store/workspace.h"
#include "core/util/error.h"

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

namespace genra::cli {

void BundleExportFlags::add(CLI::App* cmd, std::string& name, const std::string& nameHelp) {
    cmd->add_option("--workspace,-w", workspace, "Workspace folder")->required();
    cmd->add_option("--name", name, nameHelp)->required();
    cmd->add_option("--out", out, "Bundle folder (created)")->required();
    cmd->add_flag("--float32", float32, "Keep float32 weights (default: float16, half the size)");
    cmd->add_option("--provenance", provenance, "KEY=VALUE facts recorded in the bundle's \"provenance\"");
}

nlohmann::json BundleExportFlags::provenanceJson() const {
    nlohmann::json facts = nlohmann::json::object();
    for (const auto& item : provenance) {
        const auto eq = item.find('=');
        if (eq == std::string::npos || eq == 0) throw Error("--provenance " + item + ": expected KEY=VALUE");
        facts[item.substr(0, eq)] = item.substr(eq + 1);
    }
    return facts;
}

void addBundleImportCommand(CLI::App* group, CliState& state, const std::string& command, const std::string& help,
                            BundleImporter import) {
    auto* cmd = group->add_subcommand(command, help);
    auto workspace = std::make_shared<std::string>();
    auto bundle = std::make_shared<std::string>();
    auto name = std::make_shared<std::string>();
    auto overwrite = std::make_shared<bool>(false);
    cmd->add_option("--workspace,-w", *workspace, "Workspace folder")->required();
    cmd->add_option("--bundle", *bundle, "Bundle folder")->required()->check(CLI::ExistingDirectory);
    cmd->add_option("--name", *name, "Model name (letters, digits, '-', '_', '.')")->required();
    cmd->add_flag("--overwrite", *overwrite, "Replace an existing model of that name");
    cmd->callback([&state, workspace, bundle, name, overwrite, import] {
        state.action = [workspace, bundle, name, overwrite, import] {
            auto ws = store::Workspace::open(*workspace);
            std::printf("%s\n", import(ws, *bundle, *name, *overwrite).c_str());
            return 0;
        };
    });
}

void addClipBundleCommands(CLI::App* group, CliState& state) {
    {
        auto* cmd = group->add_subcommand(
            "export-clip", "Write a workspace CLIP model as a self-contained bundle folder (weights, vocabulary, "
                           "configuration, provenance); `genra demo` ships its f_r as one");
        auto flags = std::make_shared<BundleExportFlags>();
        auto o = std::make_shared<model::ClipExportOptions>();
        flags->add(cmd, o->name, "CLIP model");
        cmd->callback([&state, flags, o] {
            state.action = [flags, o] {
                auto ws = store::Workspace::open(flags->workspace, store::Db::Mode::ReadOnly);
                flags->fill(*o);
                model::exportClipBundle(ws, *o);
                std::printf("CLIP model \"%s\" written to %s (%s weights)\n", o->name.c_str(), flags->out.c_str(),
                            o->half ? "float16" : "float32");
                return 0;
            };
        });
    }
    addBundleImportCommand(group, state, "import-clip",
                           "Register a CLIP bundle folder (genra model export-clip; the demo ships one) as a workspace "
                           "CLIP model",
                           [](store::Workspace& ws, const std::string& bundle, const std::string& name, bool overwrite) {
                               model::importClipBundle(ws, bundle, name, overwrite);
                               return "CLIP model \"" + name + "\" registered from " + bundle;
                           });
}

}  // namespace genra::cli
