#include "widgets/embeddings_scatter.h"

#include "core/store/generations.h"
#include "core/store/workspace.h"
#include "widgets/plot_util.h"

#include "widgets/plot_qcp.h"

#include <QFileInfo>
#include <QToolTip>
#include <QVBoxLayout>

#include <algorithm>
#include <limits>
#include <set>

namespace genra::widgets {

namespace {

QCPGraph* scatterGraph(QCustomPlot* plot, const QColor& colour, const QString& name, double size) {
    auto* g = plot->addGraph();
    g->setLineStyle(QCPGraph::lsNone);
    g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, colour, colour, size));
    g->setName(name);
    g->setAdaptiveSampling(true);
    return g;
}

}  // namespace

ScatterPlot::ScatterPlot(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    plot_ = new QCustomPlot(this);
    plot_->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    plot_->setNoAntialiasingOnDrag(true);
    plot_->setMouseTracking(true);
    addExportMenu(plot_);
    keepReadable(plot_);
    layout->addWidget(plot_);
    links_ = new QCPCurve(plot_->xAxis, plot_->yAxis);
    links_->setPen(QPen(QColor(150, 150, 150, 90), 0.5));
    links_->setName(tr("generated → real"));
    links_->setVisible(false);
    links_->removeFromLegend();
    real_ = scatterGraph(plot_, QColor(31, 119, 180, 200), tr("real"), 3);
    generated_ = scatterGraph(plot_, QColor(214, 39, 40, 200), tr("generated"), 3);
    captions_ = scatterGraph(plot_, QColor(44, 160, 44, 220), tr("caption"), 4);
    selection_ = plot_->addGraph();
    selection_->setLineStyle(QCPGraph::lsNone);
    selection_->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, QPen(Qt::black, 1.5), Qt::NoBrush, 8));
    selection_->setName(tr("selected"));
    selection_->removeFromLegend();
    lasso_ = new QCPCurve(plot_->xAxis, plot_->yAxis);
    lasso_->setPen(QPen(Qt::black, 1, Qt::DashLine));
    lasso_->removeFromLegend();
    plot_->legend->setVisible(true);
    plot_->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);
    connect(plot_, &QCustomPlot::mousePress, this, &ScatterPlot::onPress);
    connect(plot_, &QCustomPlot::mouseMove, this, &ScatterPlot::onMove);
    connect(plot_, &QCustomPlot::mouseRelease, this, &ScatterPlot::onRelease);
}

void ScatterPlot::setTitle(const QString& title) {
    if (plot_->plotLayout()->rowCount() < 2) {
        plot_->plotLayout()->insertRow(0);
        plot_->plotLayout()->addElement(0, 0, new QCPTextElement(plot_, title));
    } else if (auto* text = qobject_cast<QCPTextElement*>(plot_->plotLayout()->element(0, 0))) {
        text->setText(title);
    }
}

void ScatterPlot::setProjection(Projection projection) {
    projection_ = std::move(projection);
    selected_.clear();
    QVector<double> rx, ry, gx, gy, cx, cy;
    QVector<double> lt, lx, ly;
    const double nan = std::numeric_limits<double>::quiet_NaN();
    for (const auto& p : projection_.points) {
        if (p.kind == PointKind::Real) {
            rx << p.x;
            ry << p.y;
        } else if (p.kind == PointKind::Generated) {
            gx << p.x;
            gy << p.y;
            if (p.linkedReal >= 0) {
                const auto& r = projection_.points[static_cast<std::size_t>(p.linkedReal)];
                // Segments separated by NaN gaps in one curve.
                lx << p.x << r.x << nan;
                ly << p.y << r.y << nan;
            }
        } else {
            cx << p.x;
            cy << p.y;
        }
    }
    // Dots shrink as maps grow so that dense clouds keep their structure.
    const std::size_t n = projection_.points.size();
    const double size = n > 20000 ? 2.0 : n > 2000 ? 3.0 : 5.0;
    for (auto* g : {real_, generated_}) {
        auto style = g->scatterStyle();
        style.setSize(size);
        g->setScatterStyle(style);
    }
    real_->setData(rx, ry, true);
    generated_->setData(gx, gy, true);
    captions_->setData(cx, cy, true);
    captions_->setVisible(!cx.isEmpty());
    if (cx.isEmpty()) captions_->removeFromLegend();
    else captions_->addToLegend();
    lt.resize(lx.size());
    for (int i = 0; i < lt.size(); ++i) lt[i] = i;
    links_->setData(lt, lx, ly, true);
    links_->setVisible(linksVisible_);
    updateSelectionGraph();
    plot_->rescaleAxes();
    plot_->replot();
}

void ScatterPlot::setLinksVisible(bool visible) {
    linksVisible_ = visible;
    links_->setVisible(visible);
    plot_->replot(QCustomPlot::rpQueuedReplot);
}

void ScatterPlot::setLassoMode(bool on) {
    lassoMode_ = on;
    plot_->setInteraction(QCP::iRangeDrag, !on);
}

