// CLIP throughput: images/s and texts/s of ViT-B/32 (random weights) in LibTorch, next to the same
// architecture in Python PyTorch measured by this program, and as a share of the device's matmul
// GFLOP/s (in the precision used) measured in-process first. On CUDA, fp16/bf16 run as autocast,
// as `genra embed --precision` does, in both C++ and Python.
//
// Usage: genra_clip_bench [--batch N] [--iterations N] [--preset NAME] [--device cpu|cuda]
//                         [--precision fp32|bf16|fp16] [--python PATH] [--no-python]
#include "core/model/clip.h"
#include "core/model/embed.h"
#include "core/model/precision.h"
#include "core/util/threads.h"

#include <torch/cuda.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <unistd.h>

using namespace genra;
using namespace genra::model;

namespace {

using Clock = std::chrono::steady_clock;

double seconds(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

void synchronize(const torch::Device& device) {
    if (device.is_cuda()) torch::cuda::synchronize();
}

// Square matmul throughput on the device in the dtype the precision computes in.
double matmulGflops(const torch::Device& device, model::Precision precision) {
    torch::NoGradGuard noGrad;
    const std::int64_t n = device.is_cuda() ? 4096 : 1024;
    const auto dtype = precision == model::Precision::Fp16 ? torch::kHalf
                       : precision == model::Precision::Bf16 ? torch::kBFloat16 : torch::kFloat;
    const auto a = torch::randn({n, n}).to(device, dtype);
    const auto b = torch::randn({n, n}).to(device, dtype);
    torch::matmul(a, b);
    synchronize(device);
    const int reps = device.is_cuda() ? 50 : 10;
    const auto start = Clock::now();
    for (int i = 0; i < reps; ++i) torch::matmul(a, b);
    synchronize(device);
    return 2.0 * static_cast<double>(n * n * n) * reps / seconds(start) / 1e9;
}

// Multiply-adds x2 of one tower's transformer over `tokens` tokens of width `width`.
double towerGflop(std::int64_t tokens, std::int64_t width, std::int64_t layers) {
    const double n = static_cast<double>(tokens);
    const double d = static_cast<double>(width);
    return static_cast<double>(layers) * (2.0 * n * d * d * 12.0 + 4.0 * n * n * d) / 1e9;
}

const char* kPythonBench = R"PY(
import json, math, sys, time
from collections import OrderedDict
import torch
from torch import nn

cfg = json.loads(sys.argv[1])
batch, iterations, threads = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
device, precision = sys.argv[5], sys.argv[6]
torch.set_num_threads(threads)
if device != "cpu":
    torch.set_default_device(device)

class QuickGELU(nn.Module):
    def forward(self, x): return x * torch.sigmoid(1.702 * x)

class Block(nn.Module):
    def __init__(s, w, h):
        super().__init__()
        s.attn = nn.MultiheadAttention(w, h); s.ln_1 = nn.LayerNorm(w); s.ln_2 = nn.LayerNorm(w)
        s.mlp = nn.Sequential(OrderedDict([("c_fc", nn.Linear(w, 4 * w)), ("gelu", QuickGELU()),
                                           ("c_proj", nn.Linear(4 * w, w))]))
    def forward(s, x, mask=None):
        h = s.ln_1(x)
        x = x + s.attn(h, h, h, need_weights=False, attn_mask=mask)[0]
        return x + s.mlp(s.ln_2(x))

class Tower(nn.Module):
    def __init__(s, w, layers, h):
        super().__init__(); s.resblocks = nn.Sequential(*[Block(w, h) for _ in range(layers)])
    def forward(s, x, mask=None):
        for b in s.resblocks: x = b(x, mask)
        return x

v, t = cfg["vision_cfg"], cfg["text_cfg"]
W, P, R = v["width"], v["patch_size"], v["image_size"]
conv1 = nn.Conv2d(3, W, P, P, bias=False)
cls = torch.randn(W) * W ** -0.5
vpos = torch.randn((R // P) ** 2 + 1, W) * W ** -0.5
ln_pre, ln_post = nn.LayerNorm(W), nn.LayerNorm(W)
vis = Tower(W, v["layers"], v["heads"])
proj = torch.randn(W, cfg["embed_dim"]) * W ** -0.5
TW, L = t["width"], t["context_length"]
tok = nn.Embedding(t["vocab_size"], TW)
tpos = torch.randn(L, TW) * 0.01
txt = Tower(TW, t["layers"], t["heads"])
ln_final = nn.LayerNorm(TW)
tproj = torch.randn(TW, cfg["embed_dim"]) * TW ** -0.5
mask = torch.full((L, L), float("-inf")).triu(1)

def encode_image(x):
    x = conv1(x); x = x.reshape(x.shape[0], x.shape[1], -1).permute(0, 2, 1)
    x = torch.cat([cls + torch.zeros(x.shape[0], 1, W), x], 1) + vpos
    x = vis(ln_pre(x).permute(1, 0, 2)).permute(1, 0, 2)
    return ln_post(x[:, 0]) @ proj

def encode_text(ids):
    x = tok(ids) + tpos
    x = ln_final(txt((x).permute(1, 0, 2), mask).permute(1, 0, 2))
    return x[torch.arange(x.shape[0]), ids.argmax(-1)] @ tproj

def sync():
    if device != "cpu": torch.cuda.synchronize()

def timed(fn, arg):
    fn(arg)
    sync()
    start = time.perf_counter()
    for _ in range(iterations): fn(arg)
    sync()
    return time.perf_counter() - start

import contextlib
dtypes = {"fp16": torch.float16, "bf16": torch.bfloat16}
autocast = (torch.autocast(device_type=device.split(":")[0], dtype=dtypes[precision])
            if precision in dtypes else contextlib.nullcontext())
with torch.no_grad(), autocast:
    images = torch.randn(batch, 3, R, R)
    ids = torch.randint(1, t["vocab_size"] - 1, (batch, L)); ids[:, -1] = t["vocab_size"] - 1
    ti = timed(encode_image, images)
    tt = timed(encode_text, ids)
print(json.dumps({"images_per_s": batch * iterations / ti, "texts_per_s": batch * iterations / tt,
                  "torch": torch.__version__}))
)PY";

nlohmann::json runPython(const std::string& python, const ClipConfig& config, int batch, int iterations, int threads,
                         const torch::Device& device, model::Precision precision) {
    const auto script = std::filesystem::temp_directory_path() / ("genra_clip_bench_" + std::to_string(getpid()) + ".py");
    std::ofstream(script) << kPythonBench;
    const std::string command = "'" + python + "' '" + script.string() + "' '" + toJson(config).dump() + "' " +
                                std::to_string(batch) + " " + std::to_string(iterations) + " " +
                                std::to_string(threads) + " " + (device.is_cuda() ? "cuda" : "cpu") + " " +
                                model::toString(precision);
    std::string output;
    if (FILE* pipe = popen(command.c_str(), "r")) {
        char buffer[4096];
        while (fgets(buffer, sizeof buffer, pipe) != nullptr) output += buffer;
        pclose(pipe);
    }
    std::filesystem::remove(script);
    const auto line = output.find('{');
    if (line == std::string::npos) return nullptr;
    return nlohmann::json::parse(output.substr(line), nullptr, false);
}

}  // namespace

int run(int argc, char** argv) {
    int batch = 32;
    int iterations = 2;
    bool runPythonReference = true;
    std::string preset = "ViT-B-32";
    std::string deviceName = "cpu";
    std::string precisionName = "fp32";
    std::string python = "/usr/bin/python3";
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--batch" && i + 1 < argc) batch = std::atoi(argv[++i]);
        else if (arg == "--iterations" && i + 1 < argc) iterations = std::atoi(argv[++i]);
        else if (arg == "--preset" && i + 1 < argc) preset = argv[++i];
        else if (arg == "--no-python") runPythonReference = false;
        else if (arg == "--device" && i + 1 < argc) deviceName = argv[++i];
        else if (arg == "--precision" && i + 1 < argc) precisionName = argv[++i];
        else if (arg == "--python" && i + 1 < argc) python = argv[++i];
        else {
            std::cerr << "usage: genra_clip_bench [--batch N] [--iterations N] [--preset NAME] [--device cpu|cuda]\n"
                         "                        [--precision fp32|bf16|fp16] [--python PATH] [--no-python]\n";
            return 2;
        }
    }
    const int threads = configureThreads(0);
    const auto config = clipPreset(preset);
    const auto device = resolveDevice(deviceName);
    const auto precision = model::parsePrecision(precisionName);
    model::checkPrecisionSupported(precision, device);
    const double gflops = matmulGflops(device, precision);
    std::printf("device %s, %s, threads %d, matmul: %.1f GFLOP/s\n", device.str().c_str(), model::toString(precision),
                threads, gflops);

    torch::manual_seed(0);
    ClipModel model(config);
    model->eval();
    model->to(device);
    torch::NoGradGuard noGrad;
    const auto images = torch::randn({batch, 3, config.imageResolution, config.imageResolution}).to(device);
    auto tokens = torch::randint(1, config.vocabSize - 1, {batch, config.contextLength}, torch::kLong);
    tokens.select(1, config.contextLength - 1).fill_(config.vocabSize - 1);
    tokens = tokens.to(device);

    auto timed = [&](auto&& fn) {
        const model::AutocastScope autocast(precision, device);
        fn();
        synchronize(device);
        const auto start = Clock::now();
        for (int i = 0; i < iterations; ++i) fn();
        synchronize(device);
        return seconds(start);
    };
    const double imageSeconds = timed([&] { model->encodeImage(images); });
    const double textSeconds = timed([&] { model->encodeText(tokens); });
    const double imagesPerS = batch * iterations / imageSeconds;
    const double textsPerS = batch * iterations / textSeconds;
    const auto grid = config.gridSize();
    const double imageGflop = towerGflop(grid * grid + 1, config.visionWidth, config.visionLayers) +
                              2.0 * grid * grid * config.visionWidth * 3.0 * config.visionPatchSize *
                                  config.visionPatchSize / 1e9;
    const double textGflop = towerGflop(config.contextLength, config.transformerWidth, config.transformerLayers);

    std::printf("%s, batch %d, %d iterations\n", preset.c_str(), batch, iterations);
    std::printf("C++    images/s %8.2f (%.2f GFLOP/image, %.1f GFLOP/s = %.0f%% of matmul)\n", imagesPerS, imageGflop,
                imagesPerS * imageGflop, 100.0 * imagesPerS * imageGflop / gflops);
    std::printf("C++    texts/s  %8.2f (%.2f GFLOP/text,  %.1f GFLOP/s = %.0f%% of matmul)\n", textsPerS, textGflop,
                textsPerS * textGflop, 100.0 * textsPerS * textGflop / gflops);
    if (runPythonReference) {
        const auto py = runPython(python, config, batch, iterations, threads, device, precision);
        if (py.is_object()) {
            const double pyImages = py.at("images_per_s").get<double>();
            const double pyTexts = py.at("texts_per_s").get<double>();
            std::printf("Python images/s %8.2f, texts/s %8.2f (torch %s)\n", pyImages, pyTexts,
                        py.at("torch").get<std::string>().c_str());
            std::printf("ratio C++/Python: images %.2f, texts %.2f\n", imagesPerS / pyImages, textsPerS / pyTexts);
        } else {
            std::printf("Python reference unavailable (%s with torch)\n", python.c_str());
        }
    }
    return 0;
}

int main(int argc, char** argv) {
    try {
        return run(argc, argv);
    } catch (const std::exception& e) {
        std::cerr << "genra_clip_bench: " << e.what() << "\n";
        return 1;
    }
}
