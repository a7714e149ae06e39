#include "core/gen/generate.h"

#include "core/data/image.h"
#include "core/gen/builtin_generator.h"
#include "core/gen/diffusion.h"
#include "core/gen/external.h"
#include "core/gen/shift_control.h"
#include "core/model/model_store.h"
#include "core/store/metric_writer.h"
#include "core/store/workspace.h"
#include "core/store/dataset_items.h"
#include "core/store/runs.h"
#include "core/util/error.h"
#include "core/util/hash.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <map>
#include <memory>
#include <set>

namespace fs = std::filesystem;
using nlohmann::json;

namespace genra::gen {

namespace {

using Clock = std::chrono::steady_clock;

struct CaptionItem {
    std::int64_t id = 0;
    std::string text;
    std::string split;
    std::string sourceKey;
    std::int64_t realImageId = 0;  // the real image the caption belongs to
    std::string realPath;          // its stored path (relative to the workspace or absolute)
};

// One image to make.
struct WorkItem {
    std::size_t caption = 0;  // index into the caption list
    int k = 0;
    std::uint64_t seed = 0;
    std::string relativePath;  // images/<subdir>/<caption id>/<k>.png
};

std::string trim(const std::string& s) {
    const auto b = s.find_first_not_of(" \t\r\n");
    if (b == std::string::npos) return {};
    const auto e = s.find_last_not_of(" \t\r\n");
    return s.substr(b, e - b + 1);
}

std::vector<CaptionItem> selectCaptions(store::Workspace& ws, std::int64_t datasetId, const GenerateOptions& o) {
    std::vector<CaptionItem> all;
    {
        std::int64_t lastImage = -1;
        int ofImage = 0;
        for (auto& c : store::realImageCaptions(ws, datasetId, o.split, false)) {
            ofImage = c.imageId == lastImage ? ofImage + 1 : 0;
            lastImage = c.imageId;
            if (o.captionsPerImage > 0 && ofImage >= o.captionsPerImage) continue;
            all.push_back({c.captionId, std::move(c.text), std::move(c.split), std::move(c.sourceKey), c.imageId,
                           std::move(c.imagePath)});
        }
    }
    if (!o.captionsFile.empty()) {
        std::ifstream in(o.captionsFile);
        if (!in) throw Error("cannot read captions file " + o.captionsFile.string());
        std::map<std::string, std::size_t> byKey;
        std::map<std::int64_t, std::size_t> byId;
        for (std::size_t i = 0; i < all.size(); ++i) {
            byId.emplace(all[i].id, i);
            if (!all[i].sourceKey.empty()) byKey.emplace(all[i].sourceKey, i);
        }
        std::vector<CaptionItem> chosen;
        std::set<std::int64_t> seen;
        std::string line;
        int number = 0;
        while (std::getline(in, line)) {
            ++number;
            const std::string key = trim(line);
            if (key.empty() || key[0] == '#') continue;
            std::optional<std::size_t> index;
            if (auto it = byKey.find(key); it != byKey.end()) index = it->second;
            if (!index && key.find_first_not_of("0123456789") == std::string::npos && key.size() < 19) {
                if (auto it = byId.find(std::stoll(key)); it != byId.end()) index = it->second;
            }
            if (!index) {
                throw ParseError(o.captionsFile.string(), "line " + std::to_string(number),
                                 "no caption with id or key \"" + key + "\" among the captions of dataset " + o.dataset +
                                     " split " + o.split);
            }
            if (seen.insert(all[*index].id).second) chosen.push_back(all[*index]);
        }
        all = std::move(chosen);
    }
    if (!o.captionIds.empty()) {
        std::map<std::int64_t, std::size_t> byId;
        for (std::size_t i = 0; i < all.size(); ++i) byId.emplace(all[i].id, i);
        std::vector<CaptionItem> chosen;
        std::set<std::int64_t> seen;
        for (const auto id : o.captionIds) {
            const auto it = byId.find(id);
            if (it == byId.end()) {
                throw Error("caption id " + std::to_string(id) + " is not among the captions of dataset " + o.dataset +
                            " split " + o.split);
            }
            if (seen.insert(id).second) chosen.push_back(all[it->second]);
        }
        all = std::move(chosen);
    }
    if (o.maxCaptions > 0 && all.size() > static_cast<std::size_t>(o.maxCaptions)) all.resize(static_cast<std::size_t>(o.maxCaptions));
    return all;
}

std::vector<CaptionItem> shardOf(std::vector<CaptionItem> all, const Shard& shard) {
    if (shard.all()) return all;
    std::vector<CaptionItem> kept;
    for (auto& c : all)
        if (shard.contains(c.id)) kept.push_back(std::move(c));
    return kept;
}

std::string formatDuration(double seconds) {
    if (!std::isfinite(seconds) || seconds < 0) return "?";
    const auto s = static_cast<long long>(std::lround(seconds));
    if (s < 60) return std::to_string(s) + " s";
    if (s < 3600) return std::to_string(s / 60) + " min " + std::to_string(s % 60) + " s";
    return std::to_string(s / 3600) + " h " + std::to_string((s % 3600) / 60) + " min";
}

// Records one finished image: file at its final path, then its images and generations rows.
void recordImage(store::Workspace& ws, std::int64_t datasetId, const CaptionItem& caption, const WorkItem& item,
                 const std::string& generator, const json& params) {
    const fs::path absolute = ws.dir() / item.relativePath;
    const auto bytes = data::readFileBytes(absolute);
    const auto image = data::decodeImage(bytes, absolute.string());
    store::ImageRecord record;
    record.datasetId = datasetId;
    record.path = item.relativePath;
    record.modality = "generated";
    record.split = caption.split;
    record.width = image.width;
    record.height = image.height;
    record.sha256 = sha256Hex(bytes.data(), bytes.size());
    record.sourceKey = std::to_string(caption.id) + "/" + std::to_string(item.k);
    json p = params;
    p["k"] = item.k;
    store::recordGeneratedImage(ws, record, caption.id, generator, static_cast<std::int64_t>(item.seed), p.dump());
}

// Saves to a temporary name and renames, so a half-written PNG never carries the final name.
void saveAtomically(const data::Image& image, const fs::path& path) {
    fs::create_directories(path.parent_path());
    const fs::path tmp = path.parent_path() / (path.stem().string() + ".partial.png");
    data::saveImage(image, tmp);
    fs::rename(tmp, path);
}

void makeImages(const GenerateOptions& o, GenerateSummary& summary, std::int64_t runId, store::Workspace& ws,
                std::int64_t datasetId, const std::vector<CaptionItem>& captions, const std::vector<WorkItem>& work,
                jobs::JobContext& context);

}  // namespace

ShiftOptions shiftOptions(const GenerateOptions& o) {
    ShiftOptions shift;
    shift.hueDegrees = o.shiftHue;
    shift.contrast = o.shiftContrast;
    shift.blurSigma = o.shiftBlur;
    shift.noiseStd = o.shiftNoise;
    return shift;
}

bool isShiftControl(const std::string& generator) { return generator == kShiftControlGenerator; }

void validate(const GenerateOptions& o) {
    if (o.dataset.empty()) throw Error("generate: no dataset given");
    if (o.perCaption <= 0) throw Error("generate: --per-caption must be positive");
    if (o.generator.rfind("builtin:", 0) != 0 && o.generator.rfind("external:", 0) != 0) {
        throw Error("generate: generator \"" + o.generator + "\" must be builtin:MODEL or external:NAME");
    }
    if (o.generator.find(':') + 1 >= o.generator.size()) throw Error("generate: generator \"" + o.generator + "\" has no name");
    if (o.batchSize <= 0) throw Error("generate: batch size must be positive");
    if (!o.captionsFile.empty() && !o.captionIds.empty()) throw Error("generate: give a captions file or caption ids, not both");
    if (o.steps && *o.steps <= 0) throw Error("generate: steps must be positive");
    if (o.width <= 0 || o.height <= 0) throw Error("generate: width and height must be positive");
    if (o.eta < 0) throw Error("generate: eta must be >= 0");
    if (o.outSubdir.empty() || o.outSubdir.find("..") != std::string::npos || fs::path(o.outSubdir).is_absolute()) {
        throw Error("generate: out subdir \"" + o.outSubdir + "\" must be a plain folder name inside images/");
    }
    samplerFromName(o.sampler);
    if (!std::isfinite(o.shiftHue)) throw Error("generate: --shift-hue must be a finite number of degrees");
    if (!std::isfinite(o.shiftContrast) || !(o.shiftContrast > 0)) {
        throw Error("generate: --shift-contrast must be > 0 (a factor on each pixel's deviation from the mean), got " +
                    json(o.shiftContrast).dump());
    }
    if (!std::isfinite(o.shiftBlur) || !(o.shiftBlur >= 0)) {
        throw Error("generate: --shift-blur must be >= 0 (a Gaussian sigma in pixels; 0: no blur), got " + json(o.shiftBlur).dump());
    }
    if (!std::isfinite(o.shiftNoise) || !(o.shiftNoise >= 0)) {
        throw Error("generate: --shift-noise must be >= 0 (a standard deviation in grey levels; 0: no noise), got " +
                    json(o.shiftNoise).dump());
    }
}

GenerateJob::GenerateJob(GenerateOptions options) : options_(std::move(options)) {}

bool GenerateJob::run(jobs::JobContext& context) {
    const GenerateOptions& o = options_;
    validate(o);
    summary_ = GenerateSummary{};
    auto ws = store::Workspace::open(o.workspace);
    const auto dataset = ws.requireDataset(o.dataset);
    auto selected = selectCaptions(ws, dataset.id, o);
    if (selected.empty()) {
        throw Error("dataset \"" + o.dataset + "\" has no captions of real images in split \"" + o.split + "\" to generate for");
    }
    summary_.selectedCaptions = static_cast<std::int64_t>(selected.size());
    const auto captions = shardOf(std::move(selected), o.shard);
    summary_.captions = static_cast<std::int64_t>(captions.size());
    if (!o.shard.all()) {
        context.log(jobs::LogLevel::Info, "shard " + o.shard.label() + ": " + std::to_string(captions.size()) + " of " +
                                              std::to_string(summary_.selectedCaptions) + " captions");
    }
    const bool builtin = o.generator.rfind("builtin:", 0) == 0;
    const bool shift = isShiftControl(o.generator);
    const std::string generatorName = o.generator.substr(o.generator.find(':') + 1);
    if (shift && model::findModel(ws, kShiftControlName)) {
        context.log(jobs::LogLevel::Warning, std::string("the workspace has a model named \"") + kShiftControlName + "\"; " +
                                                 kShiftControlGenerator +
                                                 " is the shift control (real images, changed), not that model");
    }

    // What is already recorded (path -> generator).
    std::map<std::string, std::string> existing;
    for (auto& [path, generator] : store::generatedImagePaths(ws, dataset.id)) existing.emplace(std::move(path), std::move(generator));
    std::vector<WorkItem> work;
    for (std::size_t c = 0; c < captions.size(); ++c) {
        for (int k = 0; k < o.perCaption; ++k) {
            WorkItem item;
            item.caption = c;
            item.k = k;
            item.seed = imageSeed(o.seed, captions[c].id, k);
            item.relativePath = (fs::path("images") / o.outSubdir / std::to_string(captions[c].id) / (std::to_string(k) + ".png"))
                                    .generic_string();
            ++summary_.requested;
            if (const auto it = existing.find(item.relativePath); it != existing.end() && fs::exists(ws.dir() / item.relativePath)) {
                if (it->second != o.generator) {
                    throw Error(item.relativePath + " was made by " + it->second + ", not " + o.generator +
                                "; give this generator a folder of its own with --out-subdir");
                }
                ++summary_.skipped;
                continue;
            }
            work.push_back(item);
        }
    }
    context.log(jobs::LogLevel::Info, std::to_string(captions.size()) + " captions x " + std::to_string(o.perCaption) + ": " +
                                          std::to_string(work.size()) + " images to make, " + std::to_string(summary_.skipped) +
                                          " already there");
    if (work.empty()) {
        context.progress(1.0, "nothing to do");
        return true;
    }

    // Every job that makes images is a run of kind "generate" (listed by `genra runs`): step counts
    // images made, metrics record the rate, the status says how it ended.
    json recipe = {{"generator", o.generator}, {"dataset", o.dataset}, {"split", o.split},
                   {"per_caption", o.perCaption}, {"seed", o.seed},  {"captions", captions.size()},
                   {"out_subdir", o.outSubdir}};
    if (!o.shard.all()) recipe["shard"] = o.shard.label();
    if (shift) {
        // The control: no sampling options, but what it changes, flagged as a control.
        recipe.update(toJson(shiftOptions(o)));
    } else {
        recipe.update({{"guidance", o.guidance ? json(*o.guidance) : json()},
                       {"steps", o.steps ? json(*o.steps) : json()},
                       {"sampler", o.sampler},
                       {"eta", o.eta}});
    }
    const std::string runPrefix = "generate-" + generatorName + "-" + o.dataset + "-" + o.split + "-" +
                                  (o.shard.all() ? "" : "shard" + std::to_string(o.shard.index) + "of" + std::to_string(o.shard.count) + "-");
    int runNumber = 1;
    while (store::findRun(ws, runPrefix + std::to_string(runNumber))) ++runNumber;
    runId_ = store::createRun(ws, runPrefix + std::to_string(runNumber), kRunKindGenerate, recipe,
                              shift ? "cpu" : builtin ? o.device : "external", static_cast<std::int64_t>(work.size()),
                              store::RunNameUse::LabelOnly);
    auto finish = [&](const std::string& status, const std::string& error) {
        store::heartbeat(ws, runId_, summary_.generated);
        store::finishRun(ws, runId_, status, error);
    };
    try {
        makeImages(o, summary_, runId_, ws, dataset.id, captions, work, context);
    } catch (const Cancelled&) {
        finish("cancelled", {});
        throw;
    } catch (const std::exception& e) {
        finish("failed", e.what());
        throw;
    }
    finish("finished", {});
    return true;
}

namespace {

// Makes the images of `work` (the part of the job that is a run).
void makeImages(const GenerateOptions& o, GenerateSummary& summary, std::int64_t runId, store::Workspace& ws,
                std::int64_t datasetId, const std::vector<CaptionItem>& captions, const std::vector<WorkItem>& work,
                jobs::JobContext& context) {
    const bool builtin = o.generator.rfind("builtin:", 0) == 0;
    const std::string generatorName = o.generator.substr(o.generator.find(':') + 1);
    store::MetricWriter metrics(ws.databasePath());
    auto lastBeat = Clock::now();
    const auto started = Clock::now();
    std::int64_t done = 0;
    auto report = [&](double partial) {
        const double elapsed = std::chrono::duration<double>(Clock::now() - started).count();
        const double made = static_cast<double>(done) + partial;
        const double rate = made / std::max(elapsed, 1e-9);
        const double left = made > 0 ? (static_cast<double>(work.size()) - made) / rate : -1.0;
        char message[200];
        std::snprintf(message, sizeof message, "%lld/%zu images, %.2f images/s, %s left", static_cast<long long>(done),
                      work.size(), rate, formatDuration(left).c_str());
        context.progress(made / static_cast<double>(work.size()), message);
        if (partial == 0.0 && done > 0) {
            metrics.append(runId, done, "images_per_s", rate);
            if (Clock::now() - lastBeat > std::chrono::seconds(2) || done == static_cast<std::int64_t>(work.size())) {
                metrics.flush();
                store::heartbeat(ws, runId, done);
                lastBeat = Clock::now();
            }
        }
    };

    if (isShiftControl(o.generator)) {
        // The control: each caption's real image, changed (shift_control.h). Work items come
        // caption by caption, so each real image is read once.
        const ShiftOptions shift = shiftOptions(o);
        json params = toJson(shift);
        params["base_seed"] = o.seed;
        std::optional<data::Image> real;
        for (std::size_t i = 0; i < work.size(); ++i) {
            context.checkCancelled();
            const WorkItem& item = work[i];
            const CaptionItem& caption = captions[item.caption];
            if (i == 0 || work[i - 1].caption != item.caption) {
                const fs::path path = ws.resolve(caption.realPath);
                try {
                    real = data::loadImage(path);
                } catch (const Error& e) {
                    throw Error("shift control: the real image of caption " + std::to_string(caption.id) + ": " + e.what());
                }
            }
            // The change keeps the size, so the image has the real image's size.
            const data::Image image = applyShift(*real, shift, item.seed);
            saveAtomically(image, ws.dir() / item.relativePath);
            json p = params;
            p["real_image_id"] = caption.realImageId;
            recordImage(ws, datasetId, caption, item, o.generator, p);
            ++summary.generated;
            ++done;
            if (i + 1 == work.size() || work[i + 1].caption != item.caption) report(0.0);
        }
        return;
    }

    if (builtin) {
        context.progress(-1, "loading generator " + generatorName);
        BuiltinGenerator generator = loadBuiltinGenerator(ws, generatorName, o.device);
        SampleOptions sampling;
        sampling.sampler = samplerFromName(o.sampler);
        sampling.steps = o.steps.value_or(kBuiltinSteps);
        sampling.eta = o.eta;
        sampling.guidance = o.guidance.value_or(kBuiltinGuidance);
        const json params = {{"sampler", samplerName(sampling.sampler)},
                             {"steps", sampling.steps},
                             {"eta", sampling.eta},
                             {"guidance", sampling.guidance},
                             {"size", generator.imageSize()},
                             {"model", generatorName},
                             {"model_id", generator.modelId},
                             {"base_seed", o.seed}};
        for (std::size_t begin = 0; begin < work.size(); begin += static_cast<std::size_t>(o.batchSize)) {
            context.checkCancelled();
            const std::size_t end = std::min(work.size(), begin + static_cast<std::size_t>(o.batchSize));
            std::vector<std::string> texts;
            std::vector<std::uint64_t> seeds;
            for (std::size_t i = begin; i < end; ++i) {
                texts.push_back(captions[work[i].caption].text);
                seeds.push_back(work[i].seed);
            }
            const double batchCount = static_cast<double>(end - begin);
            const auto images = generator.generate(texts, seeds, sampling, [&](int stepIndex, int steps) {
                context.checkCancelled();
                report(batchCount * stepIndex / steps);
            });
            for (std::size_t i = begin; i < end; ++i) {
                const auto row = images[static_cast<std::int64_t>(i - begin)].contiguous();
                data::Image image;
                image.height = static_cast<int>(row.size(0));
                image.width = static_cast<int>(row.size(1));
                image.channels = 3;
                image.pixels.assign(row.data_ptr<std::uint8_t>(), row.data_ptr<std::uint8_t>() + row.numel());
                saveAtomically(image, ws.dir() / work[i].relativePath);
                recordImage(ws, datasetId, captions[work[i].caption], work[i], o.generator, params);
                ++summary.generated;
                ++done;
            }
            report(0.0);
        }
        return;
    }

    ExternalGeneratorConfig config;
    if (!o.generatorCommand.empty()) {
        config.name = generatorName;
        config.command = o.generatorCommand;
    } else {
        const fs::path file = o.generatorConfig.empty() ? ws.dir() / "generators.json" : o.generatorConfig;
        if (!fs::exists(file)) {
            throw Error("no generator config " + file.string() + " for external:" + generatorName +
                        " (write {\"" + generatorName + "\": {\"command\": [...]}} there or pass --generator-command)");
        }
        const auto configs = readGeneratorConfigs(file);
        const auto it = configs.find(generatorName);
        if (it == configs.end()) throw Error(file.string() + ": no generator named \"" + generatorName + "\"");
        config = it->second;
    }
    if (o.timeoutSeconds) config.timeoutSeconds = *o.timeoutSeconds;
    const int steps = o.steps.value_or(kExternalSteps);
    const double guidance = o.guidance.value_or(kExternalGuidance);
    const json params = {{"steps", steps}, {"guidance", guidance}, {"width", o.width}, {"height", o.height},
                         {"base_seed", o.seed}, {"command", config.command}};
    ExternalGenerator generator(config);
    std::size_t i = 0;
    while (i < work.size()) {
        context.checkCancelled();
        // One request per caption, for the images of that caption still missing.
        std::size_t end = i;
        while (end < work.size() && work[end].caption == work[i].caption) ++end;
        const CaptionItem& caption = captions[work[i].caption];
        ExternalRequest request;
        request.captionId = caption.id;
        request.caption = caption.text;
        request.outDir = fs::absolute(ws.dir() / work[i].relativePath).parent_path();
        request.width = o.width;
        request.height = o.height;
        request.steps = steps;
        request.guidance = guidance;
        for (std::size_t j = i; j < end; ++j) request.seeds.push_back(work[j].seed);
        fs::create_directories(request.outDir);
        std::vector<fs::path> paths;
        try {
            paths = generator.generate(request);
        } catch (const GeneratorReportedError& e) {
            summary.failed += static_cast<std::int64_t>(end - i);
            summary.errors.push_back(e.what());
            context.log(jobs::LogLevel::Warning, e.what());
            done += static_cast<std::int64_t>(end - i);
            i = end;
            continue;
        }
        // Decode every delivered image before renaming any: a generator may use the target names in
        // another order.
        std::vector<fs::path> targets;
        for (std::size_t j = i; j < end; ++j) targets.push_back(fs::weakly_canonical(fs::absolute(ws.dir() / work[j].relativePath)));
        std::vector<std::optional<data::Image>> moved(targets.size());
        for (std::size_t j = 0; j < targets.size(); ++j) {
            if (fs::weakly_canonical(paths[j]) != targets[j]) moved[j] = data::loadImage(paths[j]);
        }
        for (std::size_t j = 0; j < targets.size(); ++j) {
            if (moved[j] && std::find(targets.begin(), targets.end(), fs::weakly_canonical(paths[j])) == targets.end()) {
                fs::remove(paths[j]);
            }
        }
        for (std::size_t j = i; j < end; ++j) {
            if (moved[j - i]) saveAtomically(*moved[j - i], targets[j - i]);
            recordImage(ws, datasetId, caption, work[j], o.generator, params);
            ++summary.generated;
            ++done;
        }
        i = end;
        report(0.0);
    }
    if (summary.failed > 0) {
        throw Error("external:" + generatorName + " reported errors for " + std::to_string(summary.failed) +
                    " images (the other " + std::to_string(summary.generated) + " were made); first: " + summary.errors.front());
    }
}

}  // namespace

}  // namespace genra::gen
