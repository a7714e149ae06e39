// A QCustomPlot plottable for scatter plots of up to millions of points (the t-SNE maps): every
// point drawn each frame, none sampled away, as anti-aliased dot stamps blended straight into one
// image the size of the axis rect, then painted in one call. Each point has a colour from a small
// palette (later palette entries are drawn on top) and optional marks (a selection ring, a
// highlight ring). Vector output (PDF, SVG) gets real circles up to a point count, the image
// beyond. A grid over the data finds the point under the mouse without looking at every point.
#pragma once

#include "widgets/plot_qcp.h"

#include <QColor>
#include <QImage>
#include <QPointF>
#include <QVector>

#include <cstdint>
#include <vector>

namespace genra::widgets {

class PointCloud : public QCPAbstractPlottable {
    Q_OBJECT
public:
    enum Mark : std::uint8_t { Selected = 1, Highlighted = 2 };

    PointCloud(QCPAxis* keyAxis, QCPAxis* valueAxis);

    // Points in data coordinates and each one's palette index (same length).
    void setPoints(std::vector<QPointF> points, std::vector<std::uint8_t> colours);
    // Recolours without moving (same length as the points).
    void setColours(std::vector<std::uint8_t> colours);
    void setPalette(const QVector<QColor>& palette);
    const QVector<QColor>& palette() const { return palette_; }
    void setDotSize(double pixels);
    double dotSize() const { return dotSize_; }
    // Per point a combination of Mark bits; empty clears every mark.
    void setMarks(std::vector<std::uint8_t> marks);
    // Vector devices draw circles up to this many points and an image beyond.
    void setVectorLimit(int points) { vectorLimit_ = points; }

    std::size_t size() const { return points_.size(); }
    const std::vector<QPointF>& points() const { return points_; }
    std::uint8_t colourOf(std::size_t index) const { return colours_[index]; }
    // The point nearest to `pixel` (widget coordinates) within `radiusPx`, or -1; on a tie the
    // later point (drawn on top) wins.
    int nearest(const QPointF& pixel, double radiusPx) const;

    double selectTest(const QPointF& pos, bool onlySelectable, QVariant* details = nullptr) const override;
    QCPRange getKeyRange(bool& foundRange, QCP::SignDomain inSignDomain = QCP::sdBoth) const override;
    QCPRange getValueRange(bool& foundRange, QCP::SignDomain inSignDomain = QCP::sdBoth,
                           const QCPRange& inKeyRange = QCPRange()) const override;

protected:
    void draw(QCPPainter* painter) override;
    void drawLegendIcon(QCPPainter* painter, const QRectF& rect) const override;

private:
    struct Stamp {
        QImage image;    // premultiplied ARGB
        int offset = 0;  // from the stamp's top-left to the point's pixel
        // Its visible pixels only: position relative to the point's pixel and value.
        std::vector<int> dx;
        std::vector<int> dy;
        std::vector<std::uint32_t> argb;
    };
    void drawRaster(QCPPainter* painter, const QRectF& rect);
    void drawVector(QCPPainter* painter);
    void rebuildOrder();
    void rebuildGrid();
    void rebuildStamps(double scale);
    // Blends a stamp centred on pixel (x, y) of a premultiplied ARGB buffer.
    struct Target {
        std::uint32_t* bits = nullptr;
        std::ptrdiff_t stride = 0;  // pixels per row
        int width = 0;
        int height = 0;
    };
    static void blend(const Target& target, const Stamp& stamp, int x, int y);

    std::vector<QPointF> points_;
    std::vector<std::uint8_t> colours_;
    std::vector<std::uint8_t> marks_;
    std::vector<int> order_;  // drawing order: by palette index, stable
    QVector<QColor> palette_;
    double dotSize_ = 3.0;
    int vectorLimit_ = 20000;
    // Stamps per palette colour, then the selection ring and the highlight ring.
    std::vector<Stamp> stamps_;
    double stampScale_ = 0.0;
    QImage layer_;
    // Grid over the data's bounding box: cellStart_[c] .. cellStart_[c + 1] index cellPoints_.
    QRectF bounds_;
    int gridSize_ = 0;
    std::vector<int> cellStart_;
    std::vector<int> cellPoints_;
};

}  // namespace genra::widgets
