// Checkpoint format detection and the readers that are not safetensors: torch.save pickles through
// the restricted unpickler (torch_pickle.h), TorchScript archives through torch::jit::load, plus
// the Hugging Face naming translation and the project's own safetensors + JSON pair.
#include "core/model/weights.h"

#include <cstdio>
#include <random>

#include <caffe2/serialize/inline_container.h>
#include <torch/script.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>
#include <fstream>
#include <limits>
#include <optional>
#include <set>
#include <system_error>

#include "core/model/torch_pickle.h"
#include "core/model/zip_directory.h"
#include "core/util/atomic_file.h"
#include "core/util/env_limits.h"
#include "core/util/error.h"
#include "core/util/json_file.h"

namespace genra::model {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

// Scalars OpenAI's TorchScript CLIP keeps beside the weights; the model config carries them.
const char* const kTorchScriptExtras[] = {"input_resolution", "context_length", "vocab_size"};

std::string firstLine(const std::string& text) {
    const auto end = text.find('\n');
    return end == std::string::npos ? text : text.substr(0, end);
}

std::string torchMessage(const c10::Error& e) {
    return firstLine(e.what_without_backtrace());
}

bool startsWith(const std::string& s, const std::string& prefix) {
    return s.size() >= prefix.size() && s.compare(0, prefix.size(), prefix) == 0;
}

// Up to `count` bytes from the start of the file (fewer when it is shorter).
std::string readPrefix(const fs::path& path, std::size_t count) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(path.string() + ": cannot open: " + std::strerror(errno));
    std::string bytes(count, '\0');
    in.read(bytes.data(), static_cast<std::streamsize>(count));
    bytes.resize(static_cast<std::size_t>(in.gcount()));
    return bytes;
}

// Names of the records in a PyTorch zip archive, without the archive's top folder. LibTorch's
// reader inflates the archive's `version` record as it opens it, so the directory is checked first
// (every record within the inflation ratio, none overlapping, at most kMaxZipEntries).
std::vector<std::string> zipRecords(const fs::path& path) {
    checkZipArchive(readZipDirectory(path), path.string(), std::numeric_limits<std::uint64_t>::max());
    try {
        caffe2::serialize::PyTorchStreamReader reader(path.string());
        return reader.getAllRecords();
    } catch (const c10::Error& e) {
        throw Error(path.string() + ": a zip archive, but not a PyTorch checkpoint (" + torchMessage(e) +
                    ")");
    }
}

bool looksLikeSafetensors(const std::string& prefix, std::uint64_t fileBytes) {
    if (prefix.size() < 9 || fileBytes < 9) return false;
    std::uint64_t headerBytes = 0;
    for (int i = 7; i >= 0; --i) headerBytes = (headerBytes << 8) | static_cast<std::uint8_t>(prefix[i]);
    return headerBytes > 0 && headerBytes <= fileBytes - 8 && prefix[8] == '{';
}

std::optional<Json> readJsonFile(const fs::path& path) {
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) return std::nullopt;
    return util::readJsonFile(path);
}

void writeTextAtomically(const fs::path& path, const std::string& text) { util::writeFileAtomically(path, text); }

// --- torch.save ---------------------------------------------------------------------------------

// --- Hugging Face naming ------------------------------------------------------------------------

struct Rename {
    const char* hf;
    const char* openAi;
};

// Whole-key renames outside the encoder layers.
const Rename kTopLevel[] = {
    {"vision_model.embeddings.class_embedding", "visual.class_embedding"},
    {"vision_model.embeddings.patch_embedding.weight", "visual.conv1.weight"},
    {"vision_model.embeddings.position_embedding.weight", "visual.positional_embedding"},
    // "layrnorm" is how transformers spells it.
    {"vision_model.pre_layrnorm.weight", "visual.ln_pre.weight"},
    {"vision_model.pre_layrnorm.bias", "visual.ln_pre.bias"},
    {"vision_model.post_layernorm.weight", "visual.ln_post.weight"},
    {"vision_model.post_layernorm.bias", "visual.ln_post.bias"},
    {"text_model.embeddings.token_embedding.weight", "token_embedding.weight"},
    {"text_model.embeddings.position_embedding.weight", "positional_embedding"},
    {"text_model.final_layer_norm.weight", "ln_final.weight"},
    {"text_model.final_layer_norm.bias", "ln_final.bias"},
    {"logit_scale", "logit_scale"},
};

