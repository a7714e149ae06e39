#include "core/util/resources.h"

#include "core/resources_paths.h"

#include <cstdlib>
#include <system_error>
#include <vector>

namespace genra::util {

namespace fs = std::filesystem;

fs::path findResource(const std::string& relative) {
    std::vector<fs::path> roots;
    if (const char* env = std::getenv("GENRA_RESOURCES"); env && *env) roots.emplace_back(env);
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (!ec) roots.push_back(exe.parent_path().parent_path() / "share" / "genra-workbench");
    roots.emplace_back(GENRA_INSTALLED_RESOURCES);
    roots.emplace_back(GENRA_SOURCE_RESOURCES);
    for (const auto& root : roots) {
        const fs::path candidate = root / relative;
        if (fs::exists(candidate, ec)) return candidate;
    }
    return {};
}

}  // namespace genra::util
