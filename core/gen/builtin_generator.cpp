#include "core/gen/builtin_generator.h"

#include "core/train/checkpoint.h"

#include "core/data/image.h"
#include "core/data/preprocess.h"
#include "core/gen/generator_bundle.h"
#include "core/gen/shift_control.h"
#include "core/model/clip_config.h"
#include "core/model/embed.h"
#include "core/model/model_store.h"
#include "core/model/weights.h"
#include "core/store/metric_writer.h"
#include "core/store/workspace.h"
#include "core/store/dataset_items.h"
#include "core/store/runs.h"
#include "core/train/schedule.h"
#include "core/util/error.h"
#include "core/util/json_file.h"
#include "core/util/names.h"

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <set>
#include <thread>

namespace fs = std::filesystem;
using nlohmann::json;

namespace genra::gen {

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

model::LoadedClip loadTextModel(store::Workspace& ws, const std::string& name) {
    auto clip = model::loadClip(&ws, name);
    if (!clip.tokenizer) {
        throw Error("text model \"" + name + "\" has no vocabulary recorded; import it with its vocab file");
    }
    return clip;
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

}  // namespace

TrainGeneratorJob::TrainGeneratorJob(fs::path workspace, GeneratorTrainOptions options)
    : workspace_(std::move(workspace)), options_(std::move(options)) {}

bool TrainGeneratorJob::run(jobs::JobContext& context) {
    auto ws = store::Workspace::open(workspace_);
    if (auto existing = model::findModel(ws, options_.name); existing && existing->kind != kModelKindGenerator) {
        throw Error("workspace already has a " + existing->kind + " model named \"" + options_.name + "\"; choose another --name");
    }
    if (auto run = store::findRun(ws, options_.name)) {
        if (run->kind != kModelKindGenerator) {
            throw Error("workspace already has a " + run->kind + " run named \"" + options_.name + "\"; choose another --name");
        }
        if (run->status == "finished") {
            throw Error("generator \"" + options_.name + "\" is already trained; choose another --name to train a new one");
        }
        if (run->status == "running") {
            throw Error("generator run \"" + options_.name + "\" is still running in another process; stop it first");
        }
        options_ = generatorTrainOptionsFromJson(run->recipe, "run " + run->name + " options");
        // Runs started before the pooled caption feature, the learnt tokens, their random start or the
        // edge-weighted loss existed trained without them.
        if (!run->recipe.contains("pooled_context")) options_.pooledContext = false;
        if (!run->recipe.contains("learn_tokens")) options_.learnTokens = false;
        if (!run->recipe.contains("token_init")) options_.tokenInit = 0.0;
        if (!run->recipe.contains("edge_weight")) options_.edgeWeight = 0.0;
        runId_ = run->id;
        resumed_ = true;
    }
    validate(options_);
    const GeneratorTrainOptions& o = options_;
    const auto device = model::resolveDevice(o.device);
    auto textClip = loadTextModel(ws, o.textModel);
    context.progress(-1, "collecting training data");
    GeneratorData data = loadGeneratorData(ws, o, context);
    context.log(jobs::LogLevel::Info, std::to_string(data.images.size(0)) + " images, " +
                                          std::to_string(data.captions.size()) + " captions of split " + o.split);

    if (resumed_) {
        store::claimRun(ws, runId_);
    } else {
        runId_ = store::createRun(ws, o.name, kModelKindGenerator, toJson(o), o.device, o.steps);
    }
    const fs::path dir = ws.checkpointsDir() / o.name;
    fs::create_directories(dir);
    const fs::path checkpointPath = dir / "last.pt";

    std::string failure;
    std::string finalStatus = "failed";
    std::optional<std::int64_t> modelId;
    try {
        // Frozen caption features, computed once: [captions, L, W] plus the empty caption's.
        context.progress(-1, "encoding " + std::to_string(data.captions.size()) + " captions");
        TextConditioner conditioner(textClip.real, textClip.tokenizer);
        TokenFeatures all;
        for (std::size_t begin = 0; begin < data.captions.size(); begin += 512) {
            const auto end = std::min(data.captions.size(), begin + 512);
            auto part = conditioner.encode({data.captions.begin() + static_cast<std::ptrdiff_t>(begin),
                                            data.captions.begin() + static_cast<std::ptrdiff_t>(end)});
            all = all.features.defined() ? concatFeatures(all, part) : part;
        }
        // The empty caption (the unconditional input) padded to the same length, as the last row.
        torch::Tensor nullFeatures;
        torch::Tensor nullMask;
        torch::Tensor nullTokens;
        {
            const auto n = all.features.size(0);
            auto both = concatFeatures(all, conditioner.encode({""}));
            nullFeatures = both.features[n];
            nullMask = both.mask[n];
            nullTokens = both.tokens[n];
            all = {both.features.narrow(0, 0, n), both.mask.narrow(0, 0, n), both.tokens.narrow(0, 0, n)};
        }
        context.checkCancelled();

        torch::manual_seed(static_cast<std::uint64_t>(o.seed));
        UNet unet(unetConfigFor(o, conditioner.width(), textClip.real->config().vocabSize));
        if (o.tokenInit > 0 && unet->token_embedding) {
            torch::NoGradGuard noGrad;
            const double featureStd = all.features.index({all.mask}).std().item<double>();
            unet->token_embedding->weight.normal_(0.0, o.tokenInit * featureStd);
        }
        unet->to(device);
        std::vector<torch::Tensor> params;
        std::vector<torch::Tensor> ema;
        for (auto& p : unet->parameters()) {
            params.push_back(p);
            ema.push_back(p.detach().clone());
        }
        torch::optim::AdamW optimizer(params, torch::optim::AdamWOptions(o.learningRate).weight_decay(o.weightDecay));
        std::int64_t step = 0;
        if (resumed_ && fs::exists(checkpointPath)) {
            step = loadCheckpoint(checkpointPath, unet, ema, optimizer, device);
            resumedFromStep_ = step;
            context.log(jobs::LogLevel::Info, "resumed from step " + std::to_string(step) + " (" + checkpointPath.string() + ")");
        } else if (resumed_) {
            context.log(jobs::LogLevel::Warning, "no checkpoint for generator run " + o.name + "; starting from step 0");
        }
        const NoiseSchedule schedule(o.timesteps, betaScheduleFromName(o.schedule));
        train::ScheduleOptions lrSchedule;
        lrSchedule.baseLearningRate = o.learningRate;
        lrSchedule.minLearningRate = o.minLearningRate;
        lrSchedule.warmupSteps = static_cast<int>(o.warmupSteps);
        lrSchedule.restartPeriod = static_cast<int>(std::max<std::int64_t>(1, o.steps - o.warmupSteps));

        store::MetricWriter metrics(ws.databasePath());
        const auto pairImage = torch::tensor(data.pairImage);
        const auto pairCaption = torch::tensor(data.pairCaption);
        // Shapes-like images have little contrast (std ~0.2 in [-1, 1]): at the noise levels that
        // decide the layout the model would see almost only noise. Standardising each channel to a
        // std of kGeneratorDataStd (as latent diffusion scales its latents) makes those levels
        // learnable in a few hundred steps; sampling undoes it.
        const auto channelMean = data.images.mean(std::vector<std::int64_t>{0, 2, 3}, true);
        const auto channelScale =
            data.images.std(std::vector<std::int64_t>{0, 2, 3}, true, true).clamp_min(1e-3) / kGeneratorDataStd;
        const auto numPairs = static_cast<std::int64_t>(data.pairImage.size());
        const std::int64_t sessionStart = step;
        auto lastBeat = Clock::now();
        const auto sessionClock = Clock::now();
        bool cancelled = false;
        bool stoppedEarly = false;
        unet->train();
        while (step < o.steps) {
            if (context.cancelled()) {
                cancelled = true;
                break;
            }
            if (stopAfterSteps_ && step - sessionStart >= *stopAfterSteps_) {
                stoppedEarly = true;
                break;
            }
            const auto t0 = Clock::now();
            const double lr = train::learningRateAt(lrSchedule, step);
            for (auto& group : optimizer.param_groups()) static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr);
            // Random draws in a fixed order from the global generator, whose state the checkpoint keeps.
            const auto pick = torch::randint(numPairs, {o.batchSize}, torch::kLong);
            const auto drop = torch::rand({o.batchSize}) < o.conditionDropout;
            const auto t = torch::randint(o.timesteps, {o.batchSize}, torch::kLong);
            const auto noise = torch::randn({o.batchSize, 3, o.imageSize, o.imageSize});
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
            const auto loss = velocityLoss(schedule, t.to(device), predicted, velocityTarget(schedule, t, x0, noise).to(device),
                                           o.minSnrGamma, o.edgeWeight > 0 ? edgeLossWeights(x0, o.edgeWeight) : torch::Tensor());
            const double lossValue = loss.item<double>();
            if (!std::isfinite(lossValue)) {
                throw Error("generator loss became " + std::string(std::isnan(lossValue) ? "NaN" : "infinite") + " at step " +
                            std::to_string(step) + "; the last good checkpoint is kept");
            }
            optimizer.zero_grad();
            loss.backward();
            const double gradNorm =
                torch::nn::utils::clip_grad_norm_(params, o.gradClipNorm > 0 ? o.gradClipNorm : 1e30);
            optimizer.step();
            {
                torch::NoGradGuard noGrad;
                const double n = static_cast<double>(step);
                const double decay = std::min(o.emaDecay, (1.0 + n) / (10.0 + n));
                for (std::size_t i = 0; i < params.size(); ++i) ema[i].mul_(decay).add_(params[i].detach(), 1.0 - decay);
            }
            ++step;
            const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
            const std::map<std::string, double> terms{{"loss", lossValue},
                                                      {"lr", lr},
                                                      {"grad_norm", gradNorm},
                                                      {"images_per_s", static_cast<double>(o.batchSize) / std::max(seconds, 1e-9)}};
            for (const auto& [name, value] : terms) {
                metrics.append(runId_, step, name, value);
                context.metric(step, name, value);
            }
            const double elapsed = std::chrono::duration<double>(Clock::now() - sessionClock).count();
            const double stepsPerSecond = static_cast<double>(step - sessionStart) / std::max(elapsed, 1e-9);
            char message[160];
            std::snprintf(message, sizeof message, "step %lld/%lld loss %.4f, %.2f steps/s", static_cast<long long>(step),
                          static_cast<long long>(o.steps), lossValue, stepsPerSecond);
            context.progress(static_cast<double>(step) / static_cast<double>(o.steps), message);
            if (!dryRun_ && o.checkpointEvery > 0 && step % o.checkpointEvery == 0 && step < o.steps) {
                saveCheckpoint(checkpointPath, unet, ema, optimizer, step);
                store::setCheckpoint(ws, runId_, fs::relative(checkpointPath, ws.dir()).string(), step);
            }
            if (Clock::now() - lastBeat > std::chrono::seconds(2)) {
                store::heartbeat(ws, runId_, step);
                lastBeat = Clock::now();
            }
        }
        metrics.flush();
        if (stoppedEarly) {
            store::heartbeat(ws, runId_, step);  // as if killed: no final checkpoint, run left 'running'
            return true;
        }
        if (!dryRun_ || cancelled) {
            saveCheckpoint(checkpointPath, unet, ema, optimizer, step);
            store::setCheckpoint(ws, runId_, fs::relative(checkpointPath, ws.dir()).string(), step);
        }
        if (cancelled) {
            context.log(jobs::LogLevel::Info, "cancelled at step " + std::to_string(step) +
                                                  "; checkpoint written, run the same command again to resume");
            store::finishRun(ws, runId_, "cancelled");
            return false;
        }
        if (!dryRun_) {
            model::StateDict weights;
            const auto named = namedTensors(unet);
            for (std::size_t i = 0; i < named.size(); ++i) weights[named[i].first] = ema[i].to(torch::kCPU).contiguous().clone();
            json config = {{"unet", toJson(unet->config())},
                           {"timesteps", o.timesteps},
                           {"schedule", o.schedule},
                           {"parametrization", "v"},
                           {"data_mean", std::vector<double>(channelMean.data_ptr<float>(), channelMean.data_ptr<float>() + 3)},
                           {"data_std", [&] {
                                const auto stdDev = (channelScale * kGeneratorDataStd).contiguous();
                                return std::vector<double>(stdDev.data_ptr<float>(), stdDev.data_ptr<float>() + 3);
                            }()},
                           {"text_model", o.textModel},
                           {"text_model_id", textClip.record.id},
                           {"trained_steps", step},
                           {"dataset", o.dataset},
                           {"split", o.split},
                           {"run_id", runId_},
                           {"options", toJson(o)}};
            const fs::path relative = fs::path("checkpoints") / o.name / "model";
            model::saveModelFiles(ws.dir() / relative, weights, config);
            model::ModelRecord record;
            record.name = o.name;
            record.kind = kModelKindGenerator;
            record.path = relative.string() + ".safetensors";
            record.config = config;
            if (textClip.record.id) record.baseModelId = textClip.record.id;
            record.runId = runId_;
            modelId = model::upsertModel(ws, record);
            context.log(jobs::LogLevel::Info, "registered generator \"" + o.name + "\"");
        }
        finalStatus = "finished";
    } catch (const Cancelled&) {
        store::finishRun(ws, runId_, "cancelled");
        throw;
    } catch (const std::exception& e) {
        failure = e.what();
    }
    store::finishRun(ws, runId_, finalStatus, failure, modelId);
    if (!failure.empty()) throw Error("generator run " + o.name + ": " + failure);
    return true;
}

