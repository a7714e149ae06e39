#include "core/caption/caption_jobs.h"

#include "core/train/checkpoint.h"

#include "core/model/embed.h"
#include "core/model/weights.h"
#include "core/store/dataset_items.h"
#include "core/store/embeddings.h"
#include "core/store/eval_results.h"
#include "core/store/metric_writer.h"
#include "core/store/workspace.h"
#include "core/text/bpe_trainer.h"
#include "core/text/bpe_vocab_file.h"
#include "core/store/runs.h"
#include "core/train/schedule.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "core/util/json_file.h"
#include "core/util/names.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <fstream>
#include <random>
#include <unordered_map>

namespace fs = std::filesystem;

namespace genra::caption {

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

// Embeds the dataset's images of one modality with the CLIP model (only those not cached yet).
void ensureEmbeddings(const fs::path& workspace, const std::string& clipModel, const std::string& dataset,
                      const std::string& split, bool generated, const std::string& device, jobs::JobContext& context) {
    model::EmbedWorkspaceOptions options;
    options.workspace = workspace;
    options.model = clipModel;
    options.dataset = dataset;
    options.split = split;
    options.realImages = !generated;
    options.generatedImages = generated;
    options.captions = false;
    options.device = device;
    model::EmbedWorkspaceJob job(options);
    if (!job.run(context)) throw Error("embedding " + dataset + " with " + clipModel + " failed");
}

// Rows of cached embeddings in the order of `ids`; ids without one are reported in `missing`
// and get a row of zeros.
torch::Tensor readEmbeddings(store::Workspace& ws, std::int64_t modelId, const char* encoder,
                             const std::vector<std::int64_t>& ids, std::vector<std::size_t>& missing) {
    auto rows = store::readEmbeddings(ws, {modelId, "image", encoder}, ids);
    std::size_t next = 0;
    for (std::size_t i = 0; i < ids.size(); ++i) {
        if (next < rows.found.size() && rows.found[next] == i) ++next;
        else missing.push_back(i);
    }
    if (rows.found.empty()) return torch::empty({0, 0});
    auto out = torch::zeros({static_cast<std::int64_t>(ids.size()), rows.dim}, torch::kFloat);
    const auto found = torch::from_blob(rows.values.data(), {static_cast<std::int64_t>(rows.found.size()), rows.dim},
                                        torch::kFloat);
    std::vector<std::int64_t> at(rows.found.begin(), rows.found.end());
    out.index_copy_(0, torch::tensor(at, torch::kInt64), found);
    return out;
}

std::string defaultRunName() {
    const std::time_t now = std::time(nullptr);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y%m%d-%H%M%S", std::gmtime(&now));
    return std::string("caption-") + buf;
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
    s.config.mapper = mapperKindFromName(r.mapper);
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
        s.tokenizer = clipBpeCaptionTokenizer(s.vocabFile, "vocab.txt");
        s.config.decoder.vocabSize = s.tokenizer->vocabularySize();
        s.config.decoder.contextLength = r.decoderPositions;
        s.config.decoder.width = r.decoderWidth;
        s.config.decoder.layers = r.decoderLayers;
        s.config.decoder.heads = r.decoderHeads;
    } else {
        std::vector<std::string> notes;
        pretrained = loadHfGpt2(r.decoder, &notes);
        for (const auto& n : notes) context.log(jobs::LogLevel::Info, "GPT-2: " + n);
        const fs::path folder = fs::is_directory(r.decoder) ? fs::path(r.decoder) : fs::path(r.decoder).parent_path();
        const fs::path vocab = r.gpt2Vocab.empty() ? folder / "vocab.json" : fs::path(r.gpt2Vocab);
        const fs::path merges = r.gpt2Merges.empty() ? folder / "merges.txt" : fs::path(r.gpt2Merges);
        s.tokenizer = gpt2CaptionTokenizer(fs::absolute(vocab), fs::absolute(merges));
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
    train::saveArchiveAtomically(archive, path);
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

}  // namespace

CaptionTrainJob::CaptionTrainJob(fs::path workspace, CaptionRecipe recipe, std::string runName)
    : workspace_(std::move(workspace)), recipe_(std::move(recipe)), runName_(std::move(runName)) {
    if (runName_.empty()) runName_ = defaultRunName();
}

CaptionTrainJob CaptionTrainJob::resume(fs::path workspace, const std::string& runIdOrName) {
    auto ws = store::Workspace::open(workspace);
    const auto run = store::requireRun(ws, runIdOrName);
    if (run.kind != kRunKind) throw Error("run \"" + run.name + "\" is a " + run.kind + " run, not a captioner run");
    if (run.status == "finished") throw Error("run \"" + run.name + "\" already finished; nothing to resume");
    if (run.status == "running") throw Error("run \"" + run.name + "\" is still running in another process; stop it first");
    CaptionTrainJob job;
    job.workspace_ = std::move(workspace);
    job.recipe_ = parseCaptionRecipe(run.recipe, "run " + run.name + " recipe");
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
    context.progress(-1, "embedding training images");
    ensureEmbeddings(workspace_, r.clipModel, r.dataset, r.split, generated, r.device, context);

    auto ws = store::Workspace::open(workspace_);
    std::vector<std::size_t> missing;
    const torch::Tensor embeddings = readEmbeddings(ws, clipId, encoder, pairs.imageIds, missing);
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
    const std::int64_t totalSteps = r.steps > 0 ? r.steps : perEpoch * r.epochs;
    if (!resuming_) {
        runId_ = store::createRun(ws, runName_, kRunKind, toJson(r), r.device, totalSteps);
    } else {
        store::claimRun(ws, runId_);
    }
    const fs::path runDir = ws.checkpointsDir() / ("run-" + std::to_string(runId_));
    fs::create_directories(runDir);
    const fs::path checkpointPath = runDir / "last.pt";

    std::string failure;
    std::string finalStatus = "failed";
    std::optional<std::int64_t> modelId;
    try {
        const torch::Device device = model::resolveDevice(r.device);
        Setup s = buildSetup(r, pairs, embeddings.size(1), runDir, context);
        s.model->to(device);
        std::vector<torch::Tensor> params;
        for (auto& p : s.model->parameters())
            if (p.requires_grad()) params.push_back(p);
        torch::optim::AdamW optimizer(params, torch::optim::AdamWOptions(r.learningRate).weight_decay(r.weightDecay));
        std::int64_t step = 0;
        if (resuming_ && fs::exists(checkpointPath)) {
            step = loadCheckpoint(checkpointPath, s.model, optimizer, device);
            context.log(jobs::LogLevel::Info, "resumed from step " + std::to_string(step));
        }
        train::ScheduleOptions schedule;
        schedule.baseLearningRate = r.learningRate;
        schedule.warmupSteps = r.warmupSteps;
        schedule.restartPeriod = static_cast<int>(std::max<std::int64_t>(1, totalSteps - r.warmupSteps));

        std::vector<std::vector<std::int64_t>> tokenRows;
        tokenRows.reserve(pairs.captions.size());
        for (const auto& caption : pairs.captions) tokenRows.push_back(captionTokenRow(*s.tokenizer, caption, r.maxCaptionTokens));
        const auto imageRows = torch::tensor(std::vector<std::int64_t>(pairs.imageOf.begin(), pairs.imageOf.end()), torch::kLong);
        const auto deviceEmbeddings = embeddings.to(device);

        store::MetricWriter metrics(ws.databasePath());
        const std::int64_t sessionStart = step;
        auto lastBeat = Clock::now();
        bool cancelled = false;
        bool stoppedEarly = false;
        s.model->train();
        while (step < totalSteps) {
            if (context.cancelled()) {
                cancelled = true;
                break;
            }
            if (stopAfterSteps_ && step - sessionStart >= *stopAfterSteps_) {
                stoppedEarly = true;
                break;
            }
            const auto t0 = Clock::now();
            const auto slots = planStep(pairs.captions.size(), r.batchSize, r.seed, step);
            std::vector<std::vector<std::int64_t>> rows;
            std::vector<std::int64_t> pairIndex;
            for (auto p : slots) {
                rows.push_back(tokenRows[p]);
                pairIndex.push_back(static_cast<std::int64_t>(p));
            }
            auto [tokens, mask] = padTokenRows(rows);
            const auto clipRows = imageRows.index_select(0, torch::tensor(pairIndex, torch::kLong)).to(device);
            const double lr = train::learningRateAt(schedule, step);
            for (auto& group : optimizer.param_groups()) static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr);
            const auto loss = captionLoss(s.model, deviceEmbeddings.index_select(0, clipRows), tokens.to(device), mask.to(device));
            const double lossValue = loss.item<double>();
            if (!std::isfinite(lossValue)) {
                throw Error("caption loss became non-finite at step " + std::to_string(step) + " (learning rate " +
                            std::to_string(lr) + ")");
            }
            optimizer.zero_grad();
            loss.backward();
            const double clipTo = r.gradClipNorm > 0 ? r.gradClipNorm : std::numeric_limits<double>::infinity();
            const double gradNorm = torch::nn::utils::clip_grad_norm_(params, clipTo);
            optimizer.step();
            ++step;
            finalLoss_ = lossValue;
            const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
            const std::pair<const char*, double> logged[] = {
                {"loss", lossValue}, {"lr", lr}, {"grad_norm", gradNorm},
                {"captions_per_s", static_cast<double>(slots.size()) / std::max(seconds, 1e-9)}};
            for (const auto& [name, value] : logged) {
                metrics.append(runId_, step, name, value);
                context.metric(step, name, value);
            }
            context.progress(static_cast<double>(step) / static_cast<double>(totalSteps),
                             "step " + std::to_string(step) + "/" + std::to_string(totalSteps) + " loss " + std::to_string(lossValue));
            if (r.checkpointEvery > 0 && step % r.checkpointEvery == 0 && step < totalSteps) {
                saveCheckpoint(checkpointPath, s.model, optimizer, step);
                store::setCheckpoint(ws, runId_, fs::relative(checkpointPath, ws.dir()).string(), step);
            }
            if (Clock::now() - lastBeat > std::chrono::seconds(2)) {
                store::heartbeat(ws, runId_, step);
                lastBeat = Clock::now();
            }
        }
        metrics.flush();
        if (stoppedEarly) {
            store::heartbeat(ws, runId_, step);  // as if killed: the run stays 'running' with a dead owner later
            return true;
        }
        saveCheckpoint(checkpointPath, s.model, optimizer, step);
        store::setCheckpoint(ws, runId_, fs::relative(checkpointPath, ws.dir()).string(), step);
        if (cancelled) {
            context.log(jobs::LogLevel::Info, "cancelled at step " + std::to_string(step) +
                                                  "; resume with `genra caption train --resume " + runName_ + "`");
            store::finishRun(ws, runId_, "cancelled");
            return false;
        }
        // Register the captioner.
        s.model->to(torch::kCPU);
        s.model->eval();
        // Only this run's own captioner may be replaced (a resumed run registering again); another
        // model of the name, registered while the run was away, is kept.
        if (const auto existing = model::findModel(ws, runName_); existing && existing->runId != runId_) {
            throw Error("workspace already has a " + existing->kind + " model named \"" + runName_ +
                        "\"; the captioner was not registered (its checkpoint " + checkpointPath.string() + " is kept)");
        }
        const fs::path modelDir = ws.checkpointsDir() / runName_;
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
                                 {"run_id", runId_}};
        model::saveModelFiles(modelDir / "captioner", state, config);
        model::ModelRecord record;
        record.name = runName_;
        record.kind = kModelKindCaptioner;
        record.path = (fs::path("checkpoints") / runName_ / "captioner.safetensors").string();
        record.config = config;
        record.baseModelId = clipId;
        record.runId = runId_;
        modelId = model::upsertModel(ws, record);
        modelName_ = runName_;
        context.log(jobs::LogLevel::Info, "registered captioner \"" + runName_ + "\"");
        finalStatus = "finished";
    } catch (const Cancelled&) {
        store::finishRun(ws, runId_, "cancelled");
        throw;
    } catch (const std::exception& e) {
        failure = e.what();
    }
    store::finishRun(ws, runId_, finalStatus, failure, modelId);
    if (!failure.empty()) throw Error("run " + runName_ + ": " + failure);
    return true;
}