// Linear weights stored [out, in] by transformers but as x @ proj ([in, out]) by OpenAI.
const Rename kTransposed[] = {
    {"visual_projection.weight", "visual.proj"},
    {"text_projection.weight", "text_projection"},
};

const char* const kDropped[] = {
    "vision_model.embeddings.position_ids",
    "text_model.embeddings.position_ids",
};

// Within one encoder layer.
const Rename kLayer[] = {
    {"self_attn.out_proj.weight", "attn.out_proj.weight"},
    {"self_attn.out_proj.bias", "attn.out_proj.bias"},
    {"layer_norm1.weight", "ln_1.weight"},
    {"layer_norm1.bias", "ln_1.bias"},
    {"layer_norm2.weight", "ln_2.weight"},
    {"layer_norm2.bias", "ln_2.bias"},
    {"mlp.fc1.weight", "mlp.c_fc.weight"},
    {"mlp.fc1.bias", "mlp.c_fc.bias"},
    {"mlp.fc2.weight", "mlp.c_proj.weight"},
    {"mlp.fc2.bias", "mlp.c_proj.bias"},
};

struct Tower {
    const char* hf;      // layer prefix up to the index
    const char* openAi;  // the same in OpenAI naming
};
const Tower kTowers[] = {
    {"vision_model.encoder.layers.", "visual.transformer.resblocks."},
    {"text_model.encoder.layers.", "transformer.resblocks."},
};

// Splits "<prefix>N.<rest>" into N and rest; false when `key` is not of that shape.
bool splitLayerKey(const std::string& key, const std::string& prefix, std::string* index, std::string* rest) {
    if (!startsWith(key, prefix)) return false;
    const auto dot = key.find('.', prefix.size());
    if (dot == std::string::npos || dot == prefix.size()) return false;
    const std::string n = key.substr(prefix.size(), dot - prefix.size());
    if (!std::all_of(n.begin(), n.end(), [](char c) { return c >= '0' && c <= '9'; })) return false;
    *index = n;
    *rest = key.substr(dot + 1);
    return true;
}

void note(std::vector<std::string>* notes, const std::string& text) {
    if (notes != nullptr) notes->push_back(text);
}

// --- own format -------------------------------------------------------------------------------

bool hasExtension(const fs::path& path, const char* ext) {
    return path.extension() == ext;
}

}  // namespace

std::string weightsFormatName(WeightsFormat format) {
    switch (format) {
        case WeightsFormat::Auto:
            return "auto";
        case WeightsFormat::Safetensors:
            return "safetensors";
        case WeightsFormat::TorchSave:
            return "torch.save";
        case WeightsFormat::TorchScript:
            return "TorchScript";
        case WeightsFormat::GenraModel:
            return "genra model";
    }
    return "unknown";
}

bool stripCommonPrefix(StateDict& stateDict, const std::string& prefix) {
    if (stateDict.empty() || prefix.empty()) return false;
    for (const auto& [key, tensor] : stateDict) {
        if (!startsWith(key, prefix)) return false;
    }
    StateDict stripped;
    for (auto& [key, tensor] : stateDict) stripped.emplace(key.substr(prefix.size()), std::move(tensor));
    stateDict = std::move(stripped);
    return true;
}

// --- torch.save / TorchScript -------------------------------------------------------------------

StateDict loadTorchSave(const std::filesystem::path& path, std::vector<std::string>* notes) {
    const std::string source = path.string();
    const std::string prefix = readPrefix(path, 4);
    if (prefix.size() >= 2 && static_cast<unsigned char>(prefix[0]) == 0x80) {
        throw Error(source +
                    ": a legacy (non-zip, before PyTorch 1.6) torch.save file, which LibTorch cannot read; "
                    "re-save it in Python with torch.save(torch.load(f), f2)");
    }
    if (!startsWith(prefix, "PK")) throw Error(source + ": not a zip-format torch.save file");
    // Only the restricted reader reads the pickle. LibTorch's unpickler (which also turns
    // collections.OrderedDict, what state_dict() returns, into None) trusts the file: a memo index
    // or string length in a 900-byte file made it reserve tens of GB (found by fuzzing), and it
    // nests without a limit. So what the restricted reader does not know is an error, not a
    // reason to hand the file to it.
    try {
        return readTorchSaveStateDict(path, notes);
    } catch (const UnsupportedPickle& unsupported) {
        throw Error(std::string(unsupported.what()) +
                    "; re-save the state dict with torch.save(model.state_dict(), f) in Python");
    }
}