torch::Tensor BuiltinGenerator::generate(const std::vector<std::string>& captions, const std::vector<std::uint64_t>& seeds,
                                         const SampleOptions& options, const std::function<void(int, int)>& onStep) {
    if (captions.size() != seeds.size()) throw Error("generator: one seed per caption expected");
    if (captions.empty()) return torch::empty({0, imageSize(), imageSize(), 3}, torch::kUInt8);
    torch::NoGradGuard noGrad;
    unet->eval();
    const auto batch = static_cast<std::int64_t>(captions.size());
    const TokenFeatures cond = text->encode(captions);
    const TokenFeatures null = text->encode({""});
    const TokenFeatures nullRows = selectRows(null, torch::zeros({batch}, torch::kLong));
    const bool guided = options.guidance != 1.0;
    const TokenFeatures both = guided ? concatFeatures(cond, nullRows) : cond;
    const auto features = both.features.to(device);
    const auto mask = both.mask.to(device);
    const auto tokens = both.tokens.to(device);
    GuidedEpsilonFn epsilon = [&](const torch::Tensor& xt, const torch::Tensor& t) {
        auto toEpsilon = [&](const torch::Tensor& out) {
            return predictsVelocity ? epsilonFromVelocity(*schedule, t, xt, out) : out;
        };
        if (!guided) return std::make_pair(toEpsilon(unet->forward(xt, t, features, mask, tokens)), torch::Tensor());
        const auto out = unet->forward(torch::cat({xt, xt}), torch::cat({t, t}), features, mask, tokens);
        return std::make_pair(toEpsilon(out.narrow(0, 0, batch)), toEpsilon(out.narrow(0, batch, batch)));
    };
    SampleOptions o = options;
    torch::Tensor mean, scale;
    if (dataMean.size() == 3 && dataStd.size() == 3) {
        mean = torch::tensor(dataMean, torch::kFloat64).to(torch::kFloat32).view({1, 3, 1, 1}).to(device);
        scale = torch::tensor(dataStd, torch::kFloat64).to(torch::kFloat32).view({1, 3, 1, 1}).to(device) / kGeneratorDataStd;
        // The range [-1, 1] of pixels, in the standardised space the model samples in.
        o.clipRange = ((1.0 + mean.abs()) / scale).max().item<double>();
    }
    auto images = sample(*schedule, epsilon, seeds, unet->config().channels, imageSize(), o, device, onStep);
    if (mean.defined()) images = images * scale + mean;
    return toUint8Images(images);
}

