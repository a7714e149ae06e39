#include "core/train/captioner_training.h"

#include "core/caption/caption_tokenizer.h"
#include "core/caption/captioner.h"
#include "core/caption/gpt2.h"
#include "core/caption/image_embeddings.h"
#include "core/caption/loaded_captioner.h"
#include "core/model/embed.h"
#include "core/model/model_store.h"
#include "core/model/weights.h"
#include "core/store/dataset_items.h"
#include "core/store/workspace.h"
#include "core/text/bpe_trainer.h"
#include "core/text/bpe_vocab_file.h"
#include "core/train/checkpoint.h"
#include "core/train/distributed.h"
#include "core/train/run_driver.h"
#include "core/util/error.h"
#include "core/util/names.h"
#include "core/util/settings_schema.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <random>
#include <unordered_map>

namespace fs = std::filesystem;

namespace genra::train {

using caption::CaptionerConfig;
using caption::CaptionRecipe;
using caption::CaptionTokenizer;
using caption::ClipCaptioner;
using caption::Gpt2;

namespace {

using Clock = std::chrono::steady_clock;
constexpr const char* kRunKind = "caption";

// Image ids and their captions for training: each generated image with the caption it was made
// from, or each real image with each of its captions.
struct TrainingPairs {
    std::vector<std::int64_t> imageIds;  // distinct, in first-use order
    std::vector<std::size_t> imageOf;    // per pair: index into imageIds
    std::vector<std::string> captions;   // per pair
};

TrainingPairs collectPairs(store::Workspace& ws, std::int64_t datasetId, const CaptionRecipe& r) {
    const bool generated = r.trainOn == "generated";
    std::vector<std::pair<std::int64_t, std::string>> rows;
    if (generated) {
        rows = store::generatedImageCaptions(ws, datasetId, r.split, r.generator);
    } else {
        for (auto& c : store::realImageCaptions(ws, datasetId, r.split, true)) rows.emplace_back(c.imageId, std::move(c.text));
    }
    TrainingPairs pairs;
    std::unordered_map<std::int64_t, std::size_t> index;
    for (auto& [id, text] : rows) {
        auto [it, fresh] = index.emplace(id, pairs.imageIds.size());
        if (fresh) pairs.imageIds.push_back(id);
        pairs.imageOf.push_back(it->second);
        pairs.captions.push_back(std::move(text));
    }
    if (pairs.captions.empty()) {
        throw Error("dataset \"" + r.dataset + "\" has no " +
                    (generated ? "generated images linked to captions" + (r.generator.empty() ? std::string() : " from " + r.generator)
                               : std::string("captioned real images")) +
                    " in split \"" + r.split + "\"" +
                    (generated ? " (import or generate them, or set \"train_on\": \"real\")" : ""));
    }
    return pairs;
}

// Everything a run trains, built identically for a new and a resumed run.
struct Setup {
    CaptionerConfig config;
    ClipCaptioner model{nullptr};
    std::shared_ptr<const CaptionTokenizer> tokenizer;
    nlohmann::json tokenizerJson;  // as recorded with the registered model
    fs::path vocabFile;            // builtin decoder: the learned merge list (copied beside the model)
};

Setup buildSetup(const CaptionRecipe& r, const TrainingPairs& pairs, std::int64_t clipDim, const fs::path& runDir,
                 jobs::JobContext& context) {
    Setup s;
    s.config.mapper = caption::mapperKindFromName(r.mapper);
    s.config.clipDim = clipDim;
    s.config.prefixLength = r.prefixLength;
    s.config.clipLength = r.clipLength;
    s.config.mapperLayers = r.mapperLayers;
    s.config.mapperHeads = r.mapperHeads;
    s.config.normalizePrefix = r.normalizePrefix;
    torch::manual_seed(static_cast<std::uint64_t>(r.seed));
    Gpt2 pretrained{nullptr};
    if (r.decoder == "builtin") {
        s.vocabFile = runDir / "vocab.txt";
        if (!fs::exists(s.vocabFile)) {
            text::BpeTrainerOptions options;
            options.maxMerges = static_cast<std::size_t>(r.vocabMerges);
            context.log(jobs::LogLevel::Info, "learning " + std::to_string(r.vocabMerges) + " BPE merges from " +
                                                  std::to_string(pairs.captions.size()) + " captions");
            text::writeMergeFile(s.vocabFile, text::trainBpe(pairs.captions, options, &context).merges);
        }
        s.tokenizer = caption::clipBpeCaptionTokenizer(s.vocabFile, "vocab.txt");
        s.config.decoder.vocabSize = s.tokenizer->vocabularySize();
        s.config.decoder.contextLength = r.decoderPositions;
        s.config.decoder.width = r.decoderWidth;
        s.config.decoder.layers = r.decoderLayers;
        s.config.decoder.heads = r.decoderHeads;
    } else {
        std::vector<std::string> notes;
        pretrained = caption::loadHfGpt2(r.decoder, &notes);
        for (const auto& n : notes) context.log(jobs::LogLevel::Info, "GPT-2: " + n);
        const fs::path folder = fs::is_directory(r.decoder) ? fs::path(r.decoder) : fs::path(r.decoder).parent_path();
        const fs::path vocab = r.gpt2Vocab.empty() ? folder / "vocab.json" : fs::path(r.gpt2Vocab);
        const fs::path merges = r.gpt2Merges.empty() ? folder / "merges.txt" : fs::path(r.gpt2Merges);
        s.tokenizer = caption::gpt2CaptionTokenizer(fs::absolute(vocab), fs::absolute(merges));
        s.config.decoder = pretrained->config();
        if (s.tokenizer->vocabularySize() > s.config.decoder.vocabSize) {
            throw Error(vocab.string() + " holds " + std::to_string(s.tokenizer->vocabularySize()) + " tokens but the decoder " +
                        r.decoder + " only " + std::to_string(s.config.decoder.vocabSize));
        }
    }
    s.tokenizerJson = s.tokenizer->describe();
    if (r.prefixLength + r.maxCaptionTokens > s.config.decoder.contextLength) {
        throw Error("prefix_length + max_caption_tokens (" + std::to_string(r.prefixLength + r.maxCaptionTokens) +
                    ") exceed the decoder's " + std::to_string(s.config.decoder.contextLength) + " positions (decoder_positions)");
    }
    s.model = ClipCaptioner(s.config);
    if (pretrained) {
        torch::NoGradGuard noGrad;
        auto source = pretrained->named_parameters();
        for (auto& item : s.model->gpt->named_parameters()) item.value().copy_(source[item.key()]);
    }
    if (!r.trainDecoder)
        for (auto& p : s.model->gpt->parameters()) p.set_requires_grad(false);
    return s;
}

void saveCheckpoint(const fs::path& path, ClipCaptioner& model, torch::optim::Optimizer& optimizer, std::int64_t step) {
    torch::serialize::OutputArchive archive;
    torch::serialize::OutputArchive weights;
    torch::serialize::OutputArchive optimiser;
    model->save(weights);
    optimizer.save(optimiser);
    archive.write("model", weights);
    archive.write("optimizer", optimiser);
    archive.write("step", torch::tensor(step));
    saveArchiveAtomically(archive, path);
}

std::int64_t loadCheckpoint(const fs::path& path, ClipCaptioner& model, torch::optim::Optimizer& optimizer,
                            torch::Device device) {
    torch::serialize::InputArchive archive;
    torch::serialize::InputArchive weights;
    torch::serialize::InputArchive optimiser;
    torch::Tensor step;
    try {
        archive.load_from(path.string(), device);
        archive.read("model", weights);
        archive.read("optimizer", optimiser);
        archive.read("step", step);
        model->load(weights);
        optimizer.load(optimiser);
    } catch (const c10::Error& e) {
        throw Error("cannot read captioner checkpoint " + path.string() + " (recipe changed?): " + e.what_without_backtrace());
    }
    return step.item<std::int64_t>();
}

// The pairs of a step: a permutation of all pairs per epoch, seeded by (seed, epoch) alone, so a
// resumed run draws what an uninterrupted one would.
std::vector<std::size_t> planStep(std::size_t pairs, int batchSize, std::int64_t seed, std::int64_t step) {
    const std::size_t batch = std::min<std::size_t>(static_cast<std::size_t>(batchSize), pairs);
    const std::int64_t perEpoch = std::max<std::int64_t>(1, static_cast<std::int64_t>(pairs / batch));
    const std::int64_t epoch = step / perEpoch;
    const std::size_t offset = static_cast<std::size_t>(step % perEpoch) * batch;
    std::vector<std::size_t> order(pairs);
    for (std::size_t i = 0; i < pairs; ++i) order[i] = i;
    std::mt19937_64 rng(static_cast<std::uint64_t>(seed) * 0x9E3779B97F4A7C15ull + static_cast<std::uint64_t>(epoch));
    std::shuffle(order.begin(), order.end(), rng);
    return {order.begin() + static_cast<std::ptrdiff_t>(offset), order.begin() + static_cast<std::ptrdiff_t>(offset + batch)};
}

// Registers the trained captioner under the run's name in checkpoints/<name>/ (its weights, the
// vocabulary of a builtin decoder, the configuration loadCaptioner reads). Returns its id.
std::int64_t registerCaptioner(store::Workspace& ws, const CaptionRecipe& r, Setup& s, std::int64_t clipId,
                               const char* encoder, std::int64_t runId, const std::string& runName,
                               const fs::path& checkpointPath) {
    s.model->to(torch::kCPU);
    s.model->eval();
    // Only this run's own captioner may be replaced (a resumed run registering again); another
    // model of the name, registered while the run was away, is kept.
    if (const auto existing = model::findModel(ws, runName); existing && existing->runId != runId) {
        throw Error("workspace already has a " + existing->kind + " model named \"" + runName +
                    "\"; the captioner was not registered (its checkpoint " + checkpointPath.string() + " is kept)");
    }
    const fs::path modelDir = ws.checkpointsDir() / runName;
    fs::create_directories(modelDir);
    if (!s.vocabFile.empty()) fs::copy_file(s.vocabFile, modelDir / "vocab.txt", fs::copy_options::overwrite_existing);
    model::StateDict state;
    for (const auto& item : s.model->named_parameters()) state[item.key()] = item.value().detach().contiguous();
    nlohmann::json config = {{"captioner", toJson(s.config)},
                             {"tokenizer", s.tokenizerJson},
                             {"clip_model", r.clipModel},
                             {"clip_model_id", clipId},
                             {"train_on", r.trainOn},
                             {"encoder", encoder},
                             {"dataset", r.dataset},
                             {"split", r.split},
                             {"decoder_source", r.decoder},
                             {"max_caption_tokens", r.maxCaptionTokens},
                             {"decode", {{"beam_size", r.beamSize}, {"max_length", r.maxLength}, {"length_penalty", r.lengthPenalty}}},
                             {"run_id", runId}};
    model::saveModelFiles(modelDir / "captioner", state, config);
    model::ModelRecord record;
    record.name = runName;
    record.kind = caption::kModelKindCaptioner;
    record.path = (fs::path("checkpoints") / runName / "captioner.safetensors").string();
    record.config = config;
    record.baseModelId = clipId;
    record.runId = runId;
    return model::upsertModel(ws, record);
}

}  // namespace

CaptionTrainJob::CaptionTrainJob(fs::path workspace, CaptionRecipe recipe, std::string runName)
    : workspace_(std::move(workspace)), recipe_(std::move(recipe)), runName_(std::move(runName)) {
    if (runName_.empty()) runName_ = timestampedRunName("caption");
}

CaptionTrainJob CaptionTrainJob::resume(fs::path workspace, const std::string& runIdOrName) {
    auto ws = store::Workspace::open(workspace);
    const auto run = requireResumableRun(ws, runIdOrName, kRunKind, "captioner");
    CaptionTrainJob job;
    job.workspace_ = std::move(workspace);
    job.recipe_ = caption::parseCaptionRecipe(run.recipe, "run " + run.name + " recipe");
    job.runName_ = run.name;
    job.runId_ = run.id;
    job.resuming_ = true;
    return job;
}

bool CaptionTrainJob::run(jobs::JobContext& context) {
    // The name becomes checkpoints/<name>/: checked before any work (createRun checks it again).
    if (!resuming_) util::validateName(runName_, "captioner");
    const CaptionRecipe& r = recipe_;
    const bool generated = r.trainOn == "generated";
    const char* encoder = generated ? model::kEncoderGeneratedImage : model::kEncoderRealImage;
    std::int64_t clipId = 0;
    TrainingPairs pairs;
    {
        auto ws = store::Workspace::open(workspace_);
        const auto dataset = ws.requireDataset(r.dataset);
        const auto clip = model::requireModel(ws, r.clipModel);
        if (clip.kind != model::kModelKindClip && clip.kind != model::kModelKindLora) {
            throw Error("clip_model \"" + r.clipModel + "\" is a " + clip.kind + " model, not a CLIP model");
        }
        clipId = clip.id;
        pairs = collectPairs(ws, dataset.id, r);
    }
    // Data-parallel runs: rank 0 alone writes the embeddings to the workspace; the others wait and read them.
    DataParallel& parallel = *processGroup();
    if (parallel.isMain()) {
        context.progress(-1, "embedding training images");
        caption::ensureImageEmbeddings(workspace_, r.clipModel, r.dataset, r.split, generated, r.device, context);
    }
    parallel.barrier();

    auto ws = store::Workspace::open(workspace_);
    std::vector<std::size_t> missing;
    const torch::Tensor embeddings = caption::readImageEmbeddings(ws, clipId, encoder, pairs.imageIds, missing);
    if (!missing.empty()) {
        // Unreadable images have no embedding: their pairs are left out.
        std::vector<bool> absent(pairs.imageIds.size(), false);
        for (auto i : missing) absent[i] = true;
        TrainingPairs kept = pairs;
        kept.imageOf.clear();
        kept.captions.clear();
        for (std::size_t p = 0; p < pairs.captions.size(); ++p) {
            if (absent[pairs.imageOf[p]]) continue;
            kept.imageOf.push_back(pairs.imageOf[p]);
            kept.captions.push_back(pairs.captions[p]);
        }
        context.log(jobs::LogLevel::Warning, std::to_string(missing.size()) + " images have no embedding and are left out");
        pairs = std::move(kept);
        if (pairs.captions.empty()) throw Error("no training image could be embedded");
    }
    context.log(jobs::LogLevel::Info, std::to_string(pairs.captions.size()) + " (image, caption) pairs from " +
                                          std::to_string(pairs.imageIds.size() - missing.size()) + " " +
                                          (generated ? "generated" : "real") + " images (" + encoder + " embeddings)");

    const std::size_t batch = std::min<std::size_t>(static_cast<std::size_t>(r.batchSize), pairs.captions.size());
    const std::int64_t perEpoch = std::max<std::int64_t>(1, static_cast<std::int64_t>(pairs.captions.size() / batch));
    const std::int64_t totalSteps = util::totalTrainingSteps(r.steps, r.epochs, perEpoch);  // steps > 0 overrides epochs
    RunDriver driver(ws, context,
                     {runName_, kRunKind, toJson(r), r.device, totalSteps, resuming_ ? std::optional(runId_) : std::nullopt});
    runId_ = driver.runId();

    return driver.run([&]() -> RunOutcome {
        const torch::Device device = rankDevice(r.device);  // cuda:LOCAL_RANK per rank of a multi-process run
        // Rank 0 sets up first (it may write the run's vocabulary), then the others.
        if (!parallel.isMain()) parallel.barrier();
        Setup s = buildSetup(r, pairs, embeddings.size(1), driver.checkpointDir(), context);
        if (parallel.isMain()) parallel.barrier();
        s.model->to(device);
        std::vector<torch::Tensor> params;
        for (auto& p : s.model->parameters())
            if (p.requires_grad()) params.push_back(p);
        driver.broadcastInitial(params);
        torch::optim::AdamW optimizer(params, torch::optim::AdamWOptions(r.learningRate).weight_decay(r.weightDecay));

        std::vector<std::vector<std::int64_t>> tokenRows;
        tokenRows.reserve(pairs.captions.size());
        for (const auto& text : pairs.captions) tokenRows.push_back(caption::captionTokenRow(*s.tokenizer, text, r.maxCaptionTokens));
        const auto imageRows = torch::tensor(std::vector<std::int64_t>(pairs.imageOf.begin(), pairs.imageOf.end()), torch::kLong);
        const auto deviceEmbeddings = embeddings.to(device);

        TrainingLoop loop;
        loop.optimizer = &optimizer;
        loop.schedule.baseLearningRate = r.learningRate;
        loop.schedule.warmupSteps = r.warmupSteps;
        loop.schedule.restartPeriod = static_cast<int>(std::max<std::int64_t>(1, totalSteps - r.warmupSteps));
        loop.checkpointEvery = r.checkpointEvery;
        loop.stopAfterSteps = stopAfterSteps_;
        loop.resumeHint = "resume with `genra caption train --resume " + runName_ + "`";
        loop.save = [&](const fs::path& path, std::int64_t step) { saveCheckpoint(path, s.model, optimizer, step); };
        loop.load = [&](const fs::path& path) { return loadCheckpoint(path, s.model, optimizer, device); };
        loop.step = [&](std::int64_t step, double lr) -> StepResult {
            const auto t0 = Clock::now();
            auto slots = planStep(pairs.captions.size(), r.batchSize, r.seed, step);
            // The global batch's target tokens: each rank divides its shard's summed cross-entropy
            // by them (times N, as the gradients are averaged), so N processes follow one process's
            // token-weighted mean even when the shards hold captions of different lengths.
            double globalTokens = 0.0;
            for (auto p : slots) globalTokens += static_cast<double>(tokenRows[p].size());
            if (driver.parallel().distributed()) {
                // Data-parallel: this rank's rows of the global batch; gradients averaged below.
                const auto [begin, end] = driver.parallel().shard(static_cast<std::int64_t>(slots.size()));
                slots = std::vector<std::size_t>(slots.begin() + begin, slots.begin() + end);
            }
            std::vector<std::vector<std::int64_t>> rows;
            std::vector<std::int64_t> pairIndex;
            for (auto p : slots) {
                rows.push_back(tokenRows[p]);
                pairIndex.push_back(static_cast<std::int64_t>(p));
            }
            auto [tokens, mask] = caption::padTokenRows(rows);
            const auto clipRows = imageRows.index_select(0, torch::tensor(pairIndex, torch::kLong)).to(device);
            const auto loss = caption::captionLossSum(s.model, deviceEmbeddings.index_select(0, clipRows), tokens.to(device),
                                                      mask.to(device)) *
                              (static_cast<double>(driver.parallel().worldSize()) / std::max(globalTokens, 1.0));
            // The global batch's loss, the same on every rank (a non-finite one stops them all here).
            const double lossValue = driver.parallel().meanOverRanks(loss.item<double>());
            if (!std::isfinite(lossValue)) {
                throw Error("caption loss became non-finite at step " + std::to_string(step) + " (learning rate " +
                            std::to_string(lr) + ")");
            }
            optimizer.zero_grad();
            loss.backward();
            driver.synchronize(params);
            const double clipTo = r.gradClipNorm > 0 ? r.gradClipNorm : std::numeric_limits<double>::infinity();
            const double gradNorm = torch::nn::utils::clip_grad_norm_(params, clipTo);
            optimizer.step();
            finalLoss_ = lossValue;
            const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
            return {lossValue,
                    {{"loss", lossValue},
                     {"lr", lr},
                     {"grad_norm", gradNorm},
                     {"captions_per_s", static_cast<double>(slots.size() * static_cast<std::size_t>(driver.parallel().worldSize())) / std::max(seconds, 1e-9)}}};
        };

        s.model->train();
        const LoopEnd end = driver.loop(loop);
        if (end != LoopEnd::Completed || !driver.isMain()) return {end, std::nullopt};
        const std::int64_t modelId = registerCaptioner(ws, r, s, clipId, encoder, runId_, runName_, driver.checkpointPath());
        modelName_ = runName_;
        context.log(jobs::LogLevel::Info, "registered captioner \"" + runName_ + "\"");
        return {end, modelId};
    });
}

nlohmann::json defaultCaptionRecipeJson() {
    CaptionRecipe r;
    r.clipModel = "shapes-clip";
    r.dataset = "shapes";
    return toJson(r);
}

}  // namespace genra::train
