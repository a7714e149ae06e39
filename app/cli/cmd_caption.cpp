// `genra caption train | predict | eval | recipe`: the ClipCap-style captioner.
#include "app/cli/commands.h"
#include "app/cli/data_parallel_options.h"
#include "app/cli/terminal.h"
#include "core/caption/caption_eval.h"
#include "core/caption/caption_predict.h"
#include "core/caption/caption_recipe.h"
#include "core/train/captioner_training.h"
#include "core/train/distributed.h"
#include "core/util/error.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>
#include <memory>

namespace genra::cli {

namespace {

struct PredictArgs {
    std::string workspace;
    std::string model;
    std::string dataset;
    std::string split = "test";
    std::string modality = "real";
    int beam = 0;
    int maxLength = 0;
    double lengthPenalty = -1.0;
    int batch = 64;
    std::string device = "auto";
};

void addPredictOptions(CLI::App* cmd, PredictArgs& a) {
    cmd->add_option("--workspace,-w", a.workspace, "Workspace folder")->required();
    cmd->add_option("--model,-m", a.model, "Captioner (a model of kind captioner)")->required();
    cmd->add_option("--dataset,-d", a.dataset, "Dataset")->required();
    cmd->add_option("--split,-s", a.split, "Split whose images are captioned")->capture_default_str();
    cmd->add_option("--modality", a.modality, "real (the CLIP model's real-image encoder) or generated (f_g)")->capture_default_str()
        ->check(CLI::IsMember({"real", "generated"}));
    cmd->add_option("--beam", a.beam, "Beam size (1 = greedy; default: the model's, 5)")->check(positiveNumber());
    cmd->add_option("--max-length", a.maxLength, "Tokens generated at most (default: the model's)")->check(positiveNumber());
    cmd->add_option("--length-penalty", a.lengthPenalty, "Beam length penalty exponent (default: the model's)")
        ->check(nonNegativeNumber());
    cmd->add_option("--batch", a.batch, "Images decoded together")->capture_default_str()->check(positiveNumber());
    cmd->add_option("--device", a.device, "auto | cpu | cuda | cuda:N")->capture_default_str();
}

caption::CaptionPredictOptions predictOptions(const PredictArgs& a) {
    caption::CaptionPredictOptions o;
    o.workspace = a.workspace;
    o.model = a.model;
    o.dataset = a.dataset;
    o.split = a.split;
    o.modality = a.modality;
    if (a.beam > 0) o.beamSize = a.beam;
    if (a.maxLength > 0) o.maxLength = a.maxLength;
    if (a.lengthPenalty >= 0) o.lengthPenalty = a.lengthPenalty;
    o.batchSize = a.batch;
    o.device = a.device;
    return o;
}

}  // namespace

void addCaptionCommands(CLI::App& app, CliState& state) {
    auto* group = app.add_subcommand("caption", "ClipCap-style captioner: train, predict, evaluate");
    group->require_subcommand(1);
    {
        auto* cmd = group->add_subcommand("train", "Train a captioner from a recipe (see `genra caption recipe --doc`), or resume a run");
        auto workspace = std::make_shared<std::string>();
        auto recipe = std::make_shared<std::string>();
        auto name = std::make_shared<std::string>();
        auto resume = std::make_shared<std::string>();
        cmd->add_option("--workspace,-w", *workspace, "Workspace folder")->required();
        auto* recipeOpt = cmd->add_option("--recipe", *recipe, "Captioner recipe JSON")->check(CLI::ExistingFile);
        auto* resumeOpt = cmd->add_option("--resume", *resume, "Resume this run (id or name) from its last checkpoint");
        cmd->add_option("--name", *name, "Name of the run and of the captioner it registers");
        auto parallel = std::make_shared<DataParallelOptions>();
        addDataParallelOptions(cmd, parallel);
        recipeOpt->excludes(resumeOpt);
        cmd->callback([&state, workspace, recipe, name, resume, parallel] {
            if (recipe->empty() && resume->empty()) throw CLI::ValidationError("caption train", "give --recipe FILE or --resume RUN");
            const int threads = state.threads;
            state.action = [workspace, recipe, name, resume, parallel, threads] {
                std::vector<std::string> command{"caption", "train", "--workspace", *workspace};
                if (!resume->empty()) command.insert(command.end(), {"--resume", *resume});
                if (!recipe->empty()) command.insert(command.end(), {"--recipe", *recipe});
                if (!name->empty()) command.insert(command.end(), {"--name", *name});
                if (const int code = launchRanksIfAsked(*parallel, command, threads); code >= 0) return code;
                std::unique_ptr<train::CaptionTrainJob> job;
                if (!resume->empty()) {
                    job = std::make_unique<train::CaptionTrainJob>(train::CaptionTrainJob::resume(*workspace, *resume));
                } else {
                    job = std::make_unique<train::CaptionTrainJob>(*workspace, caption::loadCaptionRecipe(*recipe), *name);
                }
                const int code = runWithTerminal(*job);
                if (code == 0 && train::processGroup()->isMain()) {  // data-parallel: rank 0 reports
                    std::printf("run %s finished (final loss %.4f); captioner \"%s\" registered\n", job->runName().c_str(),
                                job->finalLoss(), job->modelName().c_str());
                }
                return code;
            };
        });
    }
    {
        auto* cmd = group->add_subcommand("predict", "Caption a split's images; write COCO results JSON [{image_id, caption}]");
        auto args = std::make_shared<PredictArgs>();
        auto out = std::make_shared<std::string>();
        addPredictOptions(cmd, *args);
        cmd->add_option("--out,-o", *out, "Output JSON (image_id is the workspace image id)")->required();
        cmd->callback([&state, args, out] {
            state.action = [args, out] {
                auto options = predictOptions(*args);
                options.out = *out;
                caption::CaptionPredictJob job(options);
                const int code = runWithTerminal(job);
                if (code == 0) std::printf("%zu captions written to %s\n", job.predictions().size(), out->c_str());
                return code;
            };
        });
    }
    {
        auto* cmd = group->add_subcommand(
            "eval", "Score a captioner on a split against its reference captions (BLEU, METEOR, ROUGE-L, CIDEr) and store the results");
        auto args = std::make_shared<PredictArgs>();
        auto predictions = std::make_shared<std::string>();
        auto meteorJar = std::make_shared<std::string>();
        auto spiceJar = std::make_shared<std::string>();
        auto noStore = std::make_shared<bool>(false);
        addPredictOptions(cmd, *args);
        cmd->add_option("--predictions", *predictions, "Score this COCO results file instead of predicting")->check(CLI::ExistingFile);
        cmd->add_option("--meteor-jar", *meteorJar, "meteor-1.5.jar (needs java); without it METEOR_builtin is reported");
        cmd->add_option("--spice-jar", *spiceJar, "spice-1.0.jar (needs java); without it SPICE is null");
        cmd->add_flag("--no-store", *noStore, "Do not write eval_results rows");
        cmd->callback([&state, args, predictions, meteorJar, spiceJar, noStore] {
            state.action = [args, predictions, meteorJar, spiceJar, noStore] {
                caption::CaptionEvalOptions options;
                options.predict = predictOptions(*args);
                options.predictions = *predictions;
                options.metrics.meteorJar = *meteorJar;
                options.metrics.spiceJar = *spiceJar;
                options.store = !*noStore;
                caption::CaptionEvalJob job(options);
                const int code = runWithTerminal(job);
                if (code != 0) return code;
                for (const auto& note : job.result().notes) std::cerr << "note: " << note << "\n";
                std::cout << job.result().scores.dump(2) << "\n";
                return 0;
            };
        });
    }
    {
        auto* cmd = group->add_subcommand("recipe", "Print the captioner recipe reference or the default recipe");
        auto doc = std::make_shared<bool>(false);
        cmd->add_flag("--doc", *doc, "Print every recipe key with its default and meaning (Markdown)");
        cmd->callback([&state, doc] {
            state.action = [doc] {
                if (*doc) {
                    std::cout << caption::captionRecipeMarkdown();
                } else {
                    std::cout << train::defaultCaptionRecipeJson().dump(2) << "\n";
                }
                return 0;
            };
        });
    }
}

}  // namespace genra::cli