namespace {

constexpr const char* kEmbeddedTextPrefix = "text.";

// The U-Net, schedule and data statistics of a generator from its files; `where` names them in
// errors. Tensors under "text." (a bundle's text tower) are left to embeddedTextModel.
BuiltinGenerator buildGenerator(const std::string& name, const std::string& where, const model::StateDict& state,
                                const json& config, const std::string& device) {
    BuiltinGenerator g;
    g.name = name;
    g.config = config;
    g.device = model::resolveDevice(device);
    if (!config.contains("unet")) throw Error("generator \"" + name + "\": " + where + " has no \"unet\" configuration");
    g.unet = UNet(unetConfigFromJson(config["unet"]));
    {
        torch::NoGradGuard noGrad;
        std::set<std::string> seen;
        for (auto& item : g.unet->named_parameters()) {
            const auto it = state.find(item.key());
            if (it == state.end() || it->second.sizes() != item.value().sizes()) {
                throw Error("generator \"" + name + "\": weights " + where + " lack or mis-shape " + item.key());
            }
            item.value().copy_(it->second);  // float16 bundles widen here
            seen.insert(item.key());
        }
        for (const auto& [key, value] : state) {
            if (!seen.count(key) && key.rfind(kEmbeddedTextPrefix, 0) != 0) {
                throw Error("generator \"" + name + "\": unexpected tensor " + key + " in " + where);
            }
        }
    }
    g.unet->to(g.device);
    g.unet->eval();
    g.predictsVelocity = config.value("parametrization", std::string("eps")) == "v";
    if (config.contains("data_mean") && config.contains("data_std")) {
        g.dataMean = config["data_mean"].get<std::vector<double>>();
        g.dataStd = config["data_std"].get<std::vector<double>>();
        if (g.dataMean.size() != 3 || g.dataStd.size() != 3) {
            throw Error("generator \"" + name + "\": data_mean and data_std must have 3 entries");
        }
    }
    g.schedule = std::make_shared<NoiseSchedule>(config.value("timesteps", 1000),
                                                 betaScheduleFromName(config.value("schedule", std::string("cosine"))));
    return g;
}

// A bundle's own text tower: a CLIP of config "text_clip" whose non-visual tensors are the
// "text."-prefixed ones of `state` (its image tower stays unused and uninitialised).
model::LoadedClip embeddedTextModel(const std::string& where, const model::StateDict& state, const json& config,
                                    const fs::path& vocab) {
    model::LoadedClip out;
    out.real = model::ClipModel(model::clipConfigFromJson(config["text_clip"]));
    torch::NoGradGuard noGrad;
    auto load = [&](const std::string& key, torch::Tensor& value) {
        if (key.rfind("visual.", 0) == 0) return;
        const auto it = state.find(kEmbeddedTextPrefix + key);
        if (it == state.end() || it->second.sizes() != value.sizes()) {
            throw Error(where + ": the text tower's tensor " + kEmbeddedTextPrefix + key + " is missing or mis-shaped");
        }
        value.copy_(it->second);
    };
    for (auto& item : out.real->named_parameters(true)) load(item.key(), item.value());
    for (auto& item : out.real->named_buffers(true)) {
        if (state.count(kEmbeddedTextPrefix + item.key())) load(item.key(), item.value());
    }
    for (auto& p : out.real->parameters()) p.set_requires_grad(false);
    out.real->eval();
    if (!fs::is_regular_file(vocab)) throw Error(where + ": the text tower's vocabulary " + vocab.string() + " is missing");
    out.tokenizer = model::tokenizerFor(vocab);
    return out;
}

void attachText(BuiltinGenerator& g, model::LoadedClip clip, const std::string& textModel) {
    const std::string& name = g.name;
    clip.real->to(g.device);
    if (clip.real->config().transformerWidth != g.unet->config().contextDim) {
        throw Error("generator \"" + name + "\": text model \"" + textModel + "\" has width " +
                    std::to_string(clip.real->config().transformerWidth) + ", the generator expects " +
                    std::to_string(g.unet->config().contextDim));
    }
    const auto tokenVocab = g.unet->config().tokenVocab;
    if (tokenVocab > 0 && clip.real->config().vocabSize != tokenVocab) {
        throw Error("generator \"" + name + "\": text model \"" + textModel + "\" has a vocabulary of " +
                    std::to_string(clip.real->config().vocabSize) + " tokens, the generator learnt embeddings for " +
                    std::to_string(tokenVocab));
    }
    g.text = std::make_shared<TextConditioner>(clip.real, clip.tokenizer);
}

}  // namespace

