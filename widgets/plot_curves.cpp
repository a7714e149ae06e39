#include "widgets/plot_curves.h"

#include "widgets/plot_util.h"

#include "widgets/plot_qcp.h"

#include <QLabel>
#include <QRegularExpression>
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
    bands_.clear();
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

QString CurvePlot::groupOf(const QString& run) {
    static const QRegularExpression seed(QStringLiteral("-seed\\d+$"));
    QString group = run;
    group.remove(seed);
    return group;
}

QString CurvePlot::curveName(const QString& run, const QString& metric) const {
    return visibleMetrics_.size() == 1 ? run : run + QStringLiteral(" · ") + metric;
}

// One graph per visible series, coloured by its position so overlaid runs stay distinct; with
// seed groups, a group of two or more shown runs is one colour: its mean and its min/max band.
void CurvePlot::rebuildGraphs() {
    std::map<Key, QStringList> groups;  // group, metric -> runs shown
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
        if (groupSeeds_) groups[{groupOf(key.first), key.second}] << key.first;
    }
    for (auto it = bands_.begin(); it != bands_.end();) {
        const auto g = groups.find(it->first);
        if (g == groups.end() || g->second.size() < 2) {
            for (auto* graph : {it->second.high, it->second.low, it->second.mean}) plot_->removeGraph(graph);
            it = bands_.erase(it);
        } else {
            ++it;
        }
    }
    int index = 0;
    for (auto& [key, s] : series_) {
        if (!s.graph) continue;
        s.graph->setName(curveName(key.first, key.second));
        s.graph->setAdaptiveSampling(false);  // we decimate ourselves
        const Key groupKey{groupOf(key.first), key.second};
        const auto g = groups.find(groupKey);
        const bool banded = g != groups.end() && g->second.size() >= 2;
        s.graph->setVisible(!banded);
        if (!banded) {
            s.graph->addToLegend();
            s.graph->setPen(QPen(seriesColour(index++), 1.5));
            continue;
        }
        s.graph->removeFromLegend();
        if (g->second.first() != key.first) continue;  // the group's first run sets it up
        auto& band = bands_[groupKey];
        band.runs = g->second;
        if (!band.mean) {
            band.low = plot_->addGraph();
            band.high = plot_->addGraph();
            band.mean = plot_->addGraph();
            for (auto* graph : {band.low, band.high}) {
                graph->removeFromLegend();
                graph->setAdaptiveSampling(false);
            }
            band.mean->setAdaptiveSampling(false);
            band.high->setChannelFillGraph(band.low);
        }
        const QColor colour = seriesColour(index++);
        QColor fill = colour;
        fill.setAlpha(60);
        QColor edge = colour;
        edge.setAlpha(110);
        band.low->setPen(QPen(edge, 0.8));
        band.high->setPen(QPen(edge, 0.8));
        band.high->setBrush(fill);
        band.mean->setPen(QPen(colour, 1.8));
        band.mean->setName(tr("%1 (%2 runs, min–max)").arg(curveName(groupKey.first, key.second)).arg(band.runs.size()));
    }
    if (visibleMetrics_.size() == 1) plot_->yAxis->setLabel(visibleMetrics_.first());
    else plot_->yAxis->setLabel(QString());
}

void CurvePlot::setGroupSeeds(bool on) {
    if (groupSeeds_ == on) return;
    groupSeeds_ = on;
    rebuildGraphs();
    redraw();
}

QStringList CurvePlot::bandNames() const {
    QStringList names;
    for (const auto& [key, band] : bands_) names << curveName(key.first, key.second);
    return names;
}

double CurvePlot::valueAt(const std::vector<double>& steps, const std::vector<double>& values, double step) {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    if (steps.empty() || !(step >= steps.front()) || !(step <= steps.back())) return nan;
    const auto it = std::lower_bound(steps.begin(), steps.end(), step);
    const auto i = static_cast<std::size_t>(it - steps.begin());
    if (steps[i] == step || i == 0) return values[i];
    const double t = (step - steps[i - 1]) / (steps[i] - steps[i - 1]);
    return values[i - 1] + t * (values[i] - values[i - 1]);
}

