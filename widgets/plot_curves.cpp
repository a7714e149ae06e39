#include "widgets/plot_curves.h"

#include "widgets/plot_util.h"

#include "widgets/plot_qcp.h"

#include <QLabel>
#include <QTimer>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <limits>

namespace genra::widgets {

CurvePlot::CurvePlot(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    plot_ = new QCustomPlot(this);
    plot_->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    plot_->xAxis->setLabel(tr("step"));
    plot_->legend->setVisible(true);
    plot_->legend->setFont(font());
    plot_->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);
    plot_->setMinimumHeight(160);
    plot_->setNoAntialiasingOnDrag(true);
    addExportMenu(plot_);
    keepReadable(plot_);
    layout->addWidget(plot_, 1);
    readout_ = new QLabel(this);
    readout_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(readout_);
    timer_ = new QTimer(this);
    timer_->setSingleShot(true);
    timer_->setInterval(100);
    connect(timer_, &QTimer::timeout, this, &CurvePlot::redraw);
    connect(plot_->xAxis, qOverload<const QCPRange&>(&QCPAxis::rangeChanged), this, [this] {
        if (settingRange_) return;
        userZoomed_ = true;
        onRangeChanged();
    });
    connect(plot_, &QCustomPlot::mouseMove, this, &CurvePlot::onMouseMove);
    connect(plot_, &QCustomPlot::mouseDoubleClick, this, [this] {
        userZoomed_ = false;
        rescaleAll();
        redraw();
    });
}

void CurvePlot::appendPoint(const QString& run, const QString& metric, double step, double value) {
    auto& s = series_[{run, metric}];
    if (!s.steps.empty() && step <= s.steps.back()) {
        // A resumed run rewrites its steps from the checkpoint on: drop what it replaces.
        const auto keep = std::lower_bound(s.steps.begin(), s.steps.end(), step) - s.steps.begin();
        s.steps.resize(static_cast<std::size_t>(keep));
        s.values.resize(static_cast<std::size_t>(keep));
    }
    const bool isNew = s.graph == nullptr && s.steps.empty();
    s.steps.push_back(step);
    s.values.push_back(value);
    s.dirty = true;
    if (isNew) rebuildGraphs();
    scheduleRedraw();
}

void CurvePlot::setSeries(const QString& run, const QString& metric, std::vector<double> steps,
                          std::vector<double> values) {
    auto& s = series_[{run, metric}];
    s.steps = std::move(steps);
    s.values = std::move(values);
    s.values.resize(s.steps.size(), std::numeric_limits<double>::quiet_NaN());
    s.dirty = true;
    rebuildGraphs();
    scheduleRedraw();
}

void CurvePlot::removeRun(const QString& run) {
    for (auto it = series_.begin(); it != series_.end();) {
        if (it->first.first == run) {
            if (it->second.graph) plot_->removeGraph(it->second.graph);
            it = series_.erase(it);
        } else {
            ++it;
        }
    }
    rebuildGraphs();
    scheduleRedraw();
}

void CurvePlot::clear() {
    plot_->clearGraphs();
    series_.clear();
    userZoomed_ = false;
    redraw();
}

void CurvePlot::setVisibleMetrics(const QStringList& metrics) {
    visibleMetrics_ = metrics;
    metricsFiltered_ = true;
    rebuildGraphs();
    userZoomed_ = false;
    redraw();
}

QStringList CurvePlot::metrics() const {
    QStringList out;
    for (const auto& [key, s] : series_) {
        if (!out.contains(key.second)) out << key.second;
    }
    out.sort();
    return out;
}

QStringList CurvePlot::runs() const {
    QStringList out;
    for (const auto& [key, s] : series_) {
        if (!out.contains(key.first)) out << key.first;
    }
    return out;
}

void CurvePlot::setSmoothing(double weight) {
    smoothing_ = std::clamp(weight, 0.0, 0.99);
    for (auto& [key, s] : series_) s.dirty = true;
    redraw();
}

void CurvePlot::setLogScale(bool on) {
    logScale_ = on;
    if (on) {
        plot_->yAxis->setScaleType(QCPAxis::stLogarithmic);
        plot_->yAxis->setTicker(QSharedPointer<QCPAxisTickerLog>(new QCPAxisTickerLog));
    } else {
        plot_->yAxis->setScaleType(QCPAxis::stLinear);
        plot_->yAxis->setTicker(QSharedPointer<QCPAxisTicker>(new QCPAxisTicker));
    }
    rescaleAll();
    redraw();
}

