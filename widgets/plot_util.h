// Plot helpers shared by the workbench's charts: TensorBoard-style smoothing, min/max decimation
// for drawing long curves (storage keeps every point), a colour palette for overlaid series, and
// exporting any QCustomPlot as PNG, PDF or SVG at a chosen size and resolution.
#pragma once

#include <QColor>
#include <QList>
#include <QString>
#include <QVector>

#include <vector>

class QCustomPlot;
class QCPAbstractPlottable;
class QCPAxis;

namespace genra::widgets {

// Exponential moving average as TensorBoard draws it: last = last * weight + (1 - weight) * v,
// divided by the bias correction 1 - weight^k so the first points are not pulled towards zero.
// weight in [0, 1): 0 returns the values unchanged. Non-finite values are passed through and do
// not enter the average.
std::vector<double> emaSmooth(const std::vector<double>& values, double weight);

// Keeps the shape of a long curve for drawing: the x range [xMin, xMax] is cut into `buckets`
// equal buckets (one per pixel column) and each bucket keeps its first, smallest, largest and
// last point, in x order. Points outside the range are dropped except the nearest one on each
// side, so lines still run off the edges. x must be sorted ascending. Short inputs (at most
// 4 x buckets points inside the range) are returned unchanged.
struct DecimatedSeries {
    QVector<double> x;
    QVector<double> y;
};
DecimatedSeries decimateMinMax(const std::vector<double>& x, const std::vector<double>& y, double xMin,
                               double xMax, int buckets);

// Distinct colours for overlaid series; index wraps around.
QColor seriesColour(int index);

// Writes the plot to `path`; the format follows the extension (.png, .pdf, .svg). widthPx and
// heightPx are the figure's size in pixels at `dpi` (PNG: exactly that many pixels; PDF: a page of
// widthPx / dpi by heightPx / dpi inches; SVG: that view box). Returns false and fills
// *error (naming the file) on failure.
bool exportPlot(QCustomPlot* plot, const QString& path, int widthPx, int heightPx, double dpi, QString* error);
// Several plots side by side (equal widths) in one figure.
bool exportPlots(const QList<QCustomPlot*>& plots, const QString& path, int widthPx, int heightPx, double dpi,
                 QString* error);

// Keeps a plot readable at any size, recomputed after every layout (so on every resize and range
// change): each visible axis gets as many ticks as its pixel length holds without two tick labels
// overlapping (measured with the axis's tick label font), and a legend in the axis rect's inset
// layout is fitted inside the axis rect: long entry names are elided in the middle, entries wrap
// into columns when they are too many for the height, and the legend is hidden only when even that
// does not fit.
void keepReadable(QCustomPlot* plot);
// The tick count keepReadable gives `axis` at its current length and range (2 .. 12).
int readableTickCount(QCPAxis* axis);
// A plottable's name as its owner set it (keepReadable may show it elided in the legend).
QString fullName(const QCPAbstractPlottable* plottable);

// Gives a plot a context menu with "Export figure…" (file dialog for .png/.pdf/.svg, then the DPI;
// the figure is 7 x 4.5 inches at that DPI), so every chart of the workbench can be exported.
void addExportMenu(QCustomPlot* plot);

}  // namespace genra::widgets
