// `genra import coco|karpathy|csv|generated`: the dataset importers of core/data as commands.
// Exit 0 when the import ran (even when some images were unreadable: they are recorded and
// reported), 1 when the input itself is bad, 130 when cancelled (run it again to resume).
#include <iostream>
#include <memory>

#include "app/cli/commands.h"
#include "app/cli/terminal.h"
#include "core/data/csv.h"
#include "core/data/importers.h"

namespace genra::cli {

namespace {

int runImport(data::ImportJob& job) {
    const int code = runWithTerminal(job);
    if (job.started()) {
        std::cout << (code == 0 ? "imported " : "partly imported ") << job.summary().describe();
        std::cout.flush();
    }
    return code;
}

// Options every import sub-command takes.
struct CommonArgs {
    std::string workspace;
    std::string name;
    bool allowOutsideRoot = false;
};

void addCommon(CLI::App* cmd, CommonArgs& args, bool withName) {
    cmd->add_option("--workspace,-w", args.workspace, "Workspace folder (create one with `genra init`)")
        ->required();
    cmd->add_flag("--allow-outside-root", args.allowOutsideRoot,
                  "Accept image paths in the input that lead outside the image folder (../.., absolute paths)");
    if (withName)
        cmd->add_option("--name", args.name,
                        "Dataset name (default: the input file's name without extension)");
}

}  // namespace

void addImportCommands(CLI::App& app, CliState& state) {
    auto* import =
        app.add_subcommand("import", "Import a dataset (COCO, Karpathy, CSV/TSV) or generated images");
    import->require_subcommand(1);

    {
        auto* cmd =
            import->add_subcommand("coco", "Import COCO captions JSON (captions_train2014.json-style)");
        auto common = std::make_shared<CommonArgs>();
        auto captions = std::make_shared<std::string>();
        auto images = std::make_shared<std::string>();
        auto split = std::make_shared<std::string>();
        addCommon(cmd, *common, true);
        cmd->add_option("--captions", *captions, "COCO captions JSON file")->required();
        cmd->add_option("--images", *images, "Folder the file_name entries are relative to")->required();
        cmd->add_option("--split", *split, "Split of every image (default: from the file name, else train)");
        cmd->callback([&state, common, captions, images, split] {
            state.action = [&state, common, captions, images, split] {
                data::CocoImportOptions options;
                options.workspace = common->workspace;
                options.name = common->name;
                options.allowOutsideRoot = common->allowOutsideRoot;
                options.threads = state.threads;
                options.captionsFile = *captions;
                options.imageRoot = *images;
                options.split = *split;
                data::CocoImportJob job(options);
                return runImport(job);
            };
        });
    }

    {
        auto* cmd =
            import->add_subcommand("karpathy", "Import a Karpathy split JSON (dataset_coco.json-style)");
        auto common = std::make_shared<CommonArgs>();
        auto jsonFile = std::make_shared<std::string>();
        auto images = std::make_shared<std::string>();
        addCommon(cmd, *common, true);
        cmd->add_option("--json", *jsonFile, "Karpathy split JSON file")->required();
        cmd->add_option("--images", *images, "Folder the filepath/filename entries are relative to")
            ->required();
        cmd->callback([&state, common, jsonFile, images] {
            state.action = [&state, common, jsonFile, images] {
                data::KarpathyImportOptions options;
                options.workspace = common->workspace;
                options.name = common->name;
                options.allowOutsideRoot = common->allowOutsideRoot;
                options.threads = state.threads;
                options.jsonFile = *jsonFile;
                options.imageRoot = *images;
                data::KarpathyImportJob job(options);
                return runImport(job);
            };
        });
    }

    {
        auto* cmd = import->add_subcommand("csv", "Import a CSV/TSV of (image path, caption) rows");
        auto common = std::make_shared<CommonArgs>();
        auto options = std::make_shared<data::CsvImportOptions>();
        auto file = std::make_shared<std::string>();
        auto images = std::make_shared<std::string>();
        auto delimiter = std::make_shared<std::string>();
        auto noHeader = std::make_shared<bool>(false);
        addCommon(cmd, *common, true);
        cmd->add_option("--file", *file, "CSV or TSV file")->required();
        cmd->add_option("--images", *images, "Folder relative image paths are relative to")->required();
        cmd->add_option(
            "--path-column", options->pathColumn,
            "Image path column: a header name (default: image, filepath or path), or a 0-based index");
        cmd->add_option("--caption-column", options->captionColumn,
                        "Caption column: a header name (default: caption or text), or a 0-based index");
        cmd->add_option("--split-column", options->splitColumn,
                        "Split column (default: \"split\" when present)");
        cmd->add_option("--split", options->split, "Split of rows without a split column")
            ->capture_default_str();
        cmd->add_option("--delimiter", *delimiter,
                        "Field delimiter: one character or \"tab\" (default: tab for .tsv, else comma)");
        cmd->add_flag("--no-header", *noHeader,
                      "The first row is data; columns are 0-based indices (default 0 and 1)");
        cmd->callback([&state, common, options, file, images, delimiter, noHeader] {
            state.action = [&state, common, options, file, images, delimiter, noHeader] {
                data::CsvImportOptions o = *options;
                o.workspace = common->workspace;
                o.name = common->name;
                o.allowOutsideRoot = common->allowOutsideRoot;
                o.threads = state.threads;
                o.file = *file;
                o.imageRoot = *images;
                o.header = !*noHeader;
                if (!delimiter->empty()) o.delimiter = data::parseDelimiter(*delimiter);
                data::CsvImportJob job(o);
                return runImport(job);
            };
        });
    }

    {
        auto* cmd = import->add_subcommand(
            "generated",
            "Import generated images <root>/<caption key>/<k>.<ext> and link them to a dataset's captions");
        auto common = std::make_shared<CommonArgs>();
        auto options = std::make_shared<data::GeneratedImportOptions>();
        auto root = std::make_shared<std::string>();
        auto manifest = std::make_shared<std::string>();
        addCommon(cmd, *common, false);
        cmd->add_option("--root", *root, "Folder of generated images, one sub-folder per caption key")
            ->required();
        cmd->add_option("--dataset", options->dataset,
                        "Existing dataset whose captions the images were made from")
            ->required();
        cmd->add_option("--manifest", *manifest,
                        "TSV with columns path, caption (key or text), generator, seed");
        cmd->add_option("--generator", options->generator, "Generator name recorded for each image")
            ->capture_default_str();
        cmd->callback([&state, common, options, root, manifest] {
            state.action = [&state, common, options, root, manifest] {
                data::GeneratedImportOptions o = *options;
                o.workspace = common->workspace;
                o.allowOutsideRoot = common->allowOutsideRoot;
                o.threads = state.threads;
                o.root = *root;
                o.manifest = *manifest;
                data::GeneratedImportJob job(o);
                return runImport(job);
            };
        });
    }
}

}  // namespace genra::cli