// One graph per visible series, coloured by its position so overlaid runs stay distinct.
void CurvePlot::rebuildGraphs() {
    int index = 0;
    for (auto& [key, s] : series_) {
        const bool visible = !metricsFiltered_ || visibleMetrics_.contains(key.second);
        if (!visible) {
            if (s.graph) {
                plot_->removeGraph(s.graph);
                s.graph = nullptr;
            }
            continue;
        }
        if (!s.graph) {
            s.graph = plot_->addGraph();
            s.dirty = true;
        }
        const bool oneMetric = visibleMetrics_.size() == 1;
        s.graph->setName(oneMetric ? key.first : key.first + QStringLiteral(" · ") + key.second);
        s.graph->setPen(QPen(seriesColour(index), 1.5));
        s.graph->setAdaptiveSampling(false);  // we decimate ourselves
        ++index;
    }
    if (visibleMetrics_.size() == 1) plot_->yAxis->setLabel(visibleMetrics_.first());
    else plot_->yAxis->setLabel(QString());
}

void CurvePlot::scheduleRedraw() {
    if (!timer_->isActive()) timer_->start();
}

void CurvePlot::onRangeChanged() {
    for (auto& [key, s] : series_) s.dirty = true;
    scheduleRedraw();
}

void CurvePlot::rescaleAll() {
    double lo = std::numeric_limits<double>::infinity();
    double hi = -lo;
    double ylo = lo;
    double yhi = -lo;
    for (const auto& [key, s] : series_) {
        if (!s.graph || s.steps.empty()) continue;
        lo = std::min(lo, s.steps.front());
        hi = std::max(hi, s.steps.back());
        for (double v : s.values) {
            if (!std::isfinite(v) || (logScale_ && v <= 0)) continue;
            ylo = std::min(ylo, v);
            yhi = std::max(yhi, v);
        }
    }
    if (!std::isfinite(lo)) return;
    settingRange_ = true;
    plot_->xAxis->setRange(lo, hi > lo ? hi : lo + 1);
    if (std::isfinite(ylo)) {
        if (logScale_) plot_->yAxis->setRange(ylo / 1.2, yhi * 1.2);
        else {
            const double pad = yhi > ylo ? (yhi - ylo) * 0.05 : std::max(1e-6, std::abs(ylo) * 0.05);
            plot_->yAxis->setRange(ylo - pad, yhi + pad);
        }
    }
    settingRange_ = false;
}

void CurvePlot::redraw() {
    timer_->stop();
    if (!userZoomed_) rescaleAll();
    const auto range = plot_->xAxis->range();
    const int buckets = std::max(50, plot_->axisRect()->width());
    for (auto& [key, s] : series_) {
        if (!s.graph || !s.dirty) continue;
        const auto smoothed = emaSmooth(s.values, smoothing_);
        const auto d = decimateMinMax(s.steps, smoothed, range.lower, range.upper, buckets);
        s.graph->setData(d.x, d.y, true);
        s.drawn = static_cast<int>(d.x.size());
        s.dirty = false;
    }
    plot_->replot(QCustomPlot::rpQueuedReplot);
    ++redraws_;
}

std::size_t CurvePlot::storedPoints(const QString& run, const QString& metric) const {
    const auto it = series_.find({run, metric});
    return it == series_.end() ? 0 : it->second.steps.size();
}

int CurvePlot::drawnPoints(const QString& run, const QString& metric) const {
    const auto it = series_.find({run, metric});
    return it == series_.end() || !it->second.graph ? 0 : it->second.graph->dataCount();
}

int CurvePlot::graphCount() const { return plot_->graphCount(); }

QStringList CurvePlot::legendNames() const {
    QStringList names;
    for (int i = 0; i < plot_->graphCount(); ++i) names << fullName(plot_->graph(i));
    return names;
}

QColor CurvePlot::colourOf(const QString& run, const QString& metric) const {
    const auto it = series_.find({run, metric});
    return it == series_.end() || !it->second.graph ? QColor() : it->second.graph->pen().color();
}

QString CurvePlot::readoutAt(const QPoint& position) const {
    double best = 400.0;  // squared pixels: within 20 px
    QString text;
    const double key = plot_->xAxis->pixelToCoord(position.x());
    for (const auto& [k, s] : series_) {
        if (!s.graph || s.steps.empty()) continue;
        auto it = std::lower_bound(s.steps.begin(), s.steps.end(), key);
        std::size_t candidates[2] = {static_cast<std::size_t>(it - s.steps.begin()), 0};
        candidates[1] = candidates[0] > 0 ? candidates[0] - 1 : candidates[0];
        for (auto i : candidates) {
            if (i >= s.steps.size() || !std::isfinite(s.values[i])) continue;
            const double dx = plot_->xAxis->coordToPixel(s.steps[i]) - position.x();
            const double dy = plot_->yAxis->coordToPixel(s.values[i]) - position.y();
            const double d2 = dx * dx + dy * dy;
            if (d2 < best) {
                best = d2;
                text = tr("%1 · %2: step %3, value %4")
                           .arg(k.first, k.second)
                           .arg(static_cast<qint64>(s.steps[i]))
                           .arg(s.values[i], 0, 'g', 6);
            }
        }
    }
    return text;
}

void CurvePlot::onMouseMove(QMouseEvent* event) { readout_->setText(readoutAt(event->pos())); }

}  // namespace genra::widgets
