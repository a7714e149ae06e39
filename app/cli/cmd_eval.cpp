// `genra eval ...`: evaluation commands. `genra eval --workspace W --model M --benchmark B ...` runs
// and stores an evaluation of a workspace model (core/eval/workspace_eval.h); the children
// (`retrieval`, `captions`) work on exported files. Each child is one static add*() below plus one
// call in addEvalCommands().
#include "app/cli/commands.h"
#include "app/cli/terminal.h"
#include "core/eval/caption_metrics.h"
#include "core/data/npy.h"
#include "core/eval/retrieval.h"
#include "core/eval/workspace_eval.h"
#include "core/eval/zeroshot_files.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>
#include <map>
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
    cmd->add_option("--k", opts->ks, "Cut-offs to report (default 1 5 10)")->check(positiveNumber());
    cmd->callback([&state, opts] {
        state.action = [opts] {
            eval::RetrievalOptions options;
            options.ks = opts->ks;
            const auto result = eval::retrievalRecall(data::readNpy(opts->images), data::readNpy(opts->texts),
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

void addZeroShot(CLI::App& eval, CliState& state) {
    auto* cmd = eval.add_subcommand(
        "zeroshot", "Zero-shot classification of an image folder (one sub-folder per class) with CLIP weights");
    struct Options {
        eval::ZeroShotFolderOptions job;
        bool quiet = false;
    };
    auto opts = std::make_shared<Options>();
    auto& o = opts->job;
    cmd->add_option("--weights", o.weights, "CLIP weights (any supported format)")->required()->check(CLI::ExistingFile);
    cmd->add_option("--vocab", o.vocab, "BPE vocabulary for the prompts")->required()->check(CLI::ExistingFile);
    cmd->add_option("--image-folder", o.imageFolder, "Folder with one sub-folder of images per class")
        ->required()
        ->check(CLI::ExistingDirectory);
    cmd->add_option("--classes", o.classesFile, "Classes JSON: folders to classify, optionally folder -> prompt phrase")
        ->check(CLI::ExistingFile);
    cmd->add_option("--templates", o.templatesFile, "Prompt templates JSON (default: a small built-in set)")
        ->check(CLI::ExistingFile);
    cmd->add_option("--k", o.ks, "Top-K cut-offs (default 1 5)")->check(positiveNumber());
    cmd->add_option("--device", o.device, "auto, cpu, cuda or cuda:N")->capture_default_str();
    cmd->add_option("--batch", o.batchSize, "Images per batch")->capture_default_str()->check(positiveNumber());
    cmd->add_flag("--quiet,-q", opts->quiet, "No progress output");
    cmd->callback([&state, opts] {
        state.action = [opts] {
            eval::ZeroShotFolderJob job(opts->job);
            const int code = runWithTerminal(job, opts->quiet);
            if (code == 0) std::cout << job.toJson().dump(2) << "\n";
            return code;
        };
    });
}

struct WorkspaceEvalOptions {
    eval::EvalOptions eval;
    std::string benchmark;
    std::string compare;
    bool json = false;
    bool quiet = false;
};

// Runs one evaluation job; returns the exit code and leaves the outcome in `outcome`.
int runEvaluation(const eval::EvalOptions& options, eval::EvalOutcome& outcome, bool quiet) {
    eval::EvaluateJob job(options);
    const int code = runWithTerminal(job, quiet);
    if (code == 0) outcome = job.outcome();
    return code;
}

nlohmann::ordered_json outcomeJson(const eval::EvalOutcome& outcome) {
    nlohmann::ordered_json metrics = nlohmann::ordered_json::object();
    for (const auto& m : outcome.metrics) metrics[m.name] = m.value;
    return {{"model", outcome.provenance.value("model", "")}, {"task", outcome.task},
            {"dataset", outcome.provenance.value("dataset", "")}, {"split", outcome.split},
            {"metrics", metrics}, {"result_ids", outcome.resultIds}};
}

int workspaceEval(const WorkspaceEvalOptions& opts) {
    auto options = opts.eval;
    options.benchmark = eval::parseBenchmark(opts.benchmark);
    eval::EvalOutcome first;
    if (const int code = runEvaluation(options, first, opts.quiet)) return code;
    if (opts.compare.empty()) {
        if (opts.json) {
            std::cout << outcomeJson(first).dump(2) << "\n";
        } else {
            std::printf("%s on %s%s%s (%s):\n", options.model.c_str(), options.dataset.c_str(),
                        options.split.empty() ? "" : "/", options.split.c_str(), first.task.c_str());
            for (const auto& m : first.metrics) std::printf("  %-28s %10.4f\n", m.name.c_str(), m.value);
        }
        return 0;
    }
    auto other = options;
    other.model = opts.compare;
    eval::EvalOutcome second;
    if (const int code = runEvaluation(other, second, opts.quiet)) return code;
    std::map<std::string, double> after;
    for (const auto& m : second.metrics) after[m.name] = m.value;
    if (opts.json) {
        std::cout << nlohmann::ordered_json{{"before", outcomeJson(first)}, {"after", outcomeJson(second)}}.dump(2) << "\n";
        return 0;
    }
    std::printf("%-28s %14s %14s %10s\n", "metric", options.model.c_str(), other.model.c_str(), "delta");
    for (const auto& m : first.metrics) {
        const auto it = after.find(m.name);
        if (it == after.end()) {
            std::printf("%-28s %14.4f %14s %10s\n", m.name.c_str(), m.value, "-", "-");
        } else {
            std::printf("%-28s %14.4f %14.4f %+10.4f\n", m.name.c_str(), m.value, it->second, it->second - m.value);
        }
    }
    return 0;
}

}  // namespace

void addEvalCommands(CLI::App& app, CliState& state) {
    auto* eval = app.add_subcommand(
        "eval", "Evaluate a workspace model and store the results (--workspace ...), or exported embeddings and captions");
    eval->require_subcommand(0, 1);
    auto opts = std::make_shared<WorkspaceEvalOptions>();
    auto& e = opts->eval;
    eval->add_option("--workspace,-w", e.workspace, "Workspace folder");
    eval->add_option("--model", e.model, "Workspace model to evaluate");
    eval->add_option("--benchmark", opts->benchmark, "retrieval, zeroshot or similarity")
        ->check(CLI::IsMember({"retrieval", "zeroshot", "zero-shot", "similarity"}));
    eval->add_option("--dataset", e.dataset, "Workspace dataset");
    eval->add_option("--split", e.split, "Split (default: every split)");
    eval->add_option("--device", e.device, "auto, cpu, cuda or cuda:N")->capture_default_str();
    eval->add_option("--batch", e.batchSize, "Images per batch when embedding")->capture_default_str()->check(positiveNumber());
    eval->add_option("--k", e.ks, "Retrieval cut-offs (default 1 5 10)")->check(positiveNumber());
    eval->add_option("--attribute", e.attributes,
                     "Zero-shot: image attribute(s) to classify (default: the Shapes attributes; \"folder\" = parent folder)");
    eval->add_option("--classes", e.classesFile, "Zero-shot: classes JSON ([names] or {\"classes\": ...})")
        ->check(CLI::ExistingFile);
    eval->add_option("--templates", e.templatesFile, "Zero-shot: prompt templates JSON ([\"a photo of a {}.\", ...])")
        ->check(CLI::ExistingFile);
    eval->add_flag("--generated", e.zeroShotGenerated,
                   "Zero-shot: classify the generated images (labelled by the real image of their caption)");
    eval->add_option("--generator", e.generator,
                     "Similarity, zero-shot --generated: only images of this generator (e.g. builtin:demo-gen, "
                     "builtin:shift); default every generator");
    eval->add_option("--compare", opts->compare, "Also evaluate this model and print both side by side");
    eval->add_flag("--json", opts->json, "Print JSON");
    eval->add_flag("--quiet,-q", opts->quiet, "No progress output");
    eval->callback([&state, eval, opts] {
        if (!eval->get_subcommands().empty()) return;
        const auto& o = opts->eval;
        if (o.workspace.empty() || o.model.empty() || opts->benchmark.empty() || o.dataset.empty()) {
            throw CLI::ValidationError(
                "eval", "give a sub-command, or --workspace, --model, --benchmark and --dataset to evaluate a workspace model");
        }
        state.action = [opts] { return workspaceEval(*opts); };
    });
    addRetrieval(*eval, state);
    addCaptions(*eval, state);
    addZeroShot(*eval, state);
}

}  // namespace genra::cli
