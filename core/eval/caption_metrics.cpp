// Caption metrics. Each scorer follows the COCO code's arithmetic step by step, including the
// order of floating-point operations (n-grams visited in first-occurrence order, NumPy's pairwise
// means), because published numbers are compared to the third decimal and people diff per-image
// scores against the Python output.
#include "core/eval/caption_metrics.h"

#include "core/eval/java_scorers.h"
#include "core/text/porter_stemmer.h"
#include "core/text/ptb_tokenize.h"
#include "core/util/error.h"
#include "core/util/json_file.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

namespace genra::eval {
namespace {

constexpr int kMaxN = 4;

// Python's str.split(): runs of whitespace separate, no empty fields.
std::vector<std::string> splitWhitespace(const std::string& s) {
    std::vector<std::string> words;
    std::istringstream in(s);
    for (std::string w; in >> w;) words.push_back(w);
    return words;
}

// Python's str.split(" "), which ROUGE-L uses: every single space separates, so "" gives [""].
std::vector<std::string> splitSpace(const std::string& s) {
    std::vector<std::string> parts;
    std::size_t start = 0;
    while (true) {
        const auto space = s.find(' ', start);
        if (space == std::string::npos) {
            parts.push_back(s.substr(start));
            return parts;
        }
        parts.push_back(s.substr(start, space - start));
        start = space + 1;
    }
}

// n-gram counts per order (index 0 = unigrams), kept in order of first occurrence because the
// CIDEr code sums over them in that (Python dict) order.
struct Ngrams {
    struct Order {
        std::vector<std::pair<std::string, int>> counts;
        std::unordered_map<std::string, std::size_t> index;
    };
    std::array<Order, kMaxN> orders;
    std::size_t words = 0;
};

Ngrams countNgrams(const std::vector<std::string>& words) {
    Ngrams out;
    out.words = words.size();
    for (std::size_t n = 1; n <= kMaxN; ++n) {
        auto& order = out.orders[n - 1];
        for (std::size_t i = 0; i + n <= words.size(); ++i) {
            std::string key = words[i];
            for (std::size_t k = 1; k < n; ++k) key += ' ' + words[i + k];
            const auto [it, inserted] = order.index.emplace(key, order.counts.size());
            if (inserted) {
                order.counts.emplace_back(std::move(key), 1);
            } else {
                ++order.counts[it->second].second;
            }
        }
    }
    return out;
}

double pairwiseSum(const double* a, std::size_t n) {
    if (n < 8) {
        double sum = 0.0;
        for (std::size_t i = 0; i < n; ++i) sum += a[i];
        return sum;
    }
    if (n <= 128) {
        double r[8];
        for (int j = 0; j < 8; ++j) r[j] = a[j];
        std::size_t i = 8;
        for (; i < n - (n % 8); i += 8) {
            for (int j = 0; j < 8; ++j) r[j] += a[i + j];
        }
        double sum = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for (; i < n; ++i) sum += a[i];
        return sum;
    }
    std::size_t half = n / 2;
    half -= half % 8;
    return pairwiseSum(a, half) + pairwiseSum(a + half, n - half);
}

void checkCaptionSet(const CaptionSet& set) {
    if (set.candidates.size() != set.references.size() || set.imageIds.size() != set.candidates.size())
        throw Error("caption set is inconsistent: " + std::to_string(set.imageIds.size()) + " image ids, " +
                    std::to_string(set.candidates.size()) + " candidates, " +
                    std::to_string(set.references.size()) + " reference lists");
    if (set.candidates.empty()) throw Error("no images to evaluate");
    for (std::size_t i = 0; i < set.references.size(); ++i) {
        if (set.references[i].empty()) throw Error("image " + set.imageIds[i] + " has no reference captions");
    }
}

std::size_t lcsLength(const std::vector<std::string>& a, const std::vector<std::string>& b) {
    std::vector<std::size_t> previous(b.size() + 1, 0);
    std::vector<std::size_t> current(b.size() + 1, 0);
    for (std::size_t i = 1; i <= a.size(); ++i) {
        for (std::size_t j = 1; j <= b.size(); ++j)
            current[j] = a[i - 1] == b[j - 1] ? previous[j - 1] + 1 : std::max(previous[j], current[j - 1]);
        std::swap(previous, current);
    }
    return previous[b.size()];
}

// CIDEr's TF-IDF vector of one sentence.
struct TfIdf {
    std::array<std::vector<std::pair<std::string, double>>, kMaxN> entries;  // first-occurrence order
    std::array<std::unordered_map<std::string, double>, kMaxN> weights;
    std::array<double, kMaxN> norms{};
    int length = 0;  // what the code calls the length: its count of bigrams
};

TfIdf tfIdf(const Ngrams& grams, const std::unordered_map<std::string, double>& documentFrequency,
            double logImages) {
    TfIdf out;
    for (int n = 0; n < kMaxN; ++n) {
        for (const auto& [ngram, termFrequency] : grams.orders[n].counts) {
            const auto found = documentFrequency.find(ngram);
            const double df = std::log(std::max(1.0, found == documentFrequency.end() ? 0.0 : found->second));
            const double weight = static_cast<double>(termFrequency) * (logImages - df);
            out.entries[n].emplace_back(ngram, weight);
            out.weights[n].emplace(ngram, weight);
            out.norms[n] += weight * weight;
            // The reference code adds term frequencies when the n-gram index is 1, i.e. for bigrams.
            if (n == 1) out.length += termFrequency;
        }
        out.norms[n] = std::sqrt(out.norms[n]);
    }
    return out;
}

std::array<double, kMaxN> ciderSimilarity(const TfIdf& hyp, const TfIdf& ref) {
    constexpr double kSigma = 6.0;
    constexpr double kE = 2.718281828459045;  // numpy.e; the code raises it to a power (not exp)
    const double delta = static_cast<double>(hyp.length - ref.length);
    std::array<double, kMaxN> val{};
    for (int n = 0; n < kMaxN; ++n) {
        for (const auto& [ngram, h] : hyp.entries[n]) {
            const auto found = ref.weights[n].find(ngram);
            const double r = found == ref.weights[n].end() ? 0.0 : found->second;
            val[n] += std::min(h, r) * r;  // the "D" clipping
        }
        if (hyp.norms[n] != 0 && ref.norms[n] != 0) val[n] /= (hyp.norms[n] * ref.norms[n]);
        val[n] *= std::pow(kE, -(delta * delta) / (2 * kSigma * kSigma));
    }
    return val;
}

// Greedy unigram alignment for METEOR_builtin: hypothesis words left to right, each to the first
// unaligned reference word that matches; exact matches first, then Porter stems.
double meteorSentence(const std::vector<std::string>& hyp, const std::vector<std::string>& ref) {
    constexpr double kAlpha = 0.9;
    constexpr double kBeta = 3.0;
    constexpr double kGamma = 0.5;
    if (hyp.empty() || ref.empty()) return 0.0;
    std::vector<long> alignedTo(hyp.size(), -1);
    std::vector<bool> refUsed(ref.size(), false);
    auto align = [&](const std::vector<std::string>& h, const std::vector<std::string>& r) {
        for (std::size_t i = 0; i < h.size(); ++i) {
            if (alignedTo[i] >= 0) continue;
            for (std::size_t j = 0; j < r.size(); ++j) {
                if (!refUsed[j] && h[i] == r[j]) {
                    alignedTo[i] = static_cast<long>(j);
                    refUsed[j] = true;
                    break;
                }
            }
        }
    };
    align(hyp, ref);
    std::vector<std::string> hypStems;
    std::vector<std::string> refStems;
    for (const auto& w : hyp) hypStems.push_back(text::porterStem(w));
    for (const auto& w : ref) refStems.push_back(text::porterStem(w));
    align(hypStems, refStems);

    int matches = 0;
    int chunks = 0;
    for (std::size_t i = 0; i < hyp.size(); ++i) {
        if (alignedTo[i] < 0) continue;
        ++matches;
        if (i == 0 || alignedTo[i - 1] < 0 || alignedTo[i] != alignedTo[i - 1] + 1) ++chunks;
    }
    if (matches == 0) return 0.0;
    const double precision = static_cast<double>(matches) / static_cast<double>(hyp.size());
    const double recall = static_cast<double>(matches) / static_cast<double>(ref.size());
    const double fMean = precision * recall / (kAlpha * precision + (1 - kAlpha) * recall);
    const double penalty = kGamma * std::pow(static_cast<double>(chunks) / matches, kBeta);
    return fMean * (1 - penalty);
}

std::string idString(const nlohmann::json& id, const std::string& file, const std::string& where) {
    if (id.is_number_integer()) return std::to_string(id.get<std::int64_t>());
    if (id.is_number_unsigned()) return std::to_string(id.get<std::uint64_t>());
    if (id.is_string()) return id.get<std::string>();
    if (id.is_number()) return id.dump();
    throw ParseError(file, where, "image id must be a number or a string");
}

std::string captionText(const nlohmann::json& entry, const std::string& file, const std::string& where) {
    const auto caption = entry.find("caption");
    if (caption == entry.end() || !caption->is_string())
        throw ParseError(file, where, "missing a string \"caption\"");
    return caption->get<std::string>();
}

}  // namespace

double numpyMean(const std::vector<double>& values) {
    if (values.empty()) return 0.0;
    // NumPy's reduction hands the inner loop buffers of at most 8192 elements.
    constexpr std::size_t kBuffer = 8192;
    double sum = 0.0;
    for (std::size_t start = 0; start < values.size(); start += kBuffer)
        sum += pairwiseSum(values.data() + start, std::min(kBuffer, values.size() - start));
    return sum / static_cast<double>(values.size());
}

std::array<MetricScore, 4> bleuScores(const CaptionSet& tokenized) {
    checkCaptionSet(tokenized);
    constexpr double kSmall = 1e-9;
    constexpr double kTiny = 1e-15;  // keeps a zero match count at zero without dividing by zero
    std::array<MetricScore, 4> out;
    std::int64_t totalTestLength = 0;
    std::int64_t totalRefLength = 0;
    std::array<std::int64_t, kMaxN> totalGuess{};
    std::array<std::int64_t, kMaxN> totalCorrect{};

    for (std::size_t img = 0; img < tokenized.candidates.size(); ++img) {
        // Maximum count of each n-gram over the references, and their lengths.
        std::array<std::unordered_map<std::string, int>, kMaxN> refMax;
        std::vector<std::int64_t> refLengths;
        for (const auto& ref : tokenized.references[img]) {
            const Ngrams grams = countNgrams(splitWhitespace(ref));
            refLengths.push_back(static_cast<std::int64_t>(grams.words));
            for (int n = 0; n < kMaxN; ++n) {
                for (const auto& [ngram, count] : grams.orders[n].counts) {
                    int& best = refMax[n][ngram];
                    best = std::max(best, count);
                }
            }
        }
        const Ngrams test = countNgrams(splitWhitespace(tokenized.candidates[img]));
        const auto testLength = static_cast<std::int64_t>(test.words);
        // "closest": smallest |ref - test|, ties to the shorter reference.
        std::int64_t refLength = refLengths[0];
        for (const auto l : refLengths) {
            const auto d = std::llabs(l - testLength);
            const auto bestD = std::llabs(refLength - testLength);
            if (d < bestD || (d == bestD && l < refLength)) refLength = l;
        }
        std::array<std::int64_t, kMaxN> guess{};
        std::array<std::int64_t, kMaxN> correct{};
        for (int n = 0; n < kMaxN; ++n) {
            guess[n] = std::max<std::int64_t>(0, testLength - n);
            for (const auto& [ngram, count] : test.orders[n].counts) {
                const auto found = refMax[n].find(ngram);
                correct[n] += std::min(found == refMax[n].end() ? 0 : found->second, count);
            }
            totalGuess[n] += guess[n];
            totalCorrect[n] += correct[n];
        }
        totalTestLength += testLength;
        totalRefLength += refLength;

        double bleu = 1.0;
        std::array<double, kMaxN> sentence{};
        for (int n = 0; n < kMaxN; ++n) {
            bleu *= (static_cast<double>(correct[n]) + kTiny) / (static_cast<double>(guess[n]) + kSmall);
            sentence[n] = std::pow(bleu, 1.0 / (n + 1));
        }
        const double ratio = (static_cast<double>(testLength) + kTiny) / (static_cast<double>(refLength) + kSmall);
        for (int n = 0; n < kMaxN; ++n) {
            if (ratio < 1) sentence[n] *= std::exp(1 - 1 / ratio);
            out[n].perImage.push_back(sentence[n]);
        }
    }

    double bleu = 1.0;
    for (int n = 0; n < kMaxN; ++n) {
        bleu *= (static_cast<double>(totalCorrect[n]) + kTiny) / (static_cast<double>(totalGuess[n]) + kSmall);
        out[n].corpus = std::pow(bleu, 1.0 / (n + 1));
    }
    const double ratio =
        (static_cast<double>(totalTestLength) + kTiny) / (static_cast<double>(totalRefLength) + kSmall);
    if (ratio < 1) {
        for (auto& score : out) score.corpus *= std::exp(1 - 1 / ratio);
    }
    return out;
}

MetricScore rougeLScore(const CaptionSet& tokenized) {
    checkCaptionSet(tokenized);
    const double betaSquared = std::pow(1.2, 2.0);
    MetricScore out;
    for (std::size_t img = 0; img < tokenized.candidates.size(); ++img) {
        const auto candidate = splitSpace(tokenized.candidates[img]);
        double bestPrecision = 0.0;
        double bestRecall = 0.0;
        for (const auto& refText : tokenized.references[img]) {
            const auto ref = splitSpace(refText);
            const auto lcs = static_cast<double>(lcsLength(ref, candidate));
            bestPrecision = std::max(bestPrecision, lcs / static_cast<double>(candidate.size()));
            bestRecall = std::max(bestRecall, lcs / static_cast<double>(ref.size()));
        }
        double score = 0.0;
        if (bestPrecision != 0 && bestRecall != 0)
            score = ((1 + betaSquared) * bestPrecision * bestRecall) / (bestRecall + betaSquared * bestPrecision);
        out.perImage.push_back(score);
    }
    out.corpus = numpyMean(out.perImage);
    return out;
}

MetricScore ciderDScore(const CaptionSet& tokenized) {
    checkCaptionSet(tokenized);
    const std::size_t images = tokenized.candidates.size();
    std::vector<std::vector<Ngrams>> refGrams(images);
    std::unordered_map<std::string, double> documentFrequency;
    for (std::size_t img = 0; img < images; ++img) {
        std::unordered_set<std::string> seen;
        for (const auto& ref : tokenized.references[img]) {
            refGrams[img].push_back(countNgrams(splitWhitespace(ref)));
            for (const auto& order : refGrams[img].back().orders) {
                for (const auto& entry : order.counts) seen.insert(entry.first);
            }
        }
        for (const auto& ngram : seen) documentFrequency[ngram] += 1.0;
    }
    const double logImages = std::log(static_cast<double>(images));

    MetricScore out;
    for (std::size_t img = 0; img < images; ++img) {
        const TfIdf hyp = tfIdf(countNgrams(splitWhitespace(tokenized.candidates[img])), documentFrequency, logImages);
        std::array<double, kMaxN> sum{};
        for (const auto& grams : refGrams[img]) {
            const auto sim = ciderSimilarity(hyp, tfIdf(grams, documentFrequency, logImages));
            for (int n = 0; n < kMaxN; ++n) sum[n] += sim[n];
        }
        double score = numpyMean(std::vector<double>(sum.begin(), sum.end()));
        score /= static_cast<double>(refGrams[img].size());
        score *= 10.0;
        out.perImage.push_back(score);
    }
    out.corpus = numpyMean(out.perImage);
    return out;
}

MetricScore meteorBuiltinScore(const CaptionSet& tokenized) {
    checkCaptionSet(tokenized);
    MetricScore out;
    for (std::size_t img = 0; img < tokenized.candidates.size(); ++img) {
        const auto hyp = splitWhitespace(tokenized.candidates[img]);
        double best = 0.0;
        for (const auto& ref : tokenized.references[img]) best = std::max(best, meteorSentence(hyp, splitWhitespace(ref)));
        out.perImage.push_back(best);
    }
    out.corpus = numpyMean(out.perImage);
    return out;
}

CaptionSet loadCocoCaptions(const std::filesystem::path& referencesPath,
                            const std::filesystem::path& predictionsPath) {
    const std::string refFile = referencesPath.string();
    const std::string predFile = predictionsPath.string();
    const nlohmann::json refs = util::readJsonFile(referencesPath);
    if (!refs.is_object() || !refs.contains("annotations") || !refs["annotations"].is_array())
        throw ParseError(refFile, "top level",
                         "expected COCO annotations: {\"images\": [...], \"annotations\": [{\"image_id\", \"caption\"}]}");

    std::vector<std::string> order;
    std::unordered_map<std::string, std::vector<std::string>> captions;
    auto remember = [&](const std::string& id) {
        if (captions.emplace(id, std::vector<std::string>{}).second) order.push_back(id);
    };
    if (refs.contains("images")) {
        if (!refs["images"].is_array()) throw ParseError(refFile, "\"images\"", "expected an array");
        for (std::size_t i = 0; i < refs["images"].size(); ++i) {
            const auto& image = refs["images"][i];
            const std::string where = "images[" + std::to_string(i) + "]";
            if (!image.is_object() || !image.contains("id")) throw ParseError(refFile, where, "missing \"id\"");
            remember(idString(image["id"], refFile, where));
        }
    }
    for (std::size_t i = 0; i < refs["annotations"].size(); ++i) {
        const auto& ann = refs["annotations"][i];
        const std::string where = "annotations[" + std::to_string(i) + "]";
        if (!ann.is_object() || !ann.contains("image_id")) throw ParseError(refFile, where, "missing \"image_id\"");
        const std::string id = idString(ann["image_id"], refFile, where);
        remember(id);
        captions[id].push_back(captionText(ann, refFile, where));
    }

    const nlohmann::json preds = util::readJsonFile(predictionsPath);
    if (!preds.is_array())
        throw ParseError(predFile, "top level", "expected COCO results: [{\"image_id\", \"caption\"}, ...]");
    std::unordered_map<std::string, std::pair<std::string, std::size_t>> predicted;  // id -> caption, entry
    for (std::size_t i = 0; i < preds.size(); ++i) {
        const auto& pred = preds[i];
        const std::string where = "entry " + std::to_string(i);
        if (!pred.is_object() || !pred.contains("image_id")) throw ParseError(predFile, where, "missing \"image_id\"");
        const std::string id = idString(pred["image_id"], predFile, where);
        const std::string caption = captionText(pred, predFile, where);
        const auto known = captions.find(id);
        if (known == captions.end() || known->second.empty())
            throw Error(predFile + ": " + where + ": prediction for image " + id + ", which has no reference captions in " +
                        refFile);
        const auto [it, inserted] = predicted.emplace(id, std::make_pair(caption, i));
        if (!inserted)
            throw Error(predFile + ": image " + id + " has more than one prediction (entries " +
                        std::to_string(it->second.second) + " and " + std::to_string(i) +
                        "); the COCO code scores exactly one caption per image");
    }

    CaptionSet set;
    std::vector<std::string> missing;
    for (const auto& id : order) {
        const auto& refsOfImage = captions[id];
        if (refsOfImage.empty()) continue;  // listed in "images" but never captioned: nothing to score
        const auto pred = predicted.find(id);
        if (pred == predicted.end()) {
            missing.push_back(id);
            continue;
        }
        set.imageIds.push_back(id);
        set.references.push_back(refsOfImage);
        set.candidates.push_back(pred->second.first);
    }
    if (!missing.empty()) {
        std::string list;
        for (std::size_t i = 0; i < missing.size() && i < 5; ++i) list += (i ? ", " : "") + missing[i];
        if (missing.size() > 5) list += ", ...";
        throw Error(std::to_string(missing.size()) + " image(s) of " + refFile + " have reference captions but no prediction in " +
                    predFile + ": image " + list);
    }
    if (set.candidates.empty()) throw Error(refFile + " has no captioned images");
    return set;
}

CaptionSet tokenizeCaptions(const CaptionSet& raw) {
    CaptionSet out;
    out.imageIds = raw.imageIds;
    for (const auto& refs : raw.references) {
        std::vector<std::string> tokenized;
        for (const auto& r : refs) tokenized.push_back(text::cocoTokenize(r));
        out.references.push_back(std::move(tokenized));
    }
    for (const auto& c : raw.candidates) out.candidates.push_back(text::cocoTokenize(c));
    return out;
}

CaptionEvalResult evaluateCaptions(const CaptionSet& raw, const CaptionEvalOptions& options) {
    checkCaptionSet(raw);
    const CaptionSet tokenized = tokenizeCaptions(raw);
    CaptionEvalResult result;
    result.scores = nlohmann::ordered_json::object();
    const auto bleu = bleuScores(tokenized);
    for (int n = 0; n < kMaxN; ++n) {
        result.scores["Bleu_" + std::to_string(n + 1)] = bleu[n].corpus;
        result.perImage["Bleu_" + std::to_string(n + 1)] = bleu[n].perImage;
    }
    if (!options.meteorJar.empty()) {
        auto meteor = meteorJarScore(tokenized, options.meteorJar, options.java);
        result.scores["METEOR"] = meteor.corpus;
        result.perImage["METEOR"] = meteor.perImage;
    } else {
        auto meteor = meteorBuiltinScore(tokenized);
        result.scores["METEOR_builtin"] = meteor.corpus;
        result.perImage["METEOR_builtin"] = meteor.perImage;
        result.notes.push_back(
            "METEOR: no METEOR 1.5 jar configured (--meteor-jar); reporting METEOR_builtin, an approximation "
            "(exact and Porter-stem matches only, no synonyms or paraphrases) that is not comparable to "
            "published METEOR scores");
    }
    const auto rouge = rougeLScore(tokenized);
    result.scores["ROUGE_L"] = rouge.corpus;
    result.perImage["ROUGE_L"] = rouge.perImage;
    const auto cider = ciderDScore(tokenized);
    result.scores["CIDEr"] = cider.corpus;
    result.perImage["CIDEr"] = cider.perImage;
    if (!options.spiceJar.empty()) {
        result.scores["SPICE"] = spiceJarScore(tokenized, options.spiceJar, options.java).corpus;
    } else {
        result.scores["SPICE"] = nullptr;
        result.notes.push_back("SPICE: unavailable (it needs the SPICE 1.0 jar and Java; pass --spice-jar)");
    }
    return result;
}

}  // namespace genra::eval