LoadedCaptioner loadCaptioner(store::Workspace& ws, const std::string& name) {
    LoadedCaptioner out;
    out.record = model::requireModel(ws, name);
    if (out.record.kind != kModelKindCaptioner) {
        throw Error("model \"" + name + "\" is a " + out.record.kind + " model, not a captioner");
    }
    const fs::path weights = ws.resolve(out.record.path);
    auto files = model::loadModelFiles(weights);
    const std::string source = weights.string();
    if (!files.config.contains("captioner") || !files.config.contains("tokenizer")) {
        throw ParseError(source, "config", "not a captioner (no \"captioner\" / \"tokenizer\" keys)");
    }
    out.model = ClipCaptioner(captionerConfigFromJson(files.config["captioner"], source));
    loadModuleStateDict(*out.model, files.stateDict, source);
    out.model->eval();
    out.tokenizer = captionTokenizerFromJson(files.config["tokenizer"], weights.parent_path(), source);
    out.clipModel = files.config.value("clip_model", std::string());
    const auto decode = files.config.value("decode", nlohmann::json::object());
    out.decode.beamSize = decode.value("beam_size", out.decode.beamSize);
    out.decode.maxLength = decode.value("max_length", out.decode.maxLength);
    out.decode.lengthPenalty = decode.value("length_penalty", out.decode.lengthPenalty);
    return out;
}

