#include "core/util/threads.h"

#include <ATen/Parallel.h>

#include <cstdlib>
#include <thread>

#include <unistd.h>

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

void ensurePassiveOpenMp(char** argv) {
    if (std::getenv("OMP_WAIT_POLICY") != nullptr) return;  // the user's choice, or already re-executed
    if (::setenv("OMP_WAIT_POLICY", "PASSIVE", 1) != 0) return;
    ::execv("/proc/self/exe", argv);
    // execv returned: not Linux or not allowed; carry on with libgomp's default policy.
}

}  // namespace genra
