#include "core/model/embed.h"

#include "core/data/batch_loader.h"
#include "core/data/npy.h"
#include "core/model/model_store.h"
#include "core/model/precision.h"
#include "core/store/embeddings.h"
#include "core/store/workspace.h"
#include "core/util/error.h"

#include <fstream>

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
    auto clip = loadClip(nullptr, options_.weights, options_.vocab);
    if (!options_.captions.empty() && !clip.tokenizer) {
        throw Error("captions need a vocabulary: pass --vocab (e.g. bpe_simple_vocab_16e6.txt.gz)");
    }
    clip.real->to(device);
    fs::create_directories(options_.outDir);
    std::ofstream index(options_.outDir / "index.tsv");
    if (!index) throw Error("cannot write " + (options_.outDir / "index.tsv").string());
    index << "kind\trow\tsource\n";
    if (!options_.images.empty() || options_.captions.empty()) {
        auto [rows, indices] = encodeImages(clip.real, options_.images, clip.imageSize(), options_.batchSize,
                                            options_.workers, device, precision, context, "images",
                                            &failed_);
        data::writeNpy(options_.outDir / "image_embeddings.npy", rows.contiguous());
        for (std::size_t r = 0; r < indices.size(); ++r) index << "image\t" << r << "\t" << options_.images[indices[r]].string() << "\n";
    }
    if (!options_.captions.empty()) {
        const auto rows = encodeTexts(clip.real, *clip.tokenizer, options_.captions, options_.batchSize, device, precision,
                                      context);
        data::writeNpy(options_.outDir / "text_embeddings.npy", rows.contiguous());
        for (std::size_t r = 0; r < options_.captions.size(); ++r) index << "caption\t" << r << "\t" << oneLine(options_.captions[r]) << "\n";
    }
    context.log(jobs::LogLevel::Info, "wrote embeddings to " + options_.outDir.string() +
                                          (failed_ ? " (" + std::to_string(failed_) + " images could not be read)" : ""));
    return true;
}

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

    auto store = [&](const char* kind, const char* encoder, const std::vector<std::int64_t>& ids, const torch::Tensor& rows,
                     const std::vector<std::size_t>& indices) {
        const auto cpu = rows.to(torch::kFloat).contiguous();
        std::vector<std::int64_t> itemIds;
        itemIds.reserve(indices.size());
        for (const auto index : indices) itemIds.push_back(ids[index]);
        store::writeEmbeddings(ws, {modelId, kind, encoder}, itemIds, cpu.data_ptr<float>(), cpu.size(1));
        written_ += indices.size();
    };
    // Items not yet embedded by this model and encoder (a re-run resumes).
    auto images = [&](const char* modality, const char* encoder, ClipModel model) {
        const auto items = store::imagesWithoutEmbedding(ws, {modelId, "image", encoder}, dataset.id, options_.split, modality);
        // In chunks so a cancelled run keeps what it stored.
        const std::size_t chunk = static_cast<std::size_t>(options_.batchSize) * 16;
        for (std::size_t begin = 0; begin < items.size(); begin += chunk) {
            const std::size_t end = std::min(items.size(), begin + chunk);
            std::vector<fs::path> paths;
            std::vector<std::int64_t> ids;
            for (std::size_t i = begin; i < end; ++i) {
                paths.push_back(ws.resolve(items[i].second));
                ids.push_back(items[i].first);
            }
            std::size_t failed = 0;
            auto [rows, indices] = encodeImages(model, paths, clip.imageSize(), options_.batchSize, options_.workers, device,
                                                precision, context, std::string(modality) + " images", &failed);
            skipped_ += failed;
            store("image", encoder, ids, rows, indices);
        }
    };
    if (options_.realImages) images("real", kEncoderRealImage, clip.realImageEncoder());
    if (options_.generatedImages) images("generated", kEncoderGeneratedImage, clip.generatedImageEncoder());
    if (options_.captions) {
        if (!clip.tokenizer) throw Error("model \"" + options_.model + "\" has no vocabulary recorded; captions cannot be embedded");
        const auto items = store::captionsWithoutEmbedding(ws, {modelId, "caption", kEncoderText}, dataset.id, options_.split);
        const std::size_t chunk = static_cast<std::size_t>(options_.batchSize) * 16;
        for (std::size_t begin = 0; begin < items.size(); begin += chunk) {
            const std::size_t end = std::min(items.size(), begin + chunk);
            std::vector<std::string> texts;
            std::vector<std::int64_t> ids;
            std::vector<std::size_t> indices;
            for (std::size_t i = begin; i < end; ++i) {
                texts.push_back(items[i].second);
                ids.push_back(items[i].first);
                indices.push_back(i - begin);
            }
            const auto rows = encodeTexts(clip.real, *clip.tokenizer, texts, options_.batchSize, device, precision, context);
            store("caption", kEncoderText, ids, rows, indices);
        }
    }
    context.log(jobs::LogLevel::Info, "stored " + std::to_string(written_) + " embeddings" +
                                          (skipped_ ? ", skipped " + std::to_string(skipped_) + " unreadable images" : ""));
    return true;
}

}  // namespace genra::model
