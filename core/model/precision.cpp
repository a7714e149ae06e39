#include "core/model/precision.h"

#include "core/util/error.h"

#include <ATen/autocast_mode.h>
#include <torch/version.h>

namespace genra::model {

namespace {

// LibTorch 2.4 replaced the per-device autocast functions with ones taking a device type.
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
bool autocastEnabled(bool cuda) { return at::autocast::is_autocast_enabled(cuda ? at::kCUDA : at::kCPU); }
void setAutocastEnabled(bool cuda, bool on) { at::autocast::set_autocast_enabled(cuda ? at::kCUDA : at::kCPU, on); }
at::ScalarType autocastDtype(bool cuda) { return at::autocast::get_autocast_dtype(cuda ? at::kCUDA : at::kCPU); }
void setAutocastDtype(bool cuda, at::ScalarType t) { at::autocast::set_autocast_dtype(cuda ? at::kCUDA : at::kCPU, t); }
#else
bool autocastEnabled(bool cuda) { return cuda ? at::autocast::is_enabled() : at::autocast::is_cpu_enabled(); }
void setAutocastEnabled(bool cuda, bool on) {
    if (cuda) at::autocast::set_enabled(on);
    else at::autocast::set_cpu_enabled(on);
}
at::ScalarType autocastDtype(bool cuda) {
    return cuda ? at::autocast::get_autocast_gpu_dtype() : at::autocast::get_autocast_cpu_dtype();
}
void setAutocastDtype(bool cuda, at::ScalarType t) {
    if (cuda) at::autocast::set_autocast_gpu_dtype(t);
    else at::autocast::set_autocast_cpu_dtype(t);
}
#endif

}  // namespace

Precision parsePrecision(const std::string& text) {
    if (text == "fp32") return Precision::Fp32;
    if (text == "bf16") return Precision::Bf16;
    if (text == "fp16") return Precision::Fp16;
    throw Error("precision \"" + text + "\" is not one of fp32, bf16, fp16");
}

const char* toString(Precision p) {
    switch (p) {
        case Precision::Fp32: return "fp32";
        case Precision::Bf16: return "bf16";
        case Precision::Fp16: return "fp16";
    }
    return "fp32";
}

void checkPrecisionSupported(Precision p, const torch::Device& device) {
    if (p == Precision::Fp16 && !device.is_cuda()) {
        throw Error("precision fp16: float16 autocast needs a CUDA device (this run is on " + device.str() +
                    "); use bf16 on a CPU");
    }
}

AutocastScope::AutocastScope(Precision precision, const torch::Device& device) {
    if (precision == Precision::Fp32) return;
    checkPrecisionSupported(precision, device);
    cuda_ = device.is_cuda();
    previousEnabled_ = autocastEnabled(cuda_);
    previousDtype_ = autocastDtype(cuda_);
    setAutocastDtype(cuda_, precision == Precision::Bf16 ? at::kBFloat16 : at::kHalf);
    setAutocastEnabled(cuda_, true);
    at::autocast::increment_nesting();
    active_ = true;
}

AutocastScope::~AutocastScope() {
    if (!active_) return;
    // Leaving the outermost scope drops the cached low-precision copies of the weights, which
    // change after every optimiser step.
    if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
    setAutocastEnabled(cuda_, previousEnabled_);
    setAutocastDtype(cuda_, previousDtype_);
}

}  // namespace genra::model
