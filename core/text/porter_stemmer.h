// The Porter (1980) suffix-stripping stemmer for English, as in Martin Porter's reference C
// implementation (including its two published departures from the paper: "bli" -> "ble" and
// "logi" -> "log" in step 2). Used by the built-in METEOR approximation to match word stems.
#pragma once

#include <string>

namespace genra::text {

// Stems one lower-case ASCII word; words of one or two letters and words containing anything but
// a-z are returned unchanged.
std::string porterStem(const std::string& word);

}  // namespace genra::text
