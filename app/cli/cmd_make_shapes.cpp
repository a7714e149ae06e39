// `genra make-shapes`: writes the built-in procedural Shapes benchmark (images, Karpathy split JSON
// with attributes, COCO captions JSON) to a folder, ready for `genra import`.
#include <cmath>
#include <iostream>
#include <memory>

#include "app/cli/commands.h"
#include "app/cli/terminal.h"
#include "core/data/shapes.h"

namespace genra::cli {

void addMakeShapesCommand(CLI::App& app, CliState& state) {
    auto* cmd = app.add_subcommand("make-shapes",
                                   "Generate the procedural Shapes benchmark: coloured shapes on plain "
                                   "(version 2) or textured (version 1) backgrounds, five captions each, "
                                   "attributes for zero-shot classification, pretrain/align/test splits");
    auto options = std::make_shared<data::MakeShapesOptions>();
    auto outDir = std::make_shared<std::string>();
    auto fractions = std::make_shared<std::vector<double>>();
    cmd->add_option("--out,-o", *outDir, "Output folder (created if missing)")->required();
    cmd->add_option("--count,-n", options->count, "Number of images")
        ->capture_default_str()
        ->check(CLI::Range(1, 100000000));
    cmd->add_option("--seed", options->seed, "Random seed; the same seed gives byte-identical output")
        ->capture_default_str()
        ->check(CLI::NonNegativeNumber);
    cmd->add_option("--size", options->imageSize, "Image side in pixels")
        ->capture_default_str()
        ->check(CLI::Range(32, 1024));
    // Checked in the callback rather than with CLI::Range, so the message names --version and the
    // versions that exist.
    cmd->add_option("--version", options->version,
                    "Benchmark version: 2 = one large shape on a plain background (the default), "
                    "1 = one or two small shapes on a textured background, byte-identical to earlier "
                    "releases")
        ->capture_default_str();
    cmd->add_option("--split-fractions", *fractions,
                    "Fractions of pretrain, align and test images, summing to 1 (default 0.5,0.3,0.2)")
        ->delimiter(',')
        ->expected(3);
    cmd->callback([&state, options, outDir, fractions] {
        if (options->version < data::kShapesVersionMin || options->version > data::kShapesVersionMax) {
            throw CLI::ValidationError("--version", "the Shapes version must be 1 or 2 (got " +
                                                        std::to_string(options->version) + ")");
        }
        if (!fractions->empty()) {
            double sum = 0.0;
            for (double f : *fractions) {
                if (!(f >= 0.0) || !std::isfinite(f)) {
                    throw CLI::ValidationError("--split-fractions", "each fraction must be a number >= 0");
                }
                sum += f;
            }
            if (std::abs(sum - 1.0) > 1e-3) {
                throw CLI::ValidationError("--split-fractions", "the three fractions must sum to 1 (got " +
                                                                    std::to_string(sum) + ")");
            }
            options->splitFractions = {(*fractions)[0], (*fractions)[1], (*fractions)[2]};
        }
        state.action = [&state, options, outDir] {
            options->outDir = *outDir;
            options->threads = state.threads;
            data::MakeShapesJob job(*options);
            const int code = runWithTerminal(job);
            if (code != 0) return code;
            const auto& result = job.result();
            std::cout << "wrote " << result.images << " Shapes images to " << options->outDir.string()
                      << " (";
            bool first = true;
            for (const char* split : data::kShapesSplits) {
                const auto found = result.splitCounts.find(split);
                std::cout << (first ? "" : ", ") << split << " "
                          << (found == result.splitCounts.end() ? 0 : found->second);
                first = false;
            }
            std::cout << ")\n  " << result.karpathyJson.string() << "\n  " << result.cocoJson.string()
                      << "\n";
            return 0;
        };
    });
}

}  // namespace genra::cli
