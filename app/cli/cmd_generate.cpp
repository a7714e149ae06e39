// `genra train-generator` (the built-in text-to-image diffusion model) and `genra generate`
// (images per caption with the built-in model, an external command or the builtin:shift control).
#include "app/cli/commands.h"
#include "app/cli/data_parallel_options.h"
#include "app/cli/schema_options.h"
#include "app/cli/shard_option.h"
#include "app/cli/terminal.h"
#include "core/gen/builtin_generator.h"
#include "core/gen/external.h"
#include "core/gen/generate.h"
#include "core/gen/merge_shards.h"
#include "core/data/shapes_adherence.h"
#include "core/store/workspace.h"
#include "core/train/distributed.h"
#include "core/train/generator_training.h"
#include "core/util/error.h"

#include <nlohmann/json.hpp>

#include <iostream>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <unistd.h>

namespace genra::cli {

namespace {

void addTrainGenerator(CLI::App& app, CliState& state) {
    auto* cmd = app.add_subcommand("train-generator",
                                   "Train the built-in text-to-image diffusion model on a dataset's real images and "
                                   "captions (running it again with the same --name resumes it)");
    auto o = std::make_shared<gen::GeneratorTrainOptions>();
    auto workspace = std::make_shared<std::string>();
    auto doc = std::make_shared<bool>(false);
    cmd->add_option("--workspace,-w", *workspace, "Workspace folder (required unless --doc)");
    cmd->add_flag("--doc", *doc, "Print every generator recipe key with its type, default, range and meaning (Markdown)");
    // One flag per recipe key (core/gen/generator_recipe.cpp's table).
    addSchemaOptions(cmd, gen::generatorRecipeSchema(), o);
    auto recipe = std::make_shared<std::string>();
    cmd->add_option("--recipe", *recipe,
                    "Generator recipe JSON (the keys of a trained generator's model.json \"options\"; "
                    "resources/demo-generator/recipe.json trained the demo's). With it, only --name, --device "
                    "and --workers may be given as well, and override the file")
        ->check(CLI::ExistingFile);
    auto parallel = std::make_shared<DataParallelOptions>();
    addDataParallelOptions(cmd, parallel);
    cmd->callback([&state, o, workspace, recipe, doc, cmd, parallel] {
        if (*doc) {
            state.action = [] {
                std::cout << gen::generatorRecipeMarkdown();
                return 0;
            };
            return;
        }
        if (workspace->empty()) throw CLI::RequiredError("--workspace");
        const int threads = state.threads;
        state.action = [o, workspace, recipe, cmd, parallel, threads] {
            if (!recipe->empty()) {
                for (const auto* option : cmd->get_options()) {
                    if (option->count() == 0) continue;
                    bool allowed = false;
                    for (const char* name :
                         {"--workspace", "--recipe", "--name", "--device", "--workers", "--nproc", "--dist-timeout"}) {
                        allowed = allowed || option->check_name(name);
                    }
                    if (!allowed) {
                        throw Error(option->get_name() + " cannot be combined with --recipe " + *recipe +
                                    "; set its key in the recipe instead");
                    }
                }
                auto fromFile = gen::loadGeneratorRecipe(*recipe);
                if (cmd->count("--name")) fromFile.name = o->name;
                if (cmd->count("--device")) fromFile.device = o->device;
                if (cmd->count("--workers")) fromFile.workers = o->workers;
                *o = fromFile;
            }
            // --nproc N: the ranks read every option from one recipe file (the flags given here, or
            // --recipe with its overrides), removed when they are done.
            std::vector<std::string> command{"train-generator", "--workspace", *workspace};
            std::filesystem::path ranksRecipe;
            if (parallel->nproc > 1) {
                ranksRecipe = std::filesystem::temp_directory_path() /
                              ("genra-train-generator-" + std::to_string(::getpid()) + ".json");
                std::ofstream file(ranksRecipe);
                file << gen::toJson(*o).dump(2) << "\n";
                if (!file.flush()) throw Error("cannot write the ranks' recipe " + ranksRecipe.string());
                command.insert(command.end(), {"--recipe", ranksRecipe.string()});
            }
            if (const int code = launchRanksIfAsked(*parallel, command, threads); code >= 0) {
                std::error_code ignored;
                std::filesystem::remove(ranksRecipe, ignored);
                return code;
            }
            train::TrainGeneratorJob job(*workspace, *o);
            const int code = runWithTerminal(job);
            if (code == 0 && train::processGroup()->isMain()) {  // data-parallel: rank 0 reports
                std::printf("generator \"%s\" trained (%lld steps%s); use it with --generator builtin:%s\n",
                            job.options().name.c_str(), static_cast<long long>(job.options().steps),
                            job.resumed() ? (", resumed at step " + std::to_string(job.resumedFromStep())).c_str() : "",
                            job.options().name.c_str());
            }
            return code;
        };
    });
}

void addGenerate(CLI::App& app, CliState& state) {
    auto* cmd = app.add_subcommand("generate",
                                   "Generate K images per caption with builtin:MODEL or external:NAME (or builtin:shift, "
                                   "the positive control: each caption's own real image under a fixed appearance change); "
                                   "images already made are skipped, so running it again resumes");
    auto o = std::make_shared<gen::GenerateOptions>();
    auto workspace = std::make_shared<std::string>();
    auto captions = std::make_shared<std::string>();
    auto command = std::make_shared<std::string>();
    auto config = std::make_shared<std::string>();
    auto guidance = std::make_shared<double>(0.0);
    auto steps = std::make_shared<int>(0);
    auto timeout = std::make_shared<double>(0.0);
    cmd->add_option("--workspace,-w", *workspace, "Workspace folder")->required();
    cmd->add_option("--dataset", o->dataset, "Dataset whose captions are used")->required();
    cmd->add_option("--split", o->split, "Captions of the real images of this split")->required();
    cmd->add_option("--captions", *captions, "File with one caption id or source key per line (default: all)")
        ->check(CLI::ExistingFile);
    cmd->add_option("--captions-per-image", o->captionsPerImage, "Use only the first N captions of each image (0: all)")
        ->capture_default_str();
    cmd->add_option("--max-captions", o->maxCaptions, "At most this many captions (0: no limit)")->capture_default_str();
    auto shard = std::make_shared<Shard>();
    addShardOption(cmd, shard, "selected captions (after --captions, --captions-per-image and --max-captions)");
    cmd->add_option("--generator", o->generator,
                    "builtin:MODEL, external:NAME, or builtin:shift (a control, not a generator: the caption's real "
                    "image with its hue rotated, contrast lowered, blurred and noised, see --shift-*)")
        ->required();
    cmd->add_option("--generator-command", *command,
                    "External generator command line (split into argv without a shell) instead of generators.json");
    cmd->add_option("--generator-config", *config, "Generator config JSON (default: WORKSPACE/generators.json)");
    cmd->add_option("--timeout", *timeout, "Seconds an external generator may take per caption");
    cmd->add_option("--per-caption", o->perCaption, "Images per caption")->capture_default_str()->check(positiveNumber());
    cmd->add_option("--seed", o->seed, "Base seed (each image's seed derives from it, the caption id and k)")
        ->capture_default_str();
    cmd->add_option("--guidance", *guidance, "Classifier-free guidance scale (default 8 builtin, 7.5 external)");
    cmd->add_option("--steps", *steps, "Sampling steps (default 20 builtin, 30 external)")->check(positiveNumber());
    cmd->add_option("--eta", o->eta, "DDIM eta (0: deterministic)")->capture_default_str();
    cmd->add_option("--sampler", o->sampler, "Built-in sampler")->capture_default_str()->check(CLI::IsMember({"ddim", "ddpm"}));
    cmd->add_option("--batch", o->batchSize, "Built-in: images per sampling batch")->capture_default_str();
    cmd->add_option("--width", o->width, "External: image width")->capture_default_str();
    cmd->add_option("--height", o->height, "External: image height")->capture_default_str();
    cmd->add_option("--device", o->device, "Built-in: cpu, cuda, cuda:N or auto")->capture_default_str();
    cmd->add_option("--out-subdir", o->outSubdir, "Folder under WORKSPACE/images/")->capture_default_str();
    cmd->add_option("--shift-hue", o->shiftHue, "builtin:shift: hue rotation in degrees (OpenCV HSV, 360-degree wheel)")
        ->capture_default_str();
    cmd->add_option("--shift-contrast", o->shiftContrast,
                    "builtin:shift: contrast factor > 0 (each channel: mean + F * (value - mean); 1: unchanged)")
        ->capture_default_str();
    cmd->add_option("--shift-blur", o->shiftBlur, "builtin:shift: Gaussian blur sigma in pixels (0: no blur)")
        ->capture_default_str();
    cmd->add_option("--shift-noise", o->shiftNoise,
                    "builtin:shift: std of Gaussian noise in grey levels 0-255, drawn from each image's seed (0: none)")
        ->capture_default_str();
    cmd->callback([&state, cmd, o, workspace, captions, command, config, guidance, steps, timeout, shard] {
        o->shard = *shard;
        if (cmd->count("--guidance")) o->guidance = *guidance;
        if (cmd->count("--steps")) o->steps = *steps;
        if (cmd->count("--timeout")) o->timeoutSeconds = *timeout;
        o->workspace = *workspace;
        o->captionsFile = *captions;
        o->generatorConfig = *config;
        if (!command->empty()) o->generatorCommand = gen::splitCommandLine(*command);
        state.action = [o] {
            gen::GenerateJob job(*o);
            const int code = runWithTerminal(job);
            const auto& s = job.summary();
            if (!o->shard.all()) {
                std::printf("shard %s: %lld of %lld captions\n", o->shard.label().c_str(), static_cast<long long>(s.captions),
                            static_cast<long long>(s.selectedCaptions));
            }
            std::printf("%lld captions: %lld images made, %lld already there%s\n", static_cast<long long>(s.captions),
                        static_cast<long long>(s.generated), static_cast<long long>(s.skipped),
                        s.failed ? (", " + std::to_string(s.failed) + " failed").c_str() : "");
            return code;
        };
    });
}

void addMerge(CLI::App& app, CliState& state) {
    auto* cmd = app.add_subcommand(
        "merge",
        "Bring the generated images and embeddings of shard workspaces (copies of this workspace that ran generate "
        "or embed with --shard K/N) into one workspace, each image recorded with its shard, generator and seed; "
        "what is already there is skipped, so merging again changes nothing");
    auto o = std::make_shared<gen::MergeShardsOptions>();
    auto workspace = std::make_shared<std::string>();
    auto shards = std::make_shared<std::vector<std::string>>();
    auto noEmbeddings = std::make_shared<bool>(false);
    cmd->add_option("--workspace,-w", *workspace, "Target workspace folder")->required();
    cmd->add_option("--from", *shards, "Shard workspace folders, read only")->required()->expected(1, -1);
    cmd->add_flag("--no-embeddings", *noEmbeddings, "Bring generated images only, not stored embeddings");
    cmd->callback([&state, o, workspace, shards, noEmbeddings] {
        o->workspace = *workspace;
        o->shards.assign(shards->begin(), shards->end());
        o->embeddings = !*noEmbeddings;
        state.action = [o] {
            gen::MergeShardsJob job(*o);
            const int code = runWithTerminal(job);
            const auto& s = job.summary();
            if (code == 0) {
                std::printf("merged %lld generated images (%lld already there), %lld embeddings (%lld already there, %lld "
                            "without a matching model or item)\n",
                            static_cast<long long>(s.images), static_cast<long long>(s.imagesPresent),
                            static_cast<long long>(s.embeddings), static_cast<long long>(s.embeddingsPresent),
                            static_cast<long long>(s.embeddingsUnmatched));
            }
            return code;
        };
    });
}

void addShapesAdherence(CLI::App& app, CliState& state) {
    auto* cmd = app.add_subcommand("shapes-adherence",
                                   "How well generated Shapes images follow their captions (colour, position, shape), "
                                   "beside the real images and chance");
    auto o = std::make_shared<data::ShapesAdherenceOptions>();
    auto workspace = std::make_shared<std::string>();
    auto json = std::make_shared<bool>(false);
    cmd->add_option("--workspace,-w", *workspace, "Workspace folder")->required();
    cmd->add_option("--dataset", o->dataset, "Shapes dataset the images were generated for")->required();
    cmd->add_option("--split", o->split, "Only generated images of this split (default: all)");
    cmd->add_option("--generator", o->generator, "Only images of this generator, e.g. builtin:demo-gen (default: all)");
    cmd->add_option("--max-images", o->maxImages, "At most this many images (0: all)")->capture_default_str();
    cmd->add_option("--seed", o->seed, "Seed of the wrong-caption pairing that gives chance")->capture_default_str();
    cmd->add_flag("--json", *json, "Print JSON");
    cmd->callback([&state, o, workspace, json] {
        state.action = [o, workspace, json] {
            auto ws = store::Workspace::open(*workspace, store::Db::Mode::ReadOnly);
            const auto report = data::measureShapesAdherence(ws, *o);
            if (*json) {
                std::cout << data::toJson(report).dump(2) << "\n";
                return 0;
            }
            std::printf("%lld generated images at %d px; position counted for the %lld whose caption states it\n",
                        static_cast<long long>(report.generated.images), report.imageSize,
                        static_cast<long long>(report.generated.positionImages));
            std::printf("%-28s %8s %8s %8s %8s\n", "", "COLOUR", "POSITION", "SHAPE", "ALL");
            const std::pair<const char*, const data::AdherenceRates*> rows[] = {
                {"generated", &report.generated},
                {"real (same captions)", &report.real},
                {"chance (another caption)", &report.chance}};
            for (const auto& [label, r] : rows) {
                std::printf("%-28s %7.1f%% %7.1f%% %7.1f%% %7.1f%%\n", label, 100 * r->color, 100 * r->position,
                            100 * r->shape, 100 * r->all);
            }
            std::printf("fine detail (RMS difference from a 3x3 blur, grey levels): generated %.1f, real %.1f\n",
                        report.generatedFineDetail, report.realFineDetail);
            return 0;
        };
    });
}

}  // namespace

void addGenerateCommands(CLI::App& app, CliState& state) {
    addTrainGenerator(app, state);
    addGenerate(app, state);
    addMerge(app, state);
    addShapesAdherence(app, state);
}

}  // namespace genra::cli
