// Training curves: any number of (run, metric) series against step, overlaid in distinct colours
// with a legend; EMA smoothing, log scale, zoom and pan, a hover read-out. Every point is kept;
// drawing uses a min/max decimation of the visible range to the plot's width, so runs of 100k
// steps redraw quickly. Live points are appended as they arrive and redrawn on a short timer.
#pragma once

#include <QString>
#include <QStringList>
#include <QWidget>

#include <map>
#include <utility>
#include <vector>

class QCustomPlot;
class QCPGraph;
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

    // Redraws now (normally done by a timer after new points).
    void redraw();
    int redrawCount() const { return redraws_; }
    // Points stored and points handed to the plot for one series (after smoothing/decimation).
    std::size_t storedPoints(const QString& run, const QString& metric) const;
    int drawnPoints(const QString& run, const QString& metric) const;
    // Number of graphs currently drawn, and the legend's names.
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
    void scheduleRedraw();
    void onRangeChanged();
    void onMouseMove(QMouseEvent* event);
    void rebuildGraphs();
    void rescaleAll();

    QCustomPlot* plot_ = nullptr;
    QLabel* readout_ = nullptr;
    QTimer* timer_ = nullptr;
    std::map<Key, Series> series_;
    QStringList visibleMetrics_;
    bool metricsFiltered_ = false;
    double smoothing_ = 0.0;
    bool logScale_ = false;
    bool userZoomed_ = false;
    bool settingRange_ = false;
    int redraws_ = 0;
};

}  // namespace genra::widgets
