#include "core/train/checkpoint.h"

#include <ATen/CPUGeneratorImpl.h>

#include "core/util/atomic_file.h"

#include <mutex>

namespace genra::train {

void writeTrainingState(torch::serialize::OutputArchive& archive, torch::optim::Optimizer& optimizer) {
    torch::serialize::OutputArchive opt;
    optimizer.save(opt);
    archive.write("optimizer", opt);
    auto generator = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(generator.mutex());
    archive.write("rng/cpu", generator.get_state());
}

void readTrainingState(torch::serialize::InputArchive& archive, torch::optim::Optimizer& optimizer) {
    torch::serialize::InputArchive opt;
    archive.read("optimizer", opt);
    optimizer.load(opt);
    torch::Tensor rng;
    if (archive.try_read("rng/cpu", rng)) {
        auto generator = at::detail::getDefaultCPUGenerator();
        std::lock_guard<std::mutex> lock(generator.mutex());
        // A checkpoint read onto a CUDA device brings the CPU generator's state there too, and
        // set_state accepts only a CPU byte tensor: without this, resuming a CUDA run failed.
        generator.set_state(rng.to(torch::kCPU));
    }
}

void saveArchiveAtomically(torch::serialize::OutputArchive& archive, const std::filesystem::path& path) {
    util::commitFileAtomically(path, [&](const std::filesystem::path& temporary) { archive.save_to(temporary.string()); });
}

}  // namespace genra::train
