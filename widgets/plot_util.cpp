#include "widgets/plot_util.h"

#include "widgets/plot_qcp.h"

#include <QFileDialog>
#include <QFontMetricsF>
#include <QFileInfo>
#include <QInputDialog>
#include <QMenu>
#include <QMessageBox>
#include <QPdfWriter>
#include <QSvgGenerator>

#include <algorithm>
#include <cmath>
#include <tuple>

namespace genra::widgets {

std::vector<double> emaSmooth(const std::vector<double>& values, double weight) {
    std::vector<double> out(values);
    if (weight <= 0.0) return out;
    weight = std::min(weight, 0.999999);
    double last = 0.0;
    double correction = 1.0;  // weight^k for the k finite values seen so far
    for (auto& v : out) {
        if (!std::isfinite(v)) continue;
        last = last * weight + (1.0 - weight) * v;
        correction *= weight;
        v = last / (1.0 - correction);
    }
    return out;
}

DecimatedSeries decimateMinMax(const std::vector<double>& x, const std::vector<double>& y, double xMin,
                               double xMax, int buckets) {
    DecimatedSeries out;
    const auto n = std::min(x.size(), y.size());
    if (n == 0) return out;
    const auto first = static_cast<std::size_t>(std::lower_bound(x.begin(), x.begin() + n, xMin) - x.begin());
    const auto last = static_cast<std::size_t>(std::upper_bound(x.begin(), x.begin() + n, xMax) - x.begin());
    // One neighbour beyond each edge so the line leaves the visible range instead of stopping.
    const std::size_t from = first > 0 ? first - 1 : 0;
    const std::size_t to = std::min(n, last + 1);
    const auto push = [&out, &x, &y](std::size_t i) {
        out.x.push_back(x[i]);
        out.y.push_back(y[i]);
    };
    buckets = std::max(buckets, 1);
    if (to - from <= static_cast<std::size_t>(buckets) * 4 || !(xMax > xMin)) {
        out.x.reserve(static_cast<int>(to - from));
        out.y.reserve(static_cast<int>(to - from));
        for (auto i = from; i < to; ++i) push(i);
        return out;
    }
    out.x.reserve(buckets * 4 + 2);
    out.y.reserve(buckets * 4 + 2);
    if (from < first) push(from);
    const double width = (xMax - xMin) / buckets;
    std::size_t i = first;
    while (i < last) {
        const auto bucket = std::min(buckets - 1, static_cast<int>((x[i] - xMin) / width));
        const double end = xMin + (bucket + 1) * width;
        const std::size_t start = i;
        std::size_t lo = i;
        std::size_t hi = i;
        for (; i < last && (x[i] < end || bucket == buckets - 1); ++i) {
            if (std::isnan(y[i])) continue;
            if (y[i] < y[lo] || std::isnan(y[lo])) lo = i;
            if (y[i] > y[hi] || std::isnan(y[hi])) hi = i;
        }
        const std::size_t stop = i - 1;
        std::size_t keep[4] = {start, std::min(lo, hi), std::max(lo, hi), stop};
        for (int k = 0; k < 4; ++k) {
            if (k > 0 && keep[k] == keep[k - 1]) continue;
            push(keep[k]);
        }
    }
    if (to > last) push(to - 1);
    return out;
}

QColor seriesColour(int index) {
    // Tableau-10: distinct in print and for most colour-vision deficiencies.
    static const QRgb palette[] = {0x1f77b4, 0xd62728, 0x2ca02c, 0xff7f0e, 0x9467bd,
                                   0x8c564b, 0xe377c2, 0x7f7f7f, 0xbcbd22, 0x17becf};
    const int count = static_cast<int>(sizeof(palette) / sizeof(palette[0]));
    return QColor(palette[((index % count) + count) % count]);
}

bool exportPlot(QCustomPlot* plot, const QString& path, int widthPx, int heightPx, double dpi, QString* error) {
    return exportPlots({plot}, path, widthPx, heightPx, dpi, error);
}

bool exportPlots(const QList<QCustomPlot*>& plots, const QString& path, int widthPx, int heightPx, double dpi,
                 QString* error) {
    const auto fail = [&](const QString& why) {
        if (error) *error = QCoreApplication::translate("genra::widgets", "%1: %2").arg(path, why);
        return false;
    };
    if (widthPx <= 0 || heightPx <= 0 || !(dpi > 0) || plots.isEmpty()) {
        return fail(QCoreApplication::translate("genra::widgets", "size and DPI must be positive"));
    }
    const QString suffix = QFileInfo(path).suffix().toLower();
    // Lay the plots out at the size a 96-dpi screen would show, then scale up: fonts and lines keep
    // their proportions whatever the DPI.
    const double scale = dpi / 96.0;
    const int logicalWidth = std::max(1, static_cast<int>(std::lround(widthPx / scale)));
    const int logicalHeight = std::max(1, static_cast<int>(std::lround(heightPx / scale)));
    std::unique_ptr<QPaintDevice> device;
    QImage* image = nullptr;
    if (suffix == QStringLiteral("png")) {
        auto img = std::make_unique<QImage>(widthPx, heightPx, QImage::Format_ARGB32_Premultiplied);
        img->fill(Qt::white);
        const int dotsPerMeter = static_cast<int>(std::lround(dpi / 0.0254));
        img->setDotsPerMeterX(dotsPerMeter);
        img->setDotsPerMeterY(dotsPerMeter);
        image = img.get();
        device = std::move(img);
    } else if (suffix == QStringLiteral("pdf")) {
        auto writer = std::make_unique<QPdfWriter>(path);
        writer->setResolution(static_cast<int>(dpi));
        writer->setPageMargins(QMarginsF(0, 0, 0, 0));
        writer->setPageSize(QPageSize(QSizeF(widthPx / dpi, heightPx / dpi), QPageSize::Inch));
        writer->setCreator(QStringLiteral("GenRA Workbench"));
        device = std::move(writer);
    } else if (suffix == QStringLiteral("svg")) {
        auto svg = std::make_unique<QSvgGenerator>();
        svg->setFileName(path);
        svg->setSize(QSize(widthPx, heightPx));
        svg->setViewBox(QRect(0, 0, widthPx, heightPx));
        svg->setResolution(static_cast<int>(dpi));
        svg->setTitle(QStringLiteral("GenRA Workbench figure"));
        device = std::move(svg);
    } else {
        return fail(QCoreApplication::translate("genra::widgets", "unknown figure format \"%1\" (use .png, .pdf or .svg)")
                        .arg(suffix));
    }
    {
        QCPPainter painter;
        if (!painter.begin(device.get())) return fail(QCoreApplication::translate("genra::widgets", "cannot write the file"));
        if (!image) painter.setMode(QCPPainter::pmVectorized);
        painter.setMode(QCPPainter::pmNoCaching);
        painter.scale(scale, scale);
        // Side by side, equal widths.
        const int paneWidth = logicalWidth / static_cast<int>(plots.size());
        for (int i = 0; i < plots.size(); ++i) {
            painter.save();
            painter.translate(i * paneWidth, 0);
            plots[i]->toPainter(&painter, paneWidth, logicalHeight);
            painter.restore();
        }
        painter.end();
    }
    if (image && !image->save(path, "PNG")) return fail(QCoreApplication::translate("genra::widgets", "cannot write the PNG file"));
    device.reset();  // PDF and SVG files are complete once their device is gone
    if (!QFileInfo::exists(path)) return fail(QCoreApplication::translate("genra::widgets", "cannot write the file"));
    return true;
}

void addExportMenu(QCustomPlot* plot) {
    plot->setContextMenuPolicy(Qt::CustomContextMenu);
    QObject::connect(plot, &QWidget::customContextMenuRequested, plot, [plot](const QPoint& position) {
        QMenu menu(plot);
        QAction* exportAction = menu.addAction(QCoreApplication::translate("genra::widgets", "Export figure…"));
        if (menu.exec(plot->mapToGlobal(position)) != exportAction) return;
        const QString path = QFileDialog::getSaveFileName(
            plot, QCoreApplication::translate("genra::widgets", "Export figure"), {},
            QCoreApplication::translate("genra::widgets", "PNG (*.png);;PDF (*.pdf);;SVG (*.svg)"));
        if (path.isEmpty()) return;
        bool ok = false;
        const int dpi = QInputDialog::getInt(plot, QCoreApplication::translate("genra::widgets", "Export figure"),
                                             QCoreApplication::translate("genra::widgets", "Resolution (DPI)"), 300, 36,
                                             2400, 1, &ok);
        if (!ok) return;
        QString error;
        if (!exportPlot(plot, path, 7 * dpi, 9 * dpi / 2, dpi, &error)) {
            QMessageBox::warning(plot, QCoreApplication::translate("genra::widgets", "Cannot export"), error);
        }
    });
}

}  // namespace genra::widgets

