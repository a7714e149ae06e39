// A state dict: parameter and buffer tensors by their fully qualified name, in OpenAI/open_clip
// naming ("visual.conv1.weight", "transformer.resblocks.0.attn.in_proj_weight", ...). The weight
// readers produce one; the models copy from one and export to one.
#pragma once

#include <torch/torch.h>

#include <map>
#include <string>

namespace genra::model {

using StateDict = std::map<std::string, torch::Tensor>;

}  // namespace genra::model
