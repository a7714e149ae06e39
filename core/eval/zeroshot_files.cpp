#include "core/eval/zeroshot_files.h"

#include <cmath>
#include <fstream>
#include <map>
#include <random>
#include <sstream>

#include "core/data/npy.h"
#include "core/model/embed.h"
#include "core/util/error.h"

namespace fs = std::filesystem;

namespace genra::eval {

namespace {

// A scratch folder removed when the job ends, however it ends.
struct ScratchDir {
    fs::path path;
    ScratchDir() {
        std::random_device device;
        path = fs::temp_directory_path() /
               ("genra-zeroshot-" + std::to_string(device()) + std::to_string(device()));
        fs::create_directories(path);
    }
    ~ScratchDir() {
        std::error_code ignored;
        fs::remove_all(path, ignored);
    }
};

}  // namespace

bool ZeroShotFolderJob::run(jobs::JobContext& context) {
    auto folder = readImageFolder(options_.imageFolder);
    task_ = folder.task;
    if (!options_.classesFile.empty()) {
        // The file names the folders to classify and, optionally, the phrase each stands for.
        const auto named = readClassesJson(options_.classesFile);
        std::map<std::string, std::string> phraseOf;
        for (std::size_t i = 0; i < named.classes.size(); ++i)
            phraseOf[named.classes[i]] = named.classPhrases[i];
        for (std::size_t i = 0; i < task_.classes.size(); ++i) {
            const auto it = phraseOf.find(task_.classes[i]);
            if (it == phraseOf.end()) {
                throw Error(options_.classesFile.string() + ": class folder \"" + task_.classes[i] +
                            "\" of " + options_.imageFolder.string() + " is not listed");
            }
            task_.classPhrases[i] = it->second;
        }
    }
    task_.templates = options_.templatesFile.empty() ? defaultZeroShotTemplates()
                                                     : readTemplatesJson(options_.templatesFile);
    const auto prompts = expandPrompts(task_);

    ScratchDir scratch;
    model::EmbedFilesOptions embed;
    embed.weights = options_.weights;
    embed.vocab = options_.vocab;
    embed.images = folder.images;
    embed.captions = prompts;
    embed.outDir = scratch.path;
    embed.device = options_.device;
    embed.batchSize = options_.batchSize;
    embed.workers = options_.workers;
    model::EmbedFilesJob job(embed);
    if (!job.run(context)) throw Error("embedding " + options_.imageFolder.string() + " failed");
    unreadable_ = job.failedImages();

    // index.tsv maps image rows back to files: unreadable images are absent.
    std::map<std::string, std::int64_t> labelOfPath;
    for (std::size_t i = 0; i < folder.images.size(); ++i)
        labelOfPath[folder.images[i].string()] = folder.labels[i];
    std::vector<std::int64_t> labels;
    std::ifstream index(scratch.path / "index.tsv");
    std::string line;
    std::getline(index, line);  // header
    while (std::getline(index, line)) {
        std::istringstream fields(line);
        std::string kind;
        std::string row;
        std::string source;
        std::getline(fields, kind, '\t');
        std::getline(fields, row, '\t');
        std::getline(fields, source);
        if (kind == "image") labels.push_back(labelOfPath.at(source));
    }
    const auto images = data::readNpy(scratch.path / "image_embeddings.npy");
    const auto texts = data::readNpy(scratch.path / "text_embeddings.npy");
    if (labels.empty()) throw Error("no image of " + options_.imageFolder.string() + " could be read");
    const auto classifier = ensembleClassEmbeddings(texts, static_cast<std::int64_t>(task_.classes.size()));
    result_ = zeroShotClassify(images, classifier, labels, options_.ks);
    return true;
}

nlohmann::ordered_json ZeroShotFolderJob::toJson() const {
    nlohmann::ordered_json out;
    out["images"] = result_.images;
    out["unreadable_images"] = unreadable_;
    out["classes"] = task_.classes.size();
    out["templates"] = task_.templates.size();
    for (std::size_t k = 0; k < result_.ks.size(); ++k)
        out["top" + std::to_string(result_.ks[k])] = result_.topKPercent[k];
    out["mean_per_class"] = result_.meanPerClassPercent;
    nlohmann::ordered_json perClass = nlohmann::ordered_json::object();
    for (std::size_t c = 0; c < task_.classes.size(); ++c) {
        const double p = result_.perClassPercent[c];
        perClass[task_.classes[c]] = {
            {"accuracy", std::isnan(p) ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(p)},
            {"images", result_.perClassCount[c]}};
    }
    out["per_class"] = perClass;
    return out;
}

}  // namespace genra::eval
