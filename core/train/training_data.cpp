#include "core/train/training_data.h"

#include "core/data/shapes.h"
#include "core/store/dataset_items.h"
#include "core/store/workspace.h"
#include "core/util/error.h"
#include "core/util/random.h"

#include <algorithm>
#include <map>
#include <random>
#include <set>

namespace genra::train {

namespace {

std::uint64_t mix(std::uint64_t a, std::uint64_t b) {
    // splitmix64 of the combination: independent streams per (seed, step) without shared state.
    return util::splitMix64Finalize(a * util::kSplitMix64Increment + b + 0x632BE59BD9B4E5ULL);
}

// Uniform integer in [0, n) from a 64-bit generator, without std:: distributions (which differ
// between standard libraries).
std::size_t below(std::mt19937_64& rng, std::size_t n) {
    const std::uint64_t limit = std::numeric_limits<std::uint64_t>::max() - std::numeric_limits<std::uint64_t>::max() % n;
    std::uint64_t x = rng();
    while (x >= limit) x = rng();
    return static_cast<std::size_t>(x % n);
}

bool usesGenerated(Method m) {
    return m == Method::Genra || m == Method::LoraGen || m == Method::FullFt || m == Method::Naive || m == Method::GenAsReal;
}

}  // namespace

TrainingData collectTrainingData(store::Workspace& ws, const Recipe& recipe) {
    const auto dataset = ws.requireDataset(recipe.dataset);
    TrainingData data;
    std::map<std::int64_t, std::size_t> unitOf;  // real image id -> unit index
    std::map<std::int64_t, std::int64_t> captionImage;
    std::map<std::int64_t, std::string> captionText;
    {
        for (auto& c : store::realImageCaptions(ws, dataset.id, recipe.realSplit, true)) {
            const auto imageId = c.imageId;
            auto it = unitOf.find(imageId);
            if (it == unitOf.end()) {
                TrainingUnit u;
                u.realImageId = imageId;
                u.realPath = ws.resolve(c.imagePath);
                it = unitOf.emplace(imageId, data.units.size()).first;
                data.units.push_back(std::move(u));
            }
            const auto captionId = c.captionId;
            captionImage[captionId] = imageId;
            captionText[captionId] = std::move(c.text);
            if (!usesGenerated(recipe.method) || recipe.method == Method::Naive) {
                TrainingPair p;
                p.captionId = captionId;
                p.caption = captionText[captionId];
                p.imageId = imageId;
                p.imagePath = data.units[it->second].realPath;
                data.units[it->second].pairs.push_back(p);
            }
            ++data.captions;
        }
    }
    data.realImages = data.units.size();
    if (data.units.empty()) {
        throw Error("dataset \"" + recipe.dataset + "\" has no readable real images with captions in split \"" +
                    recipe.realSplit + "\"");
    }
    if (usesGenerated(recipe.method)) {
        std::set<std::string> allowed(recipe.generators.begin(), recipe.generators.end());
        std::map<std::int64_t, int> perCaption;
        for (const auto& g : store::generatedForCaptions(ws, dataset.id, recipe.generatedSplit)) {
            const auto captionId = g.captionId;
            if (!allowed.empty() && !allowed.count(g.generator)) continue;
            auto img = captionImage.find(captionId);
            if (img == captionImage.end()) continue;  // caption outside the real split
            if (perCaption[captionId] >= recipe.generatedPerCaption) continue;
            ++perCaption[captionId];
            TrainingPair p;
            p.captionId = captionId;
            p.caption = captionText[captionId];
            p.imageId = g.imageId;
            p.imagePath = ws.resolve(g.imagePath);
            p.generated = true;
            data.units[unitOf[img->second]].pairs.push_back(p);
            ++data.generatedImages;
        }
        std::vector<TrainingUnit> kept;
        for (auto& u : data.units) {
            const bool hasGenerated = std::any_of(u.pairs.begin(), u.pairs.end(), [](const TrainingPair& p) { return p.generated; });
            if (hasGenerated) kept.push_back(std::move(u));
            else ++data.skippedUnits;
        }
        data.units = std::move(kept);
        if (data.units.empty()) {
            throw Error("dataset \"" + recipe.dataset + "\" has no generated images for the captions of split \"" +
                        recipe.generatedSplit + "\"" + (allowed.empty() ? "" : " from the chosen generators") +
                        "; generate or import some first");
        }
    }
    if (recipe.hardNegatives > 0) findCaptionNeighbours(data, 16);
    return data;
}

void findCaptionNeighbours(TrainingData& data, std::size_t k) {
    constexpr std::size_t kMaxUnits = 20000;
    const std::size_t n = data.units.size();
    if (n > kMaxUnits) {
        throw Error("recipe key \"hard_negatives\": " + std::to_string(n) + " images are more than the " +
                    std::to_string(kMaxUnits) + " whose captions can be compared pairwise; set it to 0");
    }
    // Each unit's caption words as sorted ids.
    std::map<std::string, int> ids;
    std::vector<std::vector<int>> words(n);
    for (std::size_t u = 0; u < n; ++u) {
        std::set<int> set;
        for (const auto& pair : data.units[u].pairs)
            for (const auto& word : data::captionTokens(pair.caption))
                set.insert(ids.emplace(word, static_cast<int>(ids.size())).first->second);
        words[u].assign(set.begin(), set.end());
    }
    auto jaccard = [&](std::size_t a, std::size_t b) {
        std::size_t common = 0;
        auto i = words[a].begin();
        auto j = words[b].begin();
        while (i != words[a].end() && j != words[b].end()) {
            if (*i < *j) ++i;
            else if (*j < *i) ++j;
            else { ++common; ++i; ++j; }
        }
        const std::size_t all = words[a].size() + words[b].size() - common;
        return all == 0 ? 0.0 : static_cast<double>(common) / static_cast<double>(all);
    };
    data.neighbours.assign(n, {});
    std::vector<std::pair<double, std::size_t>> scored;
    for (std::size_t u = 0; u < n; ++u) {
        scored.clear();
        for (std::size_t v = 0; v < n; ++v)
            if (v != u) scored.emplace_back(-jaccard(u, v), v);  // ties: lower index first
        const std::size_t keep = std::min(k, scored.size());
        std::partial_sort(scored.begin(), scored.begin() + static_cast<std::ptrdiff_t>(keep), scored.end());
        for (std::size_t i = 0; i < keep; ++i) data.neighbours[u].push_back(scored[i].second);
    }
}

std::int64_t stepsPerEpoch(std::size_t units, int batchSize) {
    return std::max<std::int64_t>(1, static_cast<std::int64_t>(units) / std::max(1, batchSize));
}

std::vector<BatchSlot> planBatch(const TrainingData& data, int batchSize, std::int64_t seed, std::int64_t step,
                                 double hardFraction) {
    const std::size_t n = data.units.size();
    const std::size_t batch = std::min<std::size_t>(n, static_cast<std::size_t>(batchSize));
    const std::int64_t perEpoch = stepsPerEpoch(n, batchSize);
    const std::int64_t epoch = step / perEpoch;
    const std::int64_t position = step % perEpoch;
    std::vector<std::size_t> order(n);
    for (std::size_t i = 0; i < n; ++i) order[i] = i;
    std::mt19937_64 shuffle(mix(static_cast<std::uint64_t>(seed), 0x5EED0000ULL + static_cast<std::uint64_t>(epoch)));
    for (std::size_t i = n; i > 1; --i) std::swap(order[i - 1], order[below(shuffle, i)]);
    std::mt19937_64 pick(mix(static_cast<std::uint64_t>(seed) ^ 0xA5A5A5A5ULL, static_cast<std::uint64_t>(step)));
    std::vector<BatchSlot> slots;
    slots.reserve(batch);
    const bool hardNegatives = hardFraction > 0 && data.neighbours.size() == n && batch > 1;
    if (hardNegatives) {
        // Anchors from the epoch's permutation, then a caption neighbour of each in turn.
        const std::size_t hard = std::min(batch - 1, static_cast<std::size_t>(static_cast<double>(batch) * hardFraction));
        const std::size_t anchors = batch - hard;
        std::vector<char> used(n, 0);
        for (std::size_t k = 0; k < anchors; ++k) {
            const std::size_t unit = order[(static_cast<std::size_t>(position) * anchors + k) % n];
            used[unit] = 1;
            slots.push_back(BatchSlot{unit, 0});
        }
        for (std::size_t j = 0; j < hard; ++j) {
            const auto& near = data.neighbours[slots[j % anchors].unit];
            std::size_t chosen = n;
            if (!near.empty()) {
                const std::size_t start = below(pick, near.size());
                for (std::size_t t = 0; t < near.size() && chosen == n; ++t)
                    if (!used[near[(start + t) % near.size()]]) chosen = near[(start + t) % near.size()];
            }
            // Every neighbour already in the batch: the next unused unit of the permutation.
            for (std::size_t t = 0; chosen == n && t < n; ++t) {
                const std::size_t unit = order[(static_cast<std::size_t>(position) * anchors + anchors + t) % n];
                if (!used[unit]) chosen = unit;
            }
            used[chosen] = 1;
            slots.push_back(BatchSlot{chosen, 0});
        }
        for (auto& slot : slots) {
            const auto& pairs = data.units[slot.unit].pairs;
            slot.pair = pairs.empty() ? 0 : below(pick, pairs.size());
        }
        return slots;
    }
    for (std::size_t k = 0; k < batch; ++k) {
        const std::size_t unit = order[(static_cast<std::size_t>(position) * batch + k) % n];
        const auto& pairs = data.units[unit].pairs;
        slots.push_back(BatchSlot{unit, pairs.empty() ? 0 : below(pick, pairs.size())});
    }
    return slots;
}

}  // namespace genra::train
