#include "core/model/lora.h"

#include "core/util/error.h"
#include "core/util/shape_text.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <set>
#include <sstream>

namespace genra::model {

namespace {

const LoraTarget kAttentionTargets[] = {LoraTarget::Q, LoraTarget::K, LoraTarget::V, LoraTarget::Out};
const LoraTarget kMlpTargets[] = {LoraTarget::MlpFc, LoraTarget::MlpProj};

using util::shapeText;

std::vector<ClipTransformer> towers(ClipModel& model, LoraTower tower) {
    std::vector<ClipTransformer> out;
    if (tower == LoraTower::Visual || tower == LoraTower::Both) out.push_back(model->visual->transformer);
    if (tower == LoraTower::Text || tower == LoraTower::Both) out.push_back(model->transformer);
    return out;
}

// Calls fn(adapter, baseWeightSlice) for every adapter of the model.
template <typename Fn>
void forEachAdapter(ClipModel& model, Fn&& fn) {
    for (auto& tower : towers(model, LoraTower::Both)) {
        for (auto& block : tower->blocks) {
            auto& attn = block->attn;
            const auto width = attn->width();
            for (auto target : kAttentionTargets) {
                auto adapter = attn->adapter(target);
                if (adapter.is_empty()) continue;
                torch::Tensor weight;
                switch (target) {
                case LoraTarget::Q: weight = attn->in_proj_weight.narrow(0, 0, width); break;
                case LoraTarget::K: weight = attn->in_proj_weight.narrow(0, width, width); break;
                case LoraTarget::V: weight = attn->in_proj_weight.narrow(0, 2 * width, width); break;
                default: weight = attn->out_proj->weight; break;
                }
                fn(adapter, weight);
            }
            for (auto target : kMlpTargets) {
                auto adapter = block->mlp->adapter(target);
                if (adapter.is_empty()) continue;
                fn(adapter, target == LoraTarget::MlpFc ? block->mlp->c_fc->weight : block->mlp->c_proj->weight);
            }
        }
    }
}

}  // namespace

std::string loraTowerName(LoraTower tower) {
    switch (tower) {
    case LoraTower::Visual: return "visual";
    case LoraTower::Text: return "text";
    case LoraTower::Both: return "both";
    }
    return "unknown";
}

LoraTower loraTowerFromName(const std::string& name) {
    if (name == "visual" || name == "image") return LoraTower::Visual;
    if (name == "text") return LoraTower::Text;
    if (name == "both") return LoraTower::Both;
    throw Error("unknown LoRA tower '" + name + "' (expected visual, text or both)");
}

nlohmann::json toJson(const LoraOptions& o) {
    return {{"rank", o.rank()},
            {"alpha", o.alpha()},
            {"dropout", o.dropout()},
            {"targets", o.targets()},
            {"tower", loraTowerName(o.tower())},
            {"freeze_base", o.freezeBase()},
            {"train_visual_projection", o.trainVisualProjection()}};
}

LoraOptions loraOptionsFromJson(const nlohmann::json& j) {
    if (!j.is_object()) throw Error("LoRA options JSON: expected an object");
    LoraOptions o;
    try {
        if (j.contains("rank")) o.rank(j.at("rank").get<std::int64_t>());
        if (j.contains("alpha")) o.alpha(j.at("alpha").get<double>());
        if (j.contains("dropout")) o.dropout(j.at("dropout").get<double>());
        if (j.contains("targets")) o.targets(j.at("targets").get<std::vector<std::string>>());
        if (j.contains("tower")) o.tower(loraTowerFromName(j.at("tower").get<std::string>()));
        if (j.contains("freeze_base")) o.freezeBase(j.at("freeze_base").get<bool>());
        if (j.contains("train_visual_projection")) o.trainVisualProjection(j.at("train_visual_projection").get<bool>());
    } catch (const nlohmann::json::exception& e) {
        throw Error(std::string("LoRA options JSON: ") + e.what());
    }
    if (o.rank() <= 0) throw Error("LoRA options JSON: rank must be positive");
    if (o.dropout() < 0.0 || o.dropout() >= 1.0) throw Error("LoRA options JSON: dropout must be in [0, 1)");
    parseLoraTargets(o.targets());
    return o;
}

std::vector<LoraTarget> parseLoraTargets(const std::vector<std::string>& names) {
    std::set<LoraTarget> chosen;
    for (const auto& name : names) {
        if (name == "q") chosen.insert(LoraTarget::Q);
        else if (name == "k") chosen.insert(LoraTarget::K);
        else if (name == "v") chosen.insert(LoraTarget::V);
        else if (name == "out") chosen.insert(LoraTarget::Out);
        else if (name == "c_fc") chosen.insert(LoraTarget::MlpFc);
        else if (name == "c_proj") chosen.insert(LoraTarget::MlpProj);
        else if (name == "mlp") chosen.insert({LoraTarget::MlpFc, LoraTarget::MlpProj});
        else if (name == "attn") chosen.insert({LoraTarget::Q, LoraTarget::K, LoraTarget::V, LoraTarget::Out});
        else throw Error("unknown LoRA target '" + name + "' (expected q, k, v, out, c_fc, c_proj, mlp or attn)");
    }
    if (chosen.empty()) throw Error("LoRA: no targets chosen");
    return {chosen.begin(), chosen.end()};
}

void applyLora(ClipModel& model, const LoraOptions& options) {
    const auto targets = parseLoraTargets(options.targets());
    const bool training = model->is_training();
    for (auto& tower : towers(model, options.tower())) {
        for (auto& block : tower->blocks) {
            for (auto target : targets) {
                const bool inAttention = target != LoraTarget::MlpFc && target != LoraTarget::MlpProj;
                torch::Tensor base;
                if (inAttention) {
                    if (!block->attn->adapter(target).is_empty())
                        throw Error("LoRA: a '" + loraTargetName(target) + "' adapter is already attached");
                    base = block->attn->in_proj_weight;
                } else {
                    if (!block->mlp->adapter(target).is_empty())
                        throw Error("LoRA: a '" + loraTargetName(target) + "' adapter is already attached");
                    base = target == LoraTarget::MlpFc ? block->mlp->c_fc->weight : block->mlp->c_proj->weight;
                }
                std::int64_t in = base.size(1);
                std::int64_t out = inAttention ? block->attn->width() : base.size(0);
                LoraAdapter adapter(LoraAdapterOptions(in, out)
                                        .rank(options.rank())
                                        .alpha(options.alpha())
                                        .dropout(options.dropout()));
                adapter->to(base.device(), base.scalar_type());
                adapter->train(training);
                if (inAttention) block->attn->setAdapter(target, adapter);
                else block->mlp->setAdapter(target, adapter);
            }
        }
    }
    if (options.freezeBase()) freezeBase(model);
    if (options.trainVisualProjection()) setVisualProjectionTrainable(model, true);
}

void removeLora(ClipModel& model) {
    unmergeLora(model);
    for (auto& tower : towers(model, LoraTower::Both)) {
        for (auto& block : tower->blocks) {
            for (auto target : kAttentionTargets) block->attn->removeAdapter(target);
            for (auto target : kMlpTargets) block->mlp->removeAdapter(target);
        }
    }
}

bool hasLora(const ClipModel& model) {
    bool any = false;
    forEachAdapter(const_cast<ClipModel&>(model), [&](LoraAdapter&, const torch::Tensor&) { any = true; });
    return any;
}

void mergeLora(ClipModel& model) {
    torch::NoGradGuard noGrad;
    forEachAdapter(model, [](LoraAdapter& adapter, torch::Tensor weight) {
        if (adapter->merged()) return;
        weight.add_(adapter->deltaWeight().to(weight.scalar_type()));
        adapter->setMerged(true);
    });
}

void unmergeLora(ClipModel& model) {
    torch::NoGradGuard noGrad;
    forEachAdapter(model, [](LoraAdapter& adapter, torch::Tensor weight) {
        if (!adapter->merged()) return;
        weight.sub_(adapter->deltaWeight().to(weight.scalar_type()));
        adapter->setMerged(false);
    });
}

bool loraMerged(const ClipModel& model) {
    bool any = false;
    forEachAdapter(const_cast<ClipModel&>(model),
                   [&](LoraAdapter& adapter, const torch::Tensor&) { any = any || adapter->merged(); });
    return any;
}

std::vector<torch::Tensor> loraParameters(const ClipModel& model) {
    std::vector<torch::Tensor> out;
    for (const auto& item : model->named_parameters(true))
        if (isLoraKey(item.key())) out.push_back(item.value());
    return out;
}

std::vector<torch::Tensor> trainableParameters(const ClipModel& model) {
    std::vector<torch::Tensor> out;
    for (const auto& item : model->named_parameters(true))
        if (item.value().requires_grad()) out.push_back(item.value());
    return out;
}

void freezeBase(ClipModel& model) {
    for (auto& item : model->named_parameters(true)) item.value().set_requires_grad(isLoraKey(item.key()));
}

void setVisualProjectionTrainable(ClipModel& model, bool trainable) {
    model->visual->proj.set_requires_grad(trainable);
}

StateDict loraStateDict(const ClipModel& model, bool includeTrainableBase) {
    StateDict out;
    for (const auto& item : model->named_parameters(true)) {
        if (isLoraKey(item.key()) || (includeTrainableBase && item.value().requires_grad()))
            out.emplace(item.key(), item.value().detach());
    }
    return out;
}

void loadLoraStateDict(ClipModel& model, const StateDict& adapters, LoadReport& report, LoadMode mode) {
    report = LoadReport{};
    if (loraMerged(model)) throw Error("LoRA: cannot load adapters while they are merged (unmergeLora first)");
    std::map<std::string, torch::Tensor> targets;
    for (const auto& item : model->named_parameters(true)) targets.emplace(item.key(), item.value());
    std::vector<std::pair<torch::Tensor, torch::Tensor>> copies;
    for (const auto& [key, source] : adapters) {
        const auto it = targets.find(key);
        if (it == targets.end()) {
            report.unexpected.push_back(key);
            continue;
        }
        if (!source.defined() || source.sizes() != it->second.sizes()) {
            report.mismatched.push_back(key + ": checkpoint " + (source.defined() ? shapeText(source) : "undefined") +
                                        " vs model " + shapeText(it->second));
            continue;
        }
        if (source.scalar_type() != it->second.scalar_type()) report.converted.push_back(key);
        copies.emplace_back(it->second, source);
        report.loaded.push_back(key);
    }
    for (const auto& [key, target] : targets)
        if (isLoraKey(key) && adapters.count(key) == 0) report.missing.push_back(key);
    if (mode == LoadMode::Strict && !report.ok()) {
        const auto problems = report.summary();
        report.loaded.clear();
        report.converted.clear();
        throw Error("LoRA adapters do not match the model (nothing loaded):\n" + problems);
    }
    torch::NoGradGuard noGrad;
    for (auto& [target, source] : copies) target.copy_(source.to(target.device(), target.scalar_type()));
}

LoraOptions inferLoraOptions(const StateDict& adapters, double alpha, double dropout) {
    std::set<std::string> targets;
    bool visual = false;
    bool text = false;
    std::int64_t rank = 0;
    for (const auto& [key, tensor] : adapters) {
        if (!isLoraKey(key)) continue;
        const auto pos = key.find(".lora_");
        const auto end = key.find('.', pos + 1);
        if (end == std::string::npos) throw Error("LoRA state dict: malformed adapter key '" + key + "'");
        targets.insert(key.substr(pos + 6, end - pos - 6));
        (key.rfind("visual.", 0) == 0 ? visual : text) = true;
        if (key.compare(end, std::string::npos, ".A") == 0) {
            if (tensor.dim() != 2) throw Error("LoRA state dict: '" + key + "' is not a matrix");
            if (rank != 0 && rank != tensor.size(0))
                throw Error("LoRA state dict: adapters of different ranks (" + std::to_string(rank) + " and " +
                            std::to_string(tensor.size(0)) + ")");
            rank = tensor.size(0);
        }
    }
    if (rank == 0) throw Error("LoRA state dict: no adapter tensors ('*.lora_*.A')");
    LoraOptions o;
    o.rank(rank).alpha(alpha).dropout(dropout);
    o.targets(std::vector<std::string>(targets.begin(), targets.end()));
    parseLoraTargets(o.targets());
    o.tower(visual && text ? LoraTower::Both : (visual ? LoraTower::Visual : LoraTower::Text));
    return o;
}

}  // namespace genra::model
