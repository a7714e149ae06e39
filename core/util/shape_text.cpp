#include "core/util/shape_text.h"

#include <ATen/core/Tensor.h>

#include <sstream>

namespace genra::util {

std::string shapeText(const at::Tensor& tensor) {
    std::ostringstream out;
    out << "[";
    for (std::int64_t i = 0; i < tensor.dim(); ++i) out << (i ? ", " : "") << tensor.size(i);
    out << "]";
    return out.str();
}

}  // namespace genra::util
