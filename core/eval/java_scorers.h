// The two COCO caption metrics that only exist as Java programs, driven the way pycocoevalcap
// drives them, for users who have the jars (we do not ship them):
// - METEOR 1.5: `java -jar -Xmx2G meteor-1.5.jar - - -stdio -l en -norm`, one "SCORE ||| refs |||
//   hypothesis" line per image answered by a statistics line, then one "EVAL ||| stats ..." line
//   answered by the per-image scores and the corpus score;
// - SPICE 1.0: `java -jar -Xmx8G spice-1.0.jar in.json -cache DIR -out out.json -subset -silent`,
//   the score being the mean of each image's "All" F-score.
// Both run with the jar's folder as working directory (the jars find their data files there).
// Failures (no java, the jar missing or crashing, unexpected output) raise genra::Error carrying
// the end of the program's stderr.
#pragma once

#include "core/eval/caption_metrics.h"

#include <filesystem>
#include <string>

namespace genra::eval {

MetricScore meteorJarScore(const CaptionSet& tokenized, const std::filesystem::path& jar,
                           const std::string& java = "java");

MetricScore spiceJarScore(const CaptionSet& tokenized, const std::filesystem::path& jar,
                          const std::string& java = "java");

}  // namespace genra::eval
