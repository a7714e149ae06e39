#include "core/train/generator_training.h"

#include "core/data/image.h"
#include "core/data/preprocess.h"
#include "core/gen/builtin_generator.h"
#include "core/gen/diffusion.h"
#include "core/gen/text_condition.h"
#include "core/gen/unet.h"
#include "core/model/embed.h"
#include "core/model/model_store.h"
#include "core/model/weights.h"
#include "core/store/dataset_items.h"
#include "core/store/runs.h"
#include "core/store/workspace.h"
#include "core/train/checkpoint.h"
#include "core/train/distributed.h"
#include "core/train/run_driver.h"
#include "core/util/error.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <thread>

namespace fs = std::filesystem;
using nlohmann::json;

namespace genra::train {

using gen::GeneratorTrainOptions;
using gen::kModelKindGenerator;
using gen::NoiseSchedule;
using gen::TextConditioner;
using gen::TokenFeatures;
using gen::UNet;

namespace {

using Clock = std::chrono::steady_clock;

// Training images with their captions, images preloaded as [N, 3, S, S] in [-1, 1].
struct GeneratorData {
    torch::Tensor images;
    std::vector<std::string> captions;        // unique caption rows
    std::vector<std::int64_t> pairImage;      // per (image, caption) pair: image row
    std::vector<std::int64_t> pairCaption;    // per pair: caption row
};

torch::Tensor imageTensor(const data::Image& image, int size) {
    data::Image square = image;
    if (square.width != square.height) {
        const int side = std::min(square.width, square.height);
        square = data::centerCrop(square, side, side);
    }
    if (square.width != size) square = data::resizeBicubicAntialias(square, size, size);
    auto t = torch::from_blob(square.pixels.data(), {size, size, 3}, torch::kUInt8).clone();
    return t.permute({2, 0, 1}).to(torch::kFloat32) / 127.5 - 1.0;
}

GeneratorData loadGeneratorData(store::Workspace& ws, const GeneratorTrainOptions& o, jobs::JobContext& context) {
    const auto dataset = ws.requireDataset(o.dataset);
    GeneratorData d;
    std::vector<fs::path> paths;
    std::map<std::int64_t, std::int64_t> rowOfImage;
    for (auto& c : store::realImageCaptions(ws, dataset.id, o.split, true)) {
        auto it = rowOfImage.find(c.imageId);
        if (it == rowOfImage.end()) {
            it = rowOfImage.emplace(c.imageId, static_cast<std::int64_t>(paths.size())).first;
            paths.push_back(ws.resolve(c.imagePath));
        }
        d.pairImage.push_back(it->second);
        d.pairCaption.push_back(static_cast<std::int64_t>(d.captions.size()));
        d.captions.push_back(std::move(c.text));
    }
    if (paths.empty()) {
        throw Error("dataset \"" + o.dataset + "\" has no readable real images with captions in split \"" + o.split + "\"");
    }
    context.progress(-1, "loading " + std::to_string(paths.size()) + " training images");
    std::vector<torch::Tensor> rows(paths.size());
    std::vector<std::string> errors(paths.size());
    const int size = static_cast<int>(o.imageSize);
    const std::size_t threads = std::clamp<std::size_t>(static_cast<std::size_t>(std::max(o.workers, 1)), 1, paths.size());
    std::vector<std::thread> pool;
    for (std::size_t t = 0; t < threads; ++t) {
        pool.emplace_back([&, t] {
            for (std::size_t i = t; i < paths.size(); i += threads) {
                try {
                    rows[i] = imageTensor(data::loadImage(paths[i]), size);
                } catch (const std::exception& e) {
                    errors[i] = e.what();
                }
            }
        });
    }
    for (auto& th : pool) th.join();
    for (std::size_t i = 0; i < paths.size(); ++i) {
        if (!errors[i].empty()) throw Error("training image " + paths[i].string() + ": " + errors[i]);
    }
    d.images = torch::stack(rows);
    return d;
}

std::vector<std::pair<std::string, torch::Tensor>> namedTensors(UNet& unet) {
    std::vector<std::pair<std::string, torch::Tensor>> out;
    for (const auto& item : unet->named_parameters()) out.emplace_back(item.key(), item.value());
    return out;
}

void saveCheckpoint(const fs::path& path, UNet& unet, const std::vector<torch::Tensor>& ema,
                    torch::optim::Optimizer& optimizer, std::int64_t step) {
    torch::serialize::OutputArchive archive;
    archive.write("step", torch::tensor(step));
    const auto named = namedTensors(unet);
    for (std::size_t i = 0; i < named.size(); ++i) {
        archive.write("param/" + named[i].first, named[i].second.detach().to(torch::kCPU));
        archive.write("ema/" + named[i].first, ema[i].to(torch::kCPU));
    }
    train::writeTrainingState(archive, optimizer);
    train::saveArchiveAtomically(archive, path);
}

std::int64_t loadCheckpoint(const fs::path& path, UNet& unet, std::vector<torch::Tensor>& ema,
                            torch::optim::Optimizer& optimizer, torch::Device device) {
    torch::serialize::InputArchive archive;
    try {
        archive.load_from(path.string(), device);
    } catch (const std::exception& e) {
        throw Error("cannot read generator checkpoint " + path.string() + ": " + e.what());
    }
    torch::Tensor step;
    archive.read("step", step);
    torch::NoGradGuard noGrad;
    const auto named = namedTensors(unet);
    for (std::size_t i = 0; i < named.size(); ++i) {
        torch::Tensor value;
        torch::Tensor emaValue;
        if (!archive.try_read("param/" + named[i].first, value) || !archive.try_read("ema/" + named[i].first, emaValue) ||
            value.sizes() != named[i].second.sizes()) {
            throw Error("generator checkpoint " + path.string() + " does not match the model at " + named[i].first);
        }
        named[i].second.copy_(value);
        ema[i].copy_(emaValue);
    }
    train::readTrainingState(archive, optimizer);
    return step.item<std::int64_t>();
}

// Registers the trained generator: the EMA weights and the configuration loadBuiltinGenerator
// reads, in checkpoints/<name>/model.*. Returns its model id.
std::int64_t registerGenerator(store::Workspace& ws, const GeneratorTrainOptions& o, UNet& unet,
                               const std::vector<torch::Tensor>& ema, const torch::Tensor& dataMean,
                               const torch::Tensor& dataStd, std::int64_t textModelId, std::int64_t trainedSteps,
                               std::int64_t runId) {
    model::StateDict weights;
    const auto named = namedTensors(unet);
    for (std::size_t i = 0; i < named.size(); ++i) weights[named[i].first] = ema[i].to(torch::kCPU).contiguous().clone();
    auto three = [](const torch::Tensor& t) { return std::vector<double>(t.data_ptr<float>(), t.data_ptr<float>() + 3); };
    json config = {{"unet", toJson(unet->config())},
                   {"timesteps", o.timesteps},
                   {"schedule", o.schedule},
                   {"parametrization", "v"},
                   {"data_mean", three(dataMean)},
                   {"data_std", three(dataStd)},
                   {"text_model", o.textModel},
                   {"text_model_id", textModelId},
                   {"trained_steps", trainedSteps},
                   {"dataset", o.dataset},
                   {"split", o.split},
                   {"run_id", runId},
                   {"options", toJson(o)}};
    const fs::path relative = fs::path("checkpoints") / o.name / "model";
    model::saveModelFiles(ws.dir() / relative, weights, config);
    model::ModelRecord record;
    record.name = o.name;
    record.kind = kModelKindGenerator;
    record.path = relative.string() + ".safetensors";
    record.config = config;
    if (textModelId) record.baseModelId = textModelId;
    record.runId = runId;
    return model::upsertModel(ws, record);
}

}  // namespace

TrainGeneratorJob::TrainGeneratorJob(fs::path workspace, gen::GeneratorTrainOptions options)
    : workspace_(std::move(workspace)), options_(std::move(options)) {}

bool TrainGeneratorJob::run(jobs::JobContext& context) {
    auto ws = store::Workspace::open(workspace_);
    // New run or resumed one: rank 0 decides (in a data-parallel run the others would find the row
    // rank 0 has just created or claimed, 'running') and the other ranks take its options.
    const std::string resumedAs = processGroup()->shareFromMain([&]() -> std::string {
        if (auto existing = model::findModel(ws, options_.name); existing && existing->kind != kModelKindGenerator) {
            throw Error("workspace already has a " + existing->kind + " model named \"" + options_.name +
                        "\"; choose another --name");
        }
        auto run = store::findRun(ws, options_.name);
        if (!run) return {};
        if (run->kind != kModelKindGenerator) {
            throw Error("workspace already has a " + run->kind + " run named \"" + options_.name + "\"; choose another --name");
        }
        if (run->status == "finished") {
            throw Error("generator \"" + options_.name + "\" is already trained; choose another --name to train a new one");
        }
        if (run->status == "running") {
            throw Error("generator run \"" + options_.name + "\" is still running in another process; stop it first");
        }
        auto options = gen::generatorTrainOptionsFromJson(run->recipe, "run " + run->name + " options");
        // Runs started before the pooled caption feature, the learnt tokens, their random start or the
        // edge-weighted loss existed trained without them.
        if (!run->recipe.contains("pooled_context")) options.pooledContext = false;
        if (!run->recipe.contains("learn_tokens")) options.learnTokens = false;
        if (!run->recipe.contains("token_init")) options.tokenInit = 0.0;
        if (!run->recipe.contains("edge_weight")) options.edgeWeight = 0.0;
        return json{{"run_id", run->id}, {"options", toJson(options)}}.dump();
    });
    if (!resumedAs.empty()) {
        const auto resumed = json::parse(resumedAs);
        options_ = gen::generatorTrainOptionsFromJson(resumed["options"], "run " + options_.name + " options");
        runId_ = resumed["run_id"].get<std::int64_t>();
        resumed_ = true;
    }
    gen::validate(options_);
    const GeneratorTrainOptions& o = options_;
    const auto device = rankDevice(o.device);  // cuda:LOCAL_RANK per rank of a multi-process run
    auto textClip = gen::loadTextModel(ws, o.textModel);
    context.progress(-1, "collecting training data");
    GeneratorData data = loadGeneratorData(ws, o, context);
    context.log(jobs::LogLevel::Info, std::to_string(data.images.size(0)) + " images, " +
                                          std::to_string(data.captions.size()) + " captions of split " + o.split);

    RunSpec spec(o.name, kModelKindGenerator, toJson(o), o.device, o.steps, resumed_ ? std::optional(runId_) : std::nullopt);
    spec.checkpointDir = ws.checkpointsDir() / o.name;  // beside the model's files
    spec.label = "generator run";
    RunDriver driver(ws, context, std::move(spec));
    runId_ = driver.runId();

    return driver.run([&]() -> RunOutcome {
        // Frozen caption features, computed once: [captions, L, W] plus the empty caption's.
        context.progress(-1, "encoding " + std::to_string(data.captions.size()) + " captions");
        TextConditioner conditioner(textClip.real, textClip.tokenizer);
        TokenFeatures all;
        for (std::size_t begin = 0; begin < data.captions.size(); begin += 512) {
            const auto end = std::min(data.captions.size(), begin + 512);
            auto part = conditioner.encode({data.captions.begin() + static_cast<std::ptrdiff_t>(begin),
                                            data.captions.begin() + static_cast<std::ptrdiff_t>(end)});
            all = all.features.defined() ? gen::concatFeatures(all, part) : part;
        }
        // The empty caption (the unconditional input) padded to the same length, as the last row.
        torch::Tensor nullFeatures;
        torch::Tensor nullMask;
        torch::Tensor nullTokens;
        {
            const auto n = all.features.size(0);
            auto both = gen::concatFeatures(all, conditioner.encode({""}));
            nullFeatures = both.features[n];
            nullMask = both.mask[n];
            nullTokens = both.tokens[n];
            all = {both.features.narrow(0, 0, n), both.mask.narrow(0, 0, n), both.tokens.narrow(0, 0, n)};
        }
        context.checkCancelled();

        torch::manual_seed(static_cast<std::uint64_t>(o.seed));
        UNet unet(gen::unetConfigFor(o, conditioner.width(), textClip.real->config().vocabSize));
        if (o.tokenInit > 0 && unet->token_embedding) {
            torch::NoGradGuard noGrad;
            const double featureStd = all.features.index({all.mask}).std().item<double>();
            unet->token_embedding->weight.normal_(0.0, o.tokenInit * featureStd);
        }
        unet->to(device);
        std::vector<torch::Tensor> params;
        for (auto& p : unet->parameters()) params.push_back(p);
        driver.broadcastInitial(params);
        std::vector<torch::Tensor> ema;
        for (const auto& p : params) ema.push_back(p.detach().clone());
        // Data-parallel: every rank draws the global batch's random numbers from the same stream
        // (loop.sameRandomStreamOnEveryRank) and trains on its rows [first, second), so N processes
        // draw exactly what one process draws.
        const auto shardRows = driver.parallel().shard(o.batchSize);
        const std::int64_t localBatch = shardRows.second - shardRows.first;
        torch::optim::AdamW optimizer(params, torch::optim::AdamWOptions(o.learningRate).weight_decay(o.weightDecay));
        const NoiseSchedule schedule(o.timesteps, gen::betaScheduleFromName(o.schedule));
        const auto pairImage = torch::tensor(data.pairImage);
        const auto pairCaption = torch::tensor(data.pairCaption);
        // Shapes-like images have little contrast (std ~0.2 in [-1, 1]): at the noise levels that
        // decide the layout the model would see almost only noise. Standardising each channel to a
        // std of kGeneratorDataStd (as latent diffusion scales its latents) makes those levels
        // learnable in a few hundred steps; sampling undoes it.
        const auto channelMean = data.images.mean(std::vector<std::int64_t>{0, 2, 3}, true);
        const auto channelScale =
            data.images.std(std::vector<std::int64_t>{0, 2, 3}, true, true).clamp_min(1e-3) / gen::kGeneratorDataStd;
        const auto numPairs = static_cast<std::int64_t>(data.pairImage.size());

        TrainingLoop loop;
        loop.optimizer = &optimizer;
        loop.schedule.baseLearningRate = o.learningRate;
        loop.schedule.minLearningRate = o.minLearningRate;
        loop.schedule.warmupSteps = static_cast<int>(o.warmupSteps);
        loop.schedule.restartPeriod = static_cast<int>(std::max<std::int64_t>(1, o.steps - o.warmupSteps));
        loop.checkpointEvery = dryRun_ ? 0 : o.checkpointEvery;
        loop.finalCheckpoint = !dryRun_;
        loop.stopAfterSteps = stopAfterSteps_;
        loop.sameRandomStreamOnEveryRank = true;
        loop.resumeHint = "run the same command again to resume";
        loop.save = [&](const fs::path& path, std::int64_t step) { saveCheckpoint(path, unet, ema, optimizer, step); };
        loop.load = [&](const fs::path& path) {
            resumedFromStep_ = loadCheckpoint(path, unet, ema, optimizer, device);
            return resumedFromStep_;
        };
        loop.progressText = [](std::int64_t step, std::int64_t totalSteps, double loss, double stepsPerSecond) {
            char message[160];
            std::snprintf(message, sizeof message, "step %lld/%lld loss %.4f, %.2f steps/s", static_cast<long long>(step),
                          static_cast<long long>(totalSteps), loss, stepsPerSecond);
            return std::string(message);
        };
        loop.step = [&](std::int64_t step, double lr) -> StepResult {
            const auto t0 = Clock::now();
            // Random draws in a fixed order from the global generator, whose state the checkpoint keeps.
            auto mine = [&](const torch::Tensor& global) { return global.narrow(0, shardRows.first, localBatch); };
            const auto pick = mine(torch::randint(numPairs, {o.batchSize}, torch::kLong));
            const auto drop = mine(torch::rand({o.batchSize})) < o.conditionDropout;
            const auto t = mine(torch::randint(o.timesteps, {o.batchSize}, torch::kLong));
            const auto noise = mine(torch::randn({o.batchSize, 3, o.imageSize, o.imageSize})).contiguous();
            const auto x0 = (data.images.index_select(0, pairImage.index_select(0, pick)) - channelMean) / channelScale;
            const auto rowsCaption = pairCaption.index_select(0, pick);
            auto features = all.features.index_select(0, rowsCaption);
            auto mask = all.mask.index_select(0, rowsCaption);
            features = torch::where(drop.view({-1, 1, 1}), nullFeatures.unsqueeze(0).expand_as(features), features);
            mask = torch::where(drop.view({-1, 1}), nullMask.unsqueeze(0).expand_as(mask), mask);
            auto tokens = all.tokens.index_select(0, rowsCaption);
            tokens = torch::where(drop.view({-1, 1}), nullTokens.unsqueeze(0).expand_as(tokens), tokens);
            const auto xt = schedule.addNoise(x0, noise, t);
            const auto predicted =
                unet->forward(xt.to(device), t.to(device), features.to(device), mask.to(device), tokens.to(device));
            const auto loss =
                gen::velocityLoss(schedule, t.to(device), predicted, gen::velocityTarget(schedule, t, x0, noise).to(device),
                                  o.minSnrGamma, o.edgeWeight > 0 ? gen::edgeLossWeights(x0, o.edgeWeight) : torch::Tensor());
            // The global batch's loss (the mean of the ranks' equal-sized shards' means), the same on
            // every rank, so a non-finite one stops all of them at this step.
            const double lossValue = driver.parallel().meanOverRanks(loss.item<double>());
            if (!std::isfinite(lossValue)) {
                throw Error("generator loss became " + std::string(std::isnan(lossValue) ? "NaN" : "infinite") + " at step " +
                            std::to_string(step) + "; the last good checkpoint is kept");
            }
            optimizer.zero_grad();
            loss.backward();
            driver.synchronize(params);
            const double gradNorm = torch::nn::utils::clip_grad_norm_(params, o.gradClipNorm > 0 ? o.gradClipNorm : 1e30);
            optimizer.step();
            {
                torch::NoGradGuard noGrad;
                const double n = static_cast<double>(step);
                const double decay = std::min(o.emaDecay, (1.0 + n) / (10.0 + n));
                for (std::size_t i = 0; i < params.size(); ++i) ema[i].mul_(decay).add_(params[i].detach(), 1.0 - decay);
            }
            const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
            const std::map<std::string, double> terms{{"loss", lossValue},
                                                      {"lr", lr},
                                                      {"grad_norm", gradNorm},
                                                      {"images_per_s", static_cast<double>(o.batchSize) / std::max(seconds, 1e-9)}};
            return {lossValue, {terms.begin(), terms.end()}};
        };

        unet->train();
        const LoopEnd end = driver.loop(loop);
        if (end != LoopEnd::Completed || dryRun_ || !driver.isMain()) return {end, std::nullopt};
        // The data statistics sampling undoes: per-channel mean and standard deviation.
        const auto dataStd = (channelScale * gen::kGeneratorDataStd).contiguous();
        const std::int64_t modelId = registerGenerator(ws, o, unet, ema, channelMean.contiguous(), dataStd,
                                                       textClip.record.id, driver.step(), runId_);
        context.log(jobs::LogLevel::Info, "registered generator \"" + o.name + "\"");
        return {end, modelId};
    });
}

}  // namespace genra::train