std::vector<std::string> captionEmbeddings(LoadedCaptioner& captioner, const torch::Tensor& embeddings,
                                           const DecodeOptions& options, int batchSize, torch::Device device,
                                           jobs::JobContext* context) {
    torch::NoGradGuard noGrad;
    auto& m = captioner.model;
    m->to(device);
    m->eval();
    DecodeOptions decodeOptions = options;
    // The prefix and every generated token but the last must fit in the decoder's positions.
    const auto room = m->config().decoder.contextLength - m->config().prefixLength + 1;
    decodeOptions.maxLength = static_cast<int>(std::min<std::int64_t>(options.maxLength, room));
    const auto endToken = captioner.tokenizer->endToken();
    std::vector<std::string> captions;
    const auto n = embeddings.size(0);
    const auto step = std::max<std::int64_t>(1, batchSize);
    for (std::int64_t begin = 0; begin < n; begin += step) {
        if (context) context->checkCancelled();
        const auto end = std::min(n, begin + step);
        const auto prefix = m->prefix(embeddings.slice(0, begin, end).to(device));
        for (const auto& ids : decodePrefixes(m, prefix, endToken, decodeOptions)) captions.push_back(captioner.tokenizer->decode(ids));
        if (context) {
            context->progress(static_cast<double>(end) / static_cast<double>(n),
                              "captioned " + std::to_string(end) + "/" + std::to_string(n));
        }
    }
    return captions;
}