BuiltinGenerator loadBuiltinGenerator(store::Workspace& ws, const std::string& name, const std::string& device) {
    const auto record = model::findModel(ws, name);
    if (!record) throw Error("workspace " + ws.dir().string() + " has no generator named \"" + name + "\"");
    if (record->kind != kModelKindGenerator) {
        throw Error("model \"" + name + "\" is a " + record->kind + " model, not a generator");
    }
    const auto files = model::loadModelFiles(ws.resolve(record->path));
    const json& config = files.config;
    BuiltinGenerator g = buildGenerator(name, record->path, files.stateDict, config, device);
    g.modelId = record->id;
    if (config.contains("text_clip")) {
        attachText(g, embeddedTextModel(record->path, files.stateDict, config, ws.resolve(config.value("vocab", std::string()))),
                   name + " (its own text tower)");
        return g;
    }
    std::string textModel = config.value("text_model", std::string());
    if (config.contains("text_model_id")) {
        if (auto byId = model::findModelById(ws, config["text_model_id"].get<std::int64_t>())) textModel = byId->name;
    }
    attachText(g, loadTextModel(ws, textModel), textModel);
    return g;
}

BuiltinGenerator loadGeneratorBundle(const fs::path& dir, const std::string& device) {
    const json config = readGeneratorBundleConfig(dir);
    const auto files = model::loadModelFiles(dir / "model");
    const std::string where = (dir / "model.safetensors").string();
    const std::string name = config.value("provenance", json::object()).value("exported_from", dir.filename().string());
    BuiltinGenerator g = buildGenerator(name, where, files.stateDict, config, device);
    attachText(g, embeddedTextModel(where, files.stateDict, config, dir / config.value("vocab", std::string("vocab.txt"))),
               name + " (its own text tower)");
    return g;
}

}  // namespace genra::gen
