// Curve drawing helpers: TensorBoard-style smoothing, min/max decimation that keeps every peak of
// a 100k-step run, the curve widget's overlay, resume rewrite, log scale and hover read-out.
#include "widgets/plot_curves.h"
#include "widgets/plot_qcp.h"
#include "widgets/plot_util.h"
#include "widgets_test_support.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

using namespace genra;

TEST_CASE("EMA smoothing is debiased, bounded and skips non-finite values", "[widgets][plot]") {
    const std::vector<double> values{4.0, 4.0, 4.0, 0.0, 0.0, 0.0, 0.0};
    CHECK(widgets::emaSmooth(values, 0.0) == values);
    const auto s = widgets::emaSmooth(values, 0.8);
    // Debiased: a constant start stays exactly at the constant instead of rising from zero.
    CHECK(s[0] == Approx(4.0));
    CHECK(s[2] == Approx(4.0));
    // After the step down the curve falls monotonically, stays above the new level and below 4.
    for (std::size_t i = 4; i < s.size(); ++i) {
        CHECK(s[i] < s[i - 1]);
        CHECK(s[i] > 0.0);
    }
    // A heavier weight lags more.
    CHECK(widgets::emaSmooth(values, 0.95)[5] > s[5]);
    std::vector<double> gaps{1.0, std::numeric_limits<double>::quiet_NaN(), 1.0};
    const auto g = widgets::emaSmooth(gaps, 0.5);
    CHECK(std::isnan(g[1]));
    CHECK(g[2] == Approx(1.0));
}

TEST_CASE("min/max decimation keeps the extremes of every pixel column", "[widgets][plot]") {
    const int n = 100000;
    std::vector<double> x(n);
    std::vector<double> y(n);
    std::mt19937 rng(3);
    std::normal_distribution<double> noise(0.0, 0.05);
    for (int i = 0; i < n; ++i) {
        x[static_cast<std::size_t>(i)] = i;
        y[static_cast<std::size_t>(i)] = std::exp(-i / 20000.0) + noise(rng);
    }
    y[77777] = 9.0;   // a single-step spike must survive
    y[12345] = -5.0;
    const int buckets = 500;
    const auto d = widgets::decimateMinMax(x, y, 0, n - 1, buckets);
    CHECK(d.x.size() <= buckets * 4 + 2);
    CHECK(d.x.size() > buckets);
    CHECK(std::is_sorted(d.x.begin(), d.x.end()));
    CHECK(*std::max_element(d.y.begin(), d.y.end()) == 9.0);
    CHECK(*std::min_element(d.y.begin(), d.y.end()) == -5.0);
    // Every bucket's true extremes appear.
    const double width = (n - 1) / static_cast<double>(buckets);
    for (int b = 0; b < buckets; b += 37) {
        const auto from = static_cast<std::size_t>(std::ceil(b * width));
        const auto to = std::min<std::size_t>(static_cast<std::size_t>(std::ceil((b + 1) * width)), n);
        const double hi = *std::max_element(y.begin() + static_cast<long>(from), y.begin() + static_cast<long>(to));
        CHECK(std::find(d.y.begin(), d.y.end(), hi) != d.y.end());
    }
    // A zoomed window keeps one point beyond each edge so the line runs off the plot.
    const auto z = widgets::decimateMinMax(x, y, 1000.5, 1100.5, buckets);
    CHECK(z.x.front() == 1000.0);
    CHECK(z.x.back() == 1101.0);
    CHECK(z.x.size() == 102);
}

TEST_CASE("curve widget: overlay, rewrite on resume, log scale, read-out", "[widgets][plot]") {
    test::app();
    widgets::CurvePlot curves;
    curves.resize(800, 500);
    for (int step = 1; step <= 50; ++step) {
        curves.appendPoint(QStringLiteral("a"), QStringLiteral("loss"), step, 1.0 / step);
        curves.appendPoint(QStringLiteral("b"), QStringLiteral("loss"), step, 2.0 / step);
        curves.appendPoint(QStringLiteral("a"), QStringLiteral("lr"), step, 1e-3);
    }
    curves.redraw();
    CHECK(curves.graphCount() == 3);
    curves.setVisibleMetrics({QStringLiteral("loss")});
    CHECK(curves.graphCount() == 2);
    CHECK(curves.legendNames() == (QStringList{QStringLiteral("a"), QStringLiteral("b")}));
    // A resumed run re-sends steps from its checkpoint on: later points are replaced.
    curves.appendPoint(QStringLiteral("a"), QStringLiteral("loss"), 41, 0.5);
    CHECK(curves.storedPoints(QStringLiteral("a"), QStringLiteral("loss")) == 41);
    curves.setLogScale(true);
    CHECK(curves.plot()->yAxis->scaleType() == QCPAxis::stLogarithmic);
    curves.show();
    QCoreApplication::processEvents();
    curves.redraw();
    curves.plot()->replot();  // lays the axes out at the widget's size for pixel conversions
    // The read-out names the series under the cursor.
    const auto* plot = curves.plot();
    const QPoint onB(static_cast<int>(plot->xAxis->coordToPixel(10)), static_cast<int>(plot->yAxis->coordToPixel(0.2)));
    CHECK(curves.readoutAt(onB).startsWith(QStringLiteral("b · loss: step 10")));
    const QPoint onA(static_cast<int>(plot->xAxis->coordToPixel(10)), static_cast<int>(plot->yAxis->coordToPixel(0.1)));
    CHECK(curves.readoutAt(onA).startsWith(QStringLiteral("a · loss: step 10")));
    curves.removeRun(QStringLiteral("a"));
    CHECK(curves.graphCount() == 1);
}