void ScatterPlot::selectInPolygon(const QPolygonF& polygon) {
    selected_.clear();
    const QRectF box = polygon.boundingRect();
    for (int i = 0; i < static_cast<int>(projection_.points.size()); ++i) {
        const auto& p = projection_.points[static_cast<std::size_t>(i)];
        const QPointF point(p.x, p.y);
        if (box.contains(point) && polygon.containsPoint(point, Qt::OddEvenFill)) selected_ << i;
    }
    updateSelectionGraph();
    emitSelection();
}

QList<qint64> ScatterPlot::selectedCaptions() const {
    std::set<qint64> ids;
    for (int i : selected_) {
        const auto id = projection_.points[static_cast<std::size_t>(i)].captionId;
        if (id > 0) ids.insert(id);
    }
    return QList<qint64>(ids.begin(), ids.end());
}

void ScatterPlot::setSelectedCaptions(const QList<qint64>& captionIds) {
    const std::set<qint64> wanted(captionIds.begin(), captionIds.end());
    selected_.clear();
    for (int i = 0; i < static_cast<int>(projection_.points.size()); ++i) {
        if (wanted.count(projection_.points[static_cast<std::size_t>(i)].captionId)) selected_ << i;
    }
    updateSelectionGraph();
}

void ScatterPlot::updateSelectionGraph() {
    QVector<double> x, y;
    for (int i : selected_) {
        x << projection_.points[static_cast<std::size_t>(i)].x;
        y << projection_.points[static_cast<std::size_t>(i)].y;
    }
    selection_->setData(x, y);
    plot_->replot(QCustomPlot::rpQueuedReplot);
}

void ScatterPlot::emitSelection() { Q_EMIT captionsSelected(selectedCaptions()); }

int ScatterPlot::pointAt(const QPoint& position, double radiusPx) const {
    int best = -1;
    double bestDistance = radiusPx * radiusPx;
    for (int i = 0; i < static_cast<int>(projection_.points.size()); ++i) {
        const auto& p = projection_.points[static_cast<std::size_t>(i)];
        const double dx = plot_->xAxis->coordToPixel(p.x) - position.x();
        const double dy = plot_->yAxis->coordToPixel(p.y) - position.y();
        const double d = dx * dx + dy * dy;
        if (d <= bestDistance) {
            bestDistance = d;
            best = i;
        }
    }
    return best;
}

QString ScatterPlot::describePoint(int index) const {
    if (index < 0 || index >= static_cast<int>(projection_.points.size())) return {};
    const auto& p = projection_.points[static_cast<std::size_t>(index)];
    const QString kind = p.kind == PointKind::Real ? tr("real image") : p.kind == PointKind::Generated ? tr("generated image") : tr("caption");
    QString caption;
    QString imagePath;
    if (workspace_) {
        if (const auto text = store::captionText(*workspace_, p.captionId)) caption = QString::fromStdString(*text);
        if (p.kind != PointKind::Caption) {
            if (const auto path = store::imagePath(*workspace_, p.itemId))
                imagePath = QString::fromStdString(workspace_->resolve(*path).string());
        }
    }
    QString html = QStringLiteral("<b>%1</b> %2<br>%3").arg(kind).arg(p.itemId).arg(caption.toHtmlEscaped());
    if (!imagePath.isEmpty() && QFileInfo::exists(imagePath)) {
        html += QStringLiteral("<br><img src=\"%1\" width=\"128\">").arg(imagePath.toHtmlEscaped());
    }
    return html;
}

void ScatterPlot::onPress(QMouseEvent* event) {
    pressPosition_ = event->pos();
    dragging_ = lassoMode_ && event->button() == Qt::LeftButton;
    lassoPolygon_.clear();
    if (dragging_) lassoPolygon_ << QPointF(plot_->xAxis->pixelToCoord(event->pos().x()), plot_->yAxis->pixelToCoord(event->pos().y()));
}

void ScatterPlot::onMove(QMouseEvent* event) {
    if (dragging_) {
        lassoPolygon_ << QPointF(plot_->xAxis->pixelToCoord(event->pos().x()), plot_->yAxis->pixelToCoord(event->pos().y()));
        QVector<double> x, y, t;
        for (const auto& p : lassoPolygon_) {
            t << t.size();
            x << p.x();
            y << p.y();
        }
        lasso_->setData(t, x, y, true);
        plot_->replot(QCustomPlot::rpQueuedReplot);
        return;
    }
    if (event->buttons() != Qt::NoButton) return;
    const int index = pointAt(event->pos());
    if (index >= 0) QToolTip::showText(event->globalPosition().toPoint(), describePoint(index), plot_);
    else QToolTip::hideText();
}

void ScatterPlot::onRelease(QMouseEvent* event) {
    if (dragging_) {
        dragging_ = false;
        lasso_->data()->clear();
        if (lassoPolygon_.size() >= 3) {
            selectInPolygon(lassoPolygon_);
            return;
        }
    }
    // A click (not a pan) selects the nearest point, or clears the selection.
    if ((event->pos() - pressPosition_).manhattanLength() > 3) return;
    selected_.clear();
    const int index = pointAt(event->pos());
    if (index >= 0) selected_ << index;
    updateSelectionGraph();
    emitSelection();
}

}  // namespace genra::widgets
