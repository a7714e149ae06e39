// runTsne (input checks, the method choice) and `genra tsne` (TsneJob).
#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>
#include <utility>

#include "core/data/npy.h"
#include "core/eval/tsne.h"
#include "core/eval/tsne_internal.h"
#include "core/eval/tsne_pool.h"
#include "core/util/error.h"
#include "core/util/shape_text.h"

namespace genra::eval {

namespace {

constexpr std::int64_t kExactHardLimit = 30000;

using util::shapeText;

void validatePerplexity(std::int64_t points, double perplexity) {
    if (!(perplexity > 0.0) || !std::isfinite(perplexity))
        throw Error("t-SNE perplexity must be a positive number (got " + std::to_string(perplexity) + ")");
    if (static_cast<double>(points - 1) < 3.0 * perplexity) {
        std::ostringstream out;
        out << "t-SNE needs N - 1 >= 3 x perplexity: " << points << " points are too few for perplexity "
            << perplexity;
        const double best = maxTsnePerplexity(points);
        if (best >= 1.0)
            out << "; use a perplexity of at most " << best;
        else
            out << "; give at least 4 points";
        throw Error(out.str());
    }
}

}  // namespace

const char* toString(TsneMethod method) {
    switch (method) {
        case TsneMethod::Auto:
            return "auto";
        case TsneMethod::Exact:
            return "exact";
        case TsneMethod::BarnesHut:
            return "barnes_hut";
        case TsneMethod::Fft:
            return "fft";
        case TsneMethod::Torch:
            return "torch";
    }
    return "?";
}

TsneMethod parseTsneMethod(const std::string& text) {
    if (text == "auto") return TsneMethod::Auto;
    if (text == "exact") return TsneMethod::Exact;
    if (text == "barnes_hut" || text == "barnes-hut" || text == "bh") return TsneMethod::BarnesHut;
    if (text == "fft" || text == "fit-sne" || text == "fitsne") return TsneMethod::Fft;
    if (text == "torch") return TsneMethod::Torch;
    throw Error("unknown t-SNE method '" + text + "' (expected auto, exact, barnes_hut, fft or torch)");
}

double maxTsnePerplexity(std::int64_t points) {
    return std::floor(static_cast<double>(std::max<std::int64_t>(points - 1, 0)) / 3.0);
}

TsneResult runTsne(const torch::Tensor& data, const TsneOptions& options, jobs::JobContext* context) {
    if (!data.defined() || data.dim() != 2)
        throw Error("t-SNE input must be a 2-D [N, D] matrix, got shape " +
                    (data.defined() ? shapeText(data) : "none"));
    if (!data.is_floating_point()) throw Error("t-SNE input must hold floating-point values");
    const std::int64_t n = data.size(0);
    if (data.size(1) < 1) throw Error("t-SNE input has no features (shape " + shapeText(data) + ")");
    if (n > std::numeric_limits<std::int32_t>::max() / 4) throw Error("t-SNE input has too many points");
    {
        const auto finiteRows = torch::isfinite(data).all(1);
        if (!finiteRows.all().item<bool>()) {
            const auto bad = (~finiteRows).nonzero().select(1, 0)[0].item<std::int64_t>();
            throw Error("t-SNE input contains NaN or infinite values (first in row " + std::to_string(bad) +
                        ")");
        }
    }
    validatePerplexity(n, options.perplexity);
    if (options.iterations < 1) throw Error("t-SNE needs at least 1 iteration");
    if (!(options.theta >= 0.0)) throw Error("t-SNE theta must be >= 0");
    if (options.pcaDims < 0) throw Error("t-SNE PCA dimensions must be >= 0 (0 = no PCA)");
    if (options.fftNodesPerBox < 1 || options.fftNodesPerBox > tsne_detail::kMaxNodesPerBox)
        throw Error("t-SNE FFT interpolation nodes per box must be between 1 and " +
                    std::to_string(tsne_detail::kMaxNodesPerBox));
    if (!(options.fftBoxesPerUnit > 0.0) || !std::isfinite(options.fftBoxesPerUnit))
        throw Error("t-SNE FFT boxes per unit must be a positive number");
    if (options.klStopTolerance < 0.0) throw Error("t-SNE KL stopping tolerance must be >= 0");

    if (options.device.is_cuda() && !torch::cuda::is_available())
        throw Error("t-SNE on " + options.device.str() + " asked for, but LibTorch sees no usable CUDA device");
    TsneMethod method = options.method;
    if (method == TsneMethod::Auto && options.device.is_cuda()) {
        method = n <= options.exactMaxPoints ? TsneMethod::Exact : TsneMethod::Torch;
    } else if (method == TsneMethod::Auto) {
        method = n <= options.exactMaxPoints        ? TsneMethod::Exact
                 : n <= options.barnesHutMaxPoints ? TsneMethod::BarnesHut
                                                   : TsneMethod::Fft;
    }
    // The exact method holds a few N x N float64 matrices: refuse before allocating gigabytes.
    if (method == TsneMethod::Exact && n > kExactHardLimit) {
        throw Error("exact t-SNE on " + std::to_string(n) + " points would need ~" +
                    std::to_string(3 * n * n * 8 / 1000000000) + " GB; use the Barnes-Hut method");
    }
    tsne_detail::Progress progress{context, options.iterations};
    torch::Tensor input = data;
    if (options.pcaDims > 0 && data.size(1) > options.pcaDims) {
        if (context) context->progress(-1.0, "t-SNE: PCA to " + std::to_string(options.pcaDims) + " dimensions");
        input = pcaProject(data, options.pcaDims);
    }
    const int threads = options.threads > 0 ? options.threads : std::max(1, at::get_num_threads());
    tsne_detail::WorkerPool pool(threads);
    TsneResult result;
    switch (method) {
        case TsneMethod::Exact:
            result = tsne_detail::runExact(input, options, pool, progress);
            break;
        case TsneMethod::BarnesHut:
            result = tsne_detail::runBarnesHut(input, options, pool, progress);
            break;
        case TsneMethod::Torch:
            result = tsne_detail::runTorch(input, options, pool, progress);
            break;
        default:
            result = tsne_detail::runFft(input, options, pool, progress);
            break;
    }
    if (context) context->progress(1.0, "t-SNE done");
    return result;
}

TsneJob::TsneJob(std::filesystem::path input, std::filesystem::path output, TsneOptions options)
    : input_(std::move(input)), output_(std::move(output)), options_(std::move(options)) {}

bool TsneJob::run(jobs::JobContext& context) {
    try {
        context.progress(-1.0, "reading " + input_.filename().string());
        auto data = genra::data::readNpy(input_);
        if (data.dim() != 2)
            throw Error(input_.string() + ": t-SNE needs a 2-D [N, D] array, the file holds shape " +
                        shapeText(data));
        if (!data.is_floating_point()) data = data.to(torch::kFloat);
        result_ = runTsne(data, options_, &context);
        genra::data::writeNpy(output_, result_.embedding);
    } catch (const Cancelled&) {
        throw;
    } catch (const Error& e) {
        // Front ends show logged errors; the job result alone only says that it failed.
        context.log(jobs::LogLevel::Error, e.what());
        return false;
    }
    std::ostringstream line;
    line << "t-SNE (" << toString(result_.method) << ", " << result_.iterations
         << " iterations): KL divergence " << result_.klDivergence;
    context.log(jobs::LogLevel::Info, line.str());
    return true;
}

}  // namespace genra::eval