bool CaptionPredictJob::run(jobs::JobContext& context) {
    const bool generated = options_.modality == "generated";
    if (!generated && options_.modality != "real") throw Error("modality must be real or generated, not \"" + options_.modality + "\"");
    std::vector<std::int64_t> ids;
    std::int64_t clipId = 0;
    std::string clipModel;
    {
        auto ws = store::Workspace::open(options_.workspace);
        const auto dataset = ws.requireDataset(options_.dataset);
        auto captioner = loadCaptioner(ws, options_.model);
        clipModel = captioner.clipModel;
        clipId = model::requireModel(ws, clipModel).id;
        ids = store::readableImages(ws, dataset.id, options_.split, generated ? "generated" : "real");
        if (ids.empty()) {
            throw Error("dataset \"" + options_.dataset + "\" has no readable " + options_.modality + " images in split \"" +
                        options_.split + "\"");
        }
    }
    context.progress(-1, "embedding images");
    ensureEmbeddings(options_.workspace, clipModel, options_.dataset, options_.split, generated, options_.device, context);
    auto ws = store::Workspace::open(options_.workspace);
    auto captioner = loadCaptioner(ws, options_.model);
    decode_ = captioner.decode;
    if (options_.beamSize) decode_.beamSize = *options_.beamSize;
    if (options_.maxLength) decode_.maxLength = *options_.maxLength;
    if (options_.lengthPenalty) decode_.lengthPenalty = *options_.lengthPenalty;
    std::vector<std::size_t> missing;
    auto embeddings = readEmbeddings(ws, clipId, generated ? model::kEncoderGeneratedImage : model::kEncoderRealImage, ids, missing);
    if (!missing.empty()) {
        context.log(jobs::LogLevel::Warning, std::to_string(missing.size()) + " images have no embedding and get no caption");
        std::vector<bool> absent(ids.size(), false);
        for (auto i : missing) absent[i] = true;
        std::vector<std::int64_t> keep;
        std::vector<std::int64_t> keptIds;
        for (std::size_t i = 0; i < ids.size(); ++i) {
            if (absent[i]) continue;
            keep.push_back(static_cast<std::int64_t>(i));
            keptIds.push_back(ids[i]);
        }
        embeddings = embeddings.index_select(0, torch::tensor(keep, torch::kLong));
        ids = std::move(keptIds);
    }
    const auto captions = captionEmbeddings(captioner, embeddings, decode_, options_.batchSize,
                                            model::resolveDevice(options_.device), &context);
    predictions_.clear();
    for (std::size_t i = 0; i < ids.size(); ++i) predictions_.push_back({ids[i], captions[i]});
    if (!options_.out.empty()) writeCocoResults(options_.out, predictions_);
    return true;
}

