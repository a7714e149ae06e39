#include "widgets/embeddings_scatter.h"

#include "core/store/generations.h"
#include "core/store/workspace.h"
#include "widgets/plot_util.h"
#include "widgets/point_cloud.h"

#include "widgets/plot_qcp.h"

#include <QFileInfo>
#include <QToolTip>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <tuple>
#include <set>

namespace genra::widgets {

namespace {

constexpr int kMaxCategories = 10;  // more distinct values share an "other" colour
constexpr int kCosineLevels = 64;

QColor grey() { return QColor(170, 170, 170, 160); }

// Dark blue (low) through teal to yellow (high), as in viridis.
QColor cosineColour(double t) {
    t = std::clamp(t, 0.0, 1.0);
    const QColor a(68, 1, 84);
    const QColor b(33, 145, 140);
    const QColor c(253, 231, 37);
    const auto mix = [](const QColor& p, const QColor& q, double u) {
        return QColor::fromRgbF(static_cast<float>(p.redF() + (q.redF() - p.redF()) * u),
                                static_cast<float>(p.greenF() + (q.greenF() - p.greenF()) * u),
                                static_cast<float>(p.blueF() + (q.blueF() - p.blueF()) * u), 0.85f);
    };
    return t < 0.5 ? mix(a, b, t * 2) : mix(b, c, (t - 0.5) * 2);
}

// The colour bar's gradient: the points' colours, opaque, in as many levels.
QCPColorGradient cosineGradient() {
    QCPColorGradient gradient;
    gradient.clearColorStops();
    for (double t : {0.0, 0.5, 1.0}) {
        QColor colour = cosineColour(t);
        colour.setAlpha(255);
        gradient.setColorStopAt(t, colour);
    }
    gradient.setLevelCount(kCosineLevels);
    return gradient;
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
    cloud_ = new PointCloud(plot_->xAxis, plot_->yAxis);
    cloud_->setName(tr("points"));
    cloud_->removeFromLegend();
    lasso_ = new QCPCurve(plot_->xAxis, plot_->yAxis);
    lasso_->setPen(QPen(Qt::black, 1, Qt::DashLine));
    lasso_->removeFromLegend();
    plot_->legend->setVisible(true);
    plot_->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);
    // Outside the layout until a cosine colouring shows it, right of the map.
    colourBar_ = new QCPColorScale(plot_);
    colourBar_->setType(QCPAxis::atRight);
    colourBar_->setGradient(cosineGradient());
    colourBar_->setBarWidth(12);
    connect(plot_, &QCustomPlot::mousePress, this, &ScatterPlot::onPress);
    connect(plot_, &QCustomPlot::mouseMove, this, &ScatterPlot::onMove);
    connect(plot_, &QCustomPlot::mouseRelease, this, &ScatterPlot::onRelease);
    updateColours();
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
    highlighted_.clear();
    cosines_.clear();
    cosineScale_ = {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::quiet_NaN()};
    hovered_ = -1;
    hoverText_.clear();
    QVector<double> lt, lx, ly;
    const double nan = std::numeric_limits<double>::quiet_NaN();
    std::vector<QPointF> points;
    points.reserve(projection_.points.size());
    for (const auto& p : projection_.points) {
        points.emplace_back(p.x, p.y);
        if (p.kind == PointKind::Generated && p.linkedReal >= 0) {
            const auto& r = projection_.points[static_cast<std::size_t>(p.linkedReal)];
            // Segments separated by NaN gaps in one curve.
            lx << p.x << r.x << nan;
            ly << p.y << r.y << nan;
        }
    }
    // Dots shrink as maps grow so that dense clouds keep their structure.
    const std::size_t n = projection_.points.size();
    cloud_->setDotSize(n > 200000 ? 1.5 : n > 20000 ? 2.0 : n > 2000 ? 3.0 : 5.0);
    cloud_->setPoints(std::move(points), {});
    lt.resize(lx.size());
    for (int i = 0; i < lt.size(); ++i) lt[i] = i;
    links_->setData(lt, lx, ly, true);
    links_->setVisible(linksVisible_);
    updateColours();
    updateSelectionGraph();
    plot_->rescaleAxes();
    // A margin, so that points on the edge are drawn whole.
    plot_->xAxis->scaleRange(1.06);
    plot_->yAxis->scaleRange(1.06);
    plot_->replot();
}

void ScatterPlot::setColouring(ColourBy by, const QString& attribute) {
    colourBy_ = by;
    attribute_ = attribute;
    updateColours();
    plot_->replot(QCustomPlot::rpQueuedReplot);
}

void ScatterPlot::loadCosines() {
    const auto& points = projection_.points;
    if (cosines_.size() == points.size() && !points.empty()) return;
    cosines_.assign(points.size(), std::numeric_limits<double>::quiet_NaN());
    if (!workspace_ || points.empty()) return;
    try {
        cosines_ = pairedCosines(*workspace_, projection_);
    } catch (const std::exception&) {
        // Damaged vectors: the points show as having no pair.
    }
}

std::pair<double, double> ScatterPlot::cosineRange() {
    loadCosines();
    double lo = std::numeric_limits<double>::infinity();
    double hi = -lo;
    for (double c : cosines_) {
        if (!std::isfinite(c)) continue;
        lo = std::min(lo, c);
        hi = std::max(hi, c);
    }
    if (lo <= hi) return {lo, hi};
    return {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::quiet_NaN()};
}

void ScatterPlot::setCosineScale(double lo, double hi) {
    cosineScale_ = {lo, hi};
    if (colourBy_ == ColourBy::Cosine) {
        updateColours();
        plot_->replot(QCustomPlot::rpQueuedReplot);
    }
}

void ScatterPlot::setColourBarVisible(bool visible) {
    colourBarWanted_ = visible;
    updateColourBar();
    plot_->replot(QCustomPlot::rpQueuedReplot);
}

QCPColorScale* ScatterPlot::colourBar() const { return colourBar_->layout() ? colourBar_ : nullptr; }

void ScatterPlot::updateColourBar() {
    const bool show = colourBarWanted_ && colourBy_ == ColourBy::Cosine && shownScale_.first <= shownScale_.second;
    auto* layout = plot_->plotLayout();
    if (show) {
        const auto [lo, hi] = shownScale_;
        colourBar_->setDataRange(QCPRange(lo, hi > lo ? hi : lo + 1e-6));
        colourBar_->setLabel(tr("cosine to paired image, %1 to %2").arg(lo, 0, 'f', 3).arg(hi, 0, 'f', 3));
        if (!colourBar_->layout()) {
            // Beside the map, in the map's row (below the title when there is one).
            int row = 0;
            for (int r = 0; r < layout->rowCount(); ++r)
                if (layout->element(r, 0) == plot_->axisRect()) row = r;
            layout->addElement(row, 1, colourBar_);
            // As tall as the map's axis rect.
            QCPMarginGroup* group = plot_->axisRect()->marginGroup(QCP::msTop);
            if (!group) {
                group = new QCPMarginGroup(plot_);
                plot_->axisRect()->setMarginGroup(QCP::msBottom | QCP::msTop, group);
            }
            colourBar_->setMarginGroup(QCP::msBottom | QCP::msTop, group);
        }
    } else if (colourBar_->layout()) {
        colourBar_->setMarginGroup(QCP::msBottom | QCP::msTop, nullptr);
        layout->take(colourBar_);
        layout->simplify();
    }
}

void ScatterPlot::updateColours() {
    const auto& points = projection_.points;
    shownScale_ = {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::quiet_NaN()};
    std::vector<std::uint8_t> colours(points.size(), 0);
    QVector<QColor> palette;
    QStringList names;  // legend entry per palette index; empty: no entry
    std::vector<bool> used;
    if (colourBy_ == ColourBy::Split || colourBy_ == ColourBy::Attribute) {
        // Index 0: no value; then the values by how many points have them, the rarest as "other".
        std::map<std::string, int> counts;
        std::vector<std::string> value(points.size());
        const std::string key = attribute_.toStdString();
        for (std::size_t i = 0; i < points.size(); ++i) {
            const auto& p = points[i];
            if (colourBy_ == ColourBy::Split) {
                if (p.split >= 0) value[i] = projection_.splits[static_cast<std::size_t>(p.split)];
            } else {
                value[i] = projection_.attribute(p, key);
            }
            if (!value[i].empty()) ++counts[value[i]];
        }
        std::vector<std::pair<int, std::string>> byCount;
        for (const auto& [v, c] : counts) byCount.emplace_back(-c, v);
        std::sort(byCount.begin(), byCount.end());
        std::map<std::string, int> index;
        palette << grey();
        names << tr("none");
        for (const auto& [c, v] : byCount) {
            if (palette.size() > kMaxCategories) break;
            index[v] = static_cast<int>(palette.size());
            palette << seriesColour(static_cast<int>(palette.size()) - 1);
            names << QString::fromStdString(v);
        }
        const bool other = byCount.size() > static_cast<std::size_t>(kMaxCategories);
        if (other) {
            palette << QColor(90, 90, 90, 200);
            names << tr("other");
        }
        for (std::size_t i = 0; i < points.size(); ++i) {
            if (value[i].empty()) continue;
            const auto it = index.find(value[i]);
            colours[i] = static_cast<std::uint8_t>(it != index.end() ? it->second : palette.size() - 1);
        }
    } else if (colourBy_ == ColourBy::Cosine) {
        loadCosines();
        auto [lo, hi] = cosineScale_;
        if (!(lo <= hi)) std::tie(lo, hi) = cosineRange();
        palette << grey();
        names << tr("no pair");
        for (int k = 0; k < kCosineLevels; ++k) {
            palette << cosineColour((k + 0.5) / kCosineLevels);
            names << QString();
        }
        if (lo <= hi) {
            // The colour bar states the range; the legend keeps only "no pair".
            shownScale_ = {lo, hi};
            const double span = hi > lo ? hi - lo : 1.0;
            for (std::size_t i = 0; i < points.size(); ++i) {
                if (!std::isfinite(cosines_[i])) continue;
                const int level = std::clamp(static_cast<int>((cosines_[i] - lo) / span * kCosineLevels), 0, kCosineLevels - 1);
                colours[i] = static_cast<std::uint8_t>(1 + level);
            }
        }
    } else {
        palette << QColor(31, 119, 180, 200) << QColor(214, 39, 40, 200) << QColor(44, 160, 44, 220);
        names << tr("real") << tr("generated") << tr("caption");
        for (std::size_t i = 0; i < points.size(); ++i) colours[i] = static_cast<std::uint8_t>(static_cast<int>(points[i].kind) - 1);
    }
    used.assign(static_cast<std::size_t>(palette.size()), false);
    for (auto c : colours) used[c] = true;
    cloud_->setPalette(palette);
    cloud_->setColours(std::move(colours));
    for (auto* key : legendKeys_) plot_->removeGraph(key);
    legendKeys_.clear();
    for (int k = 0; k < palette.size(); ++k) {
        if (names[k].isEmpty() || !used[static_cast<std::size_t>(k)]) continue;
        auto* key = plot_->addGraph();
        key->setLineStyle(QCPGraph::lsNone);
        QColor solid = palette[k];
        solid.setAlpha(255);
        key->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, solid, solid, 7));
        key->setName(names[k]);
        legendKeys_ << key;
    }
    updateColourBar();
}