// LibTorch 1.13's TorchScript importer takes a class-level assignment without a type annotation
// (`  x = 3` where torch.jit.save writes `  x : Final[int] = 3`) for a constant and reads its
// missing annotation: SIGSEGV in ScriptTypeParser::parseClassConstant (found by the torchscript
// fuzz target). Only __parameters__, __buffers__, the hook lists and (in old archives)
// __annotations__ are written that way and handled by the importer, so a code/ record assigning
// anything else at class level is refused before LibTorch compiles it.
void checkTorchScriptClassBodies(const fs::path& path) {
    static const std::set<std::string> kUnannotated = {"__parameters__", "__buffers__", "__forward_hooks__",
                                                       "__forward_pre_hooks__", "__annotations__"};
    const std::string source = path.string();
    try {
        caffe2::serialize::PyTorchStreamReader reader(source);
        for (const std::string& record : reader.getAllRecords()) {
            if (!startsWith(record, "code/") || !hasExtension(record, ".py")) continue;
            const auto [data, size] = reader.getRecord(record);  // sizes checked by checkTorchScriptArchive
            const std::string text(static_cast<const char*>(data.get()), size);
            long classIndent = -1;  // indentation of the `class` line we are in, -1 outside
            long bodyIndent = -1;   // indentation of its statements, -1 until the first one
            std::size_t lineNumber = 0;
            for (std::size_t start = 0; start < text.size();) {
                std::size_t end = text.find('\n', start);
                if (end == std::string::npos) end = text.size();
                const std::string line = text.substr(start, end - start);
                start = end + 1;
                ++lineNumber;
                const std::size_t first = line.find_first_not_of(" \t\r");
                if (first == std::string::npos || line[first] == '#') continue;
                const long indent = static_cast<long>(first);
                if (classIndent >= 0 && indent <= classIndent) classIndent = -1;
                if (line.compare(first, 6, "class ") == 0) {
                    classIndent = indent;
                    bodyIndent = -1;
                    continue;
                }
                if (classIndent < 0) continue;
                if (bodyIndent < 0) bodyIndent = indent;
                if (indent != bodyIndent) continue;
                std::size_t pos = first;
                while (pos < line.size() && (std::isalnum(static_cast<unsigned char>(line[pos])) || line[pos] == '_'))
                    ++pos;
                const std::string name = line.substr(first, pos - first);
                pos = line.find_first_not_of(" \t", pos);
                const bool assignment = !name.empty() && pos != std::string::npos && line[pos] == '=' &&
                                        (pos + 1 >= line.size() || line[pos + 1] != '=');
                if (assignment && kUnannotated.count(name) == 0) {
                    throw Error(source + ": TorchScript record '" + record + "' line " + std::to_string(lineNumber) +
                                ": class attribute '" + name +
                                "' assigned without a type annotation (torch.jit.save never writes that; "
                                "LibTorch's importer would crash on it)");
                }
            }
        }
    } catch (const c10::Error& e) {
        throw Error(source + ": cannot read the TorchScript archive (" + torchMessage(e) + ")");
    }
}

// What a TorchScript archive's records may add up to once inflated: torch::jit::load reads every
// one of them into memory. OpenAI's largest TorchScript CLIP (RN50x64) is 1.3 GB.
constexpr std::uint64_t kDefaultMaxTorchScriptBytes = std::uint64_t{4} << 30;

