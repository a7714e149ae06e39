// `genra eval ...`: evaluation commands that work on exported files rather than a workspace.
// `eval` is a group; each child is one static add*() below plus one call in addEvalCommands(), so
// further evaluations (zero-shot classification, workspace runs) slot in the same way.
#include "app/cli/commands.h"
#include "core/eval/caption_metrics.h"
#include "core/eval/npy.h"
#include "core/eval/retrieval.h"

#include <nlohmann/json.hpp>

#include <iostream>
#include <memory>

namespace genra::cli {
namespace {

void addRetrieval(CLI::App& eval, CliState& state) {
    auto* cmd = eval.add_subcommand(
        "retrieval",
        "Image<->text Recall@K (CLIP convention: an image query is found when any of its captions is in the top K)");
    struct Options {
        std::string images;
        std::string texts;
        std::string map;
        std::vector<std::int64_t> ks{1, 5, 10};
    };
    auto opts = std::make_shared<Options>();
    cmd->add_option("--image-embeddings", opts->images, "Image embeddings, .npy [images, dim]")
        ->required()
        ->check(CLI::ExistingFile);
    cmd->add_option("--text-embeddings", opts->texts, "Text embeddings, .npy [texts, dim]")
        ->required()
        ->check(CLI::ExistingFile);
    cmd->add_option("--caption-image", opts->map,
                    "Text file with one line per text row: the row of the image it describes")
        ->required()
        ->check(CLI::ExistingFile);
    cmd->add_option("--k", opts->ks, "Cut-offs to report (default 1 5 10)")->check(CLI::PositiveNumber);
    cmd->callback([&state, opts] {
        state.action = [opts] {
            eval::RetrievalOptions options;
            options.ks = opts->ks;
            const auto result = eval::retrievalRecall(eval::readNpy(opts->images), eval::readNpy(opts->texts),
                                                      eval::readCaptionImageMap(opts->map), options);
            std::cout << eval::retrievalToJson(result).dump(2) << "\n";
            return 0;
        };
    });
}

void addCaptions(CLI::App& eval, CliState& state) {
    auto* cmd = eval.add_subcommand(
        "captions", "BLEU-1..4, METEOR, ROUGE-L, CIDEr-D (and SPICE) as the COCO caption evaluation computes them");
    struct Options {
        std::string references;
        std::string predictions;
        std::string meteorJar;
        std::string spiceJar;
    };
    auto opts = std::make_shared<Options>();
    cmd->add_option("--references", opts->references,
                    "Reference captions, COCO annotation format {\"images\", \"annotations\": [{image_id, caption}]}")
        ->required()
        ->check(CLI::ExistingFile);
    cmd->add_option("--predictions", opts->predictions, "Predicted captions, COCO results format [{image_id, caption}]")
        ->required()
        ->check(CLI::ExistingFile);
    cmd->add_option("--meteor-jar", opts->meteorJar,
                    "meteor-1.5.jar: report the official METEOR (needs java); without it METEOR_builtin is reported");
    cmd->add_option("--spice-jar", opts->spiceJar, "spice-1.0.jar: report SPICE (needs java); without it SPICE is null");
    cmd->callback([&state, opts] {
        state.action = [opts] {
            eval::CaptionEvalOptions options;
            options.meteorJar = opts->meteorJar;
            options.spiceJar = opts->spiceJar;
            const auto result =
                eval::evaluateCaptions(eval::loadCocoCaptions(opts->references, opts->predictions), options);
            for (const auto& note : result.notes) std::cerr << "note: " << note << "\n";
            std::cout << result.scores.dump(2) << "\n";
            return 0;
        };
    });
}

}  // namespace

void addEvalCommands(CLI::App& app, CliState& state) {
    auto* eval = app.add_subcommand("eval", "Evaluate exported embeddings and captions");
    // Every evaluation is a child; an `eval` that gains options of its own can relax this to (0, 1).
    eval->require_subcommand(1);
    addRetrieval(*eval, state);
    addCaptions(*eval, state);
}

}  // namespace genra::cli
