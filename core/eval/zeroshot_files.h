// Zero-shot classification of an image folder (one sub-folder per class) with CLIP weights from a
// file, no workspace needed: `genra eval zeroshot --weights W --vocab V --image-folder DIR`.
// Images and prompts are embedded by EmbedFilesJob (into a scratch folder under outDir, or the
// system temp folder), then classified with CLIP's prompt ensembling (core/eval/zeroshot.h).
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/eval/zeroshot.h"
#include "core/jobs/job.h"

namespace genra::eval {

struct ZeroShotFolderOptions {
    std::string weights;                // any format loadWeights reads
    std::string vocab;                  // BPE merges file for the prompts
    std::filesystem::path imageFolder;  // DIR/<class>/<image>
    std::filesystem::path
        classesFile;  // optional: {"classes": {"folder": "prompt phrase"}} or a list of folders
    std::filesystem::path templatesFile;  // optional; default defaultZeroShotTemplates()
    std::vector<std::int64_t> ks{1, 5};
    std::string device = "auto";
    int batchSize = 32;
    int workers = 0;
};

class ZeroShotFolderJob : public jobs::Job {
public:
    explicit ZeroShotFolderJob(ZeroShotFolderOptions options) : options_(std::move(options)) {}
    std::string name() const override { return "zero-shot " + options_.imageFolder.string(); }
    bool run(jobs::JobContext& context) override;

    const ZeroShotTask& task() const { return task_; }
    const ZeroShotResult& result() const { return result_; }
    std::size_t unreadableImages() const { return unreadable_; }
    // {"images", "classes", "top1", "top5", ..., "mean_per_class", "per_class": {name: {accuracy, images}}}
    nlohmann::ordered_json toJson() const;

private:
    ZeroShotFolderOptions options_;
    ZeroShotTask task_;
    ZeroShotResult result_;
    std::size_t unreadable_ = 0;
};

}  // namespace genra::eval
