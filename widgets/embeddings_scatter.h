// The t-SNE scatter of one projection: real points blue and generated red (as in the paper's
// Figure 3), caption points green, optional lines from each generated image to its real image;
// zoom and pan; hover shows the caption and a thumbnail; a click or a lasso (drag while the lasso
// mode is on) selects points and emits the captions they stand for.
#pragma once

#include "widgets/embeddings_data.h"

#include <QList>
#include <QPolygonF>
#include <QWidget>

class QCustomPlot;
class QCPCurve;
class QCPGraph;
class QMouseEvent;

namespace genra::widgets {

class ScatterPlot : public QWidget {
    Q_OBJECT
public:
    explicit ScatterPlot(QWidget* parent = nullptr);

    // Hover read-outs look captions and image paths up here (may be nullptr).
    void setWorkspace(store::Workspace* workspace) { workspace_ = workspace; }
    void setProjection(Projection projection);
    const Projection& projection() const { return projection_; }
    void setTitle(const QString& title);
    void setLinksVisible(bool visible);
    bool linksVisible() const { return linksVisible_; }
    void setLassoMode(bool on);

    // Selects the points inside a polygon given in plot coordinates; emits captionsSelected.
    void selectInPolygon(const QPolygonF& polygon);
    // Highlights every point standing for one of these captions, without emitting (linked panes).
    void setSelectedCaptions(const QList<qint64>& captionIds);
    QList<int> selectedPoints() const { return selected_; }
    QList<qint64> selectedCaptions() const;
    // The point nearest to a widget position within `radiusPx`, or -1.
    int pointAt(const QPoint& position, double radiusPx = 8.0) const;
    // What the hover read-out shows for a point (caption text; HTML with a thumbnail when found).
    QString describePoint(int index) const;

    QCustomPlot* plot() const { return plot_; }

Q_SIGNALS:
    void captionsSelected(const QList<qint64>& captionIds);

private:
    void onPress(QMouseEvent* event);
    void onMove(QMouseEvent* event);
    void onRelease(QMouseEvent* event);
    void updateSelectionGraph();
    void emitSelection();

    QCustomPlot* plot_ = nullptr;
    QCPGraph* real_ = nullptr;
    QCPGraph* generated_ = nullptr;
    QCPGraph* captions_ = nullptr;
    QCPGraph* selection_ = nullptr;
    QCPCurve* links_ = nullptr;
    QCPCurve* lasso_ = nullptr;
    store::Workspace* workspace_ = nullptr;
    Projection projection_;
    QList<int> selected_;
    QPolygonF lassoPolygon_;
    bool lassoMode_ = false;
    bool dragging_ = false;
    bool linksVisible_ = false;
    QPoint pressPosition_;
};

}  // namespace genra::widgets
