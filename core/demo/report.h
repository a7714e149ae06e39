// The demo's paper-style report: exports/report.md with tables laid out like the paper's Tables 2,
// 4, 6, 7, 11, 12 and 13 (each also as CSV and LaTeX under exports/tables/), the paper's own numbers
// quoted beside each, the measured direction of each effect stated plainly, and figures under
// exports/figures/ (loss curves, the two t-SNE maps, paired-similarity histograms, a Figure-2-style
// gallery). exports/report.json lists every number the tables show with the stored result it came
// from, so tests (and readers) can check the report against the workspace.
#pragma once

#include "core/demo/demo.h"

#include <filesystem>
#include <vector>

namespace genra::demo {

struct ReportOptions {
    std::filesystem::path workspace;
    DemoPlan plan;
    std::vector<DemoStageTiming> timings;  // of this invocation
};

// Reads the stored results of the demo's models and writes the report; throws genra::Error naming
// what is missing (a model without results, an unwritable file). Registers the report, tables and
// figures in the workspace's artifacts table.
void writeReport(const ReportOptions& options);

}  // namespace genra::demo