StateDict loadTorchScript(const std::filesystem::path& path, std::vector<std::string>* notes) {
    const std::string source = path.string();
    // LibTorch's loader trusts the archive's sizes and its pickles (a memo index of 2^31 in a
    // 2 KB file made it reserve tens of GB; found by the torchscript fuzz target): both are
    // checked first.
    checkTorchScriptArchive(path, util::envLimit("GENRA_MAX_TORCHSCRIPT_BYTES", kDefaultMaxTorchScriptBytes, 1,
                                                 std::uint64_t{1} << 50));
    checkTorchScriptClassBodies(path);
    torch::jit::Module module;
    try {
        module = torch::jit::load(source, torch::kCPU);
    } catch (const c10::Error& e) {
        throw Error(source + ": cannot load the TorchScript archive (" + torchMessage(e) + ")");
    } catch (const std::bad_alloc&) {
        throw;  // a runaway allocation is a bug to find, not a file to refuse
    } catch (const std::exception& e) {
        // The TorchScript compiler reports errors in the archive's code/ as torch::jit::ErrorReport,
        // which is not a c10::Error.
        throw Error(source + ": cannot load the TorchScript archive (" + firstLine(e.what()) + ")");
    }
    StateDict result;
    auto take = [&](const std::string& name, const torch::Tensor& tensor) {
        for (const char* extra : kTorchScriptExtras) {
            if (name == extra) {
                note(notes, std::string("dropped TorchScript attribute '") + extra + "'");
                return;
            }
        }
        if (tensor.defined()) result.emplace(name, tensor.detach());
    };
    for (const auto& p : module.named_parameters(/*recurse=*/true)) take(p.name, p.value);
    for (const auto& b : module.named_buffers(/*recurse=*/true)) take(b.name, b.value);
    return result;
}

// --- Hugging Face naming ------------------------------------------------------------------------

ClipNaming detectClipNaming(const StateDict& stateDict) {
    for (const auto& [key, tensor] : stateDict) {
        if (startsWith(key, "vision_model.") || startsWith(key, "text_model.") ||
            key == "visual_projection.weight") {
            return ClipNaming::HuggingFace;
        }
    }
    return ClipNaming::OpenAi;
}

StateDict hfToOpenAi(const StateDict& hf, std::vector<std::string>* notes) {
    StateDict out;
    // q, k, v pieces of each in_proj, by OpenAI key; concatenated once all three are seen.
    std::map<std::string, std::array<torch::Tensor, 3>> qkv;
    std::vector<std::string> unknown;

    auto put = [&](const std::string& key, torch::Tensor tensor, const std::string& from) {
        if (!out.emplace(key, std::move(tensor)).second) {
            throw Error("Hugging Face CLIP weights: '" + from + "' and another key both map to '" + key +
                        "'");
        }
    };

    // Named members, not structured bindings: C++17 lambdas cannot capture those.
    for (const auto& item : hf) {
        const std::string& key = item.first;
        const torch::Tensor& tensor = item.second;
        if (std::find_if(std::begin(kDropped), std::end(kDropped), [&](const char* d) { return key == d; }) !=
            std::end(kDropped)) {
            note(notes, "dropped buffer '" + key + "'");
            continue;
        }
        const auto top = std::find_if(std::begin(kTopLevel), std::end(kTopLevel),
                                      [&](const Rename& r) { return key == r.hf; });
        if (top != std::end(kTopLevel)) {
            put(top->openAi, tensor, key);
            continue;
        }
        const auto tr = std::find_if(std::begin(kTransposed), std::end(kTransposed),
                                     [&](const Rename& r) { return key == r.hf; });
        if (tr != std::end(kTransposed)) {
            if (tensor.dim() != 2) {
                throw Error("Hugging Face CLIP weights: '" + key + "' should be 2-D, has shape " +
                            c10::str(tensor.sizes()));
            }
            put(tr->openAi, tensor.t().contiguous(), key);
            continue;
        }
        bool handled = false;
        for (const Tower& tower : kTowers) {
            std::string index;
            std::string rest;
            if (!splitLayerKey(key, tower.hf, &index, &rest)) continue;
            const std::string base = std::string(tower.openAi) + index + ".";
            const auto layer = std::find_if(std::begin(kLayer), std::end(kLayer),
                                            [&](const Rename& r) { return rest == r.hf; });
            if (layer != std::end(kLayer)) {
                put(base + layer->openAi, tensor, key);
                handled = true;
                break;
            }
            static const char* const kParts[] = {"self_attn.q_proj.", "self_attn.k_proj.",
                                                 "self_attn.v_proj."};
            for (int part = 0; part < 3 && !handled; ++part) {
                if (!startsWith(rest, kParts[part])) continue;
                const std::string kind = rest.substr(std::strlen(kParts[part]));
                if (kind != "weight" && kind != "bias") break;
                qkv[base + "attn.in_proj_" + kind][static_cast<std::size_t>(part)] = tensor;
                handled = true;
            }
            break;
        }
        if (handled) continue;
        unknown.push_back(key);
        put(key, tensor, key);
    }

    static const char* const kPartNames[] = {"q_proj", "k_proj", "v_proj"};
    for (auto& [key, parts] : qkv) {
        for (std::size_t i = 0; i < 3; ++i) {
            if (!parts[i].defined()) {
                throw Error("Hugging Face CLIP weights: the attention of '" + key + "' lacks its " +
                            kPartNames[i] + " (q, k and v are needed to build in_proj)");
            }
            if (parts[i].sizes() != parts[0].sizes()) {
                throw Error("Hugging Face CLIP weights: q/k/v projections of '" + key + "' differ in shape");
            }
        }
        put(key, torch::cat({parts[0], parts[1], parts[2]}, 0), key);
    }
    if (!unknown.empty()) {
        std::string list;
        for (std::size_t i = 0; i < unknown.size() && i < 5; ++i) list += (i ? ", " : "") + unknown[i];
        if (unknown.size() > 5) list += ", ...";
        note(notes,
             "kept " + std::to_string(unknown.size()) + " keys with no OpenAI name unchanged: " + list);
    }
    return out;
}

