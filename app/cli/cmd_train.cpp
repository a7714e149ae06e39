// `genra train`, `genra runs`, `genra recipe`, `genra models` and `genra model import`.
#include "app/cli/commands.h"
#include "app/cli/data_parallel_options.h"
#include "app/cli/terminal.h"
#include "core/model/clip.h"
#include "core/model/model_store.h"
#include "core/model/weights.h"
#include "core/gen/generator_bundle.h"
#include "core/store/workspace.h"
#include "core/train/distributed.h"
#include "core/train/recipe.h"
#include "core/store/runs.h"
#include "core/train/trainer.h"
#include "core/util/error.h"
#include "core/util/json_limits.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>

namespace genra::cli {

namespace {
void addGeneratorBundleCommands(CLI::App* group, CliState& state) {
    {
        auto* cmd = group->add_subcommand(
            "export", "Write a built-in generator as a self-contained bundle folder (weights with its text tower, "
                      "vocabulary, configuration), with its caption adherence measured on 50 fixed Shapes captions");
        auto flags = std::make_shared<BundleExportFlags>();
        auto o = std::make_shared<gen::GeneratorExportOptions>();
        flags->add(cmd, o->name, "Generator model");
        cmd->add_option("--check-captions", o->checkCaptions, "Fixed captions the adherence check samples (0: none)")
            ->capture_default_str()
            ->check(nonNegativeNumber());
        cmd->callback([&state, flags, o] {
            state.action = [flags, o] {
                auto ws = store::Workspace::open(flags->workspace, store::Db::Mode::ReadOnly);
                flags->fill(*o);
                const auto config = gen::exportGeneratorBundle(ws, *o);
                std::printf("generator \"%s\" written to %s (%s weights)\n", o->name.c_str(), flags->out.c_str(),
                            o->half ? "float16" : "float32");
                if (config.contains("adherence_check")) {
                    const auto& r = config["adherence_check"]["rates"];
                    std::printf("adherence on %d fixed captions: colour %.1f %%, position %.1f %%, shape %.1f %%, all %.1f %%\n",
                                config["adherence_check"].value("captions", 0), 100.0 * r.value("color", 0.0),
                                100.0 * r.value("position", 0.0), 100.0 * r.value("shape", 0.0), 100.0 * r.value("all", 0.0));
                }
                return 0;
            };
        });
    }
    addBundleImportCommand(group, state, "import-generator",
                           "Register a generator bundle folder (genra model export; the demo ships one) as a workspace "
                           "generator, usable as --generator builtin:NAME",
                           [](store::Workspace& ws, const std::string& bundle, const std::string& name, bool overwrite) {
                               gen::importGeneratorBundle(ws, bundle, name, overwrite);
                               return "generator \"" + name + "\" registered from " + bundle +
                                      "; use it with --generator builtin:" + name;
                           });
}
}  // namespace

void addTrainCommands(CLI::App& app, CliState& state) {
    {
        auto* cmd = app.add_subcommand("train", "Train a model from a recipe (GenRA, baselines, CLIP pre-training), or resume a run");
        auto workspace = std::make_shared<std::string>();
        auto recipe = std::make_shared<std::string>();
        auto name = std::make_shared<std::string>();
        auto resume = std::make_shared<std::string>();
        cmd->add_option("--workspace,-w", *workspace, "Workspace folder")->required();
        auto* recipeOpt = cmd->add_option("--recipe", *recipe, "Recipe JSON file (see `genra recipe --doc`)");
        auto* resumeOpt = cmd->add_option("--resume", *resume, "Resume this run (id or name) from its last checkpoint");
        cmd->add_option("--name", *name, "Name of the run and of the model it registers");
        auto parallel = std::make_shared<DataParallelOptions>();
        addDataParallelOptions(cmd, parallel);
        recipeOpt->excludes(resumeOpt);
        cmd->callback([&state, workspace, recipe, name, resume, parallel] {
            if (recipe->empty() && resume->empty()) throw CLI::ValidationError("train", "give --recipe FILE or --resume RUN");
            const int threads = state.threads;
            state.action = [workspace, recipe, name, resume, parallel, threads] {
                std::vector<std::string> command{"train", "--workspace", *workspace};
                if (!resume->empty()) command.insert(command.end(), {"--resume", *resume});
                if (!recipe->empty()) command.insert(command.end(), {"--recipe", *recipe});
                if (!name->empty()) command.insert(command.end(), {"--name", *name});
                if (const int code = launchRanksIfAsked(*parallel, command, threads); code >= 0) return code;
                std::unique_ptr<train::TrainJob> job;
                if (!resume->empty()) {
                    job = std::make_unique<train::TrainJob>(train::TrainJob::resume(*workspace, *resume));
                } else {
                    // loadRecipe parses without a depth limit; a recipe nested 300,000 levels deep
                    // would crash when its error message is built.
                    util::checkJsonFileDepth(*recipe);
                    job = std::make_unique<train::TrainJob>(*workspace, train::loadRecipe(*recipe), *name);
                }
                const int code = runWithTerminal(*job);
                if (code == 0 && train::processGroup()->isMain()) {
                    std::printf("run %s finished; model \"%s\" registered\n", job->runName().c_str(), job->modelName().c_str());
                }
                return code;
            };
        });
    }
    {
        auto* cmd = app.add_subcommand(
            "runs", "List runs (training, generator training, generation) with status, kind, steps and final losses");
        auto workspace = std::make_shared<std::string>();
        auto json = std::make_shared<bool>(false);
        cmd->add_option("--workspace,-w", *workspace, "Workspace folder")->required();
        cmd->add_flag("--json", *json, "Print JSON");
        cmd->callback([&state, workspace, json] {
            state.action = [workspace, json] {
                auto ws = store::Workspace::open(*workspace, store::Db::Mode::ReadOnly);
                const auto runs = store::listRuns(ws);
                if (*json) {
                    nlohmann::json out = nlohmann::json::array();
                    for (const auto& r : runs) {
                        out.push_back({{"id", r.id}, {"name", r.name}, {"method", r.kind}, {"kind", r.kind},
                                       {"status", r.status}, {"step", r.step}, {"total_steps", r.totalSteps}, {"error", r.error},
                                       {"last_metrics", r.lastMetrics}});
                    }
                    std::cout << out.dump(2) << "\n";
                    return 0;
                }
                std::printf("%-4s %-28s %-10s %-11s %13s %10s %10s\n", "ID", "NAME", "KIND", "STATUS", "STEPS", "LOSS",
                            "ALIGN");
                for (const auto& r : runs) {
                    auto metric = [&](const char* key) {
                        auto it = r.lastMetrics.find(key);
                        return it == r.lastMetrics.end() ? std::string("-") : std::to_string(it->second).substr(0, 8);
                    };
                    const std::string steps = std::to_string(r.step) + "/" + std::to_string(r.totalSteps);
                    std::printf("%-4lld %-28s %-10s %-11s %13s %10s %10s\n", static_cast<long long>(r.id), r.name.c_str(),
                                r.kind.c_str(), r.status.c_str(), steps.c_str(), metric("loss").c_str(),
                                metric("loss_align").c_str());
                    if (r.status == "failed" && !r.error.empty()) std::printf("     error: %s\n", r.error.c_str());
                }
                if (runs.empty()) std::printf("(no runs; start one with `genra train --recipe R.json`)\n");
                return 0;
            };
        });
    }
    {
        auto* cmd = app.add_subcommand("recipe", "Print the recipe reference or a default recipe");
        auto doc = std::make_shared<bool>(false);
        auto method = std::make_shared<std::string>();
        cmd->add_flag("--doc", *doc, "Print every recipe key with its type, default and meaning (Markdown)");
        std::vector<std::string> methods;  // the recipe table's choices for "method"
        for (const auto& f : train::recipeFields())
            if (f.key == "method") methods = f.choices;
        cmd->add_option("--default", *method, "Print a default recipe for this method")->check(CLI::IsMember(methods));
        cmd->callback([&state, doc, method] {
            state.action = [doc, method] {
                if (*doc || method->empty()) {
                    std::cout << train::recipeReferenceMarkdown();
                    return 0;
                }
                auto j = nlohmann::json{{"method", *method}};
                j["dataset"] = "shapes";
                if (*method != "pretrain") j["base_model"] = "shapes-clip";
                std::cout << train::toJson(train::parseRecipe(j)).dump(2) << "\n";
                return 0;
            };
        });
    }
    {
        auto* cmd = app.add_subcommand("models", "List the models of a workspace");
        auto workspace = std::make_shared<std::string>();
        cmd->add_option("--workspace,-w", *workspace, "Workspace folder")->required();
        cmd->callback([&state, workspace] {
            state.action = [workspace] {
                auto ws = store::Workspace::open(*workspace, store::Db::Mode::ReadOnly);
                std::printf("%-4s %-28s %-10s %-20s %s\n", "ID", "NAME", "KIND", "METHOD", "PATH");
                for (const auto& m : model::listModels(ws)) {
                    std::printf("%-4lld %-28s %-10s %-20s %s\n", static_cast<long long>(m.id), m.name.c_str(), m.kind.c_str(),
                                m.config.value("method", std::string("-")).c_str(), m.path.c_str());
                }
                return 0;
            };
        });
    }
    {
        auto* group = app.add_subcommand("model", "Manage workspace models");
        group->require_subcommand(1);
        auto* cmd = group->add_subcommand("import", "Register CLIP weights (OpenAI .pt, open_clip, safetensors, HF) in a workspace");
        auto workspace = std::make_shared<std::string>();
        auto weights = std::make_shared<std::string>();
        auto vocab = std::make_shared<std::string>();
        auto name = std::make_shared<std::string>();
        cmd->add_option("--workspace,-w", *workspace, "Workspace folder")->required();
        cmd->add_option("--weights", *weights, "Weights file")->required()->check(CLI::ExistingFile);
        cmd->add_option("--vocab", *vocab, "BPE vocabulary (bpe_simple_vocab_16e6.txt.gz or a trained one)")
            ->check(CLI::ExistingFile);
        auto overwrite = std::make_shared<bool>(false);
        cmd->add_option("--name", *name, "Model name (letters, digits, '-', '_', '.')")->required();
        cmd->add_flag("--overwrite", *overwrite, "Replace an existing model of that name");
        cmd->callback([&state, workspace, weights, vocab, name, overwrite] {
            state.action = [workspace, weights, vocab, name, overwrite] {
                auto ws = store::Workspace::open(*workspace);
                auto record = model::importClipModel(ws, *name, *weights, *vocab, *overwrite);
                std::printf("model \"%s\" registered (%s)\n", record.name.c_str(), record.path.c_str());
                return 0;
            };
        });
        addGeneratorBundleCommands(group, state);
        addClipBundleCommands(group, state);
    }
}

}  // namespace genra::cli