void writeCocoResults(const fs::path& path, const std::vector<CaptionPrediction>& predictions) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& p : predictions) out.push_back({{"image_id", p.imageId}, {"caption", p.caption}});
    if (path.has_parent_path()) fs::create_directories(path.parent_path());
    util::writeFileAtomically(path, out.dump(2) + "\n");
}

std::vector<CaptionPrediction> readCocoResults(const fs::path& path) {
    const nlohmann::json j = util::readJsonFile(path);
    if (!j.is_array()) throw ParseError(path.string(), "top level", "expected a COCO results array [{\"image_id\", \"caption\"}]");
    std::vector<CaptionPrediction> out;
    for (std::size_t i = 0; i < j.size(); ++i) {
        const auto& e = j[i];
        const std::string where = "entry " + std::to_string(i);
        if (!e.is_object() || !e.contains("image_id") || !e["image_id"].is_number_integer()) {
            throw ParseError(path.string(), where, "needs an integer \"image_id\"");
        }
        if (!e.contains("caption") || !e["caption"].is_string()) throw ParseError(path.string(), where, "needs a string \"caption\"");
        out.push_back({e["image_id"].get<std::int64_t>(), e["caption"].get<std::string>()});
    }
    return out;
}

std::vector<std::pair<std::int64_t, std::vector<std::string>>> referenceCaptions(store::Workspace& ws, const std::string& dataset,
                                                                                 const std::string& split) {
    const auto info = ws.requireDataset(dataset);
    std::vector<std::pair<std::int64_t, std::vector<std::string>>> out;
    for (auto& c : store::realImageCaptions(ws, info.id, split, true)) {
        if (out.empty() || out.back().first != c.imageId) out.emplace_back(c.imageId, std::vector<std::string>());
        out.back().second.push_back(std::move(c.text));
    }
    return out;
}

