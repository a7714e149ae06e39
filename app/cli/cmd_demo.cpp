// genra demo: the paper's whole experiment on the built-in Shapes benchmark, offline, in one
// resumable job; leaves a workspace for genra-workbench and a report in <workspace>/exports.
#include "app/cli/commands.h"
#include "app/cli/terminal.h"
#include "core/demo/demo.h"

#include <iostream>
#include <memory>

namespace genra::cli {

void addDemoCommand(CLI::App& app, CliState& state) {
    struct Options {
        std::string workspace = "demo-workspace";
        bool quick = false;
        int seeds = 0;
        std::int64_t generatorSteps = 0;
        bool trainGenerator = false;
        std::string generatorBundle;
        bool trainClip = false;
        std::string clipBundle;
        std::string device = "auto";
    };
    auto options = std::make_shared<Options>();
    auto* cmd = app.add_subcommand(
        "demo", "Run the paper's experiment on the built-in Shapes benchmark (pre-train f_r, train a diffusion "
                "generator, align with GenRA and the baselines, evaluate, write exports/report.md). Stages already "
                "done in the workspace are reused; an interrupted run resumes.");
    cmd->add_option("--workspace", options->workspace, "Workspace folder (created when missing)")->capture_default_str();
    cmd->add_flag("--quick", options->quick, "A smaller run (about 3 minutes on 2 cores) for tests and a first look");
    cmd->add_option("--seeds", options->seeds,
                    "Train every compared method this many times (seeds 1..N); tables show mean ± std, effects a "
                    "95% bootstrap interval (default 3, --quick 2)")
        ->check(CLI::Range(1, 20));
    cmd->add_flag("--train-generator", options->trainGenerator,
                  "Train the diffusion generator in the demo (on a studio-style Shapes set of its own, conditioned "
                  "on f_r's text tower) instead of using the shipped one (resources/demo-generator, 2,400 steps); needs a new workspace");
    cmd->add_option("--generator-steps", options->generatorSteps,
                    "With --train-generator (implied): train it this many steps (default 800, --quick 300); 2400 makes "
                    "it draw the caption's shape on Shapes v2 (about 20 more minutes on 2 cores)")
        ->check(positiveNumber());
    cmd->add_option("--generator-bundle", options->generatorBundle,
                    "Use this generator bundle folder (genra model export) instead of the shipped one")
        ->check(CLI::ExistingDirectory);
    cmd->add_flag("--train-clip", options->trainClip,
                  "Pre-train f_r in the demo on its pre-training split (default 1200 steps, --quick 150) instead of "
                  "using the shipped one (resources/demo-clip); needs a new workspace");
    cmd->add_option("--clip-bundle", options->clipBundle,
                    "Use this CLIP bundle folder (genra model export-clip) as f_r instead of the shipped one")
        ->check(CLI::ExistingDirectory);
    cmd->add_option("--device", options->device, "auto | cpu | cuda | cuda:N")->capture_default_str();
    cmd->callback([options, &state] {
        state.action = [options] {
            demo::DemoOptions o;
            o.workspace = options->workspace;
            o.quick = options->quick;
            o.seeds = options->seeds;
            o.generatorSteps = options->generatorSteps;
            o.trainGenerator = options->trainGenerator;
            o.generatorBundle = options->generatorBundle;
            o.trainClip = options->trainClip;
            o.clipBundle = options->clipBundle;
            o.device = options->device;
            demo::DemoJob job(o);
            const int code = runWithTerminal(job);
            if (code != 0) return code;
            std::cout << "report: " << job.reportPath().string() << "\n";
            for (const auto& t : job.timings())
                std::cout << "  " << t.stage << ": " << static_cast<int>(t.seconds + 0.5) << " s" << (t.cached ? " (cached)" : "") << "\n";
            std::cout << "open it in the workbench: genra-workbench " << options->workspace << "\n";
            return 0;
        };
    });
}

}  // namespace genra::cli
