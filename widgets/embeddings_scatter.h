// The t-SNE scatter of one projection: by default real points blue and generated red (as in the
// paper's Figure 3), caption points green; or coloured by split, by a dataset attribute (Shapes'
// shape, colour, ...) or by each generated image's cosine to its real image. Optional lines from
// each generated image to its real image; zoom and pan; hover shows the caption and the image's
// thumbnail; a click, a box or a lasso (drag in that selection mode) selects points and emits the
// captions they stand for; captions selected elsewhere (the browser) are highlighted with a ring.
// Points are drawn by a PointCloud, so maps of a million points pan and zoom smoothly.
#pragma once

#include "widgets/embeddings_data.h"

#include <QList>
#include <QPolygonF>
#include <QString>
#include <QStringList>
#include <QWidget>

#include <limits>
#include <utility>
#include <vector>

class QCustomPlot;
class QCPColorScale;
class QCPCurve;
class QCPGraph;
class QMouseEvent;

namespace genra::widgets {

class PointCloud;

// What the points' colours show.
enum class ColourBy { Modality = 1, Split, Attribute, Cosine };
// What a left-button drag does.
enum class DragMode { Pan = 1, Box, Lasso };

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
    void setLassoMode(bool on) { setDragMode(on ? DragMode::Lasso : DragMode::Pan); }
    void setDragMode(DragMode mode);
    DragMode dragMode() const { return dragMode_; }
    // Colours the points; `attribute` names the attribute key for ColourBy::Attribute. Cosines are
    // read from the workspace's stored vectors the first time they are asked for.
    void setColouring(ColourBy by, const QString& attribute = {});
    ColourBy colouring() const { return colourBy_; }
    // The lowest and highest cosine of this map's points (read from the workspace the first time);
    // NaN, NaN when no point has one.
    std::pair<double, double> cosineRange();
    // Cosine colours span [lo, hi] instead of this map's own range, so that two maps shown together
    // share one scale; NaN restores the map's own range. A new projection restores it too.
    void setCosineScale(double lo, double hi);
    // The range the cosine colours span now (NaN, NaN when nothing is coloured by cosine).
    std::pair<double, double> cosineScale() const { return shownScale_; }
    // Whether this map shows the colour bar of the cosine colouring (on by default; a view showing
    // two maps on one scale gives one of them the bar).
    void setColourBarVisible(bool visible);
    // The colour bar, when it is shown (cosine colouring with a range and the bar wanted); else null.
    QCPColorScale* colourBar() const;
    // The legend's entries for the current colouring, in order.
    QStringList legendNames() const;
    // The colour point `index` is drawn in.
    QColor colourOf(int index) const;

    // Selects the points inside a polygon given in plot coordinates; emits captionsSelected.
    void selectInPolygon(const QPolygonF& polygon);
    // Selects the points inside a rectangle given in plot coordinates; emits captionsSelected.
    void selectInRect(const QRectF& rect);
    // Selects every point standing for one of these captions, without emitting (linked panes).
    void setSelectedCaptions(const QList<qint64>& captionIds);
    QList<int> selectedPoints() const { return selected_; }
    // Rings every point standing for one of these captions (the browser's selected rows), apart
    // from the selection; emits nothing.
    void setHighlightedCaptions(const QList<qint64>& captionIds);
    QList<int> highlightedPoints() const { return highlighted_; }
    QList<qint64> selectedCaptions() const;
    // The point nearest to a widget position within `radiusPx`, or -1.
    int pointAt(const QPoint& position, double radiusPx = 8.0) const;
    // What the hover read-out shows for a point (caption text; HTML with a thumbnail when found).
    QString describePoint(int index) const;
    // The point the mouse last hovered and the read-out shown for it (-1 and empty when none).
    int hoveredPoint() const { return hovered_; }
    QString hoverText() const { return hoverText_; }
    // The file the read-out's thumbnail shows for a point, empty when there is none.
    QString imagePathOf(int index) const;

    QCustomPlot* plot() const { return plot_; }

Q_SIGNALS:
    void captionsSelected(const QList<qint64>& captionIds);

private:
    void onPress(QMouseEvent* event);
    void onMove(QMouseEvent* event);
    void onRelease(QMouseEvent* event);
    void updateSelectionGraph();
    void updateColours();
    void updateColourBar();
    void loadCosines();
    void emitSelection();
    QList<int> pointsOf(const QList<qint64>& captionIds) const;
    QPointF toPlot(const QPoint& position) const;

    QCustomPlot* plot_ = nullptr;
    PointCloud* cloud_ = nullptr;
    QList<QCPGraph*> legendKeys_;  // empty graphs that give the legend its entries
    QCPCurve* links_ = nullptr;
    QCPCurve* lasso_ = nullptr;
    store::Workspace* workspace_ = nullptr;
    Projection projection_;
    QList<int> selected_;
    QList<int> highlighted_;
    std::vector<double> cosines_;  // per point, read on first use
    QCPColorScale* colourBar_ = nullptr;
    bool colourBarWanted_ = true;
    // The shared range (NaN: the map's own) and the range the colours span now.
    std::pair<double, double> cosineScale_{std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::quiet_NaN()};
    std::pair<double, double> shownScale_ = cosineScale_;
    ColourBy colourBy_ = ColourBy::Modality;
    QString attribute_;
    QPolygonF lassoPolygon_;
    DragMode dragMode_ = DragMode::Pan;
    int hovered_ = -1;
    QString hoverText_;
    bool dragging_ = false;
    bool linksVisible_ = false;
    QPoint pressPosition_;
};

}  // namespace genra::widgets
