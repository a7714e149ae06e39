#include "core/gen/merge_shards.h"

#include "core/model/model_store.h"
#include "core/store/dataset_items.h"
#include "core/store/runs.h"
#include "core/store/shard_merge.h"
#include "core/store/workspace.h"
#include "core/util/error.h"

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <set>
#include <unordered_map>

namespace fs = std::filesystem;
using nlohmann::json;

namespace genra::gen {

namespace {

std::string join(const std::string& a, const std::string& b) { return a + '\x1f' + b; }

std::string captionKey(const store::DatasetCaption& c) {
    return join(join(join(c.dataset, c.imagePath), std::to_string(c.ord)), c.text);
}

std::string seedText(const std::optional<std::int64_t>& seed) { return seed ? std::to_string(*seed) : "none"; }

// A generated image to bring over.
struct Planned {
    std::size_t shard = 0;
    store::GeneratedImageRow row;  // as the shard stores it
    std::int64_t datasetId = 0;    // in the target
    std::int64_t captionId = 0;    // in the target
    std::string path;              // in the target
    std::string sourceKey;         // in the target
};

// The shard's path with its caption-id folder (images/<subdir>/<caption id>/<k>.png, what
// GenerateJob writes) renamed to the target's caption id; other paths stay as they are.
std::string targetPath(const std::string& path, std::int64_t shardCaption, std::int64_t targetCaption) {
    if (shardCaption == targetCaption) return path;
    const fs::path p(path);
    if (p.parent_path().filename() != std::to_string(shardCaption)) return path;
    return (p.parent_path().parent_path() / std::to_string(targetCaption) / p.filename()).generic_string();
}

void copyAtomically(const fs::path& from, const fs::path& to) {
    fs::create_directories(to.parent_path());
    // Images are bulk data that a re-run merges again: renamed into place, without the per-file
    // fsync of util::commitFileAtomically (kept for checkpoints, models and configs).
    const fs::path tmp = to.parent_path() / (to.filename().string() + ".merging");
    fs::copy_file(from, tmp, fs::copy_options::overwrite_existing);
    fs::rename(tmp, to);
}

}  // namespace

bool MergeShardsJob::run(jobs::JobContext& context) {
    summary_ = MergeShardsSummary{};
    if (options_.shards.empty()) throw Error("merge: no shard workspaces given (--from)");
    auto ws = store::Workspace::open(options_.workspace);
    const fs::path target = fs::weakly_canonical(ws.dir());
    std::vector<fs::path> shardDirs;
    std::set<fs::path> seen;
    for (const auto& dir : options_.shards) {
        if (!store::Workspace::exists(dir)) throw Error("merge: --from " + dir.string() + " is not a workspace");
        const fs::path canonical = fs::weakly_canonical(dir);
        if (canonical == target) throw Error("merge: --from " + dir.string() + " is the target workspace itself");
        if (!seen.insert(canonical).second) continue;  // named twice: merged once
        shardDirs.push_back(canonical);
    }

    // The target's keys.
    std::unordered_map<std::string, std::int64_t> captionIds;
    for (const auto& c : store::captionsWithDatasetNames(ws)) captionIds.emplace(captionKey(c), c.id);
    std::map<std::string, std::int64_t> datasetIds;
    auto datasetId = [&](const std::string& name, const fs::path& shard) {
        if (auto it = datasetIds.find(name); it != datasetIds.end()) return it->second;
        const auto info = ws.findDataset(name);
        if (!info) {
            throw Error("merge: shard " + shard.string() + " has dataset \"" + name + "\", which " + ws.dir().string() +
                        " lacks (shards start as copies of the workspace they are merged into)");
        }
        datasetIds.emplace(name, info->id);
        return info->id;
    };

    // Plan every shard before writing anything.
    context.progress(-1, "checking " + std::to_string(shardDirs.size()) + " shards");
    std::vector<Planned> plan;
    std::map<std::pair<std::int64_t, std::string>, std::size_t> planned;  // (dataset, path) -> plan index
    for (std::size_t s = 0; s < shardDirs.size(); ++s) {
        context.checkCancelled();
        auto shard = store::Workspace::open(shardDirs[s], store::Db::Mode::ReadOnly);
        std::unordered_map<std::int64_t, const store::DatasetCaption*> shardCaptions;
        const auto captions = store::captionsWithDatasetNames(shard);
        for (const auto& c : captions) shardCaptions.emplace(c.id, &c);
        for (auto& row : store::generatedImageRows(shard)) {
            Planned p;
            p.shard = s;
            p.datasetId = datasetId(row.dataset, shardDirs[s]);
            const auto caption = shardCaptions.find(row.captionId);
            const auto match = caption == shardCaptions.end() ? captionIds.end() : captionIds.find(captionKey(*caption->second));
            if (match == captionIds.end()) {
                throw Error("merge: " + row.path + " in shard " + shardDirs[s].string() + " was made from caption " +
                            std::to_string(row.captionId) + (caption == shardCaptions.end() ? "" : " (\"" + caption->second->text + "\")") +
                            ", which dataset \"" + row.dataset + "\" of " + ws.dir().string() + " lacks");
            }
            p.captionId = match->second;
            p.path = targetPath(row.path, row.captionId, p.captionId);
            p.sourceKey = row.sourceKey;
            const std::string oldPrefix = std::to_string(row.captionId) + "/";
            if (p.captionId != row.captionId && p.sourceKey.rfind(oldPrefix, 0) == 0) {
                p.sourceKey = std::to_string(p.captionId) + "/" + p.sourceKey.substr(oldPrefix.size());
            }
            auto conflict = [&](const std::string& holder, const std::string& generator,
                                const std::optional<std::int64_t>& seed, std::int64_t captionId) {
                if (generator == row.generator && seed == row.seed && captionId == p.captionId) return false;
                throw Error("merge: " + p.path + " of dataset \"" + row.dataset + "\" is already " + holder + " by " + generator +
                            " (seed " + seedText(seed) + ", caption " + std::to_string(captionId) + "); shard " +
                            shardDirs[s].string() + " has it by " + row.generator + " (seed " + seedText(row.seed) +
                            ", caption " + std::to_string(p.captionId) +
                            "); nothing was merged. Generate into another --out-subdir, or merge into another workspace");
            };
            if (const auto existing = ws.findImage(p.datasetId, p.path)) {
                const auto generation = store::generationOfImage(ws, *existing);
                if (!generation) {
                    throw Error("merge: " + p.path + " of dataset \"" + row.dataset + "\" is already in " + ws.dir().string() +
                                " and was not generated; shard " + shardDirs[s].string() + " has a generated image there");
                }
                conflict("in " + ws.dir().string() + ", made", generation->generator, generation->seed, generation->captionId);
                ++summary_.imagesPresent;
                continue;
            }
            const auto key = std::make_pair(p.datasetId, p.path);
            if (const auto it = planned.find(key); it != planned.end()) {
                const auto& other = plan[it->second];
                conflict("in shard " + shardDirs[other.shard].string() + ", made", other.row.generator, other.row.seed,
                         other.captionId);
                ++summary_.imagesPresent;
                continue;
            }
            const fs::path source = shard.resolve(row.path);
            if (!fs::is_regular_file(source)) {
                throw Error("merge: shard " + shardDirs[s].string() + " records " + row.path + " but the file " + source.string() +
                            " is missing; nothing was merged");
            }
            p.row = std::move(row);
            planned.emplace(key, plan.size());
            plan.push_back(std::move(p));
        }
    }
    context.log(jobs::LogLevel::Info, std::to_string(plan.size()) + " generated images to merge, " +
                                          std::to_string(summary_.imagesPresent) + " already there");

    std::int64_t runId = 0;
    std::vector<std::int64_t> perShard(shardDirs.size(), 0);
    auto startRun = [&] {
        if (runId) return;
        json recipe = {{"target", target.string()}, {"embeddings", options_.embeddings}};
        json sources = json::array();
        for (const auto& dir : shardDirs) sources.push_back(dir.string());
        recipe["shards"] = sources;
        int number = 1;
        while (store::findRun(ws, "merge-" + std::to_string(number))) ++number;
        runId = store::createRun(ws, "merge-" + std::to_string(number), kRunKindMerge, recipe, "cpu",
                                 static_cast<std::int64_t>(plan.size()), store::RunNameUse::LabelOnly);
    };
    try {
        // Files first, then their rows, a few hundred per transaction: a row never names a file that
        // is not there, and an interrupted merge resumes by skipping what it recorded.
        constexpr std::size_t kChunk = 256;
        for (std::size_t begin = 0; begin < plan.size(); begin += kChunk) {
            context.checkCancelled();
            startRun();
            const std::size_t end = std::min(plan.size(), begin + kChunk);
            for (std::size_t i = begin; i < end; ++i) {
                const auto& p = plan[i];
                // An absolute stored path replaces the shard folder.
                copyAtomically(shardDirs[p.shard] / p.row.path, ws.dir() / p.path);
            }
            store::writeInTransaction(ws, [&] {
                for (std::size_t i = begin; i < end; ++i) {
                    const auto& p = plan[i];
                    store::ImageRecord record;
                    record.datasetId = p.datasetId;
                    record.path = p.path;
                    record.modality = "generated";
                    record.split = p.row.split;
                    record.width = p.row.width;
                    record.height = p.row.height;
                    record.sha256 = p.row.sha256;
                    record.status = p.row.status;
                    record.sourceKey = p.sourceKey;
                    record.attributesJson = p.row.attributesJson;
                    const auto imageId = ws.insertImage(record);
                    json params = json::parse(p.row.paramsJson.empty() ? "{}" : p.row.paramsJson, nullptr, false);
                    if (!params.is_object()) params = json::object();
                    params["merged_from"] = {{"workspace", shardDirs[p.shard].string()}, {"image_id", p.row.imageId}};
                    ws.insertGeneration(imageId, p.captionId, p.row.generator, p.row.seed, params.dump());
                    ++perShard[p.shard];
                }
            });
            summary_.images += static_cast<std::int64_t>(end - begin);
            store::heartbeat(ws, runId, summary_.images);
            context.progress(0.8 * static_cast<double>(end) / static_cast<double>(plan.size()),
                             "images " + std::to_string(end) + "/" + std::to_string(plan.size()));
        }

        if (options_.embeddings) {
            // The target's images and captions by key, now including what was merged.
            std::unordered_map<std::string, std::int64_t> imageIds;
            for (const auto& i : store::imagesWithDatasetNames(ws)) imageIds.emplace(join(i.dataset, i.path), i.id);
            std::unordered_map<std::string, std::int64_t> captionIdsNow;
            for (const auto& c : store::captionsWithDatasetNames(ws)) captionIdsNow.emplace(captionKey(c), c.id);
            std::map<std::string, std::optional<std::int64_t>> models;
            for (std::size_t s = 0; s < shardDirs.size(); ++s) {
                context.checkCancelled();
                auto shard = store::Workspace::open(shardDirs[s], store::Db::Mode::ReadOnly);
                // Shard item id -> target item id.
                std::unordered_map<std::int64_t, std::int64_t> images;
                std::unordered_map<std::int64_t, std::int64_t> generatedCaption;  // shard image -> shard caption
                for (const auto& row : store::generatedImageRows(shard)) generatedCaption.emplace(row.imageId, row.captionId);
                std::unordered_map<std::int64_t, std::int64_t> captions;
                for (const auto& c : store::captionsWithDatasetNames(shard)) {
                    if (const auto it = captionIdsNow.find(captionKey(c)); it != captionIdsNow.end()) captions.emplace(c.id, it->second);
                }
                for (const auto& i : store::imagesWithDatasetNames(shard)) {
                    std::string path = i.path;
                    if (const auto g = generatedCaption.find(i.id); g != generatedCaption.end()) {
                        if (const auto c = captions.find(g->second); c != captions.end()) path = targetPath(path, g->second, c->second);
                    }
                    if (const auto it = imageIds.find(join(i.dataset, path)); it != imageIds.end()) images.emplace(i.id, it->second);
                }
                std::int64_t added = 0;
                std::set<std::string> missingModels;
                store::writeInTransaction(ws, [&] {
                    store::EmbeddingInserter inserter(ws);
                    store::forEachStoredEmbedding(shard, [&](const store::StoredEmbedding& row) {
                        auto model = models.find(row.model);
                        if (model == models.end()) {
                            const auto record = model::findModel(ws, row.model);
                            model = models.emplace(row.model, record ? std::optional<std::int64_t>(record->id) : std::nullopt).first;
                        }
                        const auto& ids = row.itemKind == "image" ? images : captions;
                        const auto item = ids.find(row.itemId);
                        if (!model->second || item == ids.end()) {
                            if (!model->second) missingModels.insert(row.model);
                            ++summary_.embeddingsUnmatched;
                            return;
                        }
                        if (inserter.insertIfAbsent(*model->second, row, item->second)) {
                            ++added;
                        } else {
                            ++summary_.embeddingsPresent;
                        }
                    });
                    if (added > 0) startRun();
                });
                summary_.embeddings += added;
                for (const auto& name : missingModels) {
                    context.log(jobs::LogLevel::Warning, "shard " + shardDirs[s].string() + " has embeddings of model \"" + name +
                                                             "\", which " + ws.dir().string() + " lacks: left out");
                }
                context.progress(0.8 + 0.2 * static_cast<double>(s + 1) / static_cast<double>(shardDirs.size()),
                                 "embeddings of shard " + std::to_string(s + 1) + "/" + std::to_string(shardDirs.size()));
            }
        }
    } catch (const Cancelled&) {
        if (runId) store::finishRun(ws, runId, "cancelled");
        throw;
    } catch (const std::exception& e) {
        if (runId) store::finishRun(ws, runId, "failed", e.what());
        throw;
    }
    for (std::size_t s = 0; s < shardDirs.size(); ++s) {
        if (perShard[s] > 0) {
            context.log(jobs::LogLevel::Info, std::to_string(perShard[s]) + " generated images from " + shardDirs[s].string());
        }
    }
    if (runId) {
        store::heartbeat(ws, runId, summary_.images);
        store::finishRun(ws, runId, "finished");
    }
    context.log(jobs::LogLevel::Info, "merged " + std::to_string(summary_.images) + " generated images (" +
                                          std::to_string(summary_.imagesPresent) + " already there) and " +
                                          std::to_string(summary_.embeddings) + " embeddings (" +
                                          std::to_string(summary_.embeddingsPresent) + " already there, " +
                                          std::to_string(summary_.embeddingsUnmatched) + " without a match)");
    context.progress(1.0, "merged");
    return true;
}

}  // namespace genra::gen
