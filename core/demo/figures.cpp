#include "core/demo/figures.h"

#include "core/util/error.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace genra::demo {

namespace {

constexpr int kFont = cv::FONT_HERSHEY_SIMPLEX;
const cv::Scalar kBlack(30, 30, 30);
const cv::Scalar kGrid(225, 225, 225);
const cv::Scalar kWhite(255, 255, 255);

cv::Scalar bgr(const Rgb& c) { return cv::Scalar(c[2], c[1], c[0]); }

void save(const std::filesystem::path& file, const cv::Mat& image) {
    if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path());
    bool ok = false;
    try {
        ok = cv::imwrite(file.string(), image);
    } catch (const cv::Exception& e) {
        throw Error("cannot write figure " + file.string() + ": " + e.what());
    }
    if (!ok) throw Error("cannot write figure " + file.string());
}

void text(cv::Mat& canvas, const std::string& s, cv::Point at, double scale = 0.45, int thickness = 1,
          const cv::Scalar& color = kBlack) {
    cv::putText(canvas, s, at, kFont, scale, color, thickness, cv::LINE_AA);
}

int textWidth(const std::string& s, double scale = 0.45, int thickness = 1) {
    int baseline = 0;
    return cv::getTextSize(s, kFont, scale, thickness, &baseline).width;
}

void centeredText(cv::Mat& canvas, const std::string& s, int centerX, int y, double scale = 0.55, int thickness = 1) {
    text(canvas, s, {centerX - textWidth(s, scale, thickness) / 2, y}, scale, thickness);
}

std::string formatTick(double v) {
    char buf[32];
    const double a = std::fabs(v);
    if (a != 0.0 && (a >= 1e5 || a < 1e-3))
        std::snprintf(buf, sizeof buf, "%.0e", v);
    else
        std::snprintf(buf, sizeof buf, "%g", std::round(v * 1e6) / 1e6);
    return buf;
}

// Tick positions at 1-2-5 steps covering [lo, hi] with about `target` ticks.
std::vector<double> niceTicks(double lo, double hi, int target = 6) {
    if (!(hi > lo)) return {lo};
    const double raw = (hi - lo) / target;
    const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
    double step = magnitude;
    for (double m : {1.0, 2.0, 5.0, 10.0}) {
        step = m * magnitude;
        if (step >= raw) break;
    }
    std::vector<double> ticks;
    for (double t = std::ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) ticks.push_back(t);
    return ticks;
}

struct Frame {
    cv::Rect area;  // plot area in pixels
    double x0 = 0, x1 = 1, y0 = 0, y1 = 1;
    bool logY = false;

    double ty(double y) const { return logY ? std::log10(y) : y; }
    cv::Point2d map(double x, double y) const {
        const double fx = (x - x0) / (x1 - x0);
        const double fy = (ty(y) - y0) / (y1 - y0);
        return {area.x + fx * area.width, area.y + area.height - fy * area.height};
    }
};

void drawAxes(cv::Mat& canvas, const Frame& f, const std::string& xLabel, const std::string& yLabel) {
    for (double t : niceTicks(f.x0, f.x1)) {
        const int px = static_cast<int>(std::lround(f.map(t, f.logY ? std::pow(10.0, f.y0) : f.y0).x));
        cv::line(canvas, {px, f.area.y}, {px, f.area.y + f.area.height}, kGrid, 1);
        const auto label = formatTick(t);
        text(canvas, label, {px - textWidth(label) / 2, f.area.y + f.area.height + 18});
    }
    if (f.logY) {
        for (double e = std::floor(f.y0); e <= f.y1 + 1e-9; e += 1.0) {
            if (e < f.y0 - 1e-9) continue;
            const int py = static_cast<int>(std::lround(f.area.y + f.area.height - (e - f.y0) / (f.y1 - f.y0) * f.area.height));
            cv::line(canvas, {f.area.x, py}, {f.area.x + f.area.width, py}, kGrid, 1);
            const auto label = formatTick(std::pow(10.0, e));
            text(canvas, label, {f.area.x - 8 - textWidth(label), py + 5});
        }
    } else {
        for (double t : niceTicks(f.y0, f.y1)) {
            const int py = static_cast<int>(std::lround(f.map(f.x0, t).y));
            cv::line(canvas, {f.area.x, py}, {f.area.x + f.area.width, py}, kGrid, 1);
            const auto label = formatTick(t);
            text(canvas, label, {f.area.x - 8 - textWidth(label), py + 5});
        }
    }
    cv::rectangle(canvas, f.area, kBlack, 1);
    if (!xLabel.empty()) centeredText(canvas, xLabel, f.area.x + f.area.width / 2, f.area.y + f.area.height + 42, 0.5);
    if (!yLabel.empty()) {
        // Vertical label: draw horizontally, rotate, paste.
        const int w = textWidth(yLabel, 0.5) + 8;
        cv::Mat label(24, w, CV_8UC3, kWhite);
        text(label, yLabel, {4, 17}, 0.5);
        cv::Mat rotated;
        cv::rotate(label, rotated, cv::ROTATE_90_COUNTERCLOCKWISE);
        const int top = std::max(0, f.area.y + f.area.height / 2 - rotated.rows / 2);
        if (top + rotated.rows <= canvas.rows && rotated.cols <= f.area.x)
            rotated.copyTo(canvas(cv::Rect(4, top, rotated.cols, rotated.rows)));
    }
}

