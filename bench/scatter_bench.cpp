// Scatter and curve drawing cost, offscreen. The t-SNE scatter with 100k points against the same
// scatter with 10k points (how drawing scales) and against a plain reference measured in the same
// process: 100k filled dots painted with QPainter straight into a QImage of the same size. Pan and
// zoom frames of a shown map (range change + immediate replot and repaint) at 1M points against
// the same frames at 1k points, and one frame of 1M points as a plain QCustomPlot scatter graph
// for comparison. The training curve with 100k steps per series, whose min/max decimation should
// make redraws cost about the same as for 1k steps.
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

struct FrameTimes {
    double meanMs = 0.0;
    double maxMs = 0.0;
};

// A shown 900 x 700 map: `frames` alternating pans (2 % of the range) and zooms (3 %), each a
// range change and an immediate replot and repaint, as a drag or the wheel makes them.
FrameTimes panZoomFrames(int points, int frames) {
    ScatterPlot plot;
    plot.resize(900, 700);
    plot.show();
    plot.setProjection(blobs(points));
    QCoreApplication::processEvents();
    auto* qcp = plot.plot();
    qcp->replot(QCustomPlot::rpImmediateRefresh);
    FrameTimes times;
    for (int f = 0; f < frames; ++f) {
        const auto t0 = Clock::now();
        if (f % 2) {
            qcp->xAxis->scaleRange(f % 4 == 1 ? 0.97 : 1.0 / 0.97);
            qcp->yAxis->scaleRange(f % 4 == 1 ? 0.97 : 1.0 / 0.97);
        } else {
            const double step = qcp->xAxis->range().size() * 0.02 * (f % 8 < 4 ? 1 : -1);
            qcp->xAxis->moveRange(step);
            qcp->yAxis->moveRange(step / 2);
        }
        qcp->replot(QCustomPlot::rpImmediateRefresh);
        const double ms = since(t0) * 1e3;
        times.meanMs += ms / frames;
        times.maxMs = std::max(times.maxMs, ms);
    }
    return times;
}

// The same data as one QCPGraph per colour with disc scatters (adaptive sampling on): one frame.
double plainGraphFrameMs(int points) {
    QCustomPlot plot;
    plot.resize(900, 700);
    plot.show();
    const auto projection = blobs(points);
    for (int kind = 0; kind < 2; ++kind) {
        QVector<double> x;
        QVector<double> y;
        for (const auto& p : projection.points) {
            if ((p.kind == PointKind::Real) != (kind == 0)) continue;
            x << p.x;
            y << p.y;
        }
        auto* g = plot.addGraph();
        g->setLineStyle(QCPGraph::lsNone);
        g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, kind ? Qt::red : Qt::blue, 2));
        g->setAdaptiveSampling(true);
        g->setData(x, y);
    }
    plot.rescaleAxes();
    QCoreApplication::processEvents();
    plot.replot(QCustomPlot::rpImmediateRefresh);
    const auto t0 = Clock::now();
    plot.xAxis->moveRange(plot.xAxis->range().size() * 0.02);
    plot.replot(QCustomPlot::rpImmediateRefresh);
    return since(t0) * 1e3;
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
    const FrameTimes million = panZoomFrames(1000000, 40);
    const FrameTimes thousand = panZoomFrames(1000, 40);
    std::printf("map pan/zoom frames, shown 900x700 (mean and worst of 40 frames):\n");
    std::printf("  1M points              %8.1f ms mean  %8.1f ms worst\n", million.meanMs, million.maxMs);
    std::printf("  1k points (reference)  %8.1f ms mean  %8.1f ms worst   1M/1k ratio %.1f\n", thousand.meanMs,
                thousand.maxMs, million.meanMs / thousand.meanMs);
    std::printf("  1M points as a plain QCPGraph disc scatter: one frame %8.1f ms\n", plainGraphFrameMs(1000000));
    const double c100k = curveSeconds(100000, 6);
    const double c1k = curveSeconds(1000, 6);
    std::printf("training curves, 3 runs, smoothing change + redraw (best of 6):\n");
    std::printf("  100k steps per run     %8.1f ms\n", c100k * 1e3);
    std::printf("  1k steps per run       %8.1f ms   100k/1k ratio %.2f\n", c1k * 1e3, c100k / c1k);
    return 0;
}
