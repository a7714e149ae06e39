// Figures at publication size (issue 24 part 5): the training chart (with a seed band), an
// embedding map (with its cosine colour bar), and the Similarity view's histogram and heat-map (with
// its colour bar) export as PNG, SVG and PDF files with valid headers at 7 x 4.5 inches and the
// requested DPI, the map's points as vector circles in SVG/PDF (an image beyond 20k points), and
// the text laid out as on a 96-dpi screen: tick labels, axis labels and legends keep the on-screen
// fonts, scaled with the figure, and nothing the screen shows (legend entries, colour bar) is lost.
#include "core/store/workspace.h"
#include "embedding_world.h"
#include "support/test_support.h"
#include "widgets/embeddings_scatter.h"
#include "widgets/plot_curves.h"
#include "widgets/plot_util.h"
#include "widgets/similarity_panel.h"
#include "widgets_test_support.h"

#include "widgets/plot_qcp.h"

#include <catch2/catch.hpp>

#include <QImage>
#include <QRegularExpression>

#include <cmath>
#include <set>
#include <sstream>
#include <string>
#include <vector>

using namespace genra;

namespace {

constexpr int kDpi = 300;
constexpr int kWidthPx = 7 * kDpi;
constexpr int kHeightPx = 9 * kDpi / 2;

widgets::Projection grid(int points) {
    widgets::Projection p;
    for (int i = 0; i < points; ++i) {
        widgets::ProjectionPoint point;
        point.kind = i % 2 ? widgets::PointKind::Generated : widgets::PointKind::Real;
        point.itemId = i;
        point.x = i % 100;
        point.y = i / 100 + (i % 2) * 0.3;
        p.points.push_back(point);
    }
    return p;
}

// Writes the plot in all three formats and checks what every figure must be.
void checkFormats(QCustomPlot* plot, const test::TempDir& tmp, const std::string& stem) {
    QString error;
    const auto path = [&](const char* suffix) { return QString::fromStdString((tmp / (stem + suffix)).string()); };
    REQUIRE(widgets::exportPlot(plot, path(".png"), kWidthPx, kHeightPx, kDpi, &error));
    const std::string png = test::readFile(tmp / (stem + ".png"));
    CHECK(png.rfind("\x89PNG\r\n\x1a\n", 0) == 0);
    const QImage image(path(".png"));
    CHECK(image.width() == kWidthPx);
    CHECK(image.height() == kHeightPx);
    CHECK(std::lround(image.dotsPerMeterX() * 0.0254) == kDpi);

    REQUIRE(widgets::exportPlot(plot, path(".svg"), kWidthPx, kHeightPx, kDpi, &error));
    const std::string svg = test::readFile(tmp / (stem + ".svg"));
    CHECK(svg.rfind("<?xml", 0) == 0);
    CHECK_THAT(svg, Catch::Contains("<svg") && Catch::Contains("viewBox=\"0 0 2100 1350\""));
    CHECK_THAT(svg, Catch::Contains("</svg>"));

    REQUIRE(widgets::exportPlot(plot, path(".pdf"), kWidthPx, kHeightPx, kDpi, &error));
    const std::string pdf = test::readFile(tmp / (stem + ".pdf"));
    CHECK(pdf.rfind("%PDF-", 0) == 0);
    CHECK_THAT(pdf, Catch::Contains("%%EOF"));
    // 7 x 4.5 inches in PostScript points.
    const auto box = pdf.find("/MediaBox [");
    REQUIRE(box != std::string::npos);
    std::istringstream numbers(pdf.substr(box + 11, 80));
    double x0 = -1;
    double y0 = -1;
    double x1 = 0;
    double y1 = 0;
    numbers >> x0 >> y0 >> x1 >> y1;
    CHECK(x0 == 0);
    CHECK(y0 == 0);
    CHECK(x1 == Approx(504));
    CHECK(y1 == Approx(324));
}

// The size of the tick label font in an SVG, in the file's pixels.
double svgFontSize(const std::string& svg, const QString& family) {
    const QRegularExpression re(QStringLiteral("font-family=\"%1\" font-size=\"([0-9.]+)\"").arg(QRegularExpression::escape(family)));
    const auto match = re.match(QString::fromStdString(svg));
    return match.hasMatch() ? match.captured(1).toDouble() : -1.0;
}

// Every font size an SVG's text uses, in the file's pixels.
std::vector<double> svgFontSizes(const std::string& svg) {
    std::vector<double> sizes;
    const QRegularExpression re(QStringLiteral("font-size=\"([0-9.]+)\""));
    auto it = re.globalMatch(QString::fromStdString(svg));
    while (it.hasNext()) sizes.push_back(it.next().captured(1).toDouble());
    return sizes;
}

// A font's on-screen size in pixels (96 dpi).
double screenPixels(const QFont& font) { return font.pointSizeF() > 0 ? font.pointSizeF() * 96.0 / 72.0 : font.pixelSize(); }

// The SVG has text at `font`'s on-screen size scaled by the figure's DPI / 96.
void checkFontKept(const std::string& svg, const QFont& font, const char* what) {
    const double wanted = screenPixels(font) * kDpi / 96.0;
    bool found = false;
    for (double size : svgFontSizes(svg)) found = found || std::abs(size - wanted) <= 0.05 * wanted;
    INFO(what << ": wanted " << wanted << " px");
    CHECK(found);
}

// The text of every <text> element of an SVG, joined.
QString svgText(const std::string& svg) {
    QString text;
    const QRegularExpression re(QStringLiteral("<text[^>]*>([^<]*)</text>"));
    auto it = re.globalMatch(QString::fromStdString(svg));
    while (it.hasNext()) text += it.next().captured(1) + QLatin1Char('\n');
    return text;
}

}  // namespace

