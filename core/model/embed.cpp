#include "core/model/embed.h"

#include "core/data/batch_loader.h"
#include "core/data/npy.h"
#include "core/model/model_store.h"
#include "core/model/precision.h"
#include "core/store/embeddings.h"
#include "core/store/generations.h"
#include "core/store/workspace.h"
#include "core/util/error.h"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <functional>
#include <unordered_map>

namespace fs = std::filesystem;

namespace genra::model {

torch::Device resolveDevice(const std::string& name) {
    if (name == "auto") return torch::cuda::is_available() ? torch::Device(torch::kCUDA) : torch::Device(torch::kCPU);
    if (name == "cpu") return torch::Device(torch::kCPU);
    if (name.rfind("cuda", 0) == 0) {
        if (!torch::cuda::is_available()) throw Error("device " + name + " requested but no CUDA device is usable");
        return torch::Device(name);
    }
    throw Error("unknown device \"" + name + "\" (expected auto, cpu, cuda or cuda:N)");
}

namespace {

// Encodes the images in order; returns the rows and, for each row, its input index.
std::pair<torch::Tensor, std::vector<std::size_t>> encodeImages(ClipModel encoder, const std::vector<fs::path>& paths,
                                                                int imageSize, int batchSize, int workers,
                                                                torch::Device device, model::Precision precision,
                                                                jobs::JobContext& context,
                                                                const std::string& what, std::size_t* failed) {
    std::vector<torch::Tensor> chunks;
    std::vector<std::size_t> indices;
    if (paths.empty()) return {torch::empty({0, encoder->config().embedDim}), indices};
    data::BatchLoaderOptions options;
    options.imageSize = imageSize;
    options.batchSize = batchSize;
    options.workerThreads = workers;
    data::BatchLoader loader(paths, options);
    torch::NoGradGuard noGrad;
    encoder->eval();
    std::size_t done = 0;
    while (auto batch = loader.next()) {
        context.checkCancelled();
        for (const auto& e : batch->errors) {
            context.log(jobs::LogLevel::Warning, "skipped " + e.name + ": " + e.reason);
            if (failed) ++*failed;
        }
        if (!batch->indices.empty()) {
            const model::AutocastScope autocast(precision, device);
            chunks.push_back(encoder->encodeImage(batch->images.to(device)).to(torch::kCPU, torch::kFloat));
            indices.insert(indices.end(), batch->indices.begin(), batch->indices.end());
        }
        done += batch->indices.size() + batch->errors.size();
        context.progress(static_cast<double>(done) / static_cast<double>(paths.size()),
                         what + " " + std::to_string(done) + "/" + std::to_string(paths.size()));
    }
    if (chunks.empty()) return {torch::empty({0, encoder->config().embedDim}), indices};
    return {torch::cat(chunks), indices};
}

torch::Tensor encodeTexts(ClipModel model, const text::ClipTokenizer& tokenizer, const std::vector<std::string>& texts,
                          int batchSize, torch::Device device, model::Precision precision, jobs::JobContext& context) {
    std::vector<torch::Tensor> chunks;
    torch::NoGradGuard noGrad;
    model->eval();
    const int contextLength = static_cast<int>(model->config().contextLength);
    for (std::size_t begin = 0; begin < texts.size(); begin += static_cast<std::size_t>(batchSize)) {
        context.checkCancelled();
        const std::size_t end = std::min(texts.size(), begin + static_cast<std::size_t>(batchSize));
        std::vector<std::string> slice(texts.begin() + static_cast<std::ptrdiff_t>(begin),
                                       texts.begin() + static_cast<std::ptrdiff_t>(end));
        const model::AutocastScope autocast(precision, device);
        chunks.push_back(model->encodeText(tokenizer.tokenize(slice, contextLength, true).to(device)).to(torch::kCPU, torch::kFloat));
        context.progress(static_cast<double>(end) / static_cast<double>(texts.size()),
                         "captions " + std::to_string(end) + "/" + std::to_string(texts.size()));
    }
    if (chunks.empty()) return torch::empty({0, model->config().embedDim});
    return torch::cat(chunks);
}

std::string oneLine(std::string s) {
    for (auto& c : s)
        if (c == '\t' || c == '\n' || c == '\r') c = ' ';
    return s;
}

}  // namespace

bool EmbedFilesJob::run(jobs::JobContext& context) {
    const auto device = resolveDevice(options_.device);
    const auto precision = model::parsePrecision(options_.precision);
    model::checkPrecisionSupported(precision, device);
    // What the caller asked for, decided before sharding so every shard's folder has the same files.
    const bool wantImages = !options_.images.empty() || options_.captions.empty();
    const bool wantCaptions = !options_.captions.empty();
    if (!options_.shard.all()) {
        // This shard's inputs, by position; a shard may hold no image or no caption.
        std::vector<fs::path> images;
        for (std::size_t i = 0; i < options_.images.size(); ++i)
            if (options_.shard.contains(static_cast<std::int64_t>(i))) images.push_back(options_.images[i]);
        std::vector<std::string> captions;
        for (std::size_t i = 0; i < options_.captions.size(); ++i)
            if (options_.shard.contains(static_cast<std::int64_t>(i))) captions.push_back(options_.captions[i]);
        context.log(jobs::LogLevel::Info, "shard " + options_.shard.label() + ": " + std::to_string(images.size()) + " of " +
                                              std::to_string(options_.images.size()) + " images, " +
                                              std::to_string(captions.size()) + " of " +
                                              std::to_string(options_.captions.size()) + " captions");
        options_.images = std::move(images);
        options_.captions = std::move(captions);
    }
    auto clip = loadClip(nullptr, options_.weights, options_.vocab);
    if (wantCaptions && !clip.tokenizer) {
        throw Error("captions need a vocabulary: pass --vocab (e.g. bpe_simple_vocab_16e6.txt.gz)");
    }
    clip.real->to(device);
    fs::create_directories(options_.outDir);
    std::ofstream index(options_.outDir / "index.tsv");
    if (!index) throw Error("cannot write " + (options_.outDir / "index.tsv").string());
    index << "kind\trow\tsource\n";
    if (wantImages) {
        auto [rows, indices] = encodeImages(clip.real, options_.images, clip.imageSize(), options_.batchSize,
                                            options_.workers, device, precision, context, "images",
                                            &failed_);
        data::writeNpy(options_.outDir / "image_embeddings.npy", rows.contiguous());
        for (std::size_t r = 0; r < indices.size(); ++r) index << "image\t" << r << "\t" << options_.images[indices[r]].string() << "\n";
    }
    if (wantCaptions) {
        const auto rows = encodeTexts(clip.real, *clip.tokenizer, options_.captions, options_.batchSize, device, precision,
                                      context);
        data::writeNpy(options_.outDir / "text_embeddings.npy", rows.contiguous());
        for (std::size_t r = 0; r < options_.captions.size(); ++r) index << "caption\t" << r << "\t" << oneLine(options_.captions[r]) << "\n";
    }
    context.log(jobs::LogLevel::Info, "wrote embeddings to " + options_.outDir.string() +
                                          (failed_ ? " (" + std::to_string(failed_) + " images could not be read)" : ""));
    return true;
}

namespace {

// Rows computed but not yet stored, and the transactions that store them.
class PendingRows {
public:
    PendingRows(store::Workspace& ws, store::EmbeddingKey key, const EmbedWorkspaceOptions& options)
        : ws_(ws), key_(std::move(key)), options_(options), lastCommit_(Clock::now()) {}

