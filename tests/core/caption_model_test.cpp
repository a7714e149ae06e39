// The captioner's parts: the GPT-2 decoder against an independent Python reference of the same
// architecture (random weights, read back from a Hugging Face-layout safetensors file), the HF key
// mapping (Conv1D transposition, dropped buffers, tied head, errors by key), the mapping networks,
// beam search and greedy decoding on hand-built distributions, decoding with the key/value cache
// against decoding without, the GPT-2 tokenizer on a synthetic vocabulary, and recipe validation.
#include "core/caption/caption_recipe.h"
#include "core/caption/caption_tokenizer.h"
#include "core/caption/captioner.h"
#include "core/caption/decode.h"
#include "core/caption/gpt2.h"
#include "core/model/safetensors.h"
#include "core/text/byte_encoder.h"
#include "core/text/gpt2_tokenizer.h"
#include "core/util/error.h"
#include "support/test_support.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <set>
#include <sstream>

using namespace genra;
namespace fs = std::filesystem;

namespace {

caption::Gpt2Config tinyConfig() {
    caption::Gpt2Config c;
    c.vocabSize = 11;
    c.contextLength = 8;
    c.width = 8;
    c.layers = 2;
    c.heads = 2;
    return c;
}

// Our parameters in Hugging Face's GPT2LMHeadModel layout: no "transformer." prefix (as gpt2's
// model.safetensors), Conv1D weights [in, out], the causal-mask buffers and the tied lm_head.
model::StateDict toHfLayout(caption::Gpt2& model) {
    model::StateDict hf;
    for (const auto& item : model->named_parameters()) {
        std::string key = item.key().substr(std::string("transformer.").size());
        torch::Tensor value = item.value().detach().clone();
        for (const char* conv : {"attn.c_attn.weight", "attn.c_proj.weight", "mlp.c_fc.weight", "mlp.c_proj.weight"}) {
            const std::string suffix = conv;
            if (key.size() > suffix.size() && key.compare(key.size() - suffix.size(), suffix.size(), suffix) == 0) {
                value = value.t().contiguous();
            }
        }
        hf[key] = value;
    }
    const auto n = model->config().contextLength;
    for (std::int64_t layer = 0; layer < model->config().layers; ++layer) {
        hf["h." + std::to_string(layer) + ".attn.bias"] = torch::ones({n, n}).tril().view({1, 1, n, n});
    }
    hf["lm_head.weight"] = model->transformer->wte->weight.detach().clone();
    return hf;
}

void writeHfFolder(const fs::path& dir, caption::Gpt2& model) {
    fs::create_directories(dir);
    model::writeSafetensors(dir / "model.safetensors", toHfLayout(model), {{"format", "pt"}});
    test::writeFile(dir / "config.json", caption::toJson(model->config()).dump());
}

// GPT-2 forward pass in plain Python (no NumPy or torch needed), reading the safetensors file itself.
const char* kPythonReference = R"PY(
import json, math, struct, sys
path, config_path, tokens = sys.argv[1], sys.argv[2], [int(t) for t in sys.argv[3].split(",")]
cfg = json.load(open(config_path))
raw = open(path, "rb").read()
n = struct.unpack("<Q", raw[:8])[0]
header = json.loads(raw[8:8 + n])
data = raw[8 + n:]
def tensor(name):
    e = header[name]
    b, end = e["data_offsets"]
    flat = list(struct.unpack("<%df" % ((end - b) // 4), data[b:end]))
    shape = e["shape"]
    if len(shape) == 1:
        return flat
    rows, cols = shape[0], int(len(flat) / shape[0])
    return [flat[r * cols:(r + 1) * cols] for r in range(rows)]
def layer_norm(x, w, b, eps):
    m = sum(x) / len(x)
    v = sum((t - m) ** 2 for t in x) / len(x)
    return [(t - m) / math.sqrt(v + eps) * w[i] + b[i] for i, t in enumerate(x)]
def conv1d(x, w, b):  # HF Conv1D: x @ W + b with W [in, out]
    return [sum(x[i] * w[i][o] for i in range(len(x))) + b[o] for o in range(len(b))]
def gelu(x):
    return 0.5 * x * (1 + math.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))
W, H, eps = cfg["n_embd"], cfg["n_head"], cfg["layer_norm_epsilon"]
hd = W // H
wte, wpe = tensor("wte.weight"), tensor("wpe.weight")
h = [[wte[t][i] + wpe[p][i] for i in range(W)] for p, t in enumerate(tokens)]
T = len(tokens)
for l in range(cfg["n_layer"]):
    pre = "h.%d." % l
    a = [layer_norm(x, tensor(pre + "ln_1.weight"), tensor(pre + "ln_1.bias"), eps) for x in h]
    qkv = [conv1d(x, tensor(pre + "attn.c_attn.weight"), tensor(pre + "attn.c_attn.bias")) for x in a]
    out = [[0.0] * W for _ in range(T)]
    for head in range(H):
        q = [r[head * hd:(head + 1) * hd] for r in qkv]
        k = [r[W + head * hd:W + (head + 1) * hd] for r in qkv]
        v = [r[2 * W + head * hd:2 * W + (head + 1) * hd] for r in qkv]
        for i in range(T):
            s = [sum(q[i][d] * k[j][d] for d in range(hd)) / math.sqrt(hd) for j in range(i + 1)]
            mx = max(s)
            e = [math.exp(t - mx) for t in s]
            z = sum(e)
            for d in range(hd):
                out[i][head * hd + d] = sum(e[j] / z * v[j][d] for j in range(i + 1))
    proj = [conv1d(x, tensor(pre + "attn.c_proj.weight"), tensor(pre + "attn.c_proj.bias")) for x in out]
    h = [[h[i][d] + proj[i][d] for d in range(W)] for i in range(T)]
    m = [layer_norm(x, tensor(pre + "ln_2.weight"), tensor(pre + "ln_2.bias"), eps) for x in h]
    f = [[gelu(t) for t in conv1d(x, tensor(pre + "mlp.c_fc.weight"), tensor(pre + "mlp.c_fc.bias"))] for x in m]
    p2 = [conv1d(x, tensor(pre + "mlp.c_proj.weight"), tensor(pre + "mlp.c_proj.bias")) for x in f]
    h = [[h[i][d] + p2[i][d] for d in range(W)] for i in range(T)]
h = [layer_norm(x, tensor("ln_f.weight"), tensor("ln_f.bias"), eps) for x in h]
for x in h:
    print(" ".join(repr(sum(x[d] * row[d] for d in range(W))) for row in wte))
)PY";

// A distribution over tokens {0: end, 1: a, 2: b, 3: c} that depends on the prefix only.
torch::Tensor handBuilt(const torch::Tensor& tokens) {
    const auto n = tokens.size(0);
    auto out = torch::empty({n, 4}, torch::kDouble);
    for (std::int64_t r = 0; r < n; ++r) {
        std::vector<double> p;
        const auto t = tokens.size(1);
        if (t == 0) {
            p = {0.0, 0.5, 0.4, 0.1};  // greedy takes "a"
        } else {
            const auto first = tokens[r][0].item<std::int64_t>();
            if (t == 1 && first == 1) p = {0.3, 0.25, 0.25, 0.2};  // after "a": flat, best "a end" = .5*.3
            else if (t == 1 && first == 2) p = {0.05, 0.05, 0.05, 0.85};  // after "b": "c" almost surely
            else if (t == 2 && first == 2 && tokens[r][1].item<std::int64_t>() == 3) p = {0.9, 0.04, 0.03, 0.03};
            else p = {0.7, 0.1, 0.1, 0.1};
        }
        for (std::size_t v = 0; v < 4; ++v) out[r][static_cast<std::int64_t>(v)] = std::log(p[v]);
    }
    return out;
}

// Best sequence by exhaustive search up to maxLength tokens (end included), scored as beam search does.
std::pair<std::vector<std::int64_t>, double> exhaustiveBest(int maxLength, double lengthPenalty) {
    std::vector<std::int64_t> best;
    double bestScore = -1e300;
    std::function<void(std::vector<std::int64_t>&, double)> walk = [&](std::vector<std::int64_t>& seq, double sum) {
        auto tokens = torch::empty({1, static_cast<std::int64_t>(seq.size())}, torch::kLong);
        for (std::size_t i = 0; i < seq.size(); ++i) tokens[0][static_cast<std::int64_t>(i)] = seq[i];
        const auto lp = handBuilt(tokens)[0];
        const double endScore = (sum + lp[0].item<double>()) / std::pow(static_cast<double>(seq.size() + 1), lengthPenalty);
        if (endScore > bestScore) {
            bestScore = endScore;
            best = seq;
        }
        if (static_cast<int>(seq.size()) + 1 >= maxLength) return;
        for (std::int64_t v = 1; v < 4; ++v) {
            seq.push_back(v);
            walk(seq, sum + lp[v].item<double>());
            seq.pop_back();
        }
    };
    std::vector<std::int64_t> seq;
    walk(seq, 0.0);
    return {best, bestScore};
}

}  // namespace

TEST_CASE("GPT-2 decoder matches a Python reference of the same architecture", "[caption]") {
    test::TempDir tmp("genra-gpt2");
    torch::manual_seed(3);
    caption::Gpt2 model(tinyConfig());
    {
        // Random layer norms too, so a swapped weight/bias would show.
        torch::NoGradGuard noGrad;
        for (auto& item : model->named_parameters()) item.value().normal_(0.0, 0.5);
    }
    model->eval();
    writeHfFolder(tmp / "gpt2", model);
    const std::vector<std::int64_t> ids = {3, 1, 4, 1, 5, 9, 2};
    torch::Tensor ours;
    {
        torch::NoGradGuard noGrad;
        ours = model->forward(torch::tensor(ids).unsqueeze(0))[0];
    }
    test::writeFile(tmp / "ref.py", kPythonReference);
    const auto result = test::runProcess({test::pythonExecutable().string(), (tmp / "ref.py").string(),
                                          (tmp / "gpt2" / "model.safetensors").string(), (tmp / "gpt2" / "config.json").string(),
                                          "3,1,4,1,5,9,2"});
    REQUIRE(result.exitCode == 0);
    std::istringstream in(result.out);
    double maxDiff = 0.0;
    for (std::int64_t t = 0; t < static_cast<std::int64_t>(ids.size()); ++t) {
        for (std::int64_t v = 0; v < 11; ++v) {
            double reference = 0.0;
            REQUIRE(in >> reference);
            maxDiff = std::max(maxDiff, std::abs(reference - ours[t][v].item<double>()));
        }
    }
    CHECK(maxDiff < 1e-4);

    SECTION("loaded back from the Hugging Face layout, the model is the same") {
        std::vector<std::string> notes;
        auto loaded = caption::loadHfGpt2(tmp / "gpt2", &notes);
        CHECK(loaded->config().heads == 2);
        CHECK(loaded->config().layers == 2);
        CHECK(torch::equal(loaded->transformer->blocks[1]->attn->c_attn->weight, model->transformer->blocks[1]->attn->c_attn->weight));
        torch::NoGradGuard noGrad;
        CHECK(torch::allclose(loaded->forward(torch::tensor(ids).unsqueeze(0))[0], ours, 1e-6, 1e-6));
        bool notedHead = false;
        for (const auto& n : notes) notedHead = notedHead || n.find("lm_head") != std::string::npos;
        CHECK(notedHead);
    }
    SECTION("a causal decoder: later tokens never change earlier logits") {
        torch::NoGradGuard noGrad;
        const auto shorter = model->forward(torch::tensor(std::vector<std::int64_t>(ids.begin(), ids.begin() + 4)).unsqueeze(0))[0];
        CHECK(torch::allclose(shorter, ours.slice(0, 0, 4), 1e-5, 1e-5));
    }
}

TEST_CASE("GPT-2 key mapping from Hugging Face safetensors", "[caption]") {
    test::TempDir tmp("genra-gpt2-keys");
    torch::manual_seed(4);
    caption::Gpt2 model(tinyConfig());
    auto hf = toHfLayout(model);

    SECTION("Conv1D weights are transposed, buffers and the tied head dropped, the prefix optional") {
        model::StateDict prefixed;
        for (const auto& [k, v] : hf) prefixed[k == "lm_head.weight" ? k : "transformer." + k] = v;
        for (const auto* dict : {&hf, &prefixed}) {
            const auto ours = caption::gpt2FromHf(*dict);
            CHECK(ours.count("transformer.h.0.attn.bias") == 0);
            CHECK(ours.count("lm_head.weight") == 0);
            CHECK(ours.count("transformer.lm_head.weight") == 0);
            CHECK(ours.size() == model->named_parameters().size());
            CHECK(ours.at("transformer.h.1.mlp.c_fc.weight").sizes() == torch::IntArrayRef({32, 8}));
            CHECK(torch::equal(ours.at("transformer.h.1.mlp.c_fc.weight"), hf.at("h.1.mlp.c_fc.weight").t()));
            CHECK(torch::equal(ours.at("transformer.h.0.attn.c_attn.bias"), hf.at("h.0.attn.c_attn.bias")));
            const auto config = caption::gpt2ConfigFromStateDict(ours, 2);
            CHECK(config.vocabSize == 11);
            CHECK(config.contextLength == 8);
            CHECK(config.layers == 2);
        }
    }
    SECTION("a missing tensor is named") {
        hf.erase("h.1.ln_2.bias");
        fs::create_directories(tmp / "bad");
        model::writeSafetensors(tmp / "bad" / "model.safetensors", hf);
        test::writeFile(tmp / "bad" / "config.json", caption::toJson(tinyConfig()).dump());
        CHECK_THROWS_WITH(caption::loadHfGpt2(tmp / "bad"), Catch::Contains("transformer.h.1.ln_2.bias"));
    }
    SECTION("a tensor of the wrong shape is named") {
        hf["h.0.mlp.c_proj.bias"] = torch::zeros({7});
        fs::create_directories(tmp / "bad");
        model::writeSafetensors(tmp / "bad" / "model.safetensors", hf);
        test::writeFile(tmp / "bad" / "config.json", caption::toJson(tinyConfig()).dump());
        CHECK_THROWS_WITH(caption::loadHfGpt2(tmp / "bad"), Catch::Contains("h.0.mlp.c_proj.bias"));
    }
    SECTION("a config.json that does not describe the weights is refused") {
        fs::create_directories(tmp / "bad");
        model::writeSafetensors(tmp / "bad" / "model.safetensors", hf);
        auto config = tinyConfig();
        config.layers = 3;
        test::writeFile(tmp / "bad" / "config.json", caption::toJson(config).dump());
        CHECK_THROWS_WITH(caption::loadHfGpt2(tmp / "bad"), Catch::Contains("config.json"));
    }
}

TEST_CASE("Captioner: mapping networks and teacher-forced loss", "[caption]") {
    caption::CaptionerConfig config;
    config.clipDim = 6;
    config.prefixLength = 3;
    config.decoder = tinyConfig();
    for (auto kind : {caption::MapperKind::Mlp, caption::MapperKind::Transformer}) {
        config.mapper = kind;
        config.clipLength = 2;
        config.mapperLayers = 1;
        config.mapperHeads = 2;
        torch::manual_seed(1);
        caption::ClipCaptioner model(config);
        const auto names = model->named_parameters().keys();
        const auto has = [&](const std::string& key) { return std::find(names.begin(), names.end(), key) != names.end(); };
        CHECK(has("gpt.transformer.h.1.attn.c_attn.weight"));
        CHECK(has(kind == caption::MapperKind::Mlp ? "clip_project.model.2.weight" : "clip_project.prefix_const"));
        const auto clip = torch::randn({4, 6});
        CHECK(model->prefix(clip).sizes() == torch::IntArrayRef({4, 3, 8}));
        // The prefix depends on the image: two embeddings give two prefixes.
        CHECK_FALSE(torch::allclose(model->prefix(clip)[0], model->prefix(clip)[1]));
        // Padding after the end token does not change the loss.
        const auto tokens = torch::tensor(std::vector<std::int64_t>{4, 5, 0, 7, 0, 0}).view({2, 3});
        auto mask = torch::tensor(std::vector<std::int64_t>{1, 1, 1, 1, 1, 0}).view({2, 3}).to(torch::kBool);
        const auto loss = caption::captionLoss(model, clip.slice(0, 0, 2), tokens, mask).item<double>();
        auto changed = tokens.clone();
        changed[1][2] = 9;
        CHECK(caption::captionLoss(model, clip.slice(0, 0, 2), changed, mask).item<double>() == Approx(loss).epsilon(1e-6));
        mask[1][2] = true;
        CHECK(caption::captionLoss(model, clip.slice(0, 0, 2), changed, mask).item<double>() != Approx(loss).epsilon(1e-6));
    }
    SECTION("a prefix that fills the decoder is refused") {
        config.prefixLength = 8;
        CHECK_THROWS_WITH(caption::ClipCaptioner(config), Catch::Contains("prefix_length"));
    }
}

TEST_CASE("Beam search and greedy decoding on a hand-built distribution", "[caption]") {
    const auto next = [](const torch::Tensor&, const torch::Tensor& tokens) { return handBuilt(tokens); };
    caption::DecodeOptions options;
    options.maxLength = 4;
    options.lengthPenalty = 0.0;  // plain sum of log-probabilities

    SECTION("greedy follows the locally best token, beam search finds the better sequence") {
        const auto greedy = caption::greedyDecode(2, 0, next, options);
        REQUIRE(greedy.size() == 2);
        CHECK(greedy[0] == std::vector<std::int64_t>{1});  // "a" then end (p .5 * .3 = .15)
        options.beamSize = 2;
        const auto beam = caption::beamSearch(2, 0, next, options);
        CHECK(beam[0] == std::vector<std::int64_t>{2, 3});  // "b c" then end (.4 * .85 * .9 = .306)
        CHECK(beam[1] == beam[0]);
        CHECK(beam[0] == exhaustiveBest(options.maxLength, 0.0).first);
    }
    SECTION("with beam 5 the result is the exhaustive optimum for several length penalties") {
        options.beamSize = 5;
        for (double penalty : {0.0, 0.5, 1.0, 2.0}) {
            options.lengthPenalty = penalty;
            CAPTURE(penalty);
            CHECK(caption::beamSearch(1, 0, next, options)[0] == exhaustiveBest(options.maxLength, penalty).first);
        }
    }
    SECTION("max_length cuts hypotheses that never end") {
        const auto never = [](const torch::Tensor& sources, const torch::Tensor&) {
            auto lp = torch::full({sources.size(0), 4}, std::log(0.3), torch::kDouble);
            lp.select(1, 0).fill_(-1e9);
            lp.select(1, 3).fill_(std::log(0.1));
            return lp;
        };
        options.maxLength = 3;
        options.beamSize = 3;
        CHECK(caption::beamSearch(1, 0, never, options)[0].size() == 3);
        CHECK(caption::greedyDecode(1, 0, never, options)[0].size() == 3);
    }
    SECTION("inputs are decoded independently in one batch") {
        const auto bySource = [](const torch::Tensor& sources, const torch::Tensor& tokens) {
            auto lp = torch::full({sources.size(0), 4}, std::log(0.01), torch::kDouble);
            for (std::int64_t r = 0; r < sources.size(0); ++r) {
                const auto want = tokens.size(1) < 2 ? sources[r].item<std::int64_t>() + 1 : 0;
                lp[r][want] = std::log(0.97);
            }
            return lp;
        };
        options.beamSize = 3;
        const auto out = caption::beamSearch(3, 0, bySource, options);
        CHECK(out[0] == std::vector<std::int64_t>{1, 1});
        CHECK(out[2] == std::vector<std::int64_t>{3, 3});
    }
}

namespace {

// A captioner whose random weights give peaked next-token distributions (GPT-2's 0.02 init gives
// nearly uniform ones, where the searches would compare near-ties).
caption::ClipCaptioner peakedCaptioner() {
    caption::CaptionerConfig config;
    config.clipDim = 16;
    config.prefixLength = 4;
    config.decoder.vocabSize = 40;
    config.decoder.contextLength = 40;
    config.decoder.width = 32;
    config.decoder.layers = 3;
    config.decoder.heads = 4;
    torch::manual_seed(21);
    caption::ClipCaptioner model(config);
    torch::NoGradGuard noGrad;
    for (auto& item : model->named_parameters()) {
        if (item.key().find("ln_") != std::string::npos || item.value().dim() < 2) continue;
        item.value().normal_(0.0, item.key().find("wte") != std::string::npos ? 0.6 : 0.15);
    }
    model->eval();
    return model;
}

double maxAbsDifference(const torch::Tensor& a, const torch::Tensor& b) { return (a - b).abs().max().item<double>(); }

}  // namespace

TEST_CASE("Decoding with the key/value cache matches decoding without", "[caption][kv-cache]") {
    auto model = peakedCaptioner();
    torch::NoGradGuard noGrad;
    const auto prefix = model->prefix(torch::randn({6, 16}));
    auto& gpt = model->gpt;

    SECTION("logits of the prefix, then single tokens and a chunk, equal one full pass") {
        const auto tokens = torch::randint(1, 40, {3, 9}, torch::kLong);
        const auto full = model->forwardPrefix(prefix.slice(0, 0, 3), tokens);  // [3, 4 + 9, 40]
        caption::Gpt2KvCache cache;
        std::vector<torch::Tensor> pieces{gpt->forwardEmbedsCached(prefix.slice(0, 0, 3), cache)};
        CHECK(cache.length() == 4);
        for (std::int64_t t = 0; t < 5; ++t) pieces.push_back(gpt->forwardEmbedsCached(gpt->embedTokens(tokens.slice(1, t, t + 1)), cache));
        // Several new positions at once after cached ones: the causal mask is offset by the past.
        pieces.push_back(gpt->forwardEmbedsCached(gpt->embedTokens(tokens.slice(1, 5, 9)), cache));
        CHECK(cache.length() == 13);
        const auto cached = torch::cat(pieces, 1);
        REQUIRE(cached.sizes() == full.sizes());
        CHECK(maxAbsDifference(cached, full) <= 1e-5);
        // The check can fail: a cache that forgot the past would give other logits.
        caption::Gpt2KvCache fresh;
        CHECK(maxAbsDifference(gpt->forwardEmbedsCached(gpt->embedTokens(tokens.slice(1, 0, 1)), fresh),
                               full.slice(1, 4, 5)) > 1e-3);
    }
    SECTION("reordering the cache follows rows that are dropped and repeated") {
        const auto tokens = torch::randint(1, 40, {3, 4}, torch::kLong);
        caption::Gpt2KvCache cache;
        gpt->forwardEmbedsCached(prefix.slice(0, 0, 3), cache);
        gpt->forwardEmbedsCached(gpt->embedTokens(tokens.slice(1, 0, 3)), cache);
        const auto rows = torch::tensor(std::vector<std::int64_t>{2, 0, 0});
        cache.reorder(rows);
        CHECK(cache.rows() == 3);
        const auto step = gpt->forwardEmbedsCached(gpt->embedTokens(tokens.index_select(0, rows).slice(1, 3, 4)), cache);
        const auto full = model->forwardPrefix(prefix.index_select(0, rows), tokens.index_select(0, rows));
        CHECK(maxAbsDifference(step, full.slice(1, 7, 8)) <= 1e-5);
    }
    SECTION("greedy and beam search give the same tokens with and without the cache") {
        caption::DecodeOptions options;
        options.maxLength = 14;
        options.beamSize = 1;
        // An end token the first input emits after a few tokens, so rows finish at different steps
        // and the search drops and reorders rows.
        const auto endless = caption::decodePrefixes(model, prefix, -1, options, false);
        REQUIRE(endless[0].size() == 14);
        const std::int64_t endToken = endless[0][4];
        for (int beam : {1, 3, 5}) {
            for (double penalty : {0.0, 1.0}) {
                CAPTURE(beam, penalty);
                options.beamSize = beam;
                options.lengthPenalty = penalty;
                const auto uncached = caption::decodePrefixes(model, prefix, endToken, options, false);
                const auto cached = caption::decodePrefixes(model, prefix, endToken, options, true);
                CHECK(cached == uncached);
                std::set<std::size_t> lengths;
                for (const auto& ids : uncached) lengths.insert(ids.size());
                CHECK(lengths.size() > 1);  // inputs finish at different steps
            }
        }
    }
}

TEST_CASE("GPT-2 tokenizer on a synthetic vocabulary", "[caption]") {
    std::map<std::string, std::int64_t> vocab;
    for (int b = 0; b < 256; ++b) vocab[text::byteSymbol(static_cast<std::uint8_t>(b))] = static_cast<std::int64_t>(vocab.size());
    const std::string g = text::byteSymbol(' ');  // "Ġ"
    std::vector<text::BpeMerge> merges = {{"a", "t"}, {g, "c"}, {g + "c", "at"}, {"'", "s"}, {"h", "e"}};
    for (const auto& m : merges) vocab[m.left + m.right] = static_cast<std::int64_t>(vocab.size());
    vocab["<|endoftext|>"] = static_cast<std::int64_t>(vocab.size());
    text::Gpt2Tokenizer tokenizer(vocab, merges);

    CHECK(text::encodeBytes(" ") == g);
    CHECK(tokenizer.preTokenize("the cat's  12 cats!") ==
          std::vector<std::string>{"the", " cat", "'s", " ", " 12", " cats", "!"});
    // Contractions are case-sensitive, as in GPT-2.
    CHECK(tokenizer.preTokenize("IT'S") == std::vector<std::string>{"IT", "'", "S"});
    const auto ids = tokenizer.encode(" cat's");
    CHECK(ids == std::vector<std::int64_t>{vocab.at(g + "cat"), vocab.at("'s")});
    CHECK(tokenizer.encode("he") == std::vector<std::int64_t>{vocab.at("he")});
    for (const std::string s : {"A cat sat on the mat.", "  two  spaces\n", "caf\xc3\xa9 \xe2\x9c\x93"}) {
        CHECK(tokenizer.decode(tokenizer.encode(s)) == s);
    }
    CHECK(tokenizer.endOfTextId() == vocab.at("<|endoftext|>"));
    CHECK_THROWS_WITH(tokenizer.decode({9999}), Catch::Contains("9999"));

    SECTION("files: vocab.json and merges.txt") {
        test::TempDir tmp("genra-gpt2-tok");
        nlohmann::json j = vocab;
        test::writeFile(tmp / "vocab.json", j.dump());
        std::string mergeText = "#version: 0.2\n";
        for (const auto& m : merges) mergeText += m.left + " " + m.right + "\n";
        test::writeFile(tmp / "merges.txt", mergeText);
        auto tokenizerFile = caption::gpt2CaptionTokenizer(tmp / "vocab.json", tmp / "merges.txt");
        CHECK(tokenizerFile->encode(" cat's") == ids);
        CHECK(tokenizerFile->decode(ids) == "cat's");
        const auto [tokens, mask] = caption::encodeCaptionBatch(*tokenizerFile, {" cat", "he he he"}, 3);
        CHECK(tokens.sizes() == torch::IntArrayRef({2, 3}));
        CHECK(tokens[0][1].item<std::int64_t>() == tokenizerFile->endToken());
        CHECK(tokens[1][2].item<std::int64_t>() == tokenizerFile->endToken());  // cut to 2 tokens + end
        CHECK(mask.sum().item<std::int64_t>() == 5);
        test::writeFile(tmp / "broken.json", "{\"a\": \"x\"}");
        CHECK_THROWS_WITH(text::Gpt2Tokenizer::fromFiles(tmp / "broken.json", tmp / "merges.txt"), Catch::Contains("\"a\""));
    }
}

TEST_CASE("Built-in caption tokenizer decodes punctuation as written", "[caption]") {
    test::TempDir tmp;
    // A CLIP-format merge list with a few merges: unmerged words decode the same way.
    test::writeFile(tmp / "merges.txt", "#version: 0.2\nr e\nre d</w>\n");
    const auto tokenizer = caption::clipBpeCaptionTokenizer(tmp / "merges.txt", "merges.txt");
    auto roundTrip = [&](const std::string& text) { return tokenizer->decode(tokenizer->encode(text)); };
    CHECK(roundTrip("two shapes: a red cross, large.") == "two shapes: a red cross, large.");
    CHECK(roundTrip("A Red (small) square!") == "a red (small) square!");
    CHECK(roundTrip("a red circle") == "a red circle");
}

TEST_CASE("Captioner recipes are validated by key", "[caption]") {
    const nlohmann::json base = {{"clip_model", "c"}, {"dataset", "d"}};
    CHECK(caption::parseCaptionRecipe(base).beamSize == 5);
    CHECK(caption::toJson(caption::parseCaptionRecipe(base))["train_on"] == "generated");
    auto with = [&](const char* key, nlohmann::json value) {
        auto j = base;
        j[key] = value;
        return j;
    };
    CHECK_THROWS_WITH(caption::parseCaptionRecipe(with("bogus", 1), "r.json"), Catch::Contains("r.json") && Catch::Contains("bogus"));
    CHECK_THROWS_WITH(caption::parseCaptionRecipe(with("train_on", "both")), Catch::Contains("train_on"));
    CHECK_THROWS_WITH(caption::parseCaptionRecipe(with("prefix_length", 0)), Catch::Contains("prefix_length"));
    CHECK_THROWS_WITH(caption::parseCaptionRecipe(with("lr", "fast")), Catch::Contains("lr"));
    CHECK_THROWS_WITH(caption::parseCaptionRecipe(with("train_decoder", false)), Catch::Contains("train_decoder"));
    CHECK_THROWS_WITH(caption::parseCaptionRecipe(nlohmann::json{{"dataset", "d"}}), Catch::Contains("clip_model"));
    const auto round = caption::parseCaptionRecipe(caption::toJson(caption::parseCaptionRecipe(with("mapper", "transformer"))));
    CHECK(round.mapper == "transformer");
}
