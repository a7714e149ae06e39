// A small evaluation world shared by the evaluation tests (core and CLI): a workspace holding a
// real Shapes dataset (made by MakeShapesJob at 32 px, imported by the Karpathy importer), one
// "generated" image per caption (a noisy copy of the caption's real image, linked through the
// generations table), a vocabulary trained on the captions and two tiny random CLIP models.
// Header-only so both test executables can use it without build changes.
#pragma once

#include <algorithm>
#include <random>
#include <stdexcept>

#include "core/data/image.h"
#include "core/data/importers.h"
#include "core/data/shapes.h"
#include "core/jobs/job.h"
#include "core/model/model_store.h"
#include "core/store/workspace.h"
#include "core/store/raw_db.h"
#include "core/text/bpe_trainer.h"
#include "core/text/bpe_vocab_file.h"
#include "support/shapes_workspace.h"
#include "support/test_context.h"
#include "support/test_support.h"

namespace genra::test {

struct EvalWorld {
    TempDir tmp{"genra-evalworld"};
    std::filesystem::path ws = tmp / "ws";
    std::string vocab;
    int generatedNoise = 40;

    // `count` Shapes images (20% pretrain, 40% align, 40% test); captions with ord < captionsWithGenerated
    // get one generated image each.
    explicit EvalWorld(int count = 30, int captionsWithGenerated = 1) {
        data::MakeShapesOptions make;
        make.outDir = tmp / "shapes";
        make.count = count;
        make.seed = 3;
        make.imageSize = 32;
        make.splitFractions = {0.2, 0.4, 0.4};
        make.threads = 1;
        makeShapesWorkspace(make, ws, 1);

        auto w = store::Workspace::open(ws);
        const auto dataset = w.requireDataset("shapes");
        std::vector<std::string> texts;
        std::mt19937 rng(7);
        for (const auto& caption : w.captionsOfDataset(dataset.id)) {
            texts.push_back(caption.text);
            if (caption.ord >= captionsWithGenerated || !caption.imageId) continue;
            auto s = rawDb(w).prepare("SELECT path, split FROM images WHERE id = ?");
            s.bind(1, *caption.imageId);
            s.step();
            auto image = data::loadImage(w.resolve(s.columnText(0)));
            for (auto& p : image.pixels) {
                const int v =
                    static_cast<int>(p) + static_cast<int>(rng() % (2 * generatedNoise + 1)) - generatedNoise;
                p = static_cast<std::uint8_t>(std::clamp(v, 0, 255));
            }
            const auto genPath = w.imagesDir() / ("gen_" + std::to_string(caption.id) + ".png");
            data::saveImage(image, genPath);
            store::ImageRecord gen;
            gen.datasetId = dataset.id;
            gen.path = genPath.string();
            gen.modality = "generated";
            gen.split = s.columnText(1);
            const auto genId = w.insertImage(gen);
            w.insertGeneration(genId, caption.id, "noisy-copy", caption.id, "{}");
        }
        text::BpeTrainerOptions bpe;
        bpe.maxMerges = 150;
        vocab = (tmp / "vocab.txt").string();
        text::writeMergeFile(vocab, text::trainBpe(texts, bpe).merges);
        addModel(w, "base", 11);
        addModel(w, "other", 12);
    }

    void addModel(store::Workspace& w, const std::string& name, int seed) const {
        auto config = model::clipPreset("tiny");
        config.vocabSize = static_cast<std::int64_t>(model::tokenizerFor(vocab)->vocabularySize());
        torch::manual_seed(static_cast<std::uint64_t>(seed));
        model::ClipModel clip(config);
        model::saveClipModel(w, name, clip, vocab);
    }
};

#ifdef GENRA_CLI
// Runs the real `genra` binary (CLI tests only).
inline ProcessResult runGenra(const std::vector<std::string>& args) {
    std::vector<std::string> argv{GENRA_CLI};
    argv.insert(argv.end(), args.begin(), args.end());
    return runProcess(argv);
}
#endif

}  // namespace genra::test
