// The one Catch2 main shared by every test executable. Tests run two at a time under ctest on a
// 2-core machine, so OpenMP must not spin (see ensurePassiveOpenMp).
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include "core/util/threads.h"

int main(int argc, char** argv) {
    genra::ensurePassiveOpenMp(argv);
    return Catch::Session().run(argc, argv);
}
