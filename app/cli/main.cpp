// genra: the GenRA Workbench command line. Sub-commands map onto core jobs.
#include "app/cli/commands.h"
#include "app/cli/terminal.h"
#include "core/util/error.h"
#include "core/util/threads.h"
#include "core/version.h"

#include <iostream>

int main(int argc, char** argv) {
    genra::ensurePassiveOpenMp(argv);
    CLI::App app{"GenRA Workbench: align generated and real images (command line)", "genra"};
    app.set_version_flag("--version", GENRA_VERSION);
    app.require_subcommand(1);
    app.fallthrough();
    genra::cli::CliState state;
    app.add_option("--threads", state.threads, "CPU threads for LibTorch (default: every core)")
        ->check(genra::cli::nonNegativeNumber());

    genra::cli::addInitCommand(app, state);
    genra::cli::addDatasetsCommand(app, state);
    genra::cli::addEvalCommands(app, state);
    genra::cli::addExportCommands(app, state);
    genra::cli::addTrainCommands(app, state);
    genra::cli::addEmbedCommand(app, state);
    genra::cli::addImportCommands(app, state);
    genra::cli::addMakeShapesCommand(app, state);
    genra::cli::addTokenizeCommands(app, state);
    genra::cli::addTsneCommand(app, state);
    genra::cli::addCaptionCommands(app, state);
    genra::cli::addDemoCommand(app, state);
    genra::cli::addGenerateCommands(app, state);

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        app.exit(e);
        return 2;
    }
    try {
        genra::configureThreads(state.threads);
        genra::cli::installInterruptHandler();
        return state.action ? state.action() : 0;
    } catch (const genra::Error& e) {
        std::cerr << "genra: error: " << e.what() << "\n";
        return 1;
    } catch (const std::exception& e) {
        std::cerr << "genra: internal error: " << e.what() << "\n";
        return 1;
    }
}
