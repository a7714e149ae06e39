// The importer fuzz targets run the real import job on the input file: parsing, the checks on every
// field, image paths confined to the image folder, the dataset's meta JSON. A workspace is made once
// per process; the context cancels the job at its first check after the input has been read, so the
// job stops when it would start decoding images (which the input does not provide). genra::Error,
// Cancelled included, is a clear rejection.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

#include "core/data/importers.h"
#include "core/jobs/job.h"
#include "core/store/workspace.h"
#include "core/util/error.h"
#include "fuzz_support.h"

namespace genra::fuzz {

// Cancelled from its second check on: the first comes after the input file is parsed.
class StopAfterParseContext : public jobs::JobContext {
public:
    void progress(double, const std::string&) override {}
    void metric(std::int64_t, const std::string&, double) override {}
    void log(jobs::LogLevel, const std::string&) override {}
    bool cancelled() const override { return ++checks_ > 1; }

private:
    mutable int checks_ = 0;
};

struct ImportPlace {
    std::filesystem::path workspace;
    std::filesystem::path imageRoot;
};

inline const ImportPlace& importPlace() {
    static const ImportPlace place = [] {
        ImportPlace p;
        p.workspace = scratchDir() / "workspace";
        p.imageRoot = scratchDir() / "images";
        std::filesystem::create_directories(p.imageRoot);
        (void)store::Workspace::create(p.workspace);
        return p;
    }();
    return place;
}

template <typename Options>
void fillCommon(Options& options) {
    options.workspace = importPlace().workspace;
    options.imageRoot = importPlace().imageRoot;
    options.name = "fuzz";
    options.threads = 1;
    options.chunkImages = 4;
}

template <typename Job>
void runImport(Job& job) {
    StopAfterParseContext context;
    try {
        job.run(context);
    } catch (const Error&) {
    }
}

}  // namespace genra::fuzz
