#include "core/util/threads.h"

#include <ATen/Parallel.h>

#include <thread>

namespace genra {

int hardwareThreads() {
    const unsigned n = std::thread::hardware_concurrency();
    return n == 0 ? 1 : static_cast<int>(n);
}

int configureThreads(int threads) {
    const int count = threads > 0 ? threads : hardwareThreads();
    at::set_num_threads(count);
    return at::get_num_threads();
}

}  // namespace genra
