#include "widgets/similarity_panel.h"

#include "core/store/embeddings.h"
#include "core/store/workspace.h"
#include "widgets/plot_util.h"

#include "widgets/plot_qcp.h"

#include <QComboBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QScrollArea>
#include <QSpinBox>
#include <QSplitter>
#include <QVBoxLayout>

#include <set>

namespace genra::widgets {

namespace {
constexpr int kCaptionIdRole = Qt::UserRole + 1;
// Characters of a model's name in the measures table's header.
constexpr int kHeaderChars = 14;
}

SimilarityPanel::SimilarityPanel(QWidget* parent) : QWidget(parent) {
    // The controls, measures and worst-aligned list in a column on the left; the plots take the rest.
    auto* layout = new QHBoxLayout(this);
    auto* columns = new QSplitter(Qt::Horizontal, this);
    columns->setChildrenCollapsible(false);
    layout->addWidget(columns);
    auto* controls = new QWidget(columns);
    auto* form = new QFormLayout(controls);
    modelA_ = new QComboBox(controls);
    modelB_ = new QComboBox(controls);
    modelB_->setToolTip(tr("A second model to compare (e.g. with alignment); optional"));
    dataset_ = new QComboBox(controls);
    generator_ = new QComboBox(controls);
    generator_->setToolTip(tr("Measure only the images of this generator (a workspace may hold a diffusion model's images "
                              "and the builtin:shift control's)"));
    worstCount_ = new QSpinBox(controls);
    worstCount_->setRange(1, 10000);
    worstCount_->setValue(50);
    heatmapSubset_ = new QComboBox(controls);
    heatmapSubset_->addItem(tr("First pairs"), static_cast<int>(HeatmapSubset::First));
    heatmapSubset_->addItem(tr("Worst-aligned pairs"), static_cast<int>(HeatmapSubset::Worst));
    heatmapSubset_->addItem(tr("Captions selected in the browser"), static_cast<int>(HeatmapSubset::Captions));
    heatmapSubset_->setToolTip(tr("Which real–generated pairs of the first model the heat-map shows"));
    heatmapCount_ = new QSpinBox(controls);
    heatmapCount_->setRange(2, 500);
    heatmapCount_->setValue(32);
    heatmapCount_->setToolTip(tr("Pairs in the heat-map (at most)"));
    // Long choices (model names, "Captions selected in the browser") must not widen the column
    // beyond its share: the combos show what fits, the whole text when open.
    for (auto* combo : {modelA_, modelB_, dataset_, generator_, heatmapSubset_}) {
        combo->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
        combo->setMinimumContentsLength(10);
    }
    auto* heatmapRow = new QHBoxLayout;
    heatmapRow->addWidget(heatmapSubset_, 1);
    heatmapRow->addWidget(heatmapCount_);
    auto* show = new QPushButton(tr("Measure"), controls);
    form->addRow(tr("Model"), modelA_);
    form->addRow(tr("Compare with"), modelB_);
    form->addRow(tr("Dataset"), dataset_);
    form->addRow(tr("Generator"), generator_);
    connect(dataset_, &QComboBox::currentTextChanged, this, [this] { fillGenerators(); });
    form->addRow(tr("Worst pairs"), worstCount_);
    form->addRow(tr("Heat-map"), heatmapRow);
    form->addRow(show);
    stats_ = new QLabel;
    stats_->setTextFormat(Qt::RichText);
    stats_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    // In a narrow column the measures' names wrap onto two lines and the values (which never
    // break) stay in view; only a table still too wide scrolls sideways.
    stats_->setWordWrap(true);
    stats_->setAlignment(Qt::AlignLeft | Qt::AlignTop);
    auto* statsScroll = new QScrollArea(controls);
    statsScroll->setWidget(stats_);
    statsScroll->setWidgetResizable(true);
    statsScroll->setFrameShape(QFrame::NoFrame);
    // Room for the table's thirteen rows; the worst-aligned list takes the rest.
    statsScroll->setMinimumHeight(fontMetrics().lineSpacing() * 15);
    form->addRow(statsScroll);
    status_ = new QLabel(controls);
    status_->setWordWrap(true);
    form->addRow(status_);
    worst_ = new QListWidget(controls);
    worst_->setToolTip(tr("Worst-aligned captions of the first model; double-click to open them in the browser"));
    // Long captions elided in the middle, whole in each row's tooltip.
    worst_->setTextElideMode(Qt::ElideMiddle);
    worst_->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    form->addRow(worst_);
    controls->setMaximumWidth(480);
    auto* plots = new QSplitter(Qt::Vertical, columns);
    histogram_ = new QCustomPlot(plots);
    histogram_->xAxis->setLabel(tr("cosine(real, generated)"));
    histogram_->yAxis->setLabel(tr("pairs"));
    histogram_->legend->setVisible(true);
    histogram_->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignLeft);
    histogram_->setMinimumHeight(200);
    heatmap_ = new QCustomPlot(plots);
    heatmap_->xAxis->setLabel(tr("generated image (pair)"));
    heatmap_->yAxis->setLabel(tr("real image (pair)"));
    heatmap_->setMinimumHeight(200);
    // The cosine each colour stands for, right of the map and as tall as its axis rect.
    heatmapScale_ = new QCPColorScale(heatmap_);
    heatmapScale_->setType(QCPAxis::atRight);
    heatmapScale_->setGradient(QCPColorGradient::gpPolar);
    heatmapScale_->setDataRange(QCPRange(-1, 1));
    heatmapScale_->setBarWidth(12);
    heatmapScale_->setLabel(tr("cosine"));
    heatmap_->plotLayout()->addElement(0, 1, heatmapScale_);
    auto* heatmapMargins = new QCPMarginGroup(heatmap_);
    heatmap_->axisRect()->setMarginGroup(QCP::msTop | QCP::msBottom, heatmapMargins);
    heatmapScale_->setMarginGroup(QCP::msTop | QCP::msBottom, heatmapMargins);
    // Pair indices: whole-number ticks only, as many as the axis holds.
    for (QCPAxis* axis : {heatmap_->xAxis, heatmap_->yAxis}) {
        QSharedPointer<QCPAxisTickerFixed> ticker(new QCPAxisTickerFixed);
        ticker->setTickStep(1.0);
        ticker->setScaleStrategy(QCPAxisTickerFixed::ssMultiples);
        axis->setTicker(ticker);
    }
    for (QCustomPlot* plot : {histogram_, heatmap_}) {
        addExportMenu(plot);
        keepReadable(plot);
    }
    // The plots at least three fifths of the view: the controls two fifths, at most 480 pixels.
    columns->setStretchFactor(0, 2);
    columns->setStretchFactor(1, 3);
    columns->setSizes({400, 600});

