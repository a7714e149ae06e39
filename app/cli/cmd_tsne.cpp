// `genra tsne`: a 2-D t-SNE map of an embedding matrix, .npy in and .npy out; or, with
// --workspace, a map of a model's real and generated image embeddings stored as a projection.
#include <cstdio>
#include <memory>

#include "app/cli/commands.h"
#include "app/cli/terminal.h"
#include "core/eval/tsne.h"
#include "core/eval/workspace_tsne.h"
#include "core/model/embed.h"
#include "core/util/error.h"

namespace genra::cli {

void addTsneCommand(CLI::App& app, CliState& state) {
    auto* cmd = app.add_subcommand(
        "tsne", "2-D t-SNE map of embeddings (.npy [N, D] -> float32 .npy [N, 2], or a workspace model's, stored)");
    struct Options {
        std::string input;
        std::string output;
        std::string method = "auto";
        eval::TsneOptions tsne;
        bool quiet = false;
        eval::WorkspaceTsneOptions workspace;
    };
    auto opts = std::make_shared<Options>();
    cmd->add_option("--in", opts->input, "Embeddings, .npy [N, D]")->check(CLI::ExistingFile);
    cmd->add_option("--out", opts->output, "Where to write the map, .npy float32 [N, 2]");
    auto& w = opts->workspace;
    cmd->add_option("--workspace,-w", w.workspace, "Workspace mode: map a model's embeddings, store a projection");
    cmd->add_option("--model", w.model, "Workspace mode: the model");
    cmd->add_option("--dataset", w.dataset, "Workspace mode: the dataset");
    cmd->add_option("--split", w.split, "Workspace mode: the split (default: every split)");
    cmd->add_option("--captions", w.captions, "Workspace mode: captions to show (with their real and generated images; 0 = all)")
        ->capture_default_str()
        ->check(nonNegativeNumber());
    cmd->add_flag("--with-text", w.withText, "Workspace mode: place the captions' text embeddings too");
    cmd->add_option("--name", w.name, "Workspace mode: projection name");
    auto* device = cmd->add_option("--device", w.device,
                                   "Device (auto, cpu, cuda, cuda:N): workspace mode embeds on it; the t-SNE runs on it "
                                   "with --method torch, or when given in file mode (auto on CUDA = torch beyond "
                                   "2000 points)");
    device->capture_default_str();
    cmd->add_option("--perplexity", opts->tsne.perplexity,
                    "Effective number of neighbours (needs N - 1 >= 3x it)")
        ->capture_default_str()
        ->check(positiveNumber());
    cmd->add_option("--iterations", opts->tsne.iterations,
                    "Gradient-descent iterations, the first 250 exaggerated")
        ->capture_default_str()
        ->check(positiveNumber());
    cmd->add_option("--seed", opts->tsne.seed, "Seed (random init and neighbour search)")
        ->capture_default_str();
    cmd->add_option("--method", opts->method,
                    "auto (exact up to 2000 points, Barnes-Hut up to 5000, FFT beyond), exact, barnes_hut, fft, or "
                    "torch (FFT scheme as tensor operations on --device: CUDA t-SNE)")
        ->capture_default_str()
        ->check(CLI::IsMember({"auto", "exact", "barnes_hut", "barnes-hut", "fft", "torch"}));
    cmd->add_option("--theta", opts->tsne.theta, "Barnes-Hut opening angle")
        ->capture_default_str()
        ->check(nonNegativeNumber());
    cmd->add_option("--pca", opts->tsne.pcaDims,
                    "First project on this many principal components (0 = no PCA; 50 is usual for large sets)")
        ->capture_default_str()
        ->check(nonNegativeNumber());
    cmd->add_option("--stop-tolerance", opts->tsne.klStopTolerance,
                    "Stop once the KL divergence falls by less than this fraction per 50 iterations (0 = never)")
        ->capture_default_str()
        ->check(CLI::Range(0.0, 1.0));
    cmd->add_flag("--quiet,-q", opts->quiet, "No progress output");
    cmd->callback([&state, opts, device] {
        const auto& ws = opts->workspace;
        const bool workspaceMode = !ws.workspace.empty();
        if (workspaceMode && (ws.model.empty() || ws.dataset.empty())) {
            throw CLI::ValidationError("tsne", "--workspace needs --model and --dataset");
        }
        if (workspaceMode && (!opts->input.empty() || !opts->output.empty())) {
            throw CLI::ValidationError("tsne", "--workspace excludes --in/--out");
        }
        if (!workspaceMode && (opts->input.empty() || opts->output.empty())) {
            throw CLI::ValidationError("tsne", "give --in X.npy --out Y.npy, or --workspace W --model M --dataset D");
        }
        const auto method = eval::parseTsneMethod(opts->method);
        // Where the t-SNE itself runs: --device with --method torch, and in file mode whenever
        // --device is given; the CPU otherwise (workspace mode's --device is for the embedding).
        torch::Device tsneDevice(torch::kCPU);
        if (method == eval::TsneMethod::Torch || (!workspaceMode && device->count() > 0)) {
            const bool cuda = ws.device.rfind("cuda", 0) == 0;
            if (cuda && !torch::cuda::is_available()) {
                throw CLI::ValidationError("--device", ws.device +
                                                           ": LibTorch sees no usable CUDA device (a CPU-only "
                                                           "build, or no GPU); use --device cpu or auto");
            }
            try {
                tsneDevice = model::resolveDevice(ws.device);
            } catch (const Error& e) {
                throw CLI::ValidationError("--device", e.what());
            }
            if (tsneDevice.is_cuda() && (method == eval::TsneMethod::BarnesHut || method == eval::TsneMethod::Fft)) {
                throw CLI::ValidationError("--method", std::string(eval::toString(method)) +
                                                           " runs on the CPU only; use --method torch (or auto or "
                                                           "exact) with --device " + ws.device);
            }
        }
        opts->tsne.method = method;
        opts->tsne.device = tsneDevice;
        if (workspaceMode) {
            state.action = [opts] {
                auto options = opts->workspace;
                options.tsne = opts->tsne;
                eval::WorkspaceTsneJob job(options);
                const int code = runWithTerminal(job, opts->quiet);
                if (code == 0) {
                    std::printf("projection %lld: %lld real, %lld generated, %lld text points; KL divergence %.6f\n",
                                static_cast<long long>(job.projectionId()), static_cast<long long>(job.realPoints()),
                                static_cast<long long>(job.generatedPoints()), static_cast<long long>(job.textPoints()),
                                job.result().klDivergence);
                }
                return code;
            };
            return;
        }
        state.action = [opts] {
            const auto& options = opts->tsne;
            eval::TsneJob job(opts->input, opts->output, options);
            const int code = runWithTerminal(job, opts->quiet);
            if (code == 0) {
                const auto& result = job.result();
                std::printf("KL divergence: %.6f\n", result.klDivergence);
                std::printf("method: %s on %s, iterations: %d, learning rate: %g\n", eval::toString(result.method),
                            options.device.str().c_str(), result.iterations, result.learningRate);
            }
            return code;
        };
    });
}

}  // namespace genra::cli