    void add(const std::vector<std::int64_t>& ids, const torch::Tensor& rows) {
        const auto cpu = rows.to(torch::kCPU, torch::kFloat).contiguous();
        dim_ = cpu.size(1);
        ids_.insert(ids_.end(), ids.begin(), ids.end());
        values_.insert(values_.end(), cpu.data_ptr<float>(), cpu.data_ptr<float>() + cpu.numel());
    }
    bool due() const {
        return ids_.size() >= static_cast<std::size_t>(std::max(1, options_.commitRows)) ||
               std::chrono::duration<double>(Clock::now() - lastCommit_).count() >= options_.commitSeconds;
    }
    // Stores the pending rows in one transaction; returns how many.
    std::size_t commit() {
        const std::size_t n = ids_.size();
        if (n > 0) {
            store::writeEmbeddings(ws_, key_, ids_, values_.data(), dim_);
            ++commits_;
        }
        ids_.clear();
        values_.clear();
        lastCommit_ = Clock::now();
        return n;
    }
    std::size_t commits() const { return commits_; }

private:
    using Clock = std::chrono::steady_clock;
    store::Workspace& ws_;
    store::EmbeddingKey key_;
    const EmbedWorkspaceOptions& options_;
    Clock::time_point lastCommit_;
    std::vector<std::int64_t> ids_;
    std::vector<float> values_;
    std::int64_t dim_ = 0;
    std::size_t commits_ = 0;
};

// The items of `shard`, each by its id, or by the id `keys` maps it to where it has one.
template <typename Item>
std::vector<Item> inShard(std::vector<Item> items, const Shard& shard,
                          const std::unordered_map<std::int64_t, std::int64_t>& keys = {}) {
    if (shard.all()) return items;
    std::vector<Item> kept;
    for (auto& item : items) {
        const auto key = keys.find(item.first);
        if (shard.contains(key == keys.end() ? item.first : key->second)) kept.push_back(std::move(item));
    }
    return kept;
}

}  // namespace

bool EmbedWorkspaceJob::run(jobs::JobContext& context) {
    auto ws = store::Workspace::open(options_.workspace);
    const auto dataset = ws.requireDataset(options_.dataset);
    const auto device = resolveDevice(options_.device);
    const auto precision = model::parsePrecision(options_.precision);
    model::checkPrecisionSupported(precision, device);
    auto clip = loadClip(&ws, options_.model);
    const std::int64_t modelId = clip.record.id;
    if (clip.real) clip.real->to(device);
    if (clip.generated) clip.generated->to(device);
    const std::string shardNote = options_.shard.all() ? "" : " (shard " + options_.shard.label() + ")";

    // Runs `body`, storing the rows it left pending whatever happens: a cancelled or failed run
    // keeps every row it computed.
    auto storing = [&](PendingRows& pending, const std::function<void()>& body) {
        try {
            body();
        } catch (...) {
            try {
                written_ += pending.commit();
            } catch (const std::exception& e) {
                context.log(jobs::LogLevel::Warning, std::string("could not store the last rows: ") + e.what());
            }
            commits_ += pending.commits();
            throw;
        }
        written_ += pending.commit();
        commits_ += pending.commits();
    };

    // Items not yet embedded by this model and encoder (a re-run resumes), streamed through one
    // loader: decode and preprocess run on its threads, `prefetchBatches` batches ahead.
    auto images = [&](const char* modality, const char* encoder, ClipModel model) {
        const store::EmbeddingKey key{modelId, "image", encoder};
        // A generated image goes with the caption it was made from, so each shard of
        // `generate --shard` embeds the images it generated.
        const bool generated = std::string(modality) == "generated";
        const auto items = inShard(store::imagesWithoutEmbedding(ws, key, dataset.id, options_.split, modality), options_.shard,
                                   generated && !options_.shard.all() ? store::captionsOfGeneratedImages(ws, dataset.id)
                                                                      : std::unordered_map<std::int64_t, std::int64_t>{});
        if (items.empty()) return;
        context.log(jobs::LogLevel::Info, std::to_string(items.size()) + " " + modality + " images to embed" + shardNote);
        data::BatchLoaderOptions loading;
        loading.imageSize = clip.imageSize();
        loading.batchSize = options_.batchSize;
        loading.workerThreads = options_.workers;
        loading.prefetchBatches = std::max(1, options_.prefetchBatches);
        data::BatchLoader loader(
            items.size(), [&](std::size_t i) { return data::loadImage(ws.resolve(items[i].second)); },
            [&](std::size_t i) { return items[i].second; }, loading);
        torch::NoGradGuard noGrad;
        model->eval();
        PendingRows pending(ws, key, options_);
        storing(pending, [&] {
            std::size_t done = 0;
            const std::string what = std::string(modality) + " images ";
            while (auto batch = loader.next()) {
                context.checkCancelled();
                for (const auto& e : batch->errors) {
                    context.log(jobs::LogLevel::Warning, "skipped " + e.name + ": " + e.reason);
                    ++skipped_;
                }
                if (!batch->indices.empty()) {
                    torch::Tensor rows;
                    {
                        const model::AutocastScope autocast(precision, device);
                        rows = model->encodeImage(batch->images.to(device));
                    }
                    std::vector<std::int64_t> ids;
                    ids.reserve(batch->indices.size());
                    for (const auto index : batch->indices) ids.push_back(items[index].first);
                    pending.add(ids, rows);
                }
                done += batch->indices.size() + batch->errors.size();
                if (pending.due()) written_ += pending.commit();
                context.progress(static_cast<double>(done) / static_cast<double>(items.size()),
                                 what + std::to_string(done) + "/" + std::to_string(items.size()));
            }
        });
    };
    if (options_.realImages) images("real", kEncoderRealImage, clip.realImageEncoder());
    if (options_.generatedImages) images("generated", kEncoderGeneratedImage, clip.generatedImageEncoder());
    if (options_.captions) {
        if (!clip.tokenizer) throw Error("model \"" + options_.model + "\" has no vocabulary recorded; captions cannot be embedded");
        const store::EmbeddingKey key{modelId, "caption", kEncoderText};
        const auto items = inShard(store::captionsWithoutEmbedding(ws, key, dataset.id, options_.split), options_.shard);
        torch::NoGradGuard noGrad;
        clip.real->eval();
        const int contextLength = static_cast<int>(clip.real->config().contextLength);
        const auto batchSize = static_cast<std::size_t>(options_.batchSize);
        PendingRows pending(ws, key, options_);
        storing(pending, [&] {
            for (std::size_t begin = 0; begin < items.size(); begin += batchSize) {
                context.checkCancelled();
                const std::size_t end = std::min(items.size(), begin + batchSize);
                std::vector<std::string> texts;
                std::vector<std::int64_t> ids;
                for (std::size_t i = begin; i < end; ++i) {
                    texts.push_back(items[i].second);
                    ids.push_back(items[i].first);
                }
                torch::Tensor rows;
                {
                    const model::AutocastScope autocast(precision, device);
                    rows = clip.real->encodeText(clip.tokenizer->tokenize(texts, contextLength, true).to(device));
                }
                pending.add(ids, rows);
                if (pending.due()) written_ += pending.commit();
                context.progress(static_cast<double>(end) / static_cast<double>(items.size()),
                                 "captions " + std::to_string(end) + "/" + std::to_string(items.size()));
            }
        });
    }
    context.log(jobs::LogLevel::Info, "stored " + std::to_string(written_) + " embeddings" + shardNote +
                                          (skipped_ ? ", skipped " + std::to_string(skipped_) + " unreadable images" : ""));
    return true;
}

}  // namespace genra::model