StateDict openAiToHf(const StateDict& openAi) {
    StateDict out;
    auto put = [&](const std::string& key, torch::Tensor tensor) {
        if (!out.emplace(key, std::move(tensor)).second) {
            throw Error("OpenAI CLIP weights: two keys map to Hugging Face key '" + key + "'");
        }
    };
    for (const auto& item : openAi) {
        const std::string& key = item.first;
        const torch::Tensor& tensor = item.second;
        const auto top = std::find_if(std::begin(kTopLevel), std::end(kTopLevel),
                                      [&](const Rename& r) { return key == r.openAi; });
        if (top != std::end(kTopLevel)) {
            put(top->hf, tensor);
            continue;
        }
        const auto tr = std::find_if(std::begin(kTransposed), std::end(kTransposed),
                                     [&](const Rename& r) { return key == r.openAi; });
        if (tr != std::end(kTransposed)) {
            if (tensor.dim() != 2) {
                throw Error("OpenAI CLIP weights: '" + key + "' should be 2-D, has shape " +
                            c10::str(tensor.sizes()));
            }
            put(tr->hf, tensor.t().contiguous());
            continue;
        }
        bool handled = false;
        for (const Tower& tower : kTowers) {
            std::string index;
            std::string rest;
            if (!splitLayerKey(key, tower.openAi, &index, &rest)) continue;
            const std::string base = std::string(tower.hf) + index + ".";
            const auto layer = std::find_if(std::begin(kLayer), std::end(kLayer),
                                            [&](const Rename& r) { return rest == r.openAi; });
            if (layer != std::end(kLayer)) {
                put(base + layer->hf, tensor);
                handled = true;
            } else if (rest == "attn.in_proj_weight" || rest == "attn.in_proj_bias") {
                const std::string kind = rest == "attn.in_proj_weight" ? "weight" : "bias";
                if (tensor.dim() < 1 || tensor.size(0) % 3 != 0) {
                    throw Error("OpenAI CLIP weights: '" + key + "' has shape " + c10::str(tensor.sizes()) +
                                ", whose first dimension does not split into q, k, v");
                }
                const auto parts = tensor.chunk(3, 0);
                put(base + "self_attn.q_proj." + kind, parts[0].contiguous());
                put(base + "self_attn.k_proj." + kind, parts[1].contiguous());
                put(base + "self_attn.v_proj." + kind, parts[2].contiguous());
                handled = true;
            }
            break;
        }
        if (!handled) put(key, tensor);
    }
    return out;
}

