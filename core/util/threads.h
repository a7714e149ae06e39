// Thread-count policy: programs use every core unless told otherwise (--threads N).
#pragma once

namespace genra {

// Number of hardware threads (at least 1).
int hardwareThreads();

// Sets LibTorch's intra-op thread count (and so OpenBLAS/OpenMP's) to `threads`,
// or to hardwareThreads() when threads <= 0. Returns the count in force.
int configureThreads(int threads);

// LibTorch's OpenMP (GNU libgomp) spins while waiting for work. When the cores are shared (two test
// processes, a build, the GUI thread) the spinning threads starve the working ones: a tiny CLIP
// trained 10x slower on this 2-core machine (51 s vs 5 s for 30 steps). libgomp reads its wait
// policy once, when it is loaded, so a program that finds OMP_WAIT_POLICY unset sets it to PASSIVE
// and re-executes itself (Linux /proc/self/exe) before doing anything else. Returns only when no
// re-exec was needed or possible. Call it first thing in main().
void ensurePassiveOpenMp(char** argv);

}  // namespace genra