    connect(show, &QPushButton::clicked, this, [this] {
        showModels(modelA_->currentText(), modelB_->currentIndex() > 0 ? modelB_->currentText() : QString(),
                   dataset_->currentText());
    });
    connect(worstCount_, &QSpinBox::valueChanged, this, &SimilarityPanel::fillWorstList);
    connect(heatmapSubset_, &QComboBox::currentIndexChanged, this, &SimilarityPanel::drawHeatmap);
    connect(heatmapCount_, &QSpinBox::valueChanged, this, &SimilarityPanel::drawHeatmap);
    connect(worst_, &QListWidget::itemDoubleClicked, this, [this](QListWidgetItem* item) {
        Q_EMIT captionsSelected({item->data(kCaptionIdRole).toLongLong()});
    });
    connect(worst_, &QListWidget::itemSelectionChanged, this, [this] {
        QList<qint64> ids;
        for (auto* item : worst_->selectedItems()) ids << item->data(kCaptionIdRole).toLongLong();
        if (ids.size() > 1) Q_EMIT captionsSelected(ids);
    });
    worst_->setSelectionMode(QAbstractItemView::ExtendedSelection);
}

void SimilarityPanel::fillChoices() {
    modelA_->clear();
    modelB_->clear();
    modelB_->addItem(tr("(none)"));
    dataset_->clear();
    if (!workspace_) return;
    for (const auto& name : store::embeddedModelNames(*workspace_)) {
        modelA_->addItem(QString::fromStdString(name));
        modelB_->addItem(QString::fromStdString(name));
    }
    for (const auto& d : workspace_->listDatasets()) dataset_->addItem(QString::fromStdString(d.info.name));
    fillGenerators();
}

