// `genra embed`: CLIP embeddings of image files and captions (.npy), or of a workspace dataset.
#include "app/cli/commands.h"
#include "app/cli/shard_option.h"
#include "app/cli/terminal.h"
#include "core/model/embed.h"
#include "core/util/error.h"

#include <fstream>
#include <iostream>

namespace genra::cli {

namespace {
std::vector<std::string> readLines(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw Error("cannot open " + path);
    std::vector<std::string> lines;
    std::string line;
    while (std::getline(in, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        lines.push_back(line);
    }
    return lines;
}
}  // namespace

void addEmbedCommand(CLI::App& app, CliState& state) {
    auto* cmd = app.add_subcommand(
        "embed", "CLIP embeddings: of files (--weights ... --out DIR) or of a workspace dataset (--workspace --model --dataset)");
    struct Options {
        std::string weights, vocab, imageList, captions, out, device = "auto", precision = "fp32", workspace, model, dataset, split;
        std::vector<std::string> images;
        int batch = 32;
    };
    auto o = std::make_shared<Options>();
    cmd->add_option("--weights", o->weights, "CLIP weights file (OpenAI .pt, open_clip, safetensors, HF, GenRA)");
    cmd->add_option("--vocab", o->vocab, "BPE vocabulary (needed for captions)");
    cmd->add_option("--images", o->images, "Image files");
    cmd->add_option("--image-list", o->imageList, "File with one image path per line");
    cmd->add_option("--captions", o->captions, "File with one caption per line");
    cmd->add_option("--out", o->out, "Output folder for image_embeddings.npy, text_embeddings.npy, index.tsv");
    cmd->add_option("--device", o->device, "auto, cpu, cuda or cuda:N");
    cmd->add_option("--precision", o->precision, "fp32, or autocast: bf16 (CPU or CUDA), fp16 (CUDA); output stays float32")
        ->check(CLI::IsMember({"fp32", "bf16", "fp16"}))
        ->capture_default_str();
    cmd->add_option("--batch", o->batch, "Batch size")->check(positiveNumber());
    cmd->add_option("--workspace,-w", o->workspace, "Workspace folder (workspace mode)");
    cmd->add_option("--model", o->model, "Workspace model (workspace mode)");
    cmd->add_option("--dataset", o->dataset, "Dataset (workspace mode)");
    cmd->add_option("--split", o->split, "Only this split (workspace mode)");
    auto items = std::make_shared<std::string>("all");
    cmd->add_option("--items", *items,
                    "Workspace mode: what to embed: all (real images, generated images, captions), images (both "
                    "kinds), real, generated or captions")
        ->check(CLI::IsMember({"all", "images", "real", "generated", "captions"}))
        ->capture_default_str();
    auto shard = std::make_shared<Shard>();
    addShardOption(cmd, shard, "items (workspace mode: by image and caption id; files: by position in each list)");
    cmd->callback([&state, o, items, shard] {
        if (!o->workspace.empty()) {
            if (o->model.empty() || o->dataset.empty()) throw CLI::ValidationError("embed", "--workspace needs --model and --dataset");
            state.action = [o, items, shard] {
                model::EmbedWorkspaceOptions options;
                options.workspace = o->workspace;
                options.model = o->model;
                options.dataset = o->dataset;
                options.split = o->split;
                options.device = o->device;
                options.precision = o->precision;
                options.batchSize = o->batch;
                options.realImages = *items == "all" || *items == "images" || *items == "real";
                options.generatedImages = *items == "all" || *items == "images" || *items == "generated";
                options.captions = *items == "all" || *items == "captions";
                options.shard = *shard;
                model::EmbedWorkspaceJob job(options);
                const int code = runWithTerminal(job);
                if (code == 0) std::cout << "stored " << job.written() << " embeddings\n";
                return code;
            };
            return;
        }
        if (*items != "all") throw CLI::ValidationError("--items", "--items works in workspace mode (--workspace)");
        if (o->weights.empty() || o->out.empty()) throw CLI::ValidationError("embed", "give --weights FILE and --out DIR");
        state.action = [o, shard] {
            model::EmbedFilesOptions options;
            options.weights = o->weights;
            options.vocab = o->vocab;
            for (const auto& p : o->images) options.images.emplace_back(p);
            if (!o->imageList.empty())
                for (const auto& line : readLines(o->imageList))
                    if (!line.empty()) options.images.emplace_back(line);
            if (!o->captions.empty()) options.captions = readLines(o->captions);
            if (options.images.empty() && options.captions.empty()) throw Error("nothing to embed: give --images, --image-list or --captions");
            options.outDir = o->out;
            options.device = o->device;
            options.precision = o->precision;
            options.batchSize = o->batch;
            options.shard = *shard;
            model::EmbedFilesJob job(options);
            const int code = runWithTerminal(job);
            return code == 0 && job.failedImages() > 0 ? 1 : code;
        };
    });
}

}  // namespace genra::cli