void drawLegend(cv::Mat& canvas, const cv::Rect& area, const std::vector<std::pair<std::string, Rgb>>& entries) {
    if (entries.empty()) return;
    int width = 0;
    for (const auto& e : entries) width = std::max(width, textWidth(e.first));
    width += 40;
    const int height = static_cast<int>(entries.size()) * 20 + 8;
    const cv::Rect box(area.x + area.width - width - 8, area.y + 8, width, height);
    cv::rectangle(canvas, box, kWhite, cv::FILLED);
    cv::rectangle(canvas, box, cv::Scalar(180, 180, 180), 1);
    for (std::size_t i = 0; i < entries.size(); ++i) {
        const int y = box.y + 16 + static_cast<int>(i) * 20;
        cv::rectangle(canvas, cv::Rect(box.x + 8, y - 9, 18, 10), bgr(entries[i].second), cv::FILLED);
        text(canvas, entries[i].first, {box.x + 32, y});
    }
}

std::vector<double> smooth(const std::vector<double>& y, double weight) {
    if (weight <= 0.0) return y;
    std::vector<double> out(y.size());
    double last = y.empty() ? 0.0 : y.front();
    double debias = 0.0;
    for (std::size_t i = 0; i < y.size(); ++i) {
        last = last * weight + (1.0 - weight) * y[i];
        debias = debias * weight + (1.0 - weight);
        out[i] = last / debias;
    }
    return out;
}

}  // namespace

Rgb seriesColor(std::size_t index) {
    static const Rgb palette[] = {{31, 119, 180},  {214, 39, 40},  {44, 160, 44},   {255, 127, 14},
                                  {148, 103, 189}, {140, 86, 75},  {227, 119, 194}, {127, 127, 127},
                                  {188, 189, 34},  {23, 190, 207}};
    return palette[index % (sizeof palette / sizeof palette[0])];
}

void writeLinePlot(const std::filesystem::path& file, const std::vector<Series>& series, const LinePlotOptions& options) {
    Frame f;
    f.logY = options.logY;
    double xmin = std::numeric_limits<double>::infinity(), xmax = -xmin, ymin = xmin, ymax = -xmin;
    std::vector<std::vector<double>> ys;
    for (const auto& s : series) {
        ys.push_back(smooth(s.y, options.smoothing));
        for (std::size_t i = 0; i < s.x.size() && i < s.y.size(); ++i) {
            const double y = ys.back()[i];
            if (!std::isfinite(y) || (f.logY && y <= 0)) continue;
            xmin = std::min(xmin, s.x[i]);
            xmax = std::max(xmax, s.x[i]);
            ymin = std::min(ymin, f.ty(y));
            ymax = std::max(ymax, f.ty(y));
        }
    }
    if (!std::isfinite(xmin)) throw Error("figure " + file.string() + ": no data to plot");
    if (xmax <= xmin) xmax = xmin + 1;
    if (ymax <= ymin) ymax = ymin + 1;
    const double pad = (ymax - ymin) * 0.05;
    f.x0 = xmin;
    f.x1 = xmax;
    f.y0 = ymin - pad;
    f.y1 = ymax + pad;
    cv::Mat canvas(options.height, options.width, CV_8UC3, kWhite);
    f.area = cv::Rect(80, 40, options.width - 100, options.height - 100);
    drawAxes(canvas, f, options.xLabel, options.yLabel);
    std::vector<std::pair<std::string, Rgb>> legend;
    for (std::size_t k = 0; k < series.size(); ++k) {
        const auto& s = series[k];
        // Decimate for drawing: the minimum and maximum of each pixel column.
        std::vector<cv::Point> points;
        int column = std::numeric_limits<int>::min();
        cv::Point lo, hi;
        auto flush = [&] {
            if (column == std::numeric_limits<int>::min()) return;
            points.push_back(lo);
            if (hi != lo) points.push_back(hi);
        };
        for (std::size_t i = 0; i < s.x.size() && i < s.y.size(); ++i) {
            const double y = ys[k][i];
            if (!std::isfinite(y) || (f.logY && y <= 0)) continue;
            const auto p = f.map(s.x[i], y);
            const cv::Point q(static_cast<int>(std::lround(p.x)), static_cast<int>(std::lround(p.y)));
            if (q.x != column) {
                flush();
                column = q.x;
                lo = hi = q;
            } else {
                if (q.y < lo.y) lo = q;
                if (q.y > hi.y) hi = q;
            }
        }
        flush();
        if (points.size() == 1) cv::circle(canvas, points[0], 3, bgr(s.color), cv::FILLED, cv::LINE_AA);
        if (points.size() > 1) cv::polylines(canvas, points, false, bgr(s.color), 2, cv::LINE_AA);
        if (!s.label.empty()) legend.emplace_back(s.label, s.color);
    }
    drawLegend(canvas, f.area, legend);
    if (!options.title.empty()) centeredText(canvas, options.title, options.width / 2, 26, 0.6, 1);
    save(file, canvas);
}

