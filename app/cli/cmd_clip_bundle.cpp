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

void addClipBundleCommands(CLI::App* group, CliState& state) {
    {
        auto* cmd = group->add_subcommand(
            "export-clip", "Write a workspace CLIP model as a self-contained bundle folder (weights, vocabulary, "
                           "configuration, provenance); `genra demo` ships its f_r as one");
        auto workspace = std::make_shared<std::string>();
        auto o = std::make_shared<model::ClipExportOptions>();
        auto out = std::make_shared<std::string>();
        auto float32 = std::make_shared<bool>(false);
        auto provenance = std::make_shared<std::vector<std::string>>();
        cmd->add_option("--workspace,-w", *workspace, "Workspace folder")->required();
        cmd->add_option("--name", o->name, "CLIP model")->required();
        cmd->add_option("--out", *out, "Bundle folder (created)")->required();
        cmd->add_flag("--float32", *float32, "Keep float32 weights (default: float16, half the size)");
        cmd->add_option("--provenance", *provenance, "KEY=VALUE facts recorded in the bundle's \"provenance\"");
        cmd->callback([&state, workspace, o, out, float32, provenance] {
            state.action = [workspace, o, out, float32, provenance] {
                auto ws = store::Workspace::open(*workspace, store::Db::Mode::ReadOnly);
                o->outDir = *out;
                o->half = !*float32;
                for (const auto& item : *provenance) {
                    const auto eq = item.find('=');
                    if (eq == std::string::npos || eq == 0) throw Error("--provenance " + item + ": expected KEY=VALUE");
                    o->provenance[item.substr(0, eq)] = item.substr(eq + 1);
                }
                model::exportClipBundle(ws, *o);
                std::printf("CLIP model \"%s\" written to %s (%s weights)\n", o->name.c_str(), out->c_str(),
                            o->half ? "float16" : "float32");
                return 0;
            };
        });
    }
    {
        auto* cmd = group->add_subcommand("import-clip", "Register a CLIP bundle folder (genra model export-clip; the demo "
                                                         "ships one) as a workspace CLIP model");
        auto workspace = std::make_shared<std::string>();
        auto bundle = std::make_shared<std::string>();
        auto name = std::make_shared<std::string>();
        auto overwrite = std::make_shared<bool>(false);
        cmd->add_option("--workspace,-w", *workspace, "Workspace folder")->required();
        cmd->add_option("--bundle", *bundle, "Bundle folder")->required()->check(CLI::ExistingDirectory);
        cmd->add_option("--name", *name, "Model name (letters, digits, '-', '_', '.')")->required();
        cmd->add_flag("--overwrite", *overwrite, "Replace an existing model of that name");
        cmd->callback([&state, workspace, bundle, name, overwrite] {
            state.action = [workspace, bundle, name, overwrite] {
                auto ws = store::Workspace::open(*workspace);
                model::importClipBundle(ws, *bundle, *name, *overwrite);
                std::printf("CLIP model \"%s\" registered from %s\n", name->c_str(), bundle->c_str());
                return 0;
            };
        });
    }
}

}  // namespace genra::cli