void SimilarityPanel::fillGenerators() {
    const QString current = generator_->currentData().toString();
    generator_->clear();
    generator_->addItem(tr("(every generator)"), QString());
    if (!workspace_ || dataset_->currentText().isEmpty()) return;
    for (const auto& g : datasetGenerators(*workspace_, dataset_->currentText().toStdString()))
        generator_->addItem(QString::fromStdString(g), QString::fromStdString(g));
    generator_->setCurrentIndex(std::max(0, generator_->findData(current)));
}

void SimilarityPanel::setWorkspace(store::Workspace* workspace) {
    workspace_ = workspace;
    reports_[0].reset();
    reports_[1].reset();
    fillChoices();
    // Show the first two embedded models straight away when there are any.
    if (modelA_->count() > 0 && dataset_->count() > 0) {
        for (int d = 0; d < dataset_->count(); ++d) {
            if (showModels(modelA_->itemText(0), modelA_->count() > 1 ? modelA_->itemText(1) : QString(), dataset_->itemText(d))) {
                dataset_->setCurrentIndex(d);
                if (modelA_->count() > 1) modelB_->setCurrentIndex(2);
                break;
            }
        }
    } else {
        drawHistogram();
        drawHeatmap();
        fillWorstList();
    }
}

bool SimilarityPanel::select(const QString& key, const QString& value) {
    QComboBox* combo = key == QStringLiteral("model")       ? modelA_
                       : key == QStringLiteral("compare")   ? modelB_
                       : key == QStringLiteral("generator") ? generator_
                                                            : nullptr;
    if (!combo) return false;
    const int index = combo->findText(value);
    if (index < 0) return false;
    combo->setCurrentIndex(index);
    return showModels(modelA_->currentText(), modelB_->currentIndex() > 0 ? modelB_->currentText() : QString(),
                      dataset_->currentText());
}