// --- own format -------------------------------------------------------------------------------

ModelFilePaths modelFilePaths(const std::filesystem::path& path) {
    std::error_code ec;
    fs::path stem = path;
    if (fs::is_directory(path, ec)) {
        stem = path / "model";
    } else if (hasExtension(path, ".safetensors") || hasExtension(path, ".json")) {
        stem.replace_extension();
    }
    ModelFilePaths paths;
    paths.weights = stem;
    paths.weights += ".safetensors";
    paths.config = stem;
    paths.config += ".json";
    return paths;
}

namespace {
constexpr const char* kWeightsIdKey = "genra_weights_id";
}  // namespace

void saveModelFiles(const std::filesystem::path& path, const StateDict& stateDict,
                    const nlohmann::json& config) {
    const ModelFilePaths paths = modelFilePaths(path);
    // The pair is tied by a random id written into both, the config last: a crash between the two
    // commits (or two writers) leaves weights whose id the config does not name, which
    // loadModelFiles refuses instead of loading weights under another model's config.
    std::random_device random;
    char id[33];
    std::snprintf(id, sizeof id, "%08x%08x%08x%08x", random(), random(), random(), random());
    nlohmann::json tied = config;
    if (tied.is_object()) tied[kWeightsIdKey] = id;
    std::string text;
    try {
        text = tied.dump(2) + "\n";
    } catch (const Json::exception& e) {
        throw Error(paths.config.string() + ": config cannot be written as JSON: " + e.what());
    }
    // {"format": "pt"} is what transformers and safetensors' torch helpers write and expect.
    writeSafetensors(paths.weights, stateDict, {{"format", "pt"}, {kWeightsIdKey, id}});
    writeTextAtomically(paths.config, text);
}

ModelFiles loadModelFiles(const std::filesystem::path& path) {
    const ModelFilePaths paths = modelFilePaths(path);
    std::error_code ec;
    if (!fs::is_regular_file(paths.weights, ec)) {
        throw Error(path.string() + ": expected a genra model (" + paths.weights.filename().string() + " + " +
                    paths.config.filename().string() + "), but " + paths.weights.string() +
                    " does not exist");
    }
    auto config = readJsonFile(paths.config);
    if (!config) {
        throw Error(path.string() + ": expected a genra model, but its config " + paths.config.string() +
                    " does not exist");
    }
    ModelFiles files;
    SafetensorsContents contents = readSafetensors(paths.weights);
    if (config->is_object() && config->contains(kWeightsIdKey)) {
        const auto written = contents.metadata.find(kWeightsIdKey);
        const std::string expected = (*config)[kWeightsIdKey].is_string() ? (*config)[kWeightsIdKey].get<std::string>() : "";
        if (written == contents.metadata.end() || written->second != expected) {
            throw Error(paths.config.string() + " and " + paths.weights.filename().string() +
                        " are not a pair (the config names weights " + expected + ", the file holds " +
                        (written == contents.metadata.end() ? std::string("none") : written->second) +
                        "): the model was being written when a program stopped; save or import it again");
        }
        config->erase(kWeightsIdKey);
    }
    files.stateDict = std::move(contents.tensors);
    files.config = std::move(*config);
    return files;
}

// --- detection and the one entry point ----------------------------------------------------------

