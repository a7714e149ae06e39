#include "widgets/point_cloud.h"

#include <QPainter>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <tuple>

namespace genra::widgets {

namespace {

// x * a / 255 on the four 8-bit channels of a premultiplied pixel at once.
inline std::uint32_t scaleChannels(std::uint32_t x, std::uint32_t a) {
    std::uint32_t t = (x & 0xff00ffu) * a;
    t = (t + ((t >> 8) & 0xff00ffu) + 0x800080u) >> 8;
    t &= 0xff00ffu;
    x = ((x >> 8) & 0xff00ffu) * a;
    x = x + ((x >> 8) & 0xff00ffu) + 0x800080u;
    x &= 0xff00ff00u;
    return x | t;
}

const QColor kSelectedRing(0, 0, 0);
const QColor kHighlightRing(255, 127, 14);

}  // namespace

PointCloud::PointCloud(QCPAxis* keyAxis, QCPAxis* valueAxis) : QCPAbstractPlottable(keyAxis, valueAxis) {
    setSelectable(QCP::stNone);
    setAntialiased(true);
}

void PointCloud::setPoints(std::vector<QPointF> points, std::vector<std::uint8_t> colours) {
    points_ = std::move(points);
    colours_ = std::move(colours);
    colours_.resize(points_.size(), 0);
    marks_.clear();
    rebuildOrder();
    rebuildGrid();
}

void PointCloud::setColours(std::vector<std::uint8_t> colours) {
    colours_ = std::move(colours);
    colours_.resize(points_.size(), 0);
    rebuildOrder();
}

void PointCloud::setPalette(const QVector<QColor>& palette) {
    palette_ = palette;
    stampScale_ = 0.0;
}

void PointCloud::setDotSize(double pixels) {
    dotSize_ = std::max(1.0, pixels);
    stampScale_ = 0.0;
}

void PointCloud::setMarks(std::vector<std::uint8_t> marks) {
    marks_ = std::move(marks);
    if (!marks_.empty()) marks_.resize(points_.size(), 0);
}

void PointCloud::rebuildOrder() {
    // Counting sort by palette index: stable, linear.
    std::vector<int> counts(257, 0);
    for (auto c : colours_) ++counts[c + 1u];
    std::partial_sum(counts.begin(), counts.end(), counts.begin());
    order_.assign(points_.size(), 0);
    for (std::size_t i = 0; i < points_.size(); ++i) order_[static_cast<std::size_t>(counts[colours_[i]]++)] = static_cast<int>(i);
}

void PointCloud::rebuildGrid() {
    gridSize_ = 0;
    cellStart_.clear();
    cellPoints_.clear();
    if (points_.empty()) return;
    double x0 = std::numeric_limits<double>::infinity();
    double y0 = x0;
    double x1 = -x0;
    double y1 = -x0;
    for (const auto& p : points_) {
        if (!std::isfinite(p.x()) || !std::isfinite(p.y())) continue;
        x0 = std::min(x0, p.x());
        x1 = std::max(x1, p.x());
        y0 = std::min(y0, p.y());
        y1 = std::max(y1, p.y());
    }
    if (!(x0 <= x1)) return;
    bounds_ = QRectF(QPointF(x0, y0), QPointF(x1, y1));
    // About four points a cell.
    gridSize_ = std::clamp(static_cast<int>(std::sqrt(points_.size() / 4.0)), 1, 1024);
    const auto cellOf = [this](const QPointF& p) {
        const double w = std::max(bounds_.width(), 1e-300);
        const double h = std::max(bounds_.height(), 1e-300);
        const int cx = std::clamp(static_cast<int>((p.x() - bounds_.left()) / w * gridSize_), 0, gridSize_ - 1);
        const int cy = std::clamp(static_cast<int>((p.y() - bounds_.top()) / h * gridSize_), 0, gridSize_ - 1);
        return cy * gridSize_ + cx;
    };
    cellStart_.assign(static_cast<std::size_t>(gridSize_) * gridSize_ + 1, 0);
    std::vector<int> cell(points_.size(), -1);
    for (std::size_t i = 0; i < points_.size(); ++i) {
        if (!std::isfinite(points_[i].x()) || !std::isfinite(points_[i].y())) continue;
        cell[i] = cellOf(points_[i]);
        ++cellStart_[static_cast<std::size_t>(cell[i]) + 1];
    }
    std::partial_sum(cellStart_.begin(), cellStart_.end(), cellStart_.begin());
    cellPoints_.assign(static_cast<std::size_t>(cellStart_.back()), 0);
    std::vector<int> fill(cellStart_.begin(), cellStart_.end() - 1);
    for (std::size_t i = 0; i < points_.size(); ++i)
        if (cell[i] >= 0) cellPoints_[static_cast<std::size_t>(fill[static_cast<std::size_t>(cell[i])]++)] = static_cast<int>(i);
}

int PointCloud::nearest(const QPointF& pixel, double radiusPx) const {
    if (gridSize_ == 0 || !keyAxis() || !valueAxis()) return -1;
    // The radius as a data box around the pixel.
    const QCPAxis* xAxis = keyAxis();
    const QCPAxis* yAxis = valueAxis();
    const double xa = xAxis->pixelToCoord(pixel.x() - radiusPx);
    const double xb = xAxis->pixelToCoord(pixel.x() + radiusPx);
    const double ya = yAxis->pixelToCoord(pixel.y() - radiusPx);
    const double yb = yAxis->pixelToCoord(pixel.y() + radiusPx);
    const double w = std::max(bounds_.width(), 1e-300);
    const double h = std::max(bounds_.height(), 1e-300);
    const auto cellX = [&](double x) { return std::clamp(static_cast<int>(std::floor((x - bounds_.left()) / w * gridSize_)), 0, gridSize_ - 1); };
    const auto cellY = [&](double y) { return std::clamp(static_cast<int>(std::floor((y - bounds_.top()) / h * gridSize_)), 0, gridSize_ - 1); };
    if (std::max(xa, xb) < bounds_.left() || std::min(xa, xb) > bounds_.right() || std::max(ya, yb) < bounds_.top() ||
        std::min(ya, yb) > bounds_.bottom())
        return -1;
    const int cx0 = cellX(std::min(xa, xb));
    const int cx1 = cellX(std::max(xa, xb));
    const int cy0 = cellY(std::min(ya, yb));
    const int cy1 = cellY(std::max(ya, yb));
    int best = -1;
    double bestDistance = radiusPx * radiusPx;
    for (int cy = cy0; cy <= cy1; ++cy) {
        for (int cx = cx0; cx <= cx1; ++cx) {
            const auto c = static_cast<std::size_t>(cy * gridSize_ + cx);
            for (int k = cellStart_[c]; k < cellStart_[c + 1]; ++k) {
                const int i = cellPoints_[static_cast<std::size_t>(k)];
                const auto& p = points_[static_cast<std::size_t>(i)];
                const double dx = xAxis->coordToPixel(p.x()) - pixel.x();
                const double dy = yAxis->coordToPixel(p.y()) - pixel.y();
                const double d = dx * dx + dy * dy;
                if (d < bestDistance || (d == bestDistance && i > best)) {
                    bestDistance = d;
                    best = i;
                }
            }
        }
    }
    return best;
}

double PointCloud::selectTest(const QPointF&, bool, QVariant*) const { return -1; }

QCPRange PointCloud::getKeyRange(bool& foundRange, QCP::SignDomain) const {
    foundRange = gridSize_ > 0;
    return foundRange ? QCPRange(bounds_.left(), bounds_.right()) : QCPRange();
}

QCPRange PointCloud::getValueRange(bool& foundRange, QCP::SignDomain, const QCPRange&) const {
    foundRange = gridSize_ > 0;
    return foundRange ? QCPRange(bounds_.top(), bounds_.bottom()) : QCPRange();
}

void PointCloud::rebuildStamps(double scale) {
    stamps_.clear();
    stampScale_ = scale;
    const auto disc = [](double diameter, const QColor& fill, const QColor& ring, double ringWidth) {
        Stamp stamp;
        const int edge = static_cast<int>(std::ceil(diameter + ringWidth)) + 2;
        stamp.image = QImage(edge, edge, QImage::Format_ARGB32_Premultiplied);
        stamp.image.fill(Qt::transparent);
        stamp.offset = edge / 2;
        QPainter p(&stamp.image);
        p.setRenderHint(QPainter::Antialiasing);
        p.setPen(ring.isValid() ? QPen(ring, ringWidth) : QPen(Qt::NoPen));
        p.setBrush(fill.isValid() ? QBrush(fill) : QBrush(Qt::NoBrush));
        const double centre = stamp.offset + 0.5;
        p.drawEllipse(QPointF(centre, centre), diameter / 2, diameter / 2);
        p.end();
        for (int y = 0; y < edge; ++y) {
            const auto* row = reinterpret_cast<const std::uint32_t*>(stamp.image.constScanLine(y));
            for (int x = 0; x < edge; ++x) {
                if ((row[x] >> 24) == 0) continue;
                stamp.dx.push_back(x - stamp.offset);
                stamp.dy.push_back(y - stamp.offset);
                stamp.argb.push_back(row[x]);
            }
        }
        return stamp;
    };
    for (const auto& colour : palette_) stamps_.push_back(disc(dotSize_ * scale, colour, QColor(), 0));
    stamps_.push_back(disc((dotSize_ + 5) * scale, QColor(), kSelectedRing, 1.5 * scale));
    stamps_.push_back(disc((dotSize_ + 9) * scale, QColor(), kHighlightRing, 2.0 * scale));
}

void PointCloud::blend(const Target& target, const Stamp& stamp, int x, int y) {
    const int edge = stamp.image.width();
    const int left = x - stamp.offset;
    const int top = y - stamp.offset;
    const int width = target.width;
    const int height = target.height;
    const std::ptrdiff_t stride = target.stride;
    if (left >= width || top >= height || left + edge <= 0 || top + edge <= 0) return;
    const std::size_t n = stamp.argb.size();
    if (left >= 0 && top >= 0 && left + edge <= width && top + edge <= height) {
        // Wholly inside (nearly every point): no bounds checks.
        std::uint32_t* centre = target.bits + static_cast<std::ptrdiff_t>(y) * stride + x;
        for (std::size_t k = 0; k < n; ++k) {
            std::uint32_t* dst = centre + static_cast<std::ptrdiff_t>(stamp.dy[k]) * stride + stamp.dx[k];
            const std::uint32_t s = stamp.argb[k];
            const std::uint32_t alpha = s >> 24;
            *dst = alpha == 255 ? s : s + scaleChannels(*dst, 255 - alpha);
        }
        return;
    }
    for (std::size_t k = 0; k < n; ++k) {
        const int px = x + stamp.dx[k];
        const int py = y + stamp.dy[k];
        if (px < 0 || py < 0 || px >= width || py >= height) continue;
        std::uint32_t* dst = target.bits + static_cast<std::ptrdiff_t>(py) * stride + px;
        const std::uint32_t s = stamp.argb[k];
        const std::uint32_t alpha = s >> 24;
        *dst = alpha == 255 ? s : s + scaleChannels(*dst, 255 - alpha);
    }
}

void PointCloud::draw(QCPPainter* painter) {
    if (points_.empty() || !keyAxis() || !valueAxis()) return;
    const QRectF rect = clipRect();
    if (painter->modes().testFlag(QCPPainter::pmVectorized) && static_cast<int>(points_.size()) <= vectorLimit_) {
        drawVector(painter);
    } else {
        drawRaster(painter, rect);
    }
}

void PointCloud::drawVector(QCPPainter* painter) {
    painter->setPen(Qt::NoPen);
    applyDefaultAntialiasingHint(painter);
    int current = -1;
    const double r = dotSize_ / 2;
    for (int i : order_) {
        const auto c = colours_[static_cast<std::size_t>(i)];
        if (c != current) {
            current = c;
            painter->setBrush(c < palette_.size() ? palette_[c] : QColor(Qt::gray));
        }
        const auto& p = points_[static_cast<std::size_t>(i)];
        painter->drawEllipse(coordsToPixels(p.x(), p.y()), r, r);
    }
    if (marks_.empty()) return;
    painter->setBrush(Qt::NoBrush);
    for (const auto& [bit, colour, radius, width] :
         {std::tuple<std::uint8_t, QColor, double, double>{Selected, kSelectedRing, r + 2.5, 1.5},
          std::tuple<std::uint8_t, QColor, double, double>{Highlighted, kHighlightRing, r + 4.5, 2.0}}) {
        painter->setPen(QPen(colour, width));
        for (std::size_t i = 0; i < points_.size(); ++i) {
            if (!(marks_[i] & bit)) continue;
            painter->drawEllipse(coordsToPixels(points_[i].x(), points_[i].y()), radius, radius);
        }
    }
}

void PointCloud::drawRaster(QCPPainter* painter, const QRectF& rect) {
    // Device pixels per plot pixel: export scaling and the screen's pixel ratio.
    const QTransform transform = painter->transform();
    const double ratio = painter->device() ? painter->device()->devicePixelRatioF() : 1.0;
    const double scale = std::max(0.1, std::hypot(transform.m11(), transform.m12()) * ratio);
    const QSize size(std::max(1, static_cast<int>(std::ceil(rect.width() * scale))),
                     std::max(1, static_cast<int>(std::ceil(rect.height() * scale))));
    if (layer_.size() != size) layer_ = QImage(size, QImage::Format_ARGB32_Premultiplied);
    layer_.fill(Qt::transparent);
    if (stampScale_ != scale || stamps_.size() != static_cast<std::size_t>(palette_.size()) + 2) rebuildStamps(scale);
    // Linear axes: pixel = a * coordinate + b, in the layer's pixels.
    const QCPAxis* xAxis = keyAxis();
    const QCPAxis* yAxis = valueAxis();
    const double xb = (xAxis->coordToPixel(0.0) - rect.left()) * scale;
    const double xa = (xAxis->coordToPixel(1.0) - rect.left()) * scale - xb;
    const double yb = (yAxis->coordToPixel(0.0) - rect.top()) * scale;
    const double ya = (yAxis->coordToPixel(1.0) - rect.top()) * scale - yb;
    const bool linear = xAxis->scaleType() == QCPAxis::stLinear && yAxis->scaleType() == QCPAxis::stLinear;
    const auto toLayer = [&](const QPointF& p, int& x, int& y) {
        double px = 0;
        double py = 0;
        if (linear) {
            px = xa * p.x() + xb;
            py = ya * p.y() + yb;
        } else {
            px = (xAxis->coordToPixel(p.x()) - rect.left()) * scale;
            py = (yAxis->coordToPixel(p.y()) - rect.top()) * scale;
        }
        if (!(std::abs(px) < 1e9 && std::abs(py) < 1e9)) return false;
        x = static_cast<int>(std::floor(px));
        y = static_cast<int>(std::floor(py));
        return true;
    };
    const std::size_t paletteSize = static_cast<std::size_t>(palette_.size());
    const Target target{reinterpret_cast<std::uint32_t*>(layer_.bits()), layer_.bytesPerLine() / 4, layer_.width(),
                        layer_.height()};
    for (int i : order_) {
        const auto c = colours_[static_cast<std::size_t>(i)];
        if (c >= paletteSize) continue;
        int x = 0;
        int y = 0;
        if (toLayer(points_[static_cast<std::size_t>(i)], x, y)) blend(target, stamps_[c], x, y);
    }
    if (!marks_.empty()) {
        for (std::size_t i = 0; i < points_.size(); ++i) {
            if (!marks_[i]) continue;
            int x = 0;
            int y = 0;
            if (!toLayer(points_[i], x, y)) continue;
            if (marks_[i] & Selected) blend(target, stamps_[paletteSize], x, y);
            if (marks_[i] & Highlighted) blend(target, stamps_[paletteSize + 1], x, y);
        }
    }
    painter->drawImage(rect, layer_);
}

void PointCloud::drawLegendIcon(QCPPainter* painter, const QRectF& rect) const {
    painter->setPen(Qt::NoPen);
    painter->setBrush(palette_.isEmpty() ? QColor(Qt::gray) : palette_.first());
    const double r = std::min(rect.width(), rect.height()) / 3;
    painter->drawEllipse(rect.center(), r, r);
}

}  // namespace genra::widgets
