#include "core/data/batch_loader.h"

#include "core/util/error.h"
#include "core/util/threads.h"

#include <algorithm>
#include <exception>

namespace genra::data {

// One batch being filled. Workers write their rows straight into `images` outside the lock
// (rows are disjoint); `pending` and the outcome vectors change only under the loader's mutex.
struct BatchLoader::Slot {
    std::size_t firstItem = 0;
    std::size_t itemCount = 0;
    torch::Tensor images;              // [itemCount, 3, N, N]
    std::vector<char> loaded;          // per item: 1 when its row is valid
    std::vector<std::string> reasons;  // per item: why it was left out
    std::size_t pending = 0;
};

namespace {

std::vector<std::string> pathStrings(const std::vector<std::filesystem::path>& paths) {
    std::vector<std::string> names;
    names.reserve(paths.size());
    for (const auto& p : paths) names.push_back(p.string());
    return names;
}

}  // namespace

BatchLoader::BatchLoader(std::vector<std::filesystem::path> paths, BatchLoaderOptions options)
    : BatchLoader(
          paths.size(), [paths](std::size_t i) { return loadImage(paths[i]); },
          [names = pathStrings(paths)](std::size_t i) { return names[i]; }, std::move(options)) {}

BatchLoader::BatchLoader(std::size_t count, ItemLoader load, ItemNamer name, BatchLoaderOptions options)
    : count_(count), load_(std::move(load)), name_(std::move(name)), options_(std::move(options)) {
    if (!load_) throw Error("BatchLoader: no item loader given");
    if (!name_) name_ = [](std::size_t i) { return "item " + std::to_string(i); };
    if (options_.imageSize <= 0) throw Error("BatchLoader: imageSize must be positive");
    if (options_.batchSize <= 0) throw Error("BatchLoader: batchSize must be positive");
    if (options_.prefetchBatches <= 0) throw Error("BatchLoader: prefetchBatches must be at least 1");
    if (options_.workerThreads <= 0) options_.workerThreads = hardwareThreads();
    const auto batchSize = static_cast<std::size_t>(options_.batchSize);
    batchCount_ = (count_ + batchSize - 1) / batchSize;
    // More workers than items that may be in flight would only sleep.
    const std::size_t inFlight =
        std::min(count_, batchSize * static_cast<std::size_t>(options_.prefetchBatches));
    const std::size_t threads = std::min(static_cast<std::size_t>(options_.workerThreads), inFlight);
    workers_.reserve(threads);
    try {
        for (std::size_t t = 0; t < threads; ++t) workers_.emplace_back([this] { workerLoop(); });
    } catch (...) {
        // No destructor runs for a half-built object: stop and join whoever started.
        {
            std::lock_guard<std::mutex> lock(mutex_);
            stopping_ = true;
        }
        workAvailable_.notify_all();
        for (auto& worker : workers_) worker.join();
        throw;
    }
}

BatchLoader::~BatchLoader() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stopping_ = true;
    }
    workAvailable_.notify_all();
    for (auto& worker : workers_) worker.join();
}

void BatchLoader::workerLoop() {
    const auto batchSize = static_cast<std::size_t>(options_.batchSize);
    const auto window = static_cast<std::size_t>(options_.prefetchBatches);
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
        // Claim the next item only while its batch lies inside the prefetch window: that bounds
        // memory and keeps the work close to what the consumer asks for next.
        workAvailable_.wait(lock, [&] {
            return stopping_ || nextItem_ >= count_ || nextItem_ / batchSize < consumedBatches_ + window;
        });
        if (stopping_ || nextItem_ >= count_) return;
        const std::size_t index = nextItem_++;
        const std::size_t batch = index / batchSize;
        while (slots_.size() <= batch - consumedBatches_) {
            auto slot = std::make_unique<Slot>();
            slot->firstItem = (consumedBatches_ + slots_.size()) * batchSize;
            slot->itemCount = std::min(batchSize, count_ - slot->firstItem);
            slot->images = torch::empty(
                {static_cast<std::int64_t>(slot->itemCount), 3, options_.imageSize, options_.imageSize},
                torch::kFloat32);
            slot->loaded.assign(slot->itemCount, 0);
            slot->reasons.assign(slot->itemCount, std::string());
            slot->pending = slot->itemCount;
            slots_.push_back(std::move(slot));
        }
        // The slot cannot go away while this item is pending: the consumer waits for pending == 0.
        Slot& slot = *slots_[batch - consumedBatches_];
        lock.unlock();
        std::string reason = processItem(index, slot);
        lock.lock();
        const std::size_t row = index - slot.firstItem;
        slot.loaded[row] = reason.empty() ? 1 : 0;
        slot.reasons[row] = std::move(reason);
        if (--slot.pending == 0) batchReady_.notify_all();
    }
}

std::string BatchLoader::processItem(std::size_t index, Slot& slot) {
    const std::size_t row = index - slot.firstItem;
    std::string reason;
    try {
        const Image image = load_(index);
        const std::size_t rowFloats = static_cast<std::size_t>(3) * options_.imageSize * options_.imageSize;
        clipPreprocessInto(image, slot.images.data_ptr<float>() + row * rowFloats, options_.imageSize,
                           options_.mean, options_.stdDev);
    } catch (const std::exception& e) {
        reason = e.what();
        if (reason.empty()) reason = "unknown error";
    } catch (...) {
        reason = "unknown error";
    }
    return reason;
}

std::optional<Batch> BatchLoader::next() {
    std::unique_ptr<Slot> slot;
    std::size_t batchIndex = 0;
    {
        std::unique_lock<std::mutex> lock(mutex_);
        if (consumedBatches_ >= batchCount_) return std::nullopt;
        batchReady_.wait(lock, [&] { return !slots_.empty() && slots_.front()->pending == 0; });
        slot = std::move(slots_.front());
        slots_.pop_front();
        batchIndex = consumedBatches_++;
    }
    workAvailable_.notify_all();

    Batch batch;
    batch.batchIndex = batchIndex;
    std::vector<std::int64_t> rows;
    for (std::size_t i = 0; i < slot->itemCount; ++i) {
        const std::size_t index = slot->firstItem + i;
        if (slot->loaded[i]) {
            batch.indices.push_back(index);
            rows.push_back(static_cast<std::int64_t>(i));
            continue;
        }
        std::string name;
        try {
            name = name_(index);
        } catch (const std::exception&) {
            name = "item " + std::to_string(index);
        }
        batch.errors.push_back(ItemError{index, std::move(name), slot->reasons[i]});
    }
    if (rows.size() == slot->itemCount) {
        batch.images = slot->images;
    } else {
        batch.images = slot->images.index_select(0, torch::tensor(rows, torch::kInt64));
    }
    return batch;
}

}  // namespace genra::data