bool SimilarityPanel::showModels(const QString& modelA, const QString& modelB, const QString& dataset) {
    if (!workspace_) return false;
    reports_[0].reset();
    reports_[1].reset();
    status_->clear();
    bool ok = true;
    try {
        const std::string generator = generator_->currentData().toString().toStdString();
        reports_[0] = computeSimilarity(*workspace_, modelA.toStdString(), dataset.toStdString(), {}, 20, 32, generator);
        if (!modelB.isEmpty())
            reports_[1] = computeSimilarity(*workspace_, modelB.toStdString(), dataset.toStdString(), {}, 20, 32, generator);
    } catch (const std::exception& e) {
        status_->setText(QString::fromStdString(e.what()));
        ok = false;
    }
    QString html = QStringLiteral("<table cellspacing=\"4\"><tr><th></th>");
    const QString rows[] = {tr("pairs"),
                            tr("cosine mean ± std"),
                            tr("unmatched cosine"),
                            tr("margin (matched − unmatched)"),
                            tr("centred cosine"),
                            tr("gen→real R@1 / R@5 %"),
                            tr("held-out Eq. 1 loss"),
                            tr("Eq. 1 pair (f_r real): cosine / margin / R@1"),
                            tr("centroid distance"),
                            tr("centroid cosine"),
                            tr("linear probe accuracy"),
                            tr("Fréchet distance")};
    constexpr int kRows = static_cast<int>(sizeof rows / sizeof rows[0]);
    for (const auto& r : reports_)
        if (r) {
            // Long model names elided in the middle (the histogram's legend has them whole), so two
            // models' values fit a narrow column.
            QString name = QString::fromStdString(r->model);
            if (name.size() > kHeaderChars) name = name.left(kHeaderChars / 2) + QChar(0x2026) + name.right(kHeaderChars / 2 - 1);
            html += QStringLiteral("<th style=\"white-space:nowrap\">") + name.toHtmlEscaped() + QStringLiteral("</th>");
        }
    html += QStringLiteral("</tr>");
    for (int row = 0; row < kRows; ++row) {
        html += QStringLiteral("<tr><td>") + rows[row] + QStringLiteral("</td>");
        for (const auto& r : reports_) {
            if (!r) continue;
            QString v;
            switch (row) {
                case 0: v = QString::number(r->pairs.size()); break;
                case 1: v = QStringLiteral("%1 ± %2").arg(r->mean, 0, 'f', 3).arg(r->std, 0, 'f', 3); break;
                case 2: v = QString::number(r->own.unmatchedCosineMean, 'f', 4); break;
                case 3: v = QString::number(r->own.margin, 'f', 4); break;
                case 4: v = QString::number(r->own.centredPairedCosineMean, 'f', 4); break;
                case 5: v = QStringLiteral("%1 / %2").arg(r->own.genToRealRecallAt1, 0, 'f', 1).arg(r->own.genToRealRecallAt5, 0, 'f', 1); break;
                case 6: v = QString::number(r->own.alignLoss, 'f', 4); break;
                case 7:
                    v = r->eq1 ? QStringLiteral("%1 / %2 / %3")
                                              .arg(r->eq1->pairedCosineMean, 0, 'f', 4)
                                              .arg(r->eq1->margin, 0, 'f', 4)
                                              .arg(r->eq1->genToRealRecallAt1, 0, 'f', 1)
                                        : tr("n/a¹");
                    break;
                case 8: v = QString::number(r->centroidDistance, 'f', 4); break;
                case 9: v = QString::number(r->centroidCosine, 'f', 4); break;
                case 10: v = QString::number(r->probeAccuracy, 'f', 4); break;
                default: v = QString::number(r->frechetDistance, 'f', 4); break;
            }
            html += QStringLiteral("<td align=\"right\" style=\"white-space:nowrap\">") + v + QStringLiteral("</td>");
        }
        html += QStringLiteral("</tr>");
    }
    html += QStringLiteral("</table>");
    // The note stays out of the table so that its column keeps the width of the numbers.
    bool eq1Missing = false;
    for (const auto& r : reports_) eq1Missing = eq1Missing || (r && !r->eq1);
    if (eq1Missing) html += QStringLiteral("<small>") + tr("¹ no base model embeddings") + QStringLiteral("</small>");
    stats_->setText(reports_[0] ? html : QString());
    drawHistogram();
    drawHeatmap();
    fillWorstList();
    return ok;
}

void SimilarityPanel::drawHistogram() {
    histogram_->clearPlottables();
    double top = 1;
    for (int i = 0; i < 2; ++i) {
        const auto& r = reports_[i];
        if (!r || r->histogramCounts.empty()) continue;
        auto* bars = new QCPBars(histogram_->xAxis, histogram_->yAxis);
        QColor colour = seriesColour(i);
        bars->setPen(QPen(colour));
        colour.setAlpha(110);
        bars->setBrush(colour);
        const double width = r->histogramEdges[1] - r->histogramEdges[0];
        bars->setWidth(width);
        QVector<double> x, y;
        for (std::size_t b = 0; b < r->histogramCounts.size(); ++b) {
            x << (r->histogramEdges[b] + r->histogramEdges[b + 1]) / 2;
            y << static_cast<double>(r->histogramCounts[b]);
            top = std::max(top, y.back());
        }
        bars->setData(x, y, true);
        bars->setName(tr("%1: %2 ± %3").arg(QString::fromStdString(r->model)).arg(r->mean, 0, 'f', 3).arg(r->std, 0, 'f', 3));
    }
    histogram_->xAxis->setRange(-1, 1);
    histogram_->yAxis->setRange(0, top * 1.1);
    histogram_->replot();
}

void SimilarityPanel::setHeatmapSubset(HeatmapSubset subset, int count) {
    const QSignalBlocker blockSubset(heatmapSubset_);
    const QSignalBlocker blockCount(heatmapCount_);
    heatmapSubset_->setCurrentIndex(std::max(0, heatmapSubset_->findData(static_cast<int>(subset))));
    heatmapCount_->setValue(count);
    drawHeatmap();
}