QStringList ScatterPlot::legendNames() const {
    QStringList names;
    for (const auto* key : legendKeys_) names << fullName(key);
    return names;
}

QColor ScatterPlot::colourOf(int index) const {
    if (index < 0 || static_cast<std::size_t>(index) >= cloud_->size()) return {};
    const auto c = cloud_->colourOf(static_cast<std::size_t>(index));
    const auto& palette = cloud_->palette();
    return c < palette.size() ? palette[c] : QColor();
}

void ScatterPlot::setLinksVisible(bool visible) {
    linksVisible_ = visible;
    links_->setVisible(visible);
    plot_->replot(QCustomPlot::rpQueuedReplot);
}

void ScatterPlot::setDragMode(DragMode mode) {
    dragMode_ = mode;
    plot_->setInteraction(QCP::iRangeDrag, mode == DragMode::Pan);
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

void ScatterPlot::selectInRect(const QRectF& rect) {
    const QRectF box = rect.normalized();
    selected_.clear();
    for (int i = 0; i < static_cast<int>(projection_.points.size()); ++i) {
        const auto& p = projection_.points[static_cast<std::size_t>(i)];
        if (p.x >= box.left() && p.x <= box.right() && p.y >= box.top() && p.y <= box.bottom()) selected_ << i;
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

QList<int> ScatterPlot::pointsOf(const QList<qint64>& captionIds) const {
    const std::set<qint64> wanted(captionIds.begin(), captionIds.end());
    QList<int> points;
    if (wanted.empty()) return points;
    for (int i = 0; i < static_cast<int>(projection_.points.size()); ++i) {
        if (wanted.count(projection_.points[static_cast<std::size_t>(i)].captionId)) points << i;
    }
    return points;
}

void ScatterPlot::setSelectedCaptions(const QList<qint64>& captionIds) {
    selected_ = pointsOf(captionIds);
    updateSelectionGraph();
}

void ScatterPlot::setHighlightedCaptions(const QList<qint64>& captionIds) {
    highlighted_ = pointsOf(captionIds);
    updateSelectionGraph();
}

void ScatterPlot::updateSelectionGraph() {
    std::vector<std::uint8_t> marks;
    if (!selected_.isEmpty() || !highlighted_.isEmpty()) {
        marks.assign(projection_.points.size(), 0);
        for (int i : selected_) marks[static_cast<std::size_t>(i)] |= PointCloud::Selected;
        for (int i : highlighted_) marks[static_cast<std::size_t>(i)] |= PointCloud::Highlighted;
    }
    cloud_->setMarks(std::move(marks));
    plot_->replot(QCustomPlot::rpQueuedReplot);
}

void ScatterPlot::emitSelection() { Q_EMIT captionsSelected(selectedCaptions()); }

int ScatterPlot::pointAt(const QPoint& position, double radiusPx) const { return cloud_->nearest(position, radiusPx); }

QString ScatterPlot::imagePathOf(int index) const {
    if (!workspace_ || index < 0 || index >= static_cast<int>(projection_.points.size())) return {};
    const auto& p = projection_.points[static_cast<std::size_t>(index)];
    if (p.kind == PointKind::Caption) return {};
    const auto path = store::imagePath(*workspace_, p.itemId);
    if (!path) return {};
    const QString resolved = QString::fromStdString(workspace_->resolve(*path).string());
    return QFileInfo::exists(resolved) ? resolved : QString();
}

QString ScatterPlot::describePoint(int index) const {
    if (index < 0 || index >= static_cast<int>(projection_.points.size())) return {};
    const auto& p = projection_.points[static_cast<std::size_t>(index)];
    const QString kind = p.kind == PointKind::Real ? tr("real image") : p.kind == PointKind::Generated ? tr("generated image") : tr("caption");
    QString caption;
    if (workspace_) {
        if (const auto text = store::captionText(*workspace_, p.captionId)) caption = QString::fromStdString(*text);
    }
    QString html = QStringLiteral("<b>%1</b> %2<br>%3").arg(kind).arg(p.itemId).arg(caption.toHtmlEscaped());
    // What the colour stands for, when it is not the kind already named.
    QString value;
    if (colourBy_ == ColourBy::Split && p.split >= 0) {
        value = tr("split: %1").arg(QString::fromStdString(projection_.splits[static_cast<std::size_t>(p.split)]));
    } else if (colourBy_ == ColourBy::Attribute) {
        const std::string v = projection_.attribute(p, attribute_.toStdString());
        if (!v.empty()) value = QStringLiteral("%1: %2").arg(attribute_, QString::fromStdString(v));
    } else if (colourBy_ == ColourBy::Cosine && static_cast<std::size_t>(index) < cosines_.size() &&
               std::isfinite(cosines_[static_cast<std::size_t>(index)])) {
        value = p.kind == PointKind::Real ? tr("mean cosine to its generated images: %1") : tr("cosine to its real image: %1");
        value = value.arg(cosines_[static_cast<std::size_t>(index)], 0, 'f', 3);
    }
    if (!value.isEmpty()) html += QStringLiteral("<br><i>%1</i>").arg(value.toHtmlEscaped());
    const QString imagePath = imagePathOf(index);
    if (!imagePath.isEmpty()) {
        html += QStringLiteral("<br><img src=\"%1\" width=\"128\">").arg(imagePath.toHtmlEscaped());
    }
    return html;
}

QPointF ScatterPlot::toPlot(const QPoint& position) const {
    return {plot_->xAxis->pixelToCoord(position.x()), plot_->yAxis->pixelToCoord(position.y())};
}

void ScatterPlot::onPress(QMouseEvent* event) {
    pressPosition_ = event->pos();
    dragging_ = dragMode_ != DragMode::Pan && event->button() == Qt::LeftButton;
    lassoPolygon_.clear();
    if (dragging_) lassoPolygon_ << toPlot(event->pos());
}

void ScatterPlot::onMove(QMouseEvent* event) {
    if (dragging_) {
        if (dragMode_ == DragMode::Box) {
            const QPointF a = lassoPolygon_.first();
            const QPointF b = toPlot(event->pos());
            lassoPolygon_ = QPolygonF({a, QPointF(b.x(), a.y()), b, QPointF(a.x(), b.y())});
        } else {
            lassoPolygon_ << toPlot(event->pos());
        }
        QVector<double> x, y, t;
        for (const auto& p : lassoPolygon_) {
            t << t.size();
            x << p.x();
            y << p.y();
        }
        if (!lassoPolygon_.isEmpty()) {  // closed outline
            t << t.size();
            x << lassoPolygon_.first().x();
            y << lassoPolygon_.first().y();
        }
        lasso_->setData(t, x, y, true);
        plot_->replot(QCustomPlot::rpQueuedReplot);
        return;
    }
    if (event->buttons() != Qt::NoButton) return;
    hovered_ = pointAt(event->pos());
    hoverText_ = describePoint(hovered_);
    if (hovered_ >= 0) QToolTip::showText(event->globalPosition().toPoint(), hoverText_, plot_);
    else QToolTip::hideText();
}

void ScatterPlot::onRelease(QMouseEvent* event) {
    if (dragging_) {
        dragging_ = false;
        lasso_->data()->clear();
        if (dragMode_ == DragMode::Box && lassoPolygon_.size() == 4) {
            selectInRect(QRectF(lassoPolygon_[0], lassoPolygon_[2]));
            return;
        }
        if (dragMode_ == DragMode::Lasso && lassoPolygon_.size() >= 3) {
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
