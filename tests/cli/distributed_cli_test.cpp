// Data-parallel training through the real binary, c10d Gloo over loopback: `genra train --nproc 2`
// with batch B (B/2 a process) follows one process's loss curve with batch B for CLIP pre-training
// and for GenRA (InfoNCE negatives gathered across the ranks), and so do the built-in generator's
// and the captioner's (`train-generator --nproc 2`, `caption train --nproc 2`); ranks started the torchrun way
// (RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT) lose a killed peer with a clear message, and the run
// resumes from its checkpoint with one process.
#include "core/data/image.h"
#include "core/store/runs.h"
#include "core/store/workspace.h"
#include "core/train/distributed.h"
#include "support/eval_world.h"
#include "support/shapes_workspace.h"
#include "support/test_support.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <csignal>
#include <fcntl.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace genra;
namespace fs = std::filesystem;
using Catch::Contains;
using test::runGenra;

namespace {

// 64 Shapes images of 32 px imported as dataset "shapes" into root/ws.
fs::path shapesWorld(const fs::path& root) {
    data::MakeShapesOptions shapes;
    shapes.outDir = root / "shapes";
    shapes.count = 64;
    shapes.seed = 4;
    shapes.imageSize = 32;
    test::makeShapesWorkspace(shapes, root / "ws", 1);
    return root / "ws";
}

nlohmann::json pretrainRecipe(int steps, int checkpointEvery) {
    return {{"method", "pretrain"}, {"dataset", "shapes"}, {"real_split", "pretrain"}, {"steps", steps},
            {"batch_size", 8},      {"lr", 1e-3},          {"warmup_steps", 2},        {"learn_temperature", true},
            {"vocab_merges", 100},  {"checkpoint_every", checkpointEvery},             {"device", "cpu"},
            {"seed", 0},            {"workers", 1},        {"image_size", 32},         {"model_config", "tiny-conv"}};
}

std::vector<std::pair<std::int64_t, double>> series(const fs::path& ws, const std::string& run, const std::string& metric) {
    auto w = store::Workspace::open(ws, store::Db::Mode::ReadOnly);
    return store::runMetricSeries(w, run, metric);
}

// The largest |a - b| over the steps of two runs' metric; both must have `steps` points.
double largestGap(const fs::path& ws, const std::string& a, const std::string& b, const std::string& metric, int steps) {
    const auto x = series(ws, a, metric);
    const auto y = series(ws, b, metric);
    REQUIRE(x.size() == static_cast<std::size_t>(steps));
    REQUIRE(y.size() == x.size());
    double gap = 0.0;
    for (std::size_t i = 0; i < x.size(); ++i) {
        REQUIRE(x[i].first == y[i].first);
        gap = std::max(gap, std::abs(x[i].second - y[i].second));
    }
    return gap;
}

// A `genra` process started with extra environment variables, its output in files.
struct Rank {
    pid_t pid = -1;
    fs::path out;
    fs::path err;
};

Rank startRank(const std::vector<std::string>& args, const std::vector<std::pair<std::string, std::string>>& env,
               const fs::path& logPrefix) {
    Rank r;
    r.out = logPrefix.string() + ".out";
    r.err = logPrefix.string() + ".err";
    std::vector<std::string> argv{GENRA_CLI};
    argv.insert(argv.end(), args.begin(), args.end());
    r.pid = ::fork();
    REQUIRE(r.pid >= 0);
    if (r.pid == 0) {
        for (const auto& [k, v] : env) ::setenv(k.c_str(), v.c_str(), 1);
        const int outFd = ::open(r.out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        const int errFd = ::open(r.err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        ::dup2(outFd, 1);
        ::dup2(errFd, 2);
        std::vector<char*> a;
        for (const auto& s : argv) a.push_back(const_cast<char*>(s.c_str()));
        a.push_back(nullptr);
        ::execv(a[0], a.data());
        _exit(127);
    }
    return r;
}

// Waits up to `limit` for the process; its exit code, 128 + signal, or -1 when it is still running.
int waitFor(const Rank& r, std::chrono::seconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
        int status = 0;
        if (::waitpid(r.pid, &status, WNOHANG) == r.pid) {
            return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return -1;
}

// True (and the test reported skipped) when this build has no c10d Gloo.
bool skippedWithoutGloo() {
    if (train::haveGloo()) return false;
    test::skip("this build has no c10d Gloo");
    return true;
}

}  // namespace

TEST_CASE("2 processes x batch B/2 follow 1 process x batch B: CLIP pre-training and GenRA", "[cli][dist]") {
    if (skippedWithoutGloo()) return;
    test::TempDir tmp("genra-dist");
    const auto ws = shapesWorld(tmp.path());
    const int steps = 20;
    test::writeFile(tmp / "pretrain.json", pretrainRecipe(steps, 0).dump());

    const auto one = runGenra({"train", "-w", ws.string(), "--recipe", (tmp / "pretrain.json").string(), "--name", "one"});
    INFO(one.err);
    REQUIRE(one.exitCode == 0);
    const auto two = runGenra({"train", "-w", ws.string(), "--recipe", (tmp / "pretrain.json").string(), "--name", "two",
                               "--nproc", "2", "--dist-timeout", "120"});
    INFO(two.err);
    REQUIRE(two.exitCode == 0);
    CHECK_THAT(two.err, Contains("data-parallel over 2 processes (c10d gloo)"));
    CHECK_THAT(two.out, Contains("run two finished; model \"two\" registered"));
    CHECK(largestGap(ws, "one", "two", "loss", steps) < 1e-5);
    CHECK(largestGap(ws, "one", "two", "loss_clip", steps) < 1e-5);
    {
        auto w = store::Workspace::open(ws, store::Db::Mode::ReadOnly);
        CHECK(store::requireRun(w, "two").status == "finished");
    }

    // GenRA on the pre-trained model: one "generated" image per align caption (the real image,
    // darkened and tinted), Eq. 1's negatives and the real image-text loss over the global batch.
    const auto dataset = nlohmann::json::parse(test::readFile(tmp / "shapes" / "dataset_shapes.json"));
    for (const auto& image : dataset["images"]) {
        if (image["split"] != "align") continue;
        auto pixels = data::loadImage(tmp / "shapes" / image.value("filepath", "") / image["filename"].get<std::string>());
        for (std::size_t i = 0; i < pixels.pixels.size(); ++i)
            pixels.pixels[i] = static_cast<std::uint8_t>(pixels.pixels[i] * (i % 3 == 2 ? 3 : 2) / 4);
        for (const auto& sentence : image["sentences"]) {
            data::saveImage(pixels, tmp / "gen" / std::to_string(sentence["sentid"].get<long long>()) / "0.png");
        }
    }
    const auto imported = runGenra({"import", "generated", "-w", ws.string(), "--root", (tmp / "gen").string(), "--dataset", "shapes"});
    INFO(imported.err);
    REQUIRE(imported.exitCode == 0);
    const nlohmann::json genra = {{"method", "genra"},       {"dataset", "shapes"},    {"base_model", "one"},
                                  {"steps", steps},          {"batch_size", 8},        {"lr", 3e-3},
                                  {"warmup_steps", 2},       {"checkpoint_every", 0},  {"device", "cpu"},
                                  {"seed", 1},               {"workers", 1},           {"lora_dropout", 0.0},
                                  {"w_real", 1.0},           {"learn_temperature", true}};
    test::writeFile(tmp / "genra.json", genra.dump());
    const auto g1 = runGenra({"train", "-w", ws.string(), "--recipe", (tmp / "genra.json").string(), "--name", "g1"});
    INFO(g1.err);
    REQUIRE(g1.exitCode == 0);
    const auto g2 = runGenra({"train", "-w", ws.string(), "--recipe", (tmp / "genra.json").string(), "--name", "g2",
                              "--nproc", "2", "--dist-timeout", "120"});
    INFO(g2.err);
    REQUIRE(g2.exitCode == 0);
    CHECK(largestGap(ws, "g1", "g2", "loss_align", steps) < 1e-5);
    CHECK(largestGap(ws, "g1", "g2", "loss_real", steps) < 1e-5);
    CHECK(largestGap(ws, "g1", "g2", "loss", steps) < 1e-5);
    // The curves moved: equality is not that of two runs that never trained.
    const auto align = series(ws, "g2", "loss_align");
    CHECK(std::abs(align.front().second - align.back().second) > 1e-3);

    // A batch that does not split across the processes is refused, naming the key.
    auto odd = genra;
    odd["batch_size"] = 7;
    test::writeFile(tmp / "odd.json", odd.dump());
    const auto refused = runGenra({"train", "-w", ws.string(), "--recipe", (tmp / "odd.json").string(), "--name", "odd",
                                   "--nproc", "2", "--dist-timeout", "120"});
    CHECK(refused.exitCode != 0);
    CHECK_THAT(refused.err, Contains("batch_size 7 does not split evenly across 2 processes"));
}

TEST_CASE("2 processes x batch B/2 follow 1 process x batch B: the built-in generator and the captioner", "[cli][dist]") {
    if (skippedWithoutGloo()) return;
    test::TempDir tmp("genra-dist-gen");
    const auto ws = shapesWorld(tmp.path());
    const int steps = 20;
    // The text tower both condition on: a tiny CLIP pre-trained for two steps (any weights will do).
    auto clip = pretrainRecipe(2, 0);
    clip["model_config"] = "tiny";
    test::writeFile(tmp / "clip.json", clip.dump());
    const auto pre = runGenra({"train", "-w", ws.string(), "--recipe", (tmp / "clip.json").string(), "--name", "clip"});
    INFO(pre.err);
    REQUIRE(pre.exitCode == 0);

    // Generator: the flags reach the ranks (through the recipe file --nproc writes for them).
    const std::vector<std::string> generator{"train-generator", "-w", ws.string(), "--dataset", "shapes", "--split", "pretrain",
                                             "--text-model", "clip", "--steps", std::to_string(steps), "--size", "16",
                                             "--batch", "8", "--base-channels", "16", "--channel-mults", "1", "2",
                                             "--attention-res", "8", "--lr", "1e-3", "--warmup", "2", "--workers", "1"};
    auto withName = [](std::vector<std::string> args, const std::vector<std::string>& more) {
        args.insert(args.end(), more.begin(), more.end());
        return args;
    };
    const auto gen1 = runGenra(withName(generator, {"--name", "gen1"}));
    INFO(gen1.err);
    REQUIRE(gen1.exitCode == 0);
    const auto gen2 = runGenra(withName(generator, {"--name", "gen2", "--nproc", "2", "--dist-timeout", "120"}));
    INFO(gen2.err);
    REQUIRE(gen2.exitCode == 0);
    CHECK_THAT(gen2.err, Contains("data-parallel over 2 processes (c10d gloo)"));
    // Rank 0 alone prints the result line.
    const std::string trained = "generator \"gen2\" trained (20 steps)";
    REQUIRE(gen2.out.find(trained) != std::string::npos);
    CHECK(gen2.out.find(trained) == gen2.out.rfind(trained));
    // Rank 0 decides between a new and a resumed run and the others follow: a finished one is
    // refused on both, naming it, instead of rank 1 taking rank 0's fresh row for another process's.
    const auto again = runGenra(withName(generator, {"--name", "gen2", "--nproc", "2", "--dist-timeout", "60"}));
    CHECK(again.exitCode == 1);
    CHECK_THAT(again.err, Contains("generator \"gen2\" is already trained"));
    // Each rank draws the global batch's pairs, timesteps and noise from the same stream and keeps
    // its half; the reported loss is the mean of the two halves' means. What is left is float32
    // rounding: a convolution over 4 images instead of 8 and gradients summed in another order
    // (about 1e-7 relative), which 20 AdamW steps do not amplify beyond the bound below.
    const double generatorGap = largestGap(ws, "gen1", "gen2", "loss", steps);
    CHECK(generatorGap < 1e-5);
    CHECK(largestGap(ws, "gen1", "gen2", "grad_norm", steps) < 1e-4);
    {
        const auto loss = series(ws, "gen2", "loss");
        double spread = 0.0;  // the curve is not flat: equal values are not two idle runs
        for (const auto& point : loss) spread = std::max(spread, std::abs(point.second - loss.front().second));
        CHECK(spread > 1e-3);
    }

    // Captioner: every rank divides its shard's summed token losses by the global batch's token
    // count, so captions of different lengths on the two ranks still weigh as in one process.
    const nlohmann::json caption = {{"clip_model", "clip"}, {"dataset", "shapes"}, {"train_on", "real"}, {"split", "pretrain"},
                                    {"steps", steps},       {"batch_size", 8},     {"decoder_width", 32}, {"decoder_layers", 1},
                                    {"device", "cpu"},      {"vocab_merges", 50},  {"seed", 3},
                                    {"lr", 1e-3},           {"warmup_steps", 2}};
    test::writeFile(tmp / "caption.json", caption.dump());
    const auto cap1 = runGenra({"caption", "train", "-w", ws.string(), "--recipe", (tmp / "caption.json").string(), "--name", "cap1"});
    INFO(cap1.err);
    REQUIRE(cap1.exitCode == 0);
    const auto cap2 = runGenra({"caption", "train", "-w", ws.string(), "--recipe", (tmp / "caption.json").string(), "--name", "cap2",
                                "--nproc", "2", "--dist-timeout", "120"});
    INFO(cap2.err);
    REQUIRE(cap2.exitCode == 0);
    CHECK_THAT(cap2.out, Contains("captioner \"cap2\" registered"));
    const double captionGap = largestGap(ws, "cap1", "cap2", "loss", steps);
    CHECK(captionGap < 1e-5);
    const auto loss = series(ws, "cap2", "loss");
    CHECK(loss.front().second - loss.back().second > 1e-2);
    std::printf("2 vs 1 process, largest loss difference over %d steps: generator %.3g, captioner %.3g\n", steps, generatorGap,
                captionGap);
}

TEST_CASE("a killed rank stops the other with a clear message, and the run resumes with one process", "[cli][dist]") {
    if (skippedWithoutGloo()) return;
    test::TempDir tmp("genra-dist-kill");
    const auto ws = shapesWorld(tmp.path());
    const int steps = 120;
    test::writeFile(tmp / "pretrain.json", pretrainRecipe(steps, 5).dump());
    const std::string port = std::to_string(train::freeTcpPort());
    const std::vector<std::string> args{"--threads", "1", "train", "-w", ws.string(), "--recipe",
                                        (tmp / "pretrain.json").string(), "--name", "killed", "--dist-timeout", "30"};
    auto envOf = [&](int rank) {
        return std::vector<std::pair<std::string, std::string>>{{"RANK", std::to_string(rank)}, {"WORLD_SIZE", "2"},
                                                                {"LOCAL_RANK", std::to_string(rank)},
                                                                {"MASTER_ADDR", "127.0.0.1"}, {"MASTER_PORT", port}};
    };
    const Rank rank0 = startRank(args, envOf(0), tmp / "rank0");
    const Rank rank1 = startRank(args, envOf(1), tmp / "rank1");

    // Kill rank 1 once rank 0 has written a checkpoint.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(300);
    bool checkpointed = false;
    while (!checkpointed && std::chrono::steady_clock::now() < deadline) {
        std::error_code ec;
        for (const auto& entry : fs::recursive_directory_iterator(ws / "checkpoints", ec))
            if (entry.path().filename() == "last.pt") checkpointed = true;
        if (!checkpointed) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ::kill(rank1.pid, SIGKILL);
    const int code1 = waitFor(rank1, std::chrono::seconds(30));
    INFO(test::readFile(rank0.err));
    REQUIRE(checkpointed);
    CHECK(code1 == 128 + SIGKILL);
    const auto killedAt = std::chrono::steady_clock::now();
    const int code0 = waitFor(rank0, std::chrono::seconds(120));
    if (code0 == -1) ::kill(rank0.pid, SIGKILL), waitFor(rank0, std::chrono::seconds(10));
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - killedAt).count();
    CHECK(code0 == 1);
    CHECK(seconds < 30 + 15);  // within the 30 s c10d timeout (plus start-up slack on a loaded machine)
    const std::string err0 = test::readFile(rank0.err);
    CHECK_THAT(err0, Contains("rank 0 of 2: lost contact with the other ranks"));
    CHECK_THAT(err0, Contains("Resume the run from its last checkpoint"));

    std::int64_t stoppedAt = 0;
    {
        auto w = store::Workspace::open(ws, store::Db::Mode::ReadOnly);
        const auto run = store::requireRun(w, "killed");
        CHECK(run.status == "failed");
        CHECK_THAT(run.error, Contains("lost contact"));
        stoppedAt = run.step;
    }
    REQUIRE(stoppedAt >= 5);
    REQUIRE(stoppedAt < steps);

    const auto resumed = runGenra({"train", "-w", ws.string(), "--resume", "killed"});
    INFO(resumed.err);
    REQUIRE(resumed.exitCode == 0);
    CHECK_THAT(resumed.err, Contains("resumed from step "));
    CHECK_THAT(resumed.out, Contains("run killed finished"));
    const auto loss = series(ws, "killed", "loss");
    REQUIRE(loss.size() == static_cast<std::size_t>(steps));  // every step once: resumed steps replace the lost ones
    CHECK(loss.back().first == steps);
}
