// The t-SNE gradients' worker pool (internal; see tsne_internal.h).
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace genra::eval::tsne_detail {

// ---- a small persistent thread pool ----
// Work is split into chunks claimed from an atomic counter; every item writes only its own outputs,
// and reductions happen afterwards in index order, so results never depend on scheduling.
// The t-SNE gradients hand the pool seven or eight short jobs an iteration (under a millisecond each
// at 10k points): waiting threads spin for a moment (kSpin) before they sleep, so that the next job
// does not wait for the kernel to wake them.
class WorkerPool {
public:
    explicit WorkerPool(int threads) {
        for (int t = 1; t < threads; ++t) workers_.emplace_back([this] { workerLoop(); });
    }
    ~WorkerPool() {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            stop_.store(true);
        }
        wake_.notify_all();
        for (auto& w : workers_) w.join();
    }
    WorkerPool(const WorkerPool&) = delete;
    WorkerPool& operator=(const WorkerPool&) = delete;

    template <typename Fn>
    void forRange(std::int64_t count, std::int64_t grain, Fn&& fn) {
        if (count <= 0) return;
        if (workers_.empty() || count <= grain) {
            fn(std::int64_t{0}, count);
            return;
        }
        std::function<void(std::int64_t, std::int64_t)> task = std::forward<Fn>(fn);
        {
            std::lock_guard<std::mutex> lock(mutex_);
            task_ = &task;
            count_ = count;
            grain_ = grain;
            next_.store(0);
            busy_.store(static_cast<int>(workers_.size()));
            error_ = nullptr;
            generation_.fetch_add(1, std::memory_order_release);
        }
        wake_.notify_all();  // no system call when every worker is still spinning
        drain();
        if (!spinUntil([this] { return busy_.load(std::memory_order_acquire) == 0; })) {
            std::unique_lock<std::mutex> lock(mutex_);
            done_.wait(lock, [this] { return busy_.load() == 0; });
        }
        task_ = nullptr;
        if (error_) std::rethrow_exception(error_);
    }

private:
    // How long a waiting thread spins before it sleeps.
    static constexpr std::chrono::microseconds kSpin{50};

    template <typename Ready>
    static bool spinUntil(Ready&& ready) {
        const auto until = std::chrono::steady_clock::now() + kSpin;
        for (int i = 1;; ++i) {
            if (ready()) return true;
            if (i % 64 == 0 && std::chrono::steady_clock::now() >= until) return false;
#if defined(__x86_64__) || defined(__i386__)
            __builtin_ia32_pause();
#endif
        }
    }

    void drain() {
        try {
            for (;;) {
                const std::int64_t begin = next_.fetch_add(grain_);
                if (begin >= count_) break;
                (*task_)(begin, std::min(count_, begin + grain_));
            }
        } catch (...) {
            std::lock_guard<std::mutex> lock(mutex_);
            if (!error_) error_ = std::current_exception();
            next_.store(count_);
        }
    }
    void workerLoop() {
        std::uint64_t seen = 0;
        for (;;) {
            const auto changed = [&] {
                return stop_.load(std::memory_order_acquire) || generation_.load(std::memory_order_acquire) != seen;
            };
            if (!spinUntil(changed)) {
                std::unique_lock<std::mutex> lock(mutex_);
                wake_.wait(lock, changed);
            }
            if (stop_.load()) return;
            seen = generation_.load(std::memory_order_acquire);
            drain();
            if (busy_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
                // Under the lock: the waiting thread checks busy_ under it before it sleeps.
                std::lock_guard<std::mutex> lock(mutex_);
                done_.notify_one();
            }
        }
    }

    std::vector<std::thread> workers_;
    std::mutex mutex_;
    std::condition_variable wake_;
    std::condition_variable done_;
    const std::function<void(std::int64_t, std::int64_t)>* task_ = nullptr;
    std::int64_t count_ = 0;
    std::int64_t grain_ = 1;
    std::atomic<std::int64_t> next_{0};
    std::atomic<int> busy_{0};
    std::atomic<std::uint64_t> generation_{0};
    std::atomic<bool> stop_{false};
    std::exception_ptr error_;
};

}  // namespace genra::eval::tsne_detail
