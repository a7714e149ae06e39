// Scatter and curve drawing cost, offscreen. The t-SNE scatter with 100k points against the same
// scatter with 10k points (how drawing scales) and against a plain reference measured in the same
// process: 100k filled dots painted with QPainter straight into a QImage of the same size. The
// training curve with 100k steps per series, whose min/max decimation should make redraws cost
// about the same as for 1k steps.
#include "widgets/embeddings_scatter.h"
#include "widgets/plot_curves.h"

#include "widgets/plot_qcp.h"

#include <QApplication>
#include <QImage>
#include <QPainter>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <random>

using Clock = std::chrono::steady_clock;
using namespace genra::widgets;

namespace {

double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

Projection blobs(int points) {
    Projection p;
    std::mt19937 rng(1);
    std::normal_distribution<double> normal;
    for (int i = 0; i < points; ++i) {
        ProjectionPoint point;
        point.kind = i % 2 ? PointKind::Generated : PointKind::Real;
        point.itemId = i;
        point.captionId = i / 2;
        const double centre = (i % 20) * 3.0;
        point.x = centre + normal(rng);
        point.y = (i % 2 ? 4.0 : 0.0) + normal(rng);
        point.linkedReal = i % 2 ? i - 1 : -1;
        p.points.push_back(point);
    }
    return p;
}

// Seconds to load a projection into the scatter and render one frame, best of `repeats`.
double scatterSeconds(int points, int repeats, bool links) {
    double best = 1e9;
    for (int r = 0; r < repeats; ++r) {
        ScatterPlot plot;
        plot.resize(900, 700);
        plot.setLinksVisible(links);
        auto projection = blobs(points);
        const auto t0 = Clock::now();
        plot.setProjection(std::move(projection));
        (void)plot.plot()->toPixmap(900, 700);
        best = std::min(best, since(t0));
    }
    return best;
}

double referenceSeconds(int points, int repeats) {
    const auto projection = blobs(points);
    double best = 1e9;
    for (int r = 0; r < repeats; ++r) {
        const auto t0 = Clock::now();
        QImage image(900, 700, QImage::Format_ARGB32_Premultiplied);
        image.fill(Qt::white);
        QPainter painter(&image);
        painter.setRenderHint(QPainter::Antialiasing);
        painter.setPen(Qt::NoPen);
        for (const auto& p : projection.points) {
            painter.setBrush(p.kind == PointKind::Real ? QColor(31, 119, 180) : QColor(214, 39, 40));
            painter.drawEllipse(QPointF(p.x * 14 + 20, p.y * 60 + 100), 1.5, 1.5);
        }
        painter.end();
        best = std::min(best, since(t0));
    }
    return best;
}

double curveSeconds(int steps, int repeats) {
    CurvePlot curves;
    curves.resize(900, 500);
    for (int run = 0; run < 3; ++run) {
        std::vector<double> x(static_cast<std::size_t>(steps));
        std::vector<double> y(x.size());
        for (int i = 0; i < steps; ++i) {
            x[static_cast<std::size_t>(i)] = i;
            y[static_cast<std::size_t>(i)] = std::exp(-i / (steps / 4.0)) + 0.05 * std::sin(i * 0.7 + run);
        }
        curves.setSeries(QStringLiteral("run%1").arg(run), QStringLiteral("loss"), x, y);
    }
    curves.setSmoothing(0.6);
    double best = 1e9;
    for (int r = 0; r < repeats; ++r) {
        const auto t0 = Clock::now();
        curves.setSmoothing(r % 2 ? 0.6 : 0.61);  // forces smoothing + decimation of every series
        (void)curves.plot()->toPixmap(900, 500);
        best = std::min(best, since(t0));
    }
    return best;
}

}  // namespace

int main(int argc, char** argv) {
    qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    const int big = 100000;
    const int small = 10000;
    const double s100k = scatterSeconds(big, 3, false);
    const double s10k = scatterSeconds(small, 3, false);
    const double s100kLinks = scatterSeconds(big, 3, true);
    const double reference = referenceSeconds(big, 3);
    std::printf("scatter, load + first frame (best of 3, offscreen 900x700):\n");
    std::printf("  100k points            %8.1f ms\n", s100k * 1e3);
    std::printf("  10k points             %8.1f ms   100k/10k ratio %.2f\n", s10k * 1e3, s100k / s10k);
    std::printf("  100k points + links    %8.1f ms\n", s100kLinks * 1e3);
    std::printf("  reference: 100k QPainter dots into a QImage %8.1f ms   scatter/reference %.2f\n", reference * 1e3,
                s100k / reference);
    const double c100k = curveSeconds(100000, 6);
    const double c1k = curveSeconds(1000, 6);
    std::printf("training curves, 3 runs, smoothing change + redraw (best of 6):\n");
    std::printf("  100k steps per run     %8.1f ms\n", c100k * 1e3);
    std::printf("  1k steps per run       %8.1f ms   100k/1k ratio %.2f\n", c1k * 1e3, c100k / c1k);
    return 0;
}
