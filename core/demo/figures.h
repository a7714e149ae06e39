// Paper figures drawn headless with OpenCV, so `genra demo` on a GPU server without Qt still
// writes its report's PNGs: line plots (loss curves), scatter maps (t-SNE of real and generated
// embeddings), overlaid histograms (paired cosine similarity) and a Figure-2-style gallery (each
// caption with its real image and its generated images). Colours follow the paper: real blue,
// generated red.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace genra::demo {

using Rgb = std::array<std::uint8_t, 3>;

// A palette of distinct colours for series (blue, red, green, orange, purple, ...).
Rgb seriesColor(std::size_t index);
inline constexpr Rgb kRealBlue{31, 119, 180};
inline constexpr Rgb kGeneratedRed{214, 39, 40};

struct Series {
    std::string label;
    std::vector<double> x;
    std::vector<double> y;
    Rgb color = kRealBlue;
};

struct LinePlotOptions {
    std::string title;
    std::string xLabel;
    std::string yLabel;
    bool logY = false;
    int width = 900;
    int height = 540;
    double smoothing = 0.0;  // TensorBoard-style EMA weight in [0, 1)
};

// Writes a PNG; throws genra::Error naming the file when it cannot be written or when no series
// has a point.
void writeLinePlot(const std::filesystem::path& file, const std::vector<Series>& series, const LinePlotOptions& options);

struct ScatterPoint {
    double x = 0.0;
    double y = 0.0;
    int group = 0;             // index into the groups' colours and labels
    std::int64_t link = -1;    // index of a point to join with a thin line, or -1
};

struct ScatterPlotOptions {
    std::string title;
    std::vector<std::string> groupLabels;  // legend, one per group
    std::vector<Rgb> groupColors;
    bool drawLinks = false;
    int width = 700;
    int height = 700;
};

void writeScatterPlot(const std::filesystem::path& file, const std::vector<ScatterPoint>& points,
                      const ScatterPlotOptions& options);

struct HistogramOptions {
    std::string title;
    std::string xLabel;
    double minimum = -1.0;
    double maximum = 1.0;
    int bins = 40;
    int width = 900;
    int height = 500;
};

// Overlaid, normalised histograms of each series' y values (x is ignored).
void writeHistogram(const std::filesystem::path& file, const std::vector<Series>& series, const HistogramOptions& options);

struct GalleryRow {
    std::string caption;
    std::filesystem::path real;
    std::vector<std::filesystem::path> generated;
};

// One row per caption: the caption, then the real image and the generated images as tiles of
// `tile` pixels. Missing or unreadable images become grey tiles marked with a cross.
void writeGallery(const std::filesystem::path& file, const std::vector<GalleryRow>& rows, int tile = 96);

}  // namespace genra::demo
