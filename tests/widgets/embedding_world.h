// Workspaces for the GUI part 2 tests. makeEmbeddingWorld: `captions` real images with one
// caption each and one generated image per caption, and for each model a stored embedding of
// every image: the real one a seeded random direction, the generated one that direction plus
// noise that grows with the caption's index times the model's `noise` (so the worst-aligned
// captions are the last ones, and a smaller noise means a better-aligned model); the models are
// rows without weights. makeTinyClipWorkspace: real image files and a real tiny CLIP, for jobs
// that train, embed or evaluate.
#pragma once

#include "core/data/image.h"
#include "core/model/clip.h"
#include "core/model/model_store.h"
#include "core/store/workspace.h"
#include "core/store/raw_db.h"
#include "core/text/bpe_trainer.h"
#include "core/text/bpe_vocab_file.h"

#include <torch/torch.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

namespace genra::test {

struct EmbeddingWorld {
    std::vector<std::int64_t> realIds;
    std::vector<std::int64_t> generatedIds;
    std::vector<std::int64_t> captionIds;
    std::vector<std::string> captions;
    std::int64_t datasetId = 0;
};

inline std::int64_t addModelRow(store::Workspace& ws, const std::string& name) {
    auto s = rawDb(ws).prepare("INSERT INTO models (name, kind) VALUES (?, 'clip')");
    s.bind(1, name).run();
    return rawDb(ws).lastInsertId();
}

inline void storeEmbedding(store::Workspace& ws, std::int64_t modelId, std::int64_t imageId, const char* encoder,
                           const std::vector<float>& v) {
    auto s = rawDb(ws).prepare(
        "INSERT INTO embeddings (model_id, item_kind, item_id, encoder, dim, vector) VALUES (?, 'image', ?, ?, ?, ?)");
    s.bind(1, modelId).bind(2, imageId).bind(3, encoder).bind(4, static_cast<std::int64_t>(v.size()));
    s.bindBlob(5, v.data(), v.size() * sizeof(float)).run();
}

inline EmbeddingWorld makeEmbeddingWorld(store::Workspace& ws, int captions, const std::vector<std::pair<std::string, double>>& models,
                                         int dim = 16) {
    EmbeddingWorld w;
    store::DatasetInfo info;
    info.name = "pairs";
    info.kind = "test";
    w.datasetId = ws.createDataset(info);
    store::Transaction tx(rawDb(ws));
    for (int i = 0; i < captions; ++i) {
        store::ImageRecord real;
        real.datasetId = w.datasetId;
        real.path = "/nowhere/real" + std::to_string(i) + ".png";
        real.split = "test";
        w.realIds.push_back(ws.insertImage(real));
        store::CaptionRecord c;
        c.datasetId = w.datasetId;
        c.imageId = w.realIds.back();
        c.text = "caption number " + std::to_string(i);
        w.captions.push_back(c.text);
        w.captionIds.push_back(ws.insertCaption(c));
        store::ImageRecord gen;
        gen.datasetId = w.datasetId;
        gen.path = "/nowhere/gen" + std::to_string(i) + ".png";
        gen.modality = "generated";
        gen.split = "test";
        w.generatedIds.push_back(ws.insertImage(gen));
        ws.insertGeneration(w.generatedIds.back(), w.captionIds.back(), "test", i, "{}");
    }
    for (const auto& [name, noise] : models) {
        const auto modelId = addModelRow(ws, name);
        std::mt19937 rng(7);
        std::normal_distribution<float> normal;
        for (int i = 0; i < captions; ++i) {
            std::vector<float> real(static_cast<std::size_t>(dim));
            for (auto& x : real) x = normal(rng);
            std::vector<float> gen(real);
            const float scale = static_cast<float>(noise * (1.0 + 3.0 * i / captions));
            for (auto& x : gen) x += scale * normal(rng) + static_cast<float>(noise);  // noise and an offset
            storeEmbedding(ws, modelId, w.realIds[static_cast<std::size_t>(i)], "real-image", real);
            storeEmbedding(ws, modelId, w.generatedIds[static_cast<std::size_t>(i)], "generated-image", gen);
        }
    }
    tx.commit();
    return w;
}

// Eight solid-colour real images with one caption each, one darker "generated" image per caption,
// and a tiny CLIP registered as "base".
inline void makeTinyClipWorkspace(const std::filesystem::path& dir, const std::filesystem::path& scratch) {
    auto ws = store::Workspace::create(dir);
    store::DatasetInfo info;
    info.name = "tiny";
    info.kind = "test";
    const auto datasetId = ws.createDataset(info);
    const char* colours[] = {"red", "green", "blue", "grey"};
    std::vector<std::string> captions;
    for (int i = 0; i < 8; ++i) {
        data::Image img;
        img.width = img.height = 16;
        img.channels = 3;
        img.pixels.assign(16 * 16 * 3, 40);
        for (int p = 0; p < 16 * 16; ++p) img.pixels[static_cast<std::size_t>(p * 3 + i % 3)] = static_cast<std::uint8_t>(120 + 15 * i);
        const auto realPath = scratch / ("real" + std::to_string(i) + ".png");
        data::saveImage(img, realPath);
        store::ImageRecord real;
        real.datasetId = datasetId;
        real.path = realPath.string();
        real.split = "align";
        const auto realId = ws.insertImage(real);
        store::CaptionRecord caption;
        caption.datasetId = datasetId;
        caption.imageId = realId;
        caption.text = std::string("a ") + colours[i % 4] + (i < 4 ? " square" : " field");
        captions.push_back(caption.text);
        const auto captionId = ws.insertCaption(caption);
        for (auto& v : img.pixels) v = static_cast<std::uint8_t>(v / 2);
        const auto genPath = scratch / ("gen" + std::to_string(i) + ".png");
        data::saveImage(img, genPath);
        store::ImageRecord gen;
        gen.datasetId = datasetId;
        gen.path = genPath.string();
        gen.modality = "generated";
        gen.split = "align";
        ws.insertGeneration(ws.insertImage(gen), captionId, "darker", 0, "{}");
    }
    text::BpeTrainerOptions options;
    options.maxMerges = 20;
    const auto vocab = scratch / "vocab.txt";
    text::writeMergeFile(vocab, text::trainBpe(captions, options).merges);
    auto config = model::clipPreset("tiny");
    config.vocabSize = static_cast<std::int64_t>(model::tokenizerFor(vocab)->vocabularySize());
    torch::manual_seed(3);
    model::ClipModel clip(config);
    model::saveClipModel(ws, "base", clip, vocab.string());
}

}  // namespace genra::test
