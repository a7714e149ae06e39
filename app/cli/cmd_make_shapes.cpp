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
        ->check(nonNegativeNumber());
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
    auto style = std::make_shared<std::string>("photo");
    cmd->add_option("--style", *style,
                    "How version 2 scenes are drawn: photo (the benchmark's images, the default) or "
                    "studio (spotlit backdrop, drop shadow, glossy paint, no sensor noise: a generator's "
                    "training set of its own style)")
        ->capture_default_str()
        ->check(CLI::IsMember({"photo", "studio"}));
    cmd->add_option("--studio-fraction", options->studioFraction,
                    "Version 2 photo sets: draw about this fraction of the pretrain split in the studio "
                    "style, its captions naming the look (\"a rendering of ...\"), so a CLIP pre-trained on "
                    "it tells studio images from photos; align and test stay photos (default 0)")
        ->capture_default_str()
        ->check(CLI::Range(0.0, 1.0));
    cmd->add_option("--split-fractions", *fractions,
                    "Fractions of pretrain, align and test images, summing to 1 (default 0.5,0.3,0.2)")
        ->delimiter(',')
        ->expected(3);
    cmd->callback([&state, options, outDir, fractions, style] {
        if (options->version < data::kShapesVersionMin || options->version > data::kShapesVersionMax) {
            throw CLI::ValidationError("--version", "the Shapes version must be 1 or 2 (got " +
                                                        std::to_string(options->version) + ")");
        }
        options->style = data::shapesStyleFromString(*style);
        if (options->style == data::ShapesStyle::Studio && options->version < 2)
            throw CLI::ValidationError("--style", "the studio style needs --version 2");
        if (options->studioFraction > 0.0 && (options->version < 2 || options->style != data::ShapesStyle::Photo))
            throw CLI::ValidationError("--studio-fraction", "mixes studio images into a version 2 photo set");
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