void SimilarityPanel::setBrowserSelection(const QList<qint64>& captionIds) {
    browserSelection_ = captionIds;
    if (heatmapSubset_->currentData().toInt() == static_cast<int>(HeatmapSubset::Captions)) drawHeatmap();
}

QList<qint64> SimilarityPanel::heatmapCaptionIds() const {
    QList<qint64> ids;
    for (const auto& p : heatmapPairs_) ids << p.captionId;
    return ids;
}

void SimilarityPanel::drawHeatmap() {
    heatmap_->clearPlottables();
    heatmapPairs_.clear();
    const auto& r = reports_[0];
    const auto subset = static_cast<HeatmapSubset>(heatmapSubset_->currentData().toInt());
    std::vector<double> cells;
    if (r && workspace_) {
        const std::vector<std::int64_t> selected(browserSelection_.begin(), browserSelection_.end());
        heatmapPairs_ = heatmapPairs(*r, subset, static_cast<std::size_t>(heatmapCount_->value()), selected);
        try {
            cells = pairHeatmap(*workspace_, r->model, heatmapPairs_);
        } catch (const std::exception& e) {
            status_->setText(QString::fromStdString(e.what()));
            heatmapPairs_.clear();
        }
        if (heatmapPairs_.empty() && subset == HeatmapSubset::Captions) {
            status_->setText(browserSelection_.isEmpty()
                                 ? tr("Heat-map: select captions in the caption browser (Ctrl- or Shift-click).")
                                 : tr("Heat-map: the captions selected in the browser have no embedded pairs under %1.")
                                       .arg(QString::fromStdString(r->model)));
        }
    }
    const int n = static_cast<int>(heatmapPairs_.size());
    if (n > 0) {
        auto* map = new QCPColorMap(heatmap_->xAxis, heatmap_->yAxis);
        map->data()->setSize(n, n);
        // Cell centres at 0 .. n-1; a single cell (whose centres span nothing) covers -0.5 .. 0.5.
        const QCPRange range = n > 1 ? QCPRange(0, n - 1) : QCPRange(-0.5, 0.5);
        map->data()->setRange(range, range);
        for (int i = 0; i < n; ++i)
            for (int j = 0; j < n; ++j) map->data()->setCell(j, i, cells[static_cast<std::size_t>(i * n + j)]);
        map->setColorScale(heatmapScale_);
        map->setInterpolate(false);
        heatmap_->xAxis->setRange(-0.5, n - 0.5);
        heatmap_->yAxis->setRange(-0.5, n - 0.5);
    }
    heatmap_->replot();
}

void SimilarityPanel::fillWorstList() {
    worst_->clear();
    if (!reports_[0]) return;
    for (const auto& p : worstAligned(*reports_[0], static_cast<std::size_t>(worstCount_->value()))) {
        auto* item = new QListWidgetItem(QStringLiteral("%1  %2").arg(p.cosine, 0, 'f', 3).arg(QString::fromStdString(p.caption)), worst_);
        item->setData(kCaptionIdRole, static_cast<qlonglong>(p.captionId));
        item->setToolTip(QString::fromStdString(p.caption));
    }
}

void SimilarityPanel::refresh() {
    const QString a = modelA_->currentText();
    const QString b = modelB_->currentText();
    const QString d = dataset_->currentText();
    fillChoices();
    modelA_->setCurrentIndex(std::max(0, modelA_->findText(a)));
    modelB_->setCurrentIndex(std::max(0, modelB_->findText(b)));
    dataset_->setCurrentIndex(std::max(0, dataset_->findText(d)));
    fillGenerators();
}

QList<qint64> SimilarityPanel::worstCaptionIds() const {
    QList<qint64> ids;
    for (int i = 0; i < worst_->count(); ++i) ids << worst_->item(i)->data(kCaptionIdRole).toLongLong();
    return ids;
}

QString SimilarityPanel::statsText() const { return stats_->text(); }
QString SimilarityPanel::statusText() const { return status_->text(); }

}  // namespace genra::widgets
