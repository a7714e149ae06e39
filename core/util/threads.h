// Thread-count policy: programs use every core unless told otherwise (--threads N).
#pragma once

namespace genra {

// Number of hardware threads (at least 1).
int hardwareThreads();

// Sets LibTorch's intra-op thread count (and so OpenBLAS/OpenMP's) to `threads`,
// or to hardwareThreads() when threads <= 0. Returns the count in force.
int configureThreads(int threads);

}  // namespace genra
