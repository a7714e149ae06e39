// Generating images for a dataset's captions, with the built-in diffusion model
// ("builtin:MODEL"), an external command ("external:NAME") or the shift control ("builtin:shift",
// shift_control.h: each caption's own real image under a fixed appearance change, at the real
// image's size; a positive control for alignment, flagged "control": true in its generations rows
// and run recipe; "shift" is reserved and cannot name a built-in model). Each image is written to
// <workspace>/images/<out_subdir>/<caption id>/<k>.png, recorded as a 'generated' image of the
// dataset (in the split of the caption's real image) and linked to its caption in `generations`
// with the generator, its seed and the parameters. Work that is already recorded is skipped, so an
// interrupted or cancelled job resumes where it stopped; finished images are kept whatever happens.
// A job with images to make is recorded as a run of kind "generate" named
// generate-<generator name>-<dataset>-<split>-<n>, with its status, images made and images/s.
#pragma once

#include "core/gen/shift_control.h"
#include "core/jobs/job.h"
#include "core/util/shard.h"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace genra::gen {

// The kind of the runs that generate jobs record.
inline constexpr const char* kRunKindGenerate = "generate";
// Sampling defaults. The built-in model's are measured with genra shapes-adherence (docs/generator.md,
// "How well generated images follow their captions"): guidance 8 over 6 and 3, DDIM 20 steps over 50.
inline constexpr double kBuiltinGuidance = 8.0;
inline constexpr int kBuiltinSteps = 20;
inline constexpr double kExternalGuidance = 7.5;
inline constexpr int kExternalSteps = 30;

struct GenerateOptions {
    std::filesystem::path workspace;
    std::string dataset;
    std::string split;                        // captions of the real images of this split
    std::filesystem::path captionsFile;       // optional: one caption id or source key per line
    std::vector<std::int64_t> captionIds;     // optional: these captions (of dataset and split) only
    int captionsPerImage = 0;                 // 0: every caption; N: the first N of each real image
    int maxCaptions = 0;                      // 0: no limit
    // Only the captions of this shard (by caption id, core/util/shard.h), taken after every other
    // selection, so shards 1..N of one selection make exactly its images between them.
    Shard shard;
    std::string generator;                    // builtin:MODEL | external:NAME | builtin:shift (the control)
    std::vector<std::string> generatorCommand;  // external: argv used instead of generators.json
    std::filesystem::path generatorConfig;    // external: default <workspace>/generators.json
    std::optional<double> timeoutSeconds;     // external: overrides the configured timeout
    int perCaption = 5;
    std::uint64_t seed = 0;                   // base seed; image seeds = imageSeed(seed, caption id, k)
    std::optional<double> guidance;           // default kBuiltinGuidance / kExternalGuidance
    std::optional<int> steps;                 // default kBuiltinSteps / kExternalSteps
    double eta = 0.0;                         // builtin DDIM
    std::string sampler = "ddim";             // builtin: ddim | ddpm
    int batchSize = 32;                       // builtin: images per sampling batch
    int width = 512;                          // external: requested size
    int height = 512;
    std::string device = "cpu";               // builtin
    std::string outSubdir = "generated";
    // builtin:shift (see ShiftOptions for what each does): hue rotation in degrees, contrast factor
    // (> 0), Gaussian blur sigma in pixels (>= 0, 0: none), noise std in grey levels (>= 0, 0: none).
    double shiftHue = kShiftDefaultHue;
    double shiftContrast = kShiftDefaultContrast;
    double shiftBlur = kShiftDefaultBlur;
    double shiftNoise = kShiftDefaultNoise;
};

// The shift control's options of `options`.
ShiftOptions shiftOptions(const GenerateOptions& options);
// Whether `generator` is the shift control (builtin:shift).
bool isShiftControl(const std::string& generator);

// Throws genra::Error naming the bad option.
void validate(const GenerateOptions& options);

struct GenerateSummary {
    std::int64_t captions = 0;   // of this shard
    std::int64_t selectedCaptions = 0;  // of every shard
    std::int64_t requested = 0;  // captions x per-caption
    std::int64_t generated = 0;  // made by this job
    std::int64_t skipped = 0;    // already there
    std::int64_t failed = 0;     // the external generator reported an error for their caption
    std::vector<std::string> errors;
};

class GenerateJob : public jobs::Job {
public:
    explicit GenerateJob(GenerateOptions options);
    std::string name() const override { return "generate " + options_.dataset + " with " + options_.generator; }
    bool run(jobs::JobContext& context) override;
    const GenerateSummary& summary() const { return summary_; }
    // The run recording this job (kind "generate"); 0 when there was nothing to make.
    std::int64_t runId() const { return runId_; }

private:
    GenerateOptions options_;
    GenerateSummary summary_;
    std::int64_t runId_ = 0;
};

}  // namespace genra::gen