CurvePlot::Aggregate CurvePlot::aggregate(const QStringList& runs, const QString& metric) const {
    std::vector<std::pair<const std::vector<double>*, std::vector<double>>> members;
    std::vector<double> steps;
    for (const auto& run : runs) {
        const auto it = series_.find({run, metric});
        if (it == series_.end() || it->second.steps.empty()) continue;
        members.emplace_back(&it->second.steps, emaSmooth(it->second.values, smoothing_));
        steps.insert(steps.end(), it->second.steps.begin(), it->second.steps.end());
    }
    std::sort(steps.begin(), steps.end());
    steps.erase(std::unique(steps.begin(), steps.end()), steps.end());
    Aggregate out;
    for (double step : steps) {
        double low = std::numeric_limits<double>::infinity();
        double high = -low;
        double sum = 0.0;
        int count = 0;
        for (const auto& [memberSteps, values] : members) {
            const double v = valueAt(*memberSteps, values, step);
            if (!std::isfinite(v)) continue;
            low = std::min(low, v);
            high = std::max(high, v);
            sum += v;
            ++count;
        }
        if (count == 0) continue;
        out.steps.push_back(step);
        out.low.push_back(low);
        out.high.push_back(high);
        out.mean.push_back(sum / count);
    }
    return out;
}

CurvePlot::BandValue CurvePlot::bandAt(const QString& group, const QString& metric, double step) const {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    BandValue value{nan, nan, nan, 0};
    const auto it = bands_.find({group, metric});
    if (it == bands_.end()) return value;
    const auto a = aggregate(it->second.runs, metric);
    value.low = valueAt(a.steps, a.low, step);
    value.mean = valueAt(a.steps, a.mean, step);
    value.high = valueAt(a.steps, a.high, step);
    value.runs = static_cast<int>(it->second.runs.size());
    return value;
}

void CurvePlot::setCursorStep(double step) {
    cursorStep_ = step;
    if (!cursor_) {
        cursor_ = new QCPItemStraightLine(plot_);
        cursor_->setPen(QPen(QColor(90, 90, 90), 1, Qt::DashLine));
        cursor_->setSelectable(false);
    }
    cursor_->setVisible(std::isfinite(step));
    if (std::isfinite(step)) {
        cursor_->point1->setCoords(step, 0);
        cursor_->point2->setCoords(step, 1);
    }
    readout_->setText(readoutText());
    plot_->replot(QCustomPlot::rpQueuedReplot);
}

QList<QPair<QString, double>> CurvePlot::valuesAt(double step) const {
    QList<QPair<QString, double>> out;
    for (const auto& [key, s] : series_) {
        if (!s.graph || !s.graph->visible()) continue;
        const double v = valueAt(s.steps, emaSmooth(s.values, smoothing_), step);
        if (std::isfinite(v)) out << qMakePair(curveName(key.first, key.second), v);
    }
    for (const auto& [key, band] : bands_) {
        const double v = bandAt(key.first, key.second, step).mean;
        if (std::isfinite(v)) out << qMakePair(curveName(key.first, key.second), v);
    }
    return out;
}

QString CurvePlot::readoutText() const {
    if (!std::isfinite(cursorStep_)) return {};
    QStringList parts;
    for (const auto& [name, value] : valuesAt(cursorStep_)) {
        QString part = QStringLiteral("%1 %2").arg(name).arg(value, 0, 'g', 4);
        for (const auto& [key, band] : bands_) {
            if (curveName(key.first, key.second) != name) continue;
            const auto b = bandAt(key.first, key.second, cursorStep_);
            part += QStringLiteral(" [%1, %2]").arg(b.low, 0, 'g', 4).arg(b.high, 0, 'g', 4);
        }
        parts << part;
    }
    return tr("step %1: %2").arg(static_cast<qint64>(std::llround(cursorStep_))).arg(parts.join(QStringLiteral(" · ")));
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
    for (auto& [key, band] : bands_) {
        const auto a = aggregate(band.runs, key.second);
        for (auto [graph, values] : {std::pair<QCPGraph*, const std::vector<double>*>{band.low, &a.low},
                                     std::pair<QCPGraph*, const std::vector<double>*>{band.high, &a.high},
                                     std::pair<QCPGraph*, const std::vector<double>*>{band.mean, &a.mean}}) {
            const auto d = decimateMinMax(a.steps, *values, range.lower, range.upper, buckets);
            graph->setData(d.x, d.y, true);
        }
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
    for (int i = 0; i < plot_->graphCount(); ++i) {
        auto* graph = plot_->graph(i);
        if (graph->visible() && plot_->legend->hasItemWithPlottable(graph)) names << fullName(graph);
    }
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

void CurvePlot::onMouseMove(QMouseEvent* event) {
    // The cursor follows the mouse over the axis rect; the read-out lists every curve there.
    if (plot_->axisRect()->rect().contains(event->pos())) setCursorStep(plot_->xAxis->pixelToCoord(event->pos().x()));
    else readout_->setText(readoutAt(event->pos()));
}

}  // namespace genra::widgets
