// Sub-commands of `genra`. Each add*Command registers its options on the app and stores the
// action to run once parsing succeeded. Commands return the process exit code.
#pragma once

#include <CLI/CLI.hpp>

#include <nlohmann/json.hpp>

#include <functional>
#include <string>
#include <vector>

namespace genra::store {
class Workspace;
}

namespace genra::cli {

// Checks for numeric options. CLI11's PositiveNumber and NonNegativeNumber print their range up to
// DBL_MAX ("Value 0 not in range 0.000000 to 1797..."); these say what is wrong in a few words,
// after CLI11's "--option: ".
inline std::string checkNumber(const std::string& value, bool allowZero) {
    std::size_t used = 0;
    double number = 0.0;
    try {
        number = std::stod(value, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used == 0 || used != value.size()) return "not a number: " + value;
    if (allowZero ? number < 0.0 : number <= 0.0) return (allowZero ? "must be 0 or more, got " : "must be above 0, got ") + value;
    return {};
}
inline CLI::Validator positiveNumber() {
    return CLI::Validator([](std::string& v) { return checkNumber(v, false); }, "POSITIVE", "positive");
}
inline CLI::Validator nonNegativeNumber() {
    return CLI::Validator([](std::string& v) { return checkNumber(v, true); }, "NONNEGATIVE", "non-negative");
}

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
// The flags the bundle exports (`genra model export`, `export-clip`) share: --workspace, --name
// (into `name`), --out, --float32, --provenance KEY=VALUE... (app/cli/cmd_clip_bundle.cpp).
struct BundleExportFlags {
    std::string workspace;
    std::string out;
    bool float32 = false;
    std::vector<std::string> provenance;
    void add(CLI::App* cmd, std::string& name, const std::string& nameHelp);
    // The --provenance items as a JSON object; genra::Error naming an item without KEY=VALUE.
    nlohmann::json provenanceJson() const;
    // Sets an export's outDir, half and provenance from the flags.
    template <class ExportOptions>
    void fill(ExportOptions& options) const {
        options.outDir = out;
        options.half = !float32;
        options.provenance = provenanceJson();
    }
};

// A `genra model import-*` command for a bundle folder: --workspace, --bundle, --name, --overwrite;
// `import` registers the bundle and returns the line to print.
using BundleImporter =
    std::function<std::string(store::Workspace&, const std::string& bundle, const std::string& name, bool overwrite)>;
void addBundleImportCommand(CLI::App* group, CliState& state, const std::string& command, const std::string& help,
                            BundleImporter import);

// Subcommands of `genra model` (app/cli/cmd_clip_bundle.cpp).
void addClipBundleCommands(CLI::App* group, CliState& state);

}  // namespace genra::cli
