// A parallel loader that turns a list of images into CLIP-preprocessed batches: worker threads
// decode and preprocess ahead of the consumer, a bounded number of batches at a time, and the
// batches come out in input order whatever the thread timing.
//
// Unreadable items: an item that cannot be read, decoded or preprocessed is LEFT OUT of its batch
// (no zero placeholder) and reported in Batch::errors with its index, name and reason; the batch
// still comes out, with fewer rows (possibly none), and Batch::indices says which inputs the rows
// are. One bad file never stops the run.
#pragma once

#include "core/data/image.h"
#include "core/data/preprocess.h"

#include <torch/torch.h>

#include <array>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace genra::data {

struct BatchLoaderOptions {
    int imageSize = 224;
    int batchSize = 32;
    int workerThreads = 0;    // 0: every core (genra::hardwareThreads())
    int prefetchBatches = 2;  // batches being prepared or waiting, ahead of the one consumed
    std::array<double, 3> mean = kClipMean;
    std::array<double, 3> stdDev = kClipStd;
};

struct ItemError {
    std::size_t index = 0;  // position in the input list
    std::string name;       // the path (or the source's name for the item)
    std::string reason;
};

struct Batch {
    std::size_t batchIndex = 0;        // 0, 1, 2, ... in order
    torch::Tensor images;              // [indices.size(), 3, imageSize, imageSize] float32, CPU
    std::vector<std::size_t> indices;  // input positions of the rows, ascending
    std::vector<ItemError> errors;     // inputs of this batch's range that were left out
};

class BatchLoader {
public:
    // Loads each item; throws (genra::Error or anything derived from std::exception) when it
    // cannot. Called concurrently from the worker threads.
    using ItemLoader = std::function<Image(std::size_t index)>;
    using ItemNamer = std::function<std::string(std::size_t index)>;

    // Images read from files (any format decodeImage knows).
    BatchLoader(std::vector<std::filesystem::path> paths, BatchLoaderOptions options = {});
    // Images from anywhere: `count` items, produced by `load`, named in errors by `name`.
    BatchLoader(std::size_t count, ItemLoader load, ItemNamer name, BatchLoaderOptions options = {});
    // Stops the workers (an item being processed is finished, nothing new is started) and joins.
    ~BatchLoader();
    BatchLoader(const BatchLoader&) = delete;
    BatchLoader& operator=(const BatchLoader&) = delete;

    // The next batch in order, waiting for it if needed; std::nullopt after the last one.
    // Meant for one consumer thread.
    std::optional<Batch> next();

    std::size_t itemCount() const { return count_; }
    std::size_t batchCount() const { return batchCount_; }
    const BatchLoaderOptions& options() const { return options_; }

private:
    struct Slot;

    void workerLoop();
    // Loads and preprocesses one item into its row of the slot; returns why it failed, or "".
    std::string processItem(std::size_t index, Slot& slot);

    std::size_t count_ = 0;
    std::size_t batchCount_ = 0;
    ItemLoader load_;
    ItemNamer name_;
    BatchLoaderOptions options_;

    std::mutex mutex_;
    std::condition_variable workAvailable_;    // workers wait for room in the prefetch window
    std::condition_variable batchReady_;       // the consumer waits for the front batch
    std::size_t nextItem_ = 0;                 // next item a worker will claim
    std::size_t consumedBatches_ = 0;          // batches handed out by next()
    std::deque<std::unique_ptr<Slot>> slots_;  // batches consumedBatches_, consumedBatches_ + 1, ...
    bool stopping_ = false;
    std::vector<std::thread> workers_;
};

}  // namespace genra::data
