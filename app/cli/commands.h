// Sub-commands of `genra`. Each add*Command registers its options on the app and stores the
// action to run once parsing succeeded. Commands return the process exit code.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <string>

namespace genra::cli {

struct CliState {
    int threads = 0;  // --threads; 0 = every core
    std::function<int()> action;
};

void addInitCommand(CLI::App& app, CliState& state);
void addDatasetsCommand(CLI::App& app, CliState& state);
void addEvalCommands(CLI::App& app, CliState& state);
void addExportCommands(CLI::App& app, CliState& state);
void addTrainCommands(CLI::App& app, CliState& state);
void addEmbedCommand(CLI::App& app, CliState& state);
void addImportCommands(CLI::App& app, CliState& state);
void addMakeShapesCommand(CLI::App& app, CliState& state);
void addTokenizeCommands(CLI::App& app, CliState& state);
void addTsneCommand(CLI::App& app, CliState& state);
void addCaptionCommands(CLI::App& app, CliState& state);
void addDemoCommand(CLI::App& app, CliState& state);
void addGenerateCommands(CLI::App& app, CliState& state);
// Subcommands of `genra model` (app/cli/cmd_clip_bundle.cpp).
void addClipBundleCommands(CLI::App* group, CliState& state);

}  // namespace genra::cli
