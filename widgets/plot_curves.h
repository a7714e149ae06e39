// Training curves: any number of (run, metric) series against step, overlaid in distinct colours
// with a legend; EMA smoothing, log scale, zoom and pan, a hover read-out. Every point is kept;
// drawing uses a min/max decimation of the visible range to the plot's width, so runs of 100k
// steps redraw quickly. Live points are appended as they arrive and redrawn on a short timer.
// Runs of one method can be grouped (demo-x, demo-x-seed2, ... as "demo-x"): the group is drawn as
// its mean with a band from the lowest to the highest run at each step. A vertical cursor follows
// the mouse and the read-out lists every drawn curve's value at its step.
#pragma once

#include <QString>
#include <QStringList>
#include <QWidget>

#include <QList>
#include <QPair>

#include <limits>
#include <map>
#include <utility>
#include <vector>

class QCustomPlot;
class QCPGraph;
class QCPItemStraightLine;
class QLabel;
class QMouseEvent;
class QTimer;

namespace genra::widgets {

class CurvePlot : public QWidget {
    Q_OBJECT
public:
    explicit CurvePlot(QWidget* parent = nullptr);

    // Adds one point; steps of a series must arrive in increasing order (a repeated or older step
    // replaces the points from there on, as a resumed run rewrites them).
    void appendPoint(const QString& run, const QString& metric, double step, double value);
    // Replaces a whole series (a finished run loaded from the workspace).
    void setSeries(const QString& run, const QString& metric, std::vector<double> steps, std::vector<double> values);
    void removeRun(const QString& run);
    void clear();

    // Metrics drawn; series of other metrics are kept but hidden. Until this is called every
    // metric is drawn.
    void setVisibleMetrics(const QStringList& metrics);
    QStringList metrics() const;  // every metric name seen
    QStringList runs() const;
    void setSmoothing(double weight);  // 0 .. 0.99
    double smoothing() const { return smoothing_; }
    void setLogScale(bool on);
    bool logScale() const { return logScale_; }

    // Draws runs that differ only by a "-seedN" suffix as one group: mean line and min/max band.
    void setGroupSeeds(bool on);
    bool groupSeeds() const { return groupSeeds_; }
    // The group a run belongs to: its name without a trailing "-seedN".
    static QString groupOf(const QString& run);
    // Groups drawn as a band (two or more runs shown), as "group · metric" when several metrics
    // are shown.
    QStringList bandNames() const;
    // The band of `group` and `metric` at `step`: lowest, mean and highest of its runs' (smoothed)
    // values there, interpolated between stored steps; NaNs when no run covers the step.
    struct BandValue {
        double low = 0.0;
        double mean = 0.0;
        double high = 0.0;
        int runs = 0;
    };
    BandValue bandAt(const QString& group, const QString& metric, double step) const;

    // Puts the vertical cursor at `step` (NaN hides it); the read-out lists each drawn curve's
    // value there.
    void setCursorStep(double step);
    double cursorStep() const { return cursorStep_; }
    // Name and value at `step` of each drawn curve (runs, and group means with their range), in
    // legend order.
    QList<QPair<QString, double>> valuesAt(double step) const;
    QString readoutText() const;

    // Redraws now (normally done by a timer after new points).
    void redraw();
    int redrawCount() const { return redraws_; }
    // Points stored and points handed to the plot for one series (after smoothing/decimation).
    std::size_t storedPoints(const QString& run, const QString& metric) const;
    int drawnPoints(const QString& run, const QString& metric) const;
    // Number of graphs currently drawn (band edges included), and the legend's names (one per
    // drawn run or group).
    int graphCount() const;
    QStringList legendNames() const;
    QColor colourOf(const QString& run, const QString& metric) const;
    // Text of the hover read-out for the point nearest to the given widget position.
    QString readoutAt(const QPoint& plotPosition) const;

    QCustomPlot* plot() const { return plot_; }

private:
    struct Series {
        std::vector<double> steps;
        std::vector<double> values;
        QCPGraph* graph = nullptr;
        bool dirty = true;
        int drawn = 0;
    };
    using Key = std::pair<QString, QString>;  // run, metric
    // A group of runs drawn as one: mean line, and the band between its low and high curves.
    struct Band {
        QStringList runs;
        QCPGraph* mean = nullptr;
        QCPGraph* low = nullptr;
        QCPGraph* high = nullptr;
    };
    // Each step any of `runs` has for `metric`, with the runs' smoothed values there.
    struct Aggregate {
        std::vector<double> steps;
        std::vector<double> low;
        std::vector<double> mean;
        std::vector<double> high;
    };
    Aggregate aggregate(const QStringList& runs, const QString& metric) const;
    static double valueAt(const std::vector<double>& steps, const std::vector<double>& values, double step);
    QString curveName(const QString& run, const QString& metric) const;
    void scheduleRedraw();
    void onRangeChanged();
    void onMouseMove(QMouseEvent* event);
    void rebuildGraphs();
    void rescaleAll();

    QCustomPlot* plot_ = nullptr;
    QLabel* readout_ = nullptr;
    QTimer* timer_ = nullptr;
    std::map<Key, Series> series_;
    std::map<Key, Band> bands_;  // group, metric
    QCPItemStraightLine* cursor_ = nullptr;
    double cursorStep_ = std::numeric_limits<double>::quiet_NaN();
    bool groupSeeds_ = false;
    QStringList visibleMetrics_;
    bool metricsFiltered_ = false;
    double smoothing_ = 0.0;
    bool logScale_ = false;
    bool userZoomed_ = false;
    bool settingRange_ = false;
    int redraws_ = 0;
};

}  // namespace genra::widgets
