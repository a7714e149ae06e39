// Read-only files that ship with the workbench (resources/ in the source tree, installed to
// <prefix>/share/genra-workbench): the demo's pre-trained generator, for one.
#pragma once

#include <filesystem>
#include <string>

namespace genra::util {

// The first existing `relative` under, in order: $GENRA_RESOURCES, <folder of the running
// program>/../share/genra-workbench, the install prefix this build was configured with, and the
// source tree's resources/. Empty when none has it.
std::filesystem::path findResource(const std::string& relative);

}  // namespace genra::util