TEST_CASE("charts export PNG, SVG and PDF at publication size with the on-screen fonts", "[widgets][plot][export]") {
    test::app();
    test::TempDir tmp{"genra-figure-export"};

    SECTION("training curves with a seed band") {
        widgets::CurvePlot curves;
        curves.resize(900, 500);
        for (const auto& [run, factor] : std::vector<std::pair<QString, double>>{
                 {QStringLiteral("demo-a"), 1.0}, {QStringLiteral("demo-a-seed2"), 1.3}, {QStringLiteral("demo-b"), 0.6}}) {
            std::vector<double> steps;
            std::vector<double> values;
            for (int s = 0; s <= 200; s += 5) {
                steps.push_back(s);
                values.push_back(factor * std::exp(-s / 60.0));
            }
            curves.setSeries(run, QStringLiteral("loss"), steps, values);
        }
        curves.setGroupSeeds(true);
        curves.redraw();
        REQUIRE(curves.bandNames() == QStringList{QStringLiteral("demo-a · loss")});  // no metric chosen: named with it
        checkFormats(curves.plot(), tmp, "curves");

        // The tick labels keep the screen's font: same family, and a size that grows with the DPI
        // exactly as the figure does (a 96-dpi layout scaled by 300 / 96).
        const QFont font = curves.plot()->xAxis->tickLabelFont();
        const std::string svg = test::readFile(tmp / "curves.svg");
        const double size = svgFontSize(svg, font.family());
        INFO(svg.substr(0, 3000));
        REQUIRE(size > 0);
        const double screenPx = font.pointSizeF() > 0 ? font.pointSizeF() * 96.0 / 72.0 : font.pixelSize();
        CHECK(size == Approx(screenPx * kDpi / 96.0).epsilon(0.05));
    }
    SECTION("an embedding map: circles in vector files, an image beyond 20k points") {
        widgets::ScatterPlot map;
        map.resize(700, 600);
        map.setProjection(grid(400));
        checkFormats(map.plot(), tmp, "map");
        const std::string svg = test::readFile(tmp / "map.svg");
        // Each of the 400 points is its own circle (and the two legend keys).
        std::size_t circles = 0;
        for (auto at = svg.find("<circle"); at != std::string::npos; at = svg.find("<circle", at + 1)) ++circles;
        CHECK(circles >= 400);
        CHECK(circles <= 410);
        CHECK(svg.find("<image") == std::string::npos);

        map.setProjection(grid(30000));
        REQUIRE(widgets::exportPlot(map.plot(), QString::fromStdString((tmp / "big.svg").string()), kWidthPx, kHeightPx,
                                    kDpi, nullptr));
        const std::string big = test::readFile(tmp / "big.svg");
        CHECK(big.find("<image") != std::string::npos);
        CHECK(big.size() < 30000u * 60u);  // far less than a circle per point
    }
    SECTION("the Similarity view's histogram and heat-map, with their legend and colour bar") {
        auto ws = store::Workspace::create(tmp / "ws");
        test::makeEmbeddingWorld(ws, 24, {{"base", 1.0}, {"aligned", 0.2}});
        widgets::SimilarityPanel panel;
        panel.resize(1280, 800);
        panel.setWorkspace(&ws);
        REQUIRE(panel.report(0));
        REQUIRE(panel.report(1));
        panel.show();
        for (int k = 0; k < 5; ++k) QCoreApplication::processEvents();
        QCustomPlot* histogram = panel.histogram();
        QCustomPlot* heatmap = panel.heatmap();
        REQUIRE(histogram->legend->visible());
        REQUIRE(histogram->legend->itemCount() == 2);

        checkFormats(histogram, tmp, "histogram");
        const std::string histogramSvg = test::readFile(tmp / "histogram.svg");
        checkFontKept(histogramSvg, histogram->xAxis->tickLabelFont(), "histogram tick labels");
        checkFontKept(histogramSvg, histogram->xAxis->labelFont(), "histogram axis label");
        checkFontKept(histogramSvg, histogram->legend->font(), "histogram legend");
        // Both legend entries and the axis labels are in the figure, whole.
        const QString histogramText = svgText(histogramSvg);
        INFO(histogramText.toStdString());
        for (int i = 0; i < 2; ++i) {
            auto* item = qobject_cast<QCPPlottableLegendItem*>(histogram->legend->item(i));
            REQUIRE(item);
            CHECK(histogramText.contains(item->plottable()->name().toHtmlEscaped()));
        }
        CHECK(histogramText.contains(histogram->xAxis->label()));
        CHECK(histogramText.contains(histogram->yAxis->label()));

        checkFormats(heatmap, tmp, "heatmap");
        const std::string heatmapSvg = test::readFile(tmp / "heatmap.svg");
        checkFontKept(heatmapSvg, heatmap->xAxis->tickLabelFont(), "heat-map tick labels");
        checkFontKept(heatmapSvg, heatmap->xAxis->labelFont(), "heat-map axis label");
        // The colour bar beside the cells says what the colours stand for, from -1 to 1.
        REQUIRE(panel.heatmapScale());
        CHECK(panel.heatmapScale()->dataRange() == QCPRange(-1, 1));
        const QString heatmapText = svgText(heatmapSvg);
        INFO(heatmapText.toStdString());
        CHECK(heatmapText.contains(panel.heatmapScale()->axis()->label()));
        CHECK(heatmapText.contains(QStringLiteral("-1")));
        CHECK(heatmapText.contains(heatmap->xAxis->label()));
        CHECK(heatmapSvg.find("<image") != std::string::npos);  // the cells
        // The bar sits right of the cells, as tall as they are, inside the plot.
        heatmap->replot();
        const QRect bar = panel.heatmapScale()->rect();
        const QRect cells = heatmap->axisRect()->rect();
        CHECK(bar.left() >= cells.right());
        CHECK(bar.top() == cells.top());
        CHECK(bar.bottom() == cells.bottom());
        CHECK(heatmap->rect().contains(panel.heatmapScale()->outerRect()));
    }
    SECTION("an embedding map coloured by cosine keeps its colour bar") {
        widgets::ScatterPlot map;
        map.resize(700, 600);
        map.setProjection(grid(400));
        map.setColouring(widgets::ColourBy::Cosine);
        map.setCosineScale(0.25, 0.75);  // no workspace: the scale is given
        // No point has a cosine here, but the bar states the range the colours would span.
        REQUIRE(map.colourBar());
        checkFormats(map.plot(), tmp, "cosine-map");
        const QString text = svgText(test::readFile(tmp / "cosine-map.svg"));
        INFO(text.toStdString());
        CHECK(text.contains(QStringLiteral("0.250 to 0.750")));
    }
}