WeightsFormat detectWeightsFormat(const std::filesystem::path& path) {
    std::error_code ec;
    const std::string source = path.string();
    if (fs::is_directory(path, ec)) {
        const ModelFilePaths paths = modelFilePaths(path);
        if (fs::is_regular_file(paths.weights, ec) && fs::is_regular_file(paths.config, ec)) {
            return WeightsFormat::GenraModel;
        }
        if (fs::is_regular_file(paths.weights, ec)) return WeightsFormat::Safetensors;
        throw Error(
            source +
            ": a folder without model.safetensors; expected a checkpoint file or a genra model folder");
    }
    if (!fs::exists(path, ec)) {
        // "dir/name" naming a pair that exists as dir/name.safetensors + dir/name.json.
        const ModelFilePaths paths = modelFilePaths(path);
        if (fs::is_regular_file(paths.weights, ec) && fs::is_regular_file(paths.config, ec)) {
            return WeightsFormat::GenraModel;
        }
        throw Error(source + ": no such file");
    }
    if (hasExtension(path, ".json")) {
        if (fs::is_regular_file(modelFilePaths(path).weights, ec)) return WeightsFormat::GenraModel;
        throw Error(source + ": a JSON file without a sibling .safetensors; expected a genra model config");
    }

    const std::uint64_t fileBytes = fs::file_size(path, ec);
    if (ec) throw Error(source + ": cannot read the file size: " + ec.message());
    const std::string prefix = readPrefix(path, 16);
    if (startsWith(prefix, "PK\x03\x04")) {
        const auto records = zipRecords(path);
        const bool script = std::any_of(records.begin(), records.end(), [](const std::string& r) {
            return r == "constants.pkl" || startsWith(r, "code/");
        });
        if (script) return WeightsFormat::TorchScript;
        if (std::find(records.begin(), records.end(), "data.pkl") != records.end())
            return WeightsFormat::TorchSave;
        throw Error(source +
                    ": a PyTorch zip archive with neither data.pkl (torch.save) nor code/ (TorchScript)");
    }
    // Safetensors first: its 8-byte header length can begin with the byte 0x80 too.
    if (looksLikeSafetensors(prefix, fileBytes)) {
        if (hasExtension(path, ".safetensors") && fs::is_regular_file(modelFilePaths(path).config, ec)) {
            return WeightsFormat::GenraModel;
        }
        return WeightsFormat::Safetensors;
    }
    if (!prefix.empty() && static_cast<unsigned char>(prefix[0]) == 0x80) {
        // Pickle protocol marker: the legacy torch.save layout; loadTorchSave explains.
        return WeightsFormat::TorchSave;
    }
    throw Error(source +
                ": unrecognised weights file; expected safetensors, a zip-format torch.save state dict, "
                "a TorchScript archive, or a genra model (.safetensors + .json)");
}

LoadedWeights loadWeights(const std::filesystem::path& path, WeightsFormat format) {
    LoadedWeights loaded;
    loaded.format = format == WeightsFormat::Auto ? detectWeightsFormat(path) : format;
    const std::string source = path.string();

    switch (loaded.format) {
        case WeightsFormat::Safetensors: {
            std::error_code ec;
            fs::path file = path;
            if (fs::is_directory(path, ec)) {
                // A Hugging Face model folder: model.safetensors beside config.json.
                file = path / "model.safetensors";
                if (auto config = readJsonFile(path / "config.json")) {
                    loaded.config = std::move(*config);
                    note(&loaded.notes, "read the folder's config.json");
                }
            }
            SafetensorsContents contents = readSafetensors(file);
            loaded.stateDict = std::move(contents.tensors);
            loaded.metadata = std::move(contents.metadata);
            break;
        }
        case WeightsFormat::TorchSave:
            loaded.stateDict = loadTorchSave(path, &loaded.notes);
            break;
        case WeightsFormat::TorchScript:
            loaded.stateDict = loadTorchScript(path, &loaded.notes);
            break;
        case WeightsFormat::GenraModel: {
            ModelFiles files = loadModelFiles(path);
            loaded.stateDict = std::move(files.stateDict);
            loaded.config = std::move(files.config);
            break;
        }
        case WeightsFormat::Auto:
            throw Error(source + ": format detection returned no format");
    }

    if (loaded.stateDict.empty())
        throw Error(source + ": the " + weightsFormatName(loaded.format) + " file holds no tensors");
    if (stripCommonPrefix(loaded.stateDict, "module."))
        note(&loaded.notes, "stripped the \"module.\" prefix");
    if (detectClipNaming(loaded.stateDict) == ClipNaming::HuggingFace) {
        loaded.sourceNaming = ClipNaming::HuggingFace;
        try {
            loaded.stateDict = hfToOpenAi(loaded.stateDict, &loaded.notes);
        } catch (const Error& e) {
            throw Error(source + ": " + e.what());
        }
        note(&loaded.notes, "translated Hugging Face CLIP names to OpenAI names");
    }
    return loaded;
}

}  // namespace genra::model
