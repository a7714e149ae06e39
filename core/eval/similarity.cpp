// Modality-gap measures. Everything is computed in float64 on the CPU: the sets are at most a few
// hundred thousand rows of a few hundred dimensions, and the covariance square root needs the
// precision.
#include "core/eval/similarity.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <sstream>

#include "core/util/error.h"
#include "core/util/random.h"
#include "core/util/shape_text.h"

namespace genra::eval {

namespace {

using util::shapeText;

torch::Tensor checkedEmbeddings(const torch::Tensor& t, const char* what) {
    if (!t.defined() || t.dim() != 2)
        throw Error(std::string(what) + " embeddings must be a 2-D [N, D] matrix, got " +
                    (t.defined() ? shapeText(t) : std::string("none")));
    if (t.size(0) == 0) throw Error(std::string(what) + " embeddings are empty");
    auto out = t.to(torch::kCPU, torch::kDouble).contiguous();
    if (!torch::isfinite(out).all().item<bool>())
        throw Error(std::string(what) + " embeddings contain NaN or infinite values");
    return out;
}

void checkSameWidth(const torch::Tensor& a, const torch::Tensor& b) {
    if (a.size(1) != b.size(1))
        throw Error("real and generated embeddings differ in width: " + std::to_string(a.size(1)) + " vs " +
                    std::to_string(b.size(1)));
}

// The real row of each generated row as int64 [M] on the CPU: the pairing checked, or the
// identity when it is undefined.
torch::Tensor pairingIndex(const torch::Tensor& pairing, std::int64_t realRows, std::int64_t generatedRows) {
    torch::Tensor index;
    if (pairing.defined()) {
        if (pairing.dim() != 1 || pairing.size(0) != generatedRows)
            throw Error("pairing must list one real row per generated row: got " + shapeText(pairing) +
                        " for " + std::to_string(generatedRows) + " generated rows");
        index = pairing.to(torch::kCPU, torch::kLong).contiguous();
        if (index.numel() > 0 &&
            (index.min().item<std::int64_t>() < 0 || index.max().item<std::int64_t>() >= realRows))
            throw Error("pairing refers to a real row outside 0.." + std::to_string(realRows - 1));
    } else {
        if (realRows != generatedRows)
            throw Error("without a pairing, real and generated sets must have the same number of rows (" +
                        std::to_string(realRows) + " vs " + std::to_string(generatedRows) + ")");
        index = torch::arange(realRows, torch::kLong);
    }
    return index;
}

torch::Tensor normalisedRows(const torch::Tensor& x) { return x / x.norm(2, 1, true).clamp_min(1e-12); }

torch::Tensor normalisedMean(const torch::Tensor& x) {
    const auto norms = x.norm(2, 1, true).clamp_min(1e-12);
    return (x / norms).mean(0);
}

std::vector<std::int64_t> shuffled(std::int64_t count, std::uint64_t& state) {
    std::vector<std::int64_t> order(static_cast<std::size_t>(count));
    std::iota(order.begin(), order.end(), 0);
    for (std::int64_t i = count - 1; i > 0; --i) {
        const auto j = static_cast<std::int64_t>(util::splitMix64Next(state) % static_cast<std::uint64_t>(i + 1));
        std::swap(order[static_cast<std::size_t>(i)], order[static_cast<std::size_t>(j)]);
    }
    return order;
}

torch::Tensor indexTensor(const std::vector<std::int64_t>& v) {
    return torch::from_blob(const_cast<std::int64_t*>(v.data()), {static_cast<std::int64_t>(v.size())},
                            torch::kLong)
        .clone();
}

// Symmetric square root of a covariance through its eigen-decomposition.
torch::Tensor symmetricSqrt(const torch::Tensor& s) {
    auto eig = torch::linalg_eigh(s, "L");
    const auto values = std::get<0>(eig).clamp_min(0.0).sqrt();
    const auto& vectors = std::get<1>(eig);
    return (vectors * values.unsqueeze(0)).mm(vectors.t());
}

torch::Tensor covariance(const torch::Tensor& x) {
    const auto centred = x - x.mean(0, true);
    return centred.t().mm(centred) / static_cast<double>(std::max<std::int64_t>(x.size(0) - 1, 1));
}

}  // namespace

torch::Tensor pairedCosineSimilarity(const torch::Tensor& realIn, const torch::Tensor& generatedIn,
                                     const torch::Tensor& pairing) {
    const auto real = checkedEmbeddings(realIn, "real");
    const auto generated = checkedEmbeddings(generatedIn, "generated");
    checkSameWidth(real, generated);
    const auto index = pairingIndex(pairing, real.size(0), generated.size(0));
    const auto paired = real.index_select(0, index);
    const auto dot = (paired * generated).sum(1);
    const auto norms = paired.norm(2, 1) * generated.norm(2, 1);
    return dot / norms.clamp_min(1e-12);
}

CosineHistogram cosineHistogram(const torch::Tensor& cosines, int bins) {
    if (bins < 1) throw Error("a histogram needs at least one bin");
    CosineHistogram h;
    h.edges.resize(static_cast<std::size_t>(bins) + 1);
    for (int b = 0; b <= bins; ++b) h.edges[static_cast<std::size_t>(b)] = -1.0 + 2.0 * b / bins;
    h.counts.assign(static_cast<std::size_t>(bins), 0);
    const auto values = cosines.to(torch::kCPU, torch::kDouble).contiguous().flatten();
    const double* v = values.data_ptr<double>();
    for (std::int64_t i = 0; i < values.numel(); ++i) {
        auto b = static_cast<int>(std::floor((v[i] + 1.0) * 0.5 * bins));
        b = std::clamp(b, 0, bins - 1);  // cosine exactly 1 belongs to the last bin
        ++h.counts[static_cast<std::size_t>(b)];
    }
    return h;
}

double centroidDistance(const torch::Tensor& realIn, const torch::Tensor& generatedIn) {
    const auto real = checkedEmbeddings(realIn, "real");
    const auto generated = checkedEmbeddings(generatedIn, "generated");
    checkSameWidth(real, generated);
    return (normalisedMean(real) - normalisedMean(generated)).norm().item<double>();
}

double centroidCosine(const torch::Tensor& realIn, const torch::Tensor& generatedIn) {
    const auto real = checkedEmbeddings(realIn, "real");
    const auto generated = checkedEmbeddings(generatedIn, "generated");
    checkSameWidth(real, generated);
    const auto a = normalisedMean(real);
    const auto b = normalisedMean(generated);
    return ((a * b).sum() / (a.norm() * b.norm()).clamp_min(1e-12)).item<double>();
}

ProbeResult linearProbeAccuracy(const torch::Tensor& realIn, const torch::Tensor& generatedIn,
                                const ProbeOptions& options) {
    const auto real = checkedEmbeddings(realIn, "real");
    const auto generated = checkedEmbeddings(generatedIn, "generated");
    checkSameWidth(real, generated);
    if (!(options.trainFraction > 0.0 && options.trainFraction < 1.0))
        throw Error("probe train fraction must lie strictly between 0 and 1");
    if (!(options.inverseRegularisation > 0.0)) throw Error("probe C must be positive");

    // Stratified split: each class contributes the same fraction to training.
    std::uint64_t state = options.seed ^ 0x50524F4245ULL;
    std::vector<std::int64_t> trainRows;
    std::vector<std::int64_t> testRows;
    std::vector<double> trainLabels;
    std::vector<double> testLabels;
    const std::int64_t realCount = real.size(0);
    for (int label = 0; label < 2; ++label) {
        const std::int64_t count = label == 0 ? realCount : generated.size(0);
        const auto order = shuffled(count, state);
        auto trainCount =
            static_cast<std::int64_t>(std::llround(options.trainFraction * static_cast<double>(count)));
        trainCount = std::clamp<std::int64_t>(trainCount, 1, std::max<std::int64_t>(count - 1, 1));
        for (std::int64_t i = 0; i < count; ++i) {
            const auto row = order[static_cast<std::size_t>(i)] + (label == 0 ? 0 : realCount);
            if (i < trainCount) {
                trainRows.push_back(row);
                trainLabels.push_back(label);
            } else {
                testRows.push_back(row);
                testLabels.push_back(label);
            }
        }
    }
    if (testRows.empty()) throw Error("too few embeddings for a held-out probe split");

    const auto all = torch::cat({real, generated}, 0);
    auto trainX = all.index_select(0, indexTensor(trainRows));
    auto testX = all.index_select(0, indexTensor(testRows));
    const auto mean = trainX.mean(0, true);
    const auto scale = trainX.std(0, false, true).clamp_min(1e-12);
    trainX = (trainX - mean) / scale;
    testX = (testX - mean) / scale;
    const auto trainY = torch::tensor(trainLabels, torch::kDouble);
    const auto testY = torch::tensor(testLabels, torch::kDouble);

    auto weight = torch::zeros({all.size(1)}, torch::kDouble).requires_grad_(true);
    auto bias = torch::zeros({1}, torch::kDouble).requires_grad_(true);
    torch::optim::LBFGS optimiser(std::vector<torch::Tensor>{weight, bias},
                                  torch::optim::LBFGSOptions(1.0)
                                      .max_iter(options.maxIterations)
                                      .line_search_fn(std::string("strong_wolfe")));
    // Mean form of scikit-learn's objective, so the step sizes do not scale with the set size.
    const double penalty = 0.5 / (options.inverseRegularisation * static_cast<double>(trainRows.size()));
    auto closure = [&] {
        optimiser.zero_grad();
        const auto logits = trainX.mv(weight) + bias;
        auto loss = torch::binary_cross_entropy_with_logits(logits, trainY) + penalty * weight.pow(2).sum();
        loss.backward();
        return loss;
    };
    optimiser.step(closure);

    torch::NoGradGuard noGrad;
    auto accuracy = [&](const torch::Tensor& x, const torch::Tensor& y) {
        const auto predicted = ((x.mv(weight) + bias) > 0.0).to(torch::kDouble);
        return (predicted == y).to(torch::kDouble).mean().item<double>();
    };
    ProbeResult result;
    result.trainAccuracy = accuracy(trainX, trainY);
    result.testAccuracy = accuracy(testX, testY);
    result.trainSize = static_cast<std::int64_t>(trainRows.size());
    result.testSize = static_cast<std::int64_t>(testRows.size());
    return result;
}

double frechetDistance(const torch::Tensor& realIn, const torch::Tensor& generatedIn) {
    const auto real = checkedEmbeddings(realIn, "real");
    const auto generated = checkedEmbeddings(generatedIn, "generated");
    checkSameWidth(real, generated);
    if (real.size(0) < 2 || generated.size(0) < 2)
        throw Error("the Fréchet distance needs at least 2 rows per set");
    const auto meanDiff = real.mean(0) - generated.mean(0);
    const auto s1 = covariance(real);
    const auto s2 = covariance(generated);
    const auto root1 = symmetricSqrt(s1);
    auto middle = root1.mm(s2).mm(root1);
    middle = 0.5 * (middle + middle.t());  // symmetric up to rounding; make it exactly so
    const auto eigenvalues = torch::linalg_eigvalsh(middle, "L");
    const double traceSqrt = eigenvalues.clamp_min(0.0).sqrt().sum().item<double>();
    const double value = meanDiff.dot(meanDiff).item<double>() + s1.trace().item<double>() +
                         s2.trace().item<double>() - 2.0 * traceSqrt;
    return std::max(value, 0.0);
}

ModalityGap measureModalityGap(const torch::Tensor& real, const torch::Tensor& generated,
                               const torch::Tensor& pairing, const SimilarityOptions& options,
                               jobs::JobContext* context) {
    auto step = [&](double fraction, const char* message) {
        if (!context) return;
        context->checkCancelled();
        context->progress(fraction, message);
    };
    ModalityGap gap;
    step(0.0, "paired cosine similarity");
    gap.pairedCosine = pairedCosineSimilarity(real, generated, pairing);
    gap.pairedCosineMean = gap.pairedCosine.mean().item<double>();
    gap.pairedCosineStd = gap.pairedCosine.numel() > 0 ? gap.pairedCosine.std(false).item<double>() : 0.0;
    gap.pairedCosineHistogram = cosineHistogram(gap.pairedCosine, options.histogramBins);
    step(0.1, "centroids");
    gap.centroidDistance = centroidDistance(real, generated);
    gap.centroidCosine = centroidCosine(real, generated);
    step(0.2, "Fréchet distance");
    gap.frechetDistance = frechetDistance(real, generated);
    step(0.4, "linear probe");
    gap.probe = linearProbeAccuracy(real, generated, options.probe);
    if (context) context->progress(1.0, "modality gap done");
    return gap;
}

PairGap measurePairGap(const torch::Tensor& realIn, const torch::Tensor& generatedIn, const torch::Tensor& pairing,
                       double tau) {
    const auto realRaw = checkedEmbeddings(realIn, "real");
    const auto generatedRaw = checkedEmbeddings(generatedIn, "generated");
    checkSameWidth(realRaw, generatedRaw);
    const std::int64_t realRows = realRaw.size(0);
    const std::int64_t generatedRows = generatedRaw.size(0);
    if (realRows < 2)
        throw Error("pair-gap measures need at least 2 real rows (a pair and one other to compare with), got " +
                    std::to_string(realRows));
    if (!(tau > 0.0) || !std::isfinite(tau))
        throw Error("the align-loss temperature must be a positive number, got " + std::to_string(tau));
    const auto index = pairingIndex(pairing, realRows, generatedRows);

    const auto real = normalisedRows(realRaw);
    const auto generated = normalisedRows(generatedRaw);

    PairGap gap;
    gap.tau = tau;
    gap.realRows = realRows;
    const auto m = static_cast<std::size_t>(generatedRows);
    gap.perItemMargin.resize(m);
    gap.perItemHit1.resize(m);
    gap.perItemHit5.resize(m);
    gap.perItemPairedCosine.resize(m);

    // The full [M, N] similarity matrix can be large: take it in blocks of generated rows holding
    // about 8M doubles (64 MB) each.
    const std::int64_t block = std::max<std::int64_t>(1, (std::int64_t{1} << 23) / realRows);
    const auto realT = real.t().contiguous();
    double lossSum = 0.0;
    double unmatchedSum = 0.0;
    for (std::int64_t start = 0; start < generatedRows; start += block) {
        const std::int64_t stop = std::min(generatedRows, start + block);
        const auto sims = generated.slice(0, start, stop).mm(realT);  // [b, N]
        const auto pairIndex = index.slice(0, start, stop).unsqueeze(1);
        // Gathered from the same matrix, so the pair compares equal to itself in the rank below.
        const auto paired = sims.gather(1, pairIndex);  // [b, 1]
        const auto unmatched = (sims.sum(1, true) - paired) / static_cast<double>(realRows - 1);
        const auto rank = (sims > paired).sum(1).to(torch::kLong);
        const auto loss = torch::logsumexp(sims / tau, 1, true) - paired / tau;
        lossSum += loss.sum().item<double>();

        const auto pairedC = paired.squeeze(1).contiguous();
        const auto unmatchedC = unmatched.squeeze(1).contiguous();
        const auto rankC = rank.contiguous();
        const double* p = pairedC.data_ptr<double>();
        const double* u = unmatchedC.data_ptr<double>();
        const std::int64_t* r = rankC.data_ptr<std::int64_t>();
        for (std::int64_t i = 0; i < stop - start; ++i) {
            const auto row = static_cast<std::size_t>(start + i);
            gap.perItemPairedCosine[row] = p[i];
            gap.perItemMargin[row] = p[i] - u[i];
            unmatchedSum += u[i];
            gap.perItemHit1[row] = r[i] < 1 ? 1.0 : 0.0;
            gap.perItemHit5[row] = r[i] < 5 ? 1.0 : 0.0;
        }
    }

    const double count = static_cast<double>(generatedRows);
    auto mean = [&](const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0) / count; };
    gap.pairedCosineMean = mean(gap.perItemPairedCosine);
    gap.unmatchedCosineMean = unmatchedSum / count;
    gap.margin = gap.pairedCosineMean - gap.unmatchedCosineMean;
    gap.genToRealRecallAt1 = 100.0 * mean(gap.perItemHit1);
    gap.genToRealRecallAt5 = 100.0 * mean(gap.perItemHit5);
    gap.alignLoss = lossSum / count;

    // Centred: remove each modality's mean direction, re-normalise, paired cosine.
    const auto realCentred = normalisedRows(real - real.mean(0, true));
    const auto generatedCentred = normalisedRows(generated - generated.mean(0, true));
    gap.centredPairedCosineMean =
        (realCentred.index_select(0, index) * generatedCentred).sum(1).mean().item<double>();
    return gap;
}

}  // namespace genra::eval
