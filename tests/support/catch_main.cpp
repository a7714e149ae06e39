// The one Catch2 main shared by every test executable. Tests run two at a time under ctest on a
// 2-core machine, so OpenMP must not spin (see ensurePassiveOpenMp). A case that could not run its
// check (no Python reference, no shared CLIP files, no CUDA) calls test::skip(); with
// --skip-exit-code N the executable then exits with N when nothing failed, and ctest, which runs
// each case with --skip-exit-code 77 and SKIP_RETURN_CODE 77, reports it as skipped.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include "core/util/threads.h"
#include "support/test_support.h"

int main(int argc, char** argv) {
    genra::ensurePassiveOpenMp(argv);
    Catch::Session session;
    int skipExitCode = 0;
    using Catch::clara::Opt;
    session.cli(session.cli() | Opt(skipExitCode, "code")["--skip-exit-code"](
                                    "exit with this code when a case was skipped and none failed"));
    if (const int rc = session.applyCommandLine(argc, argv); rc != 0) return rc;
    const int failures = session.run();
    if (failures == 0 && skipExitCode != 0 && genra::test::anySkipped()) return skipExitCode;
    return failures;
}
