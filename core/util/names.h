// Names the user gives to things the workspace stores as files: models, training runs,
// captioners, generators. They become folder names under checkpoints/, so they are checked in
// one place before anything is created.
#pragma once

#include <string>

namespace genra::util {

constexpr std::size_t kMaxNameLength = 128;

// Throws genra::Error unless `name` is 1 to 128 characters of letters, digits, '-', '_' and '.',
// does not start with '.', and is not "run-<digits>" (the folder of a training run's checkpoints,
// checkpoints/run-<id>/). `what` names the kind of thing ("model", "run") in the message.
void validateName(const std::string& name, const std::string& what);

}  // namespace genra::util