void writeScatterPlot(const std::filesystem::path& file, const std::vector<ScatterPoint>& points,
                      const ScatterPlotOptions& options) {
    if (points.empty()) throw Error("figure " + file.string() + ": no points to plot");
    double xmin = std::numeric_limits<double>::infinity(), xmax = -xmin, ymin = xmin, ymax = -xmin;
    for (const auto& p : points) {
        xmin = std::min(xmin, p.x);
        xmax = std::max(xmax, p.x);
        ymin = std::min(ymin, p.y);
        ymax = std::max(ymax, p.y);
    }
    // Same scale on both axes: t-SNE distances mean the same thing in every direction.
    const double span = std::max({xmax - xmin, ymax - ymin, 1e-9}) * 1.06;
    const double cx = (xmin + xmax) / 2, cy = (ymin + ymax) / 2;
    cv::Mat canvas(options.height, options.width, CV_8UC3, kWhite);
    const int side = std::min(options.width - 40, options.height - 70);
    const cv::Rect area((options.width - side) / 2, 45, side, side);
    auto map = [&](const ScatterPoint& p) {
        return cv::Point(static_cast<int>(std::lround(area.x + ((p.x - cx) / span + 0.5) * area.width)),
                         static_cast<int>(std::lround(area.y + (0.5 - (p.y - cy) / span) * area.height)));
    };
    cv::rectangle(canvas, area, cv::Scalar(200, 200, 200), 1);
    if (options.drawLinks) {
        for (const auto& p : points) {
            if (p.link < 0 || p.link >= static_cast<std::int64_t>(points.size())) continue;
            cv::line(canvas, map(p), map(points[static_cast<std::size_t>(p.link)]), cv::Scalar(200, 200, 200), 1, cv::LINE_AA);
        }
    }
    auto colorOf = [&](int group) {
        return group >= 0 && group < static_cast<int>(options.groupColors.size()) ? options.groupColors[static_cast<std::size_t>(group)]
                                                                                  : seriesColor(static_cast<std::size_t>(std::max(group, 0)));
    };
    for (const auto& p : points) cv::circle(canvas, map(p), 3, bgr(colorOf(p.group)), cv::FILLED, cv::LINE_AA);
    std::vector<std::pair<std::string, Rgb>> legend;
    for (std::size_t g = 0; g < options.groupLabels.size(); ++g) legend.emplace_back(options.groupLabels[g], colorOf(static_cast<int>(g)));
    drawLegend(canvas, area, legend);
    if (!options.title.empty()) centeredText(canvas, options.title, options.width / 2, 28, 0.6, 1);
    save(file, canvas);
}

