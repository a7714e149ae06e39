// `genra tsne`: a 2-D t-SNE map of an embedding matrix, .npy in and .npy out.
#include <cstdio>
#include <memory>

#include "app/cli/commands.h"
#include "app/cli/terminal.h"
#include "core/eval/tsne.h"

namespace genra::cli {

void addTsneCommand(CLI::App& app, CliState& state) {
    auto* cmd =
        app.add_subcommand("tsne", "2-D t-SNE map of embeddings (.npy [N, D] -> float32 .npy [N, 2])");
    struct Options {
        std::string input;
        std::string output;
        std::string method = "auto";
        eval::TsneOptions tsne;
        bool quiet = false;
    };
    auto opts = std::make_shared<Options>();
    cmd->add_option("--in", opts->input, "Embeddings, .npy [N, D]")->required()->check(CLI::ExistingFile);
    cmd->add_option("--out", opts->output, "Where to write the map, .npy float32 [N, 2]")->required();
    cmd->add_option("--perplexity", opts->tsne.perplexity,
                    "Effective number of neighbours (needs N - 1 >= 3x it)")
        ->capture_default_str()
        ->check(CLI::PositiveNumber);
    cmd->add_option("--iterations", opts->tsne.iterations,
                    "Gradient-descent iterations, the first 250 exaggerated")
        ->capture_default_str()
        ->check(CLI::PositiveNumber);
    cmd->add_option("--seed", opts->tsne.seed, "Seed (random init and neighbour search)")
        ->capture_default_str();
    cmd->add_option("--method", opts->method, "auto (exact up to 2000 points), exact or barnes_hut")
        ->capture_default_str()
        ->check(CLI::IsMember({"auto", "exact", "barnes_hut"}));
    cmd->add_option("--theta", opts->tsne.theta, "Barnes-Hut opening angle")
        ->capture_default_str()
        ->check(CLI::NonNegativeNumber);
    cmd->add_flag("--quiet,-q", opts->quiet, "No progress output");
    cmd->callback([&state, opts] {
        state.action = [opts] {
            auto options = opts->tsne;
            options.method = eval::parseTsneMethod(opts->method);
            eval::TsneJob job(opts->input, opts->output, options);
            const int code = runWithTerminal(job, opts->quiet);
            if (code == 0) {
                const auto& result = job.result();
                std::printf("KL divergence: %.6f\n", result.klDivergence);
                std::printf("method: %s, iterations: %d, learning rate: %g\n", eval::toString(result.method),
                            result.iterations, result.learningRate);
            }
            return code;
        };
    });
}

}  // namespace genra::cli