namespace genra::widgets {

namespace {

const char* const kFullName = "genraFullName";
const char* const kShownName = "genraShownName";
const char* const kHiddenByFit = "genraHiddenByFit";

// Whether `count` ticks put on `axis` leave every pair of neighbouring labels apart.
bool ticksFit(QCPAxis* axis, int count) {
    QSharedPointer<QCPAxisTicker> ticker = axis->ticker();
    if (!ticker) return true;
    const int old = ticker->tickCount();
    ticker->setTickCount(count);
    QVector<double> ticks;
    QVector<QString> labels;
    const QString format = axis->numberFormat();
    ticker->generate(axis->range(), axis->parentPlot()->locale(), format.isEmpty() ? QLatin1Char('g') : format.at(0),
                     axis->numberPrecision(), ticks, nullptr, &labels);
    ticker->setTickCount(old);
    const QFontMetricsF metrics(axis->tickLabelFont());
    const bool horizontal = axis->orientation() == Qt::Horizontal;
    // Room between labels: two spaces across, half a line up the side.
    const double gap = horizontal ? metrics.horizontalAdvance(QStringLiteral("  ")) : metrics.height() * 0.5;
    for (int i = 1; i < ticks.size() && i < labels.size(); ++i) {
        const double distance = std::abs(axis->coordToPixel(ticks[i]) - axis->coordToPixel(ticks[i - 1]));
        const double extent = horizontal
                                  ? (metrics.horizontalAdvance(labels[i]) + metrics.horizontalAdvance(labels[i - 1])) / 2
                                  : metrics.height();
        if (distance < extent + gap) return false;
    }
    return true;
}

bool fitTicks(QCPAxis* axis) {
    if (!axis->visible() || !axis->tickLabels() || !axis->ticker()) return false;
    const int count = readableTickCount(axis);
    if (axis->ticker()->tickCount() == count) return false;
    axis->ticker()->setTickCount(count);
    return true;
}

// Names shown in the legend: each entry's full name, elided in the middle to at most maxChars.
void setLegendNames(QCPLegend* legend, int maxChars) {
    for (int i = 0; i < legend->itemCount(); ++i) {
        auto* item = qobject_cast<QCPPlottableLegendItem*>(legend->item(i));
        if (!item) continue;
        QCPAbstractPlottable* plottable = item->plottable();
        const QString full = fullName(plottable);
        QString shown = full;
        if (maxChars > 0 && full.size() > maxChars) {
            const int keep = maxChars - 1;
            shown = full.left(keep / 2) + QChar(0x2026) + full.right(keep - keep / 2);
        }
        plottable->setProperty(kFullName, full);
        plottable->setProperty(kShownName, shown);
        if (plottable->name() != shown) plottable->setName(shown);
    }
}

int longestName(QCPLegend* legend) {
    int longest = 0;
    for (int i = 0; i < legend->itemCount(); ++i)
        if (auto* item = qobject_cast<QCPPlottableLegendItem*>(legend->item(i)))
            longest = std::max(longest, static_cast<int>(fullName(item->plottable()).size()));
    return longest;
}

// Fits the legend of the plot's first axis rect inside it; true when anything changed.
bool fitLegend(QCustomPlot* plot) {
    QCPLegend* legend = plot->legend;
    QCPAxisRect* rect = plot->axisRect();
    if (!legend || !rect || legend->layout() != rect->insetLayout()) return false;
    // A legend its owner hid stays hidden; an empty one (no series yet) is hidden until it has some.
    const bool hiddenHere = legend->property(kHiddenByFit).toBool();
    if (!legend->visible() && !hiddenHere) return false;
    if (legend->itemCount() == 0) {
        legend->setProperty(kHiddenByFit, true);
        const bool wasVisible = legend->visible();
        legend->setVisible(false);
        return wasVisible;
    }
    const QSize room = rect->rect().size() - QSize(12, 12);
    const auto state = [legend] {
        QStringList names;
        for (int i = 0; i < legend->itemCount(); ++i)
            if (auto* item = qobject_cast<QCPPlottableLegendItem*>(legend->item(i))) names << item->plottable()->name();
        return std::make_tuple(names, legend->wrap(), legend->visible());
    };
    const auto before = state();
    const auto fits = [legend, room] {
        const QSize size = legend->minimumOuterSizeHint();
        return size.width() <= room.width() && size.height() <= room.height();
    };
    // One column, every name whole; then shorter names; then more columns; else no legend.
    legend->setVisible(true);
    legend->setWrap(0);
    legend->setFillOrder(QCPLayoutGrid::foRowsFirst, true);
    bool done = false;
    const int longest = longestName(legend);
    for (int chars = longest;; chars = chars > 40 ? chars * 3 / 4 : chars - 4) {
        setLegendNames(legend, chars);
        done = fits();
        if (done || chars <= 12) break;
    }
    if (!done) {
        setLegendNames(legend, std::min(longest, 24));
        const int rowHeight = std::max(1, legend->minimumOuterSizeHint().height() / std::max(1, legend->itemCount()));
        legend->setWrap(std::max(1, room.height() / rowHeight - 1));
        legend->setFillOrder(QCPLayoutGrid::foRowsFirst, true);
        done = fits();
    }
    if (!done) legend->setVisible(false);
    legend->setProperty(kHiddenByFit, !done);
    return state() != before;
}

}  // namespace

QString fullName(const QCPAbstractPlottable* plottable) {
    // A name set by the owner since the last fit replaces the remembered one.
    const QVariant shown = plottable->property(kShownName);
    if (shown.isValid() && shown.toString() == plottable->name()) return plottable->property(kFullName).toString();
    return plottable->name();
}

int readableTickCount(QCPAxis* axis) {
    const bool horizontal = axis->orientation() == Qt::Horizontal;
    const int length = horizontal ? axis->axisRect()->width() : axis->axisRect()->height();
    if (length <= 0) return axis->ticker() ? axis->ticker()->tickCount() : 5;
    // At most one tick per 70 px across or 35 px up the side; fewer when the labels need the room.
    const int most = std::clamp(length / (horizontal ? 70 : 35), 2, 12);
    for (int count = most; count > 2; --count)
        if (ticksFit(axis, count)) return count;
    return 2;
}

void keepReadable(QCustomPlot* plot) {
    auto* consecutive = new int(0);
    QObject::connect(plot, &QObject::destroyed, [consecutive] { delete consecutive; });
    QObject::connect(plot, &QCustomPlot::afterLayout, plot, [plot, consecutive] {
        bool changed = false;
        for (QCPAxisRect* rect : plot->axisRects()) {
            for (QCPAxis* axis : rect->axes()) changed = fitTicks(axis) || changed;
        }
        changed = fitLegend(plot) || changed;
        // This very drawing shows the new ticks and legend; margins follow on the next layout.
        if (changed) {
            for (QCPAxisRect* rect : plot->axisRects()) {
                rect->update(QCPLayoutElement::upPreparation);
                rect->update(QCPLayoutElement::upLayout);
            }
        }
        // Margins follow the new labels on the next layout; stop after a few rounds whatever happens.
        if (changed && *consecutive < 3) {
            ++*consecutive;
            plot->replot(QCustomPlot::rpQueuedReplot);
        } else {
            *consecutive = 0;
        }
    });
}

}  // namespace genra::widgets