void writeHistogram(const std::filesystem::path& file, const std::vector<Series>& series, const HistogramOptions& options) {
    if (options.bins < 1 || !(options.maximum > options.minimum)) throw Error("figure " + file.string() + ": bad histogram range");
    std::vector<std::vector<double>> density;
    double peak = 0.0;
    bool any = false;
    for (const auto& s : series) {
        std::vector<double> counts(static_cast<std::size_t>(options.bins), 0.0);
        for (double v : s.y) {
            if (!std::isfinite(v)) continue;
            const double u = (v - options.minimum) / (options.maximum - options.minimum);
            const int b = std::clamp(static_cast<int>(u * options.bins), 0, options.bins - 1);
            counts[static_cast<std::size_t>(b)] += 1.0;
        }
        const double n = static_cast<double>(s.y.size());
        for (auto& c : counts) {
            c = n > 0 ? c / n : 0.0;
            peak = std::max(peak, c);
        }
        any = any || n > 0;
        density.push_back(std::move(counts));
    }
    if (!any) throw Error("figure " + file.string() + ": no values for the histogram");
    Frame f;
    f.x0 = options.minimum;
    f.x1 = options.maximum;
    f.y0 = 0.0;
    f.y1 = peak * 1.1;
    cv::Mat canvas(options.height, options.width, CV_8UC3, kWhite);
    f.area = cv::Rect(80, 40, options.width - 100, options.height - 100);
    drawAxes(canvas, f, options.xLabel, "fraction of pairs");
    std::vector<std::pair<std::string, Rgb>> legend;
    const double binWidth = (options.maximum - options.minimum) / options.bins;
    for (std::size_t k = 0; k < series.size(); ++k) {
        cv::Mat overlay = canvas.clone();
        for (int b = 0; b < options.bins; ++b) {
            const double h = density[k][static_cast<std::size_t>(b)];
            if (h <= 0) continue;
            const auto p0 = f.map(options.minimum + b * binWidth, 0.0);
            const auto p1 = f.map(options.minimum + (b + 1) * binWidth, h);
            cv::rectangle(overlay, cv::Point(static_cast<int>(p0.x), static_cast<int>(p0.y)),
                          cv::Point(static_cast<int>(p1.x) - 1, static_cast<int>(p1.y)), bgr(series[k].color), cv::FILLED);
        }
        cv::addWeighted(overlay, 0.45, canvas, 0.55, 0.0, canvas);
        double mean = 0.0;
        for (double v : series[k].y) mean += v;
        if (!series[k].y.empty()) {
            mean /= static_cast<double>(series[k].y.size());
            const int px = static_cast<int>(f.map(mean, 0.0).x);
            cv::line(canvas, {px, f.area.y}, {px, f.area.y + f.area.height}, bgr(series[k].color), 2, cv::LINE_AA);
        }
        char label[160];
        std::snprintf(label, sizeof label, "%s (mean %.3f)", series[k].label.c_str(), mean);
        legend.emplace_back(label, series[k].color);
    }
    cv::rectangle(canvas, f.area, kBlack, 1);
    drawLegend(canvas, f.area, legend);
    if (!options.title.empty()) centeredText(canvas, options.title, options.width / 2, 26, 0.6, 1);
    save(file, canvas);
}

void writeGallery(const std::filesystem::path& file, const std::vector<GalleryRow>& rows, int tile) {
    if (rows.empty()) throw Error("figure " + file.string() + ": no captions for the gallery");
    std::size_t columns = 1;
    for (const auto& r : rows) columns = std::max(columns, 1 + r.generated.size());
    const int gap = 8;
    const int captionHeight = 26;
    const int headerHeight = 26;
    const int width = gap + static_cast<int>(columns) * (tile + gap);
    const int rowHeight = captionHeight + tile + gap;
    cv::Mat canvas(headerHeight + static_cast<int>(rows.size()) * rowHeight + gap, width, CV_8UC3, kWhite);
    for (std::size_t c = 0; c < columns; ++c) {
        const std::string head = c == 0 ? "real" : "generated " + std::to_string(c);
        centeredText(canvas, head, gap + static_cast<int>(c) * (tile + gap) + tile / 2, 18, 0.45, 1);
    }
    auto paste = [&](const std::filesystem::path& path, int x, int y, bool real) {
        cv::Mat img;
        try {
            img = cv::imread(path.string(), cv::IMREAD_COLOR);
        } catch (const cv::Exception&) {
            img.release();
        }
        const cv::Rect cell(x, y, tile, tile);
        if (img.empty()) {
            canvas(cell).setTo(cv::Scalar(200, 200, 200));
            cv::line(canvas, cell.tl(), cell.br(), cv::Scalar(120, 120, 120), 1);
            cv::line(canvas, {cell.x + tile, cell.y}, {cell.x, cell.y + tile}, cv::Scalar(120, 120, 120), 1);
        } else {
            cv::Mat resized;
            cv::resize(img, resized, {tile, tile}, 0, 0, img.cols < tile ? cv::INTER_NEAREST : cv::INTER_AREA);
            resized.copyTo(canvas(cell));
        }
        cv::rectangle(canvas, cell, bgr(real ? kRealBlue : kGeneratedRed), 2);
    };
    for (std::size_t r = 0; r < rows.size(); ++r) {
        const int y = headerHeight + static_cast<int>(r) * rowHeight;
        std::string caption = "\"" + rows[r].caption + "\"";
        while (caption.size() > 4 && textWidth(caption, 0.45) > width - 2 * gap) caption = caption.substr(0, caption.size() - 5) + "...\"";
        text(canvas, caption, {gap, y + 18}, 0.45);
        paste(rows[r].real, gap, y + captionHeight, true);
        for (std::size_t g = 0; g < rows[r].generated.size(); ++g)
            paste(rows[r].generated[g], gap + static_cast<int>(g + 1) * (tile + gap), y + captionHeight, false);
    }
    save(file, canvas);
}

}  // namespace genra::demo
