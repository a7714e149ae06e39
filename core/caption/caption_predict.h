// Captioner prediction: captions of a split's images (real images through the CLIP model's
// real-image encoder, generated ones through f_g) by a registered captioner, in COCO results
// format.
#pragma once

#include "core/caption/decode.h"
#include "core/jobs/job.h"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace genra::caption {

struct CaptionPrediction {
    std::int64_t imageId = 0;  // workspace image id (images.id), the "image_id" of the results file
    std::string caption;
};

struct CaptionPredictOptions {
    std::filesystem::path workspace;
    std::string model;                 // captioner name
    std::string dataset;
    std::string split = "test";
    std::string modality = "real";     // real (the real-image encoder) | generated (f_g)
    std::optional<int> beamSize;       // unset: the model's defaults
    std::optional<int> maxLength;
    std::optional<double> lengthPenalty;
    int batchSize = 64;
    std::string device = "auto";
    std::filesystem::path out;         // COCO results JSON; empty: not written
};

class CaptionPredictJob : public jobs::Job {
public:
    explicit CaptionPredictJob(CaptionPredictOptions options) : options_(std::move(options)) {}
    std::string name() const override { return "caption predict " + options_.model; }
    bool run(jobs::JobContext& context) override;
    const std::vector<CaptionPrediction>& predictions() const { return predictions_; }
    const DecodeOptions& decodeOptions() const { return decode_; }

private:
    CaptionPredictOptions options_;
    std::vector<CaptionPrediction> predictions_;
    DecodeOptions decode_;
};

// [{"image_id", "caption"}] written atomically; and read back (errors name the file and entry).
void writeCocoResults(const std::filesystem::path& path, const std::vector<CaptionPrediction>& predictions);
std::vector<CaptionPrediction> readCocoResults(const std::filesystem::path& path);

}  // namespace genra::caption
