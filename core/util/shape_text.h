// A tensor's shape as error messages write it: "[2, 3, 224, 224]".
#pragma once

#include <string>

namespace at {
class Tensor;
}

namespace genra::util {

// The sizes of a defined tensor in brackets; callers say "undefined" or "none" themselves.
std::string shapeText(const at::Tensor& tensor);

}  // namespace genra::util
