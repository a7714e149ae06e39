#include "core/train/trainer.h"

#include "core/train/checkpoint.h"
#include "core/train/distributed.h"
#include "core/train/run_driver.h"

#include "core/data/image.h"
#include "core/data/preprocess.h"
#include "core/model/embed.h"
#include "core/model/lora.h"
#include "core/model/model_store.h"
#include "core/model/weights.h"
#include "core/store/workspace.h"
#include "core/text/bpe_trainer.h"
#include "core/text/bpe_vocab_file.h"
#include "core/train/losses.h"
#include "core/train/precision.h"
#include "core/store/models.h"
#include "core/train/training_data.h"
#include "core/util/error.h"
#include "core/util/settings_schema.h"

#include <ATen/CPUGeneratorImpl.h>

#include <chrono>
#include <cmath>
#include <future>
#include <thread>
#include <unordered_map>

namespace fs = std::filesystem;

namespace genra::train {

namespace {

using Clock = std::chrono::steady_clock;
using model::kRealProjectionKey;

bool trainsOnGenerated(Method m) {
    return m == Method::Genra || m == Method::LoraGen || m == Method::FullFt || m == Method::GenAsReal;
}
bool isLora(Method m) { return m == Method::Genra || m == Method::LoraGen; }
bool usesAlignment(const Recipe& r) {
    return r.method == Method::Genra || (r.method == Method::FullFt && r.alignment);
}

// Preprocessed image tensors, kept in memory up to a budget (images are revisited every epoch).
class ImageCache {
public:
    explicit ImageCache(std::size_t budgetBytes) : budget_(budgetBytes) {}
    torch::Tensor get(std::int64_t id) {
        std::lock_guard<std::mutex> lock(mutex_);
        auto it = items_.find(id);
        return it == items_.end() ? torch::Tensor() : it->second;
    }
    void put(std::int64_t id, const torch::Tensor& t) {
        std::lock_guard<std::mutex> lock(mutex_);
        const std::size_t bytes = static_cast<std::size_t>(t.numel()) * t.element_size();
        if (used_ + bytes > budget_ || items_.count(id)) return;
        items_[id] = t;
        used_ += bytes;
    }

private:
    std::mutex mutex_;
    std::unordered_map<std::int64_t, torch::Tensor> items_;
    std::size_t budget_;
    std::size_t used_ = 0;
};

struct ImageRequest {
    std::int64_t id = 0;
    fs::path path;
};

torch::Tensor loadImages(const std::vector<ImageRequest>& requests, int size, int workers, ImageCache& cache) {
    std::vector<torch::Tensor> out(requests.size());
    std::vector<std::string> errors(requests.size());
    auto work = [&](std::size_t begin, std::size_t end) {
        for (std::size_t i = begin; i < end; ++i) {
            if (auto cached = cache.get(requests[i].id); cached.defined()) {
                out[i] = cached;
                continue;
            }
            try {
                out[i] = data::clipPreprocess(data::loadImage(requests[i].path), size);
                cache.put(requests[i].id, out[i]);
            } catch (const std::exception& e) {
                errors[i] = e.what();
            }
        }
    };
    const std::size_t n = requests.size();
    const std::size_t threads = std::max<std::size_t>(1, std::min<std::size_t>(static_cast<std::size_t>(std::max(workers, 1)), n));
    if (threads == 1) {
        work(0, n);
    } else {
        std::vector<std::thread> pool;
        const std::size_t chunk = (n + threads - 1) / threads;
        for (std::size_t t = 0; t < threads; ++t) {
            const std::size_t b = t * chunk;
            const std::size_t e = std::min(n, b + chunk);
            if (b < e) pool.emplace_back(work, b, e);
        }
        for (auto& th : pool) th.join();
    }
    for (std::size_t i = 0; i < n; ++i) {
        if (!errors[i].empty()) throw Error("training image " + requests[i].path.string() + ": " + errors[i]);
    }
    return torch::stack(out);
}

struct PreparedBatch {
    std::vector<BatchSlot> slots;
    torch::Tensor images;      // the slot's paired images (generated, or real for real-only methods)
    torch::Tensor realImages;  // the units' real images (alignment), undefined when not needed or cached
    torch::Tensor tokens;
    std::vector<std::int64_t> captionIds;
    std::vector<std::int64_t> realIds;
};

// Everything a run trains and reads, built identically for a new and a resumed run.
struct Setup {
    torch::Device device{torch::kCPU};
    model::Precision precision = model::Precision::Fp32;
    model::ClipModel real{nullptr};     // f_r: frozen reference (absent for single-encoder methods)
    model::ClipModel trained{nullptr};  // f_g, or the single encoder
    std::shared_ptr<const text::ClipTokenizer> tokenizer;
    std::string vocabPath;
    std::optional<std::int64_t> baseModelId;
    torch::Tensor alignLogScale;  // log(1/tau) of L_align
    // GenRA's Proj for Real (App. A reading): a second projection [width, embedDim] of f_g's LoRA
    // backbone, initialised from f_r's, trained by the real image-text CLIP loss; undefined otherwise.
    torch::Tensor projReal;
    std::vector<std::pair<std::string, torch::Tensor>> trainable;
    model::LoraOptions lora;
    bool textFrozen = true;
};

void freezeAll(model::ClipModel& m) {
    for (auto& p : m->parameters()) p.set_requires_grad(false);
}

// `writeVocabulary`: false on ranks above 0 of a multi-process run, which read what rank 0 wrote.
Setup buildSetup(store::Workspace& ws, const Recipe& recipe, const TrainingData& data, const fs::path& runDir,
                 jobs::JobContext& context, bool writeVocabulary = true) {
    Setup s;
    s.device = rankDevice(recipe.device);  // cuda:LOCAL_RANK per rank of a multi-process run
    s.precision = model::parsePrecision(recipe.precision);
    model::checkPrecisionSupported(s.precision, s.device);
    torch::manual_seed(static_cast<std::uint64_t>(recipe.seed));
    if (recipe.method == Method::Pretrain) {
        s.vocabPath = recipe.vocab;
        if (s.vocabPath.empty()) {
            const fs::path vocab = runDir / "vocab.txt";
            if (!fs::exists(vocab) && !writeVocabulary) throw Error("rank 0 wrote no vocabulary at " + vocab.string());
            if (!fs::exists(vocab)) {
                std::vector<std::string> captions;
                for (const auto& u : data.units)
                    for (const auto& p : u.pairs) captions.push_back(p.caption);
                context.log(jobs::LogLevel::Info, "training a BPE vocabulary on " + std::to_string(captions.size()) +
                                                      " captions (" + std::to_string(recipe.vocabMerges) + " merges)");
                text::BpeTrainerOptions options;
                options.maxMerges = static_cast<std::size_t>(recipe.vocabMerges);
                const auto result = text::trainBpe(captions, options);
                text::writeMergeFile(vocab, result.merges);
            }
            s.vocabPath = fs::relative(vocab, ws.dir()).string();
        }
        s.tokenizer = model::tokenizerFor(ws.resolve(s.vocabPath));
        auto config = model::clipPreset(recipe.modelConfig);
        config.vocabSize = static_cast<std::int64_t>(s.tokenizer->vocabularySize());
        if (recipe.imageSize > 0) config.imageResolution = recipe.imageSize;
        config.validate();
        s.trained = model::ClipModel(config);
        s.textFrozen = false;
        for (const auto& item : s.trained->named_parameters()) s.trainable.emplace_back(item.key(), item.value());
    } else {
        auto base = model::loadClip(&ws, recipe.baseModel);
        if (base.generated) {
            throw Error("base_model \"" + recipe.baseModel + "\" is itself an aligned model; start from a plain CLIP");
        }
        if (!base.tokenizer) {
            throw Error("base_model \"" + recipe.baseModel + "\" has no vocabulary recorded; import it with its vocab file");
        }
        s.tokenizer = base.tokenizer;
        s.vocabPath = base.record.config.value("vocab", std::string());
        s.baseModelId = base.record.id ? std::optional<std::int64_t>(base.record.id) : std::nullopt;
        s.real = base.real;
        freezeAll(s.real);
        s.trained = model::cloneClip(s.real);
        freezeAll(s.trained);
        if (isLora(recipe.method)) {
            s.lora = model::LoraOptions()
                         .rank(recipe.loraRank)
                         .alpha(recipe.loraAlpha)
                         .dropout(recipe.loraDropout)
                         .targets(recipe.loraTargets)
                         .tower(model::LoraTower::Visual)
                         .freezeBase(true)
                         .trainVisualProjection(recipe.dualProjection);
            model::applyLora(s.trained, s.lora);
        } else {
            for (auto& p : s.trained->visual->parameters()) p.set_requires_grad(true);
        }
        if (recipe.learnTemperature) s.trained->logit_scale.set_requires_grad(true);
        for (const auto& item : s.trained->named_parameters())
            if (item.value().requires_grad()) s.trainable.emplace_back(item.key(), item.value());
        if (trainsRealProjection(recipe)) {
            s.projReal = s.real->visual->proj.detach().clone().set_requires_grad(true);
            s.trainable.emplace_back(kRealProjectionKey, s.projReal);
        }
    }
    if (s.real) s.real->to(s.device);
    s.trained->to(s.device);  // Module::to keeps parameter identity, so `trainable` stays valid
    if (s.projReal.defined() && s.projReal.device() != s.device) {
        // A plain tensor is not moved by Module::to: move it and point `trainable` at the new one.
        s.projReal = s.projReal.detach().to(s.device).set_requires_grad(true);
        for (auto& item : s.trainable)
            if (item.first == kRealProjectionKey) item.second = s.projReal;
    }
    s.alignLogScale = torch::full({}, std::log(1.0 / recipe.temperature), torch::TensorOptions().device(s.device));
    if (recipe.learnTemperature && usesAlignment(recipe)) {
        s.alignLogScale.set_requires_grad(true);
        s.trainable.emplace_back("align_log_scale", s.alignLogScale);
    }
    if (s.trainable.empty()) throw Error("nothing to train: the recipe leaves every parameter frozen");
    return s;
}

// Atomic checkpoint: trainable tensors, optimiser state, step and RNG state.
void saveCheckpoint(const fs::path& path, const Setup& s, torch::optim::Optimizer& optimizer, const LossScaler& scaler,
                    std::int64_t step) {
    torch::serialize::OutputArchive archive;
    archive.write("step", torch::tensor(step));
    if (scaler.enabled()) {
        archive.write("loss_scale", torch::tensor(scaler.scale(), torch::kDouble));
        archive.write("loss_scale_good_steps", torch::tensor(static_cast<std::int64_t>(scaler.goodSteps())));
    }
    for (const auto& [name, tensor] : s.trainable) archive.write("param/" + name, tensor.detach().to(torch::kCPU));
    writeTrainingState(archive, optimizer);
    saveArchiveAtomically(archive, path);
}

std::int64_t loadCheckpoint(const fs::path& path, Setup& s, torch::optim::Optimizer& optimizer, LossScaler& scaler) {
    torch::serialize::InputArchive archive;
    try {
        archive.load_from(path.string(), s.device);
    } catch (const std::exception& e) {
        throw Error("cannot read checkpoint " + path.string() + ": " + e.what());
    }
    torch::Tensor step;
    archive.read("step", step);
    torch::NoGradGuard noGrad;
    for (auto& [name, tensor] : s.trainable) {
        torch::Tensor value;
        if (!archive.try_read("param/" + name, value)) {
            throw Error("checkpoint " + path.string() + " has no tensor for " + name + " (recipe changed?)");
        }
        if (value.sizes() != tensor.sizes()) throw Error("checkpoint " + path.string() + ": " + name + " has another shape");
        tensor.copy_(value);
    }
    readTrainingState(archive, optimizer);
    torch::Tensor lossScale, goodSteps;
    if (scaler.enabled() && archive.try_read("loss_scale", lossScale) && archive.try_read("loss_scale_good_steps", goodSteps)) {
        scaler.restore(lossScale.item<double>(), static_cast<int>(goodSteps.item<std::int64_t>()));
    }
    return step.item<std::int64_t>();
}

// Registers the trained model under the run's name: LoRA adapters beside their base model, or a
// whole CLIP. Returns its id.
std::int64_t registerModel(store::Workspace& ws, const Recipe& r, Setup& s, std::int64_t runId, const std::string& runName) {
    torch::NoGradGuard noGrad;
    s.trained->to(torch::kCPU);
    s.trained->eval();
    nlohmann::json extra = {{"run_id", runId}, {"method", toString(r.method)}, {"inference_encoder", toString(r.inferenceEncoder)}};
    if (isLora(r.method)) {
        const fs::path relative = fs::path("checkpoints") / ("run-" + std::to_string(runId)) / "adapters";
        model::StateDict adapters;
        for (const auto& [k, v] : model::loraStateDict(s.trained, true)) adapters[k] = v.detach().contiguous().clone();
        if (s.projReal.defined()) adapters[kRealProjectionKey] = s.projReal.detach().to(torch::kCPU).contiguous().clone();
        nlohmann::json config = extra;
        config["lora"] = model::toJson(s.lora);
        config["dual_projection"] = r.dualProjection;
        config["real_projection"] = s.projReal.defined();
        config["reading"] = toString(r.reading);
        model::saveModelFiles(ws.dir() / relative, adapters, config);
        model::ModelRecord rec;
        rec.name = runName;
        rec.kind = model::kModelKindLora;
        rec.path = relative.string() + ".safetensors";
        rec.config = config;
        rec.baseModelId = s.baseModelId;
        rec.runId = runId;
        return model::upsertModel(ws, rec);
    }
    extra["dual_encoder"] = r.method == Method::FullFt;
    if (s.baseModelId) extra["base_model_id"] = *s.baseModelId;
    auto rec = model::saveClipModel(ws, runName, s.trained, s.vocabPath, extra);
    if (s.baseModelId) store::setModelOrigin(ws, rec.id, *s.baseModelId, runId);
    return rec.id;
}

}  // namespace

TrainJob::TrainJob(fs::path workspace, Recipe recipe, std::string runName)
    : workspace_(std::move(workspace)), recipe_(std::move(recipe)), runName_(std::move(runName)) {
    if (runName_.empty()) runName_ = timestampedRunName(toString(recipe_.method));
}

TrainJob TrainJob::resume(fs::path workspace, const std::string& runIdOrName) {
    auto ws = store::Workspace::open(workspace);
    const auto run = requireResumableRun(ws, runIdOrName);
    TrainJob job;
    job.workspace_ = std::move(workspace);
    job.recipe_ = parseRecipe(run.recipe, "run " + run.name + " recipe");
    job.runName_ = run.name;
    job.runId_ = run.id;
    job.resuming_ = true;
    return job;
}

std::string TrainJob::name() const { return "train " + runName_; }

bool TrainJob::run(jobs::JobContext& context) {
    auto ws = store::Workspace::open(workspace_);
    const Recipe& r = recipe_;
    context.progress(-1, "collecting training data");
    const TrainingData data = collectTrainingData(ws, r);
    context.log(jobs::LogLevel::Info,
                std::to_string(data.units.size()) + " real images, " + std::to_string(data.captions) + " captions, " +
                    std::to_string(data.generatedImages) + " generated images" +
                    (data.skippedUnits ? " (" + std::to_string(data.skippedUnits) + " real images without generated ones skipped)"
                                       : std::string()));
    const std::int64_t perEpoch = stepsPerEpoch(data.units.size(), r.batchSize);
    const std::int64_t totalSteps = util::totalTrainingSteps(r.steps, r.epochs, perEpoch);  // steps > 0 overrides epochs

    RunDriver driver(ws, context,
                     {runName_, toString(r.method), toJson(r), r.device, totalSteps, resuming_ ? std::optional(runId_) : std::nullopt});
    runId_ = driver.runId();
    const fs::path& checkpointPath = driver.checkpointPath();

    return driver.run([&]() -> RunOutcome {
        DataParallel& parallel = driver.parallel();
        // Rank 0 sets up first (it may write the run's vocabulary), then the others.
        if (!parallel.isMain()) parallel.barrier();
        Setup s = buildSetup(ws, r, data, driver.checkpointDir(), context, parallel.isMain());
        if (parallel.isMain()) parallel.barrier();
        std::vector<torch::Tensor> params;
        for (const auto& e : s.trainable) params.push_back(e.second);
        driver.broadcastInitial(params);
        // Each rank computes its rows of every global batch of r.batchSize.
        const auto shardRows = parallel.shard(r.batchSize);
        torch::optim::AdamW optimizer(params, torch::optim::AdamWOptions(r.learningRate)
                                                  .betas(std::make_tuple(r.adamBeta1, r.adamBeta2))
                                                  .eps(r.adamEps)
                                                  .weight_decay(r.weightDecay));
        LossScaler scaler(s.precision == model::Precision::Fp16);

        const int imageSize = r.imageSize > 0 ? r.imageSize : static_cast<int>(s.trained->config().imageResolution);
        const int contextLength = static_cast<int>(s.trained->config().contextLength);
        ImageCache cache(std::size_t(1) << 30);
        std::unordered_map<std::int64_t, torch::Tensor> textCache;
        std::unordered_map<std::int64_t, torch::Tensor> realCache;
        const bool trainReal = s.projReal.defined();
        const bool needReal = usesAlignment(r) || trainReal || (s.real && r.wReal > 0 && trainsOnGenerated(r.method));
        model::ClipModel textModel = s.real ? s.real : s.trained;

        auto prepare = [&](std::int64_t atStep) {
            PreparedBatch b;
            b.slots = planBatch(data, r.batchSize, r.seed, atStep, r.hardNegatives);
            if (parallel.distributed()) {
                b.slots = std::vector<BatchSlot>(b.slots.begin() + shardRows.first, b.slots.begin() + shardRows.second);
            }
            std::vector<ImageRequest> images;
            std::vector<ImageRequest> reals;
            std::vector<std::string> texts;
            // Runs on the prefetch thread: touches only `data`, the image cache and the tokenizer.
            for (const auto& slot : b.slots) {
                const auto& unit = data.units[slot.unit];
                const auto& pair = unit.pairs[slot.pair];
                images.push_back({pair.imageId, pair.imagePath});
                texts.push_back(pair.caption);
                b.captionIds.push_back(pair.captionId);
                b.realIds.push_back(unit.realImageId);
                if (needReal) reals.push_back({unit.realImageId, unit.realPath});
            }
            b.images = loadImages(images, imageSize, r.workers, cache);
            if (needReal) b.realImages = loadImages(reals, imageSize, r.workers, cache);
            b.tokens = s.tokenizer->tokenize(texts, contextLength, true);
            return b;
        };
        // The batch of the next step is prepared while this one trains.
        std::future<PreparedBatch> next;

        TrainingLoop loop;
        loop.optimizer = &optimizer;
        loop.schedule.baseLearningRate = r.learningRate;
        loop.schedule.minLearningRate = r.minLearningRate;
        loop.schedule.warmupSteps = r.warmupSteps;
        loop.schedule.restartPeriod =
            r.restartPeriod > 0 ? r.restartPeriod : static_cast<int>(std::max<std::int64_t>(1, totalSteps - r.warmupSteps));
        loop.schedule.restartMultiplier = r.restartMultiplier;
        loop.checkpointEvery = r.checkpointEvery;
        loop.finalCheckpoint = !dryRun_;
        loop.stopAfterSteps = stopAfterSteps_;
        loop.resumeHint = "resume with `genra train --resume " + runName_ + "`";
        loop.save = [&](const fs::path& path, std::int64_t step) { saveCheckpoint(path, s, optimizer, scaler, step); };
        loop.load = [&](const fs::path& path) { return loadCheckpoint(path, s, optimizer, scaler); };
        loop.loopEnded = [&] {
            if (!next.valid()) return;
            try {
                next.get();
            } catch (...) {
            }
        };
        loop.step = [&](std::int64_t step, double lr) -> StepResult {
            const auto t0 = Clock::now();
            if (!next.valid()) next = std::async(std::launch::async, prepare, step);
            PreparedBatch batch = next.get();
            if (step + 1 < totalSteps) next = std::async(std::launch::async, prepare, step + 1);

            s.trained->train();
            const auto images = batch.images.to(s.device);
            torch::Tensor textFeatures;
            torch::Tensor realFeatures;
            torch::Tensor imageFeatures;
            torch::Tensor realTrainedFeatures;
            {
                // The forward pass runs under the recipe's autocast; the losses below are float32.
                model::AutocastScope autocast(s.precision, s.device);
                if (s.textFrozen) {
                    std::vector<torch::Tensor> rows;
                    std::vector<std::int64_t> missing;
                    for (std::size_t i = 0; i < batch.captionIds.size(); ++i)
                        if (!textCache.count(batch.captionIds[i])) missing.push_back(static_cast<std::int64_t>(i));
                    if (!missing.empty()) {
                        torch::NoGradGuard noGrad;
                        textModel->eval();
                        const auto idx = torch::tensor(missing);
                        const auto feats = textModel->encodeText(batch.tokens.index_select(0, idx).to(s.device));
                        for (std::size_t k = 0; k < missing.size(); ++k)
                            textCache[batch.captionIds[static_cast<std::size_t>(missing[k])]] =
                                feats[static_cast<std::int64_t>(k)].to(torch::kFloat);
                    }
                    for (auto id : batch.captionIds) rows.push_back(textCache[id]);
                    textFeatures = torch::stack(rows);
                } else {
                    textFeatures = s.trained->encodeText(batch.tokens.to(s.device));
                }
                if (needReal) {
                    // f_r is frozen: each real image's features are computed once.
                    std::vector<std::int64_t> missing;
                    for (std::size_t i = 0; i < batch.realIds.size(); ++i)
                        if (!realCache.count(batch.realIds[i])) missing.push_back(static_cast<std::int64_t>(i));
                    if (!missing.empty()) {
                        torch::NoGradGuard noGrad;
                        s.real->eval();
                        const auto feats = s.real->encodeImage(batch.realImages.index_select(0, torch::tensor(missing)).to(s.device));
                        for (std::size_t k = 0; k < missing.size(); ++k)
                            realCache[batch.realIds[static_cast<std::size_t>(missing[k])]] =
                                feats[static_cast<std::int64_t>(k)].to(torch::kFloat);
                    }
                    std::vector<torch::Tensor> rows;
                    for (auto id : batch.realIds) rows.push_back(realCache.at(id));
                    realFeatures = torch::stack(rows);
                }

                imageFeatures = s.trained->encodeImage(images);
                if (trainReal) {
                    // Proj for Real on the LoRA backbone: the real images' path of f_g (App. A).
                    realTrainedFeatures = torch::matmul(s.trained->visual->features(batch.realImages.to(s.device)),
                                                        s.projReal.to(imageFeatures.scalar_type()));
                }
            }
            // The losses see the global batch: every rank's rows, gradients flowing back to its own.
            imageFeatures = parallel.allGather(imageFeatures.to(torch::kFloat));
            textFeatures = parallel.allGather(textFeatures.to(torch::kFloat));
            if (realFeatures.defined()) realFeatures = parallel.allGather(realFeatures);
            if (realTrainedFeatures.defined()) realTrainedFeatures = parallel.allGather(realTrainedFeatures);
            const auto logitScale = (s.textFrozen ? s.trained->logit_scale : s.trained->logit_scale.clamp_max(std::log(100.0))).exp();
            torch::Tensor total = torch::zeros({}, imageFeatures.options());
            std::map<std::string, double> terms;
            if (usesAlignment(r) && r.wAlign > 0) {
                const auto align = alignLoss(imageFeatures, realFeatures, (-s.alignLogScale).exp(), r.symmetricAlign);
                total = total + r.wAlign * align;
                terms["loss_align"] = align.item<double>();
            }
            {
                const double w = trainsOnGenerated(r.method) ? r.wGen : 1.0;
                const auto clip = clipLoss(imageFeatures, textFeatures, logitScale);
                if (w > 0) total = total + w * clip;
                terms[trainsOnGenerated(r.method) ? "loss_gen" : "loss_clip"] = clip.item<double>();
            }
            if (trainReal) {
                // The real image-text CLIP loss through the LoRA backbone and Proj for Real: trains both.
                const auto realClip = clipLoss(realTrainedFeatures.to(torch::kFloat), textFeatures, logitScale);
                total = total + r.wReal * realClip;
                terms["loss_real"] = realClip.item<double>();
            } else if (needReal && r.wReal > 0) {
                // On the frozen f_r (single-encoder methods): logged, adds no gradient.
                const auto realClip = clipLoss(realFeatures, textFeatures.detach(), logitScale.detach());
                total = total + r.wReal * realClip;
                terms["loss_real"] = realClip.item<double>();
            }
            const double lossValue = total.item<double>();
            if (!std::isfinite(lossValue)) {
                throw Error("loss became " + std::string(std::isnan(lossValue) ? "NaN" : "infinite") + " at step " +
                            std::to_string(step) + " (learning rate " + std::to_string(lr) +
                            "); the last good checkpoint is kept" +
                            (fs::exists(checkpointPath) ? " at " + checkpointPath.string() : std::string()));
            }
            optimizer.zero_grad();
            scaler.scale(total).backward();
            driver.synchronize(params);
            const bool finiteGradients = scaler.unscale(params);
            const double clipTo = r.gradClipNorm > 0 ? r.gradClipNorm : std::numeric_limits<double>::infinity();
            double gradNorm = std::numeric_limits<double>::infinity();
            if (finiteGradients) {
                gradNorm = torch::nn::utils::clip_grad_norm_(params, clipTo);
                optimizer.step();
            } else {
                // fp16 overflow: skip this update and retry the scale at half the size.
                context.log(jobs::LogLevel::Warning, "step " + std::to_string(step + 1) +
                                                         ": gradient overflow at loss scale " +
                                                         std::to_string(scaler.scale()) + ", update skipped");
            }
            scaler.update(finiteGradients);

            const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
            terms["loss"] = lossValue;
            terms["lr"] = lr;
            if (std::isfinite(gradNorm)) terms["grad_norm"] = gradNorm;
            if (scaler.enabled()) terms["loss_scale"] = scaler.scale();
            terms["images_per_s"] = static_cast<double>(batch.slots.size()) * parallel.worldSize() / std::max(seconds, 1e-9);
            terms["temperature"] = usesAlignment(r) ? std::exp(-s.alignLogScale.item<double>()) : 1.0 / logitScale.item<double>();
            return {lossValue, {terms.begin(), terms.end()}};
        };

        const LoopEnd end = driver.loop(loop);
        if (end != LoopEnd::Completed || dryRun_ || !parallel.isMain()) return {end, std::nullopt};
        const std::int64_t modelId = registerModel(ws, r, s, runId_, runName_);
        modelName_ = runName_;
        context.log(jobs::LogLevel::Info, "registered model \"" + runName_ + "\"");
        return {end, modelId};
    });
}

nlohmann::json defaultRecipeJson(Method method) {
    Recipe r;
    r.method = method;
    r.dataset = "shapes";
    r.baseModel = method == Method::Pretrain ? "" : "shapes-clip";
    if (method == Method::Pretrain) {
        r.learningRate = 1e-3;
        r.weightDecay = 0.1;
        r.realSplit = "pretrain";
        r.learnTemperature = false;
    }
    return toJson(r);
}

nlohmann::json pretrainRecipeJson(const std::string& dataset, const std::string& split, int steps, int batchSize,
                                  double lr) {
    auto r = defaultRecipeJson(Method::Pretrain);
    r.erase("base_model");
    r["dataset"] = dataset;
    r["real_split"] = split;
    r["steps"] = steps;
    r["batch_size"] = batchSize;
    r["lr"] = lr;
    r["warmup_steps"] = std::max(1, steps / 20);
    r["learn_temperature"] = true;
    r["vocab_merges"] = 400;
    r["checkpoint_every"] = 0;
    r["device"] = "cpu";
    r["seed"] = 0;
    return r;
}

}  // namespace genra::train