bool CaptionEvalJob::run(jobs::JobContext& context) {
    const auto& p = options_.predict;
    DecodeOptions decodeUsed;
    if (options_.predictions.empty()) {
        CaptionPredictJob predict(p);
        if (!predict.run(context)) return false;
        predictions_ = predict.predictions();
        decodeUsed = predict.decodeOptions();
    } else {
        predictions_ = readCocoResults(options_.predictions);
    }
    auto ws = store::Workspace::open(p.workspace);
    const auto captioner = model::requireModel(ws, p.model);
    if (captioner.kind != kModelKindCaptioner) throw Error("model \"" + p.model + "\" is not a captioner");
    const auto references = referenceCaptions(ws, p.dataset, p.split);
    if (references.empty()) throw Error("split \"" + p.split + "\" of \"" + p.dataset + "\" has no captioned real images");
    std::unordered_map<std::int64_t, std::size_t> candidateOf;
    const std::string source = options_.predictions.empty() ? std::string("predictions") : options_.predictions.string();
    for (std::size_t i = 0; i < predictions_.size(); ++i) {
        if (!candidateOf.emplace(predictions_[i].imageId, i).second) {
            throw Error(source + ": image " + std::to_string(predictions_[i].imageId) + " is predicted twice");
        }
    }
    eval::CaptionSet raw;
    for (const auto& [id, refs] : references) {
        auto it = candidateOf.find(id);
        if (it == candidateOf.end()) continue;  // images without an embedding get no caption
        raw.imageIds.push_back(std::to_string(id));
        raw.references.push_back(refs);
        raw.candidates.push_back(predictions_[it->second].caption);
    }
    if (raw.candidates.size() != predictions_.size()) {
        throw Error(source + ": " + std::to_string(predictions_.size() - raw.candidates.size()) +
                    " predictions name images that are not captioned real images of split \"" + p.split + "\"");
    }
    if (raw.candidates.empty()) throw Error(source + ": no prediction to score");
    if (raw.candidates.size() < references.size()) {
        context.log(jobs::LogLevel::Warning, std::to_string(references.size() - raw.candidates.size()) +
                                                 " images of the split have no prediction and are not scored");
    }
    context.progress(-1, "scoring " + std::to_string(raw.candidates.size()) + " captions");
    result_ = eval::evaluateCaptions(raw, options_.metrics);
    if (!options_.store) return true;
    nlohmann::json details = {{"captioner", p.model},
                              {"clip_model", captioner.config.value("clip_model", std::string())},
                              {"train_on", captioner.config.value("train_on", std::string())},
                              {"encoder", p.modality == "generated" ? model::kEncoderGeneratedImage : model::kEncoderRealImage},
                              {"images", raw.candidates.size()},
                              {"notes", result_.notes}};
    if (auto clip = model::findModel(ws, details["clip_model"].get<std::string>())) {
        details["inference_encoder"] = clip->config.value("inference_encoder", std::string("frozen-real"));
    }
    if (options_.predictions.empty()) {
        details["decode"] = {{"beam_size", decodeUsed.beamSize}, {"max_length", decodeUsed.maxLength},
                             {"length_penalty", decodeUsed.lengthPenalty}};
    } else {
        details["predictions"] = fs::absolute(options_.predictions).string();
    }
    const auto datasetId = ws.requireDataset(p.dataset).id;
    std::vector<std::int64_t> scoredIds;
    for (const auto& id : raw.imageIds) scoredIds.push_back(std::stoll(id));
    std::vector<store::NewEvalResult> rows;
    for (const auto& item : result_.scores.items()) {
        if (!item.value().is_number()) continue;  // SPICE without its jar
        auto rowDetails = details;
        if (auto it = result_.perImage.find(item.key()); it != result_.perImage.end() && it->second.size() == scoredIds.size()) {
            // Per-image scores, for paired bootstrap intervals (core/eval/statistics.h).
            rowDetails["per_item"] = {{"ids", scoredIds}, {"values", it->second}};
        }
        rows.push_back({captioner.runId, captioner.id, "caption", datasetId, p.split, item.key(), item.value().get<double>(),
                        rowDetails.dump()});
    }
    store::insertEvalResults(ws, rows);
    return true;
}

nlohmann::json defaultCaptionRecipeJson() {
    CaptionRecipe r;
    r.clipModel = "shapes-clip";
    r.dataset = "shapes";
    return toJson(r);
}

}  // namespace genra::caption
