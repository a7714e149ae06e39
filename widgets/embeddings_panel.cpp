#include "widgets/embeddings_panel.h"

#include "core/eval/workspace_tsne.h"
#include "core/store/workspace.h"
#include "widgets/caption_browser.h"
#include "widgets/embeddings_data.h"
#include "widgets/embeddings_scatter.h"
#include "widgets/job_manager.h"
#include "widgets/model_choices.h"
#include "widgets/plot_util.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QBoxLayout>
#include <QGridLayout>
#include <QInputDialog>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QResizeEvent>
#include <QSpinBox>
#include <QSplitter>

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

namespace genra::widgets {

namespace {
// Below this width the controls go above the maps instead of beside them.
constexpr int kControlsBesideMinWidth = 900;
constexpr int kControlsBesideWidth = 300;
// Width of one column of controls (label and field) when they are laid out above the maps.
constexpr int kControlColumnWidth = 240;
}  // namespace

EmbeddingsPanel::EmbeddingsPanel(JobManager* jobs, QWidget* parent) : QWidget(parent), jobs_(jobs) {
    controls_ = new QWidget(this);
    controlsGrid_ = new QGridLayout(controls_);
    controlsGrid_->setContentsMargins(0, 0, 0, 0);
    model_ = new QComboBox(controls_);
    model_->setToolTip(tr("CLIP models (plain or aligned): the image embeddings that are mapped"));
    dataset_ = new QComboBox(controls_);
    for (auto* combo : {model_, dataset_}) {
        combo->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
        combo->setMinimumContentsLength(8);
    }
    captions_ = new QSpinBox(controls_);
    captions_->setRange(2, 1000000);
    captions_->setValue(500);
    captions_->setToolTip(tr("Captions mapped (those with generated images first); each brings its real image and "
                             "the images generated from it. Missing embeddings are computed first."));
    includeText_ = new QCheckBox(tr("Include caption embeddings"), controls_);
    perplexity_ = new QDoubleSpinBox(controls_);
    perplexity_->setRange(1, 500);
    perplexity_->setValue(30);
    perplexity_->setToolTip(tr("Effective number of neighbours (shrunk automatically on small samples)"));
    iterations_ = new QSpinBox(controls_);
    iterations_->setRange(250, 100000);
    iterations_->setValue(1000);
    seed_ = new QSpinBox(controls_);
    seed_->setRange(0, 1 << 30);
    auto* compute = new QPushButton(tr("Compute t-SNE"), controls_);
    leftChoice_ = new QComboBox(controls_);
    rightChoice_ = new QComboBox(controls_);
    leftChoice_->setObjectName(QStringLiteral("leftMap"));
    rightChoice_->setObjectName(QStringLiteral("rightMap"));
    for (auto* combo : {leftChoice_, rightChoice_}) {
        combo->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
        combo->setMinimumContentsLength(8);
    }
    links_ = new QCheckBox(tr("Join generated to real"), controls_);
    colourBy_ = new QComboBox(controls_);
    colourBy_->setToolTip(tr("What the points' colours show: real or generated, the image's split, one of its dataset "
                             "attributes, or each generated image's cosine similarity to its real image"));
    colourBy_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    colourBy_->setMinimumContentsLength(8);
    dragMode_ = new QComboBox(controls_);
    dragMode_->addItem(tr("Pan"), static_cast<int>(DragMode::Pan));
    dragMode_->addItem(tr("Box select"), static_cast<int>(DragMode::Box));
    dragMode_->addItem(tr("Lasso select"), static_cast<int>(DragMode::Lasso));
    dragMode_->setToolTip(tr("What a drag with the left button does; selected captions are listed in the caption "
                             "browser"));
    auto* exportButton = new QPushButton(tr("Export figure…"), controls_);
    status_ = new QLabel(controls_);
    status_->setWordWrap(true);
    const auto label = [this](const QString& text) { return new QLabel(text, controls_); };
    controlRows_ = {{label(tr("Model")), model_},
                    {label(tr("Dataset")), dataset_},
                    {label(tr("Captions")), captions_},
                    {label(tr("Perplexity")), perplexity_},
                    {label(tr("Iterations")), iterations_},
                    {label(tr("Seed")), seed_},
                    {nullptr, includeText_},
                    {nullptr, compute},
                    {label(tr("Left map")), leftChoice_},
                    {label(tr("Right map")), rightChoice_},
                    {label(tr("Colour by")), colourBy_},
                    {label(tr("Drag")), dragMode_},
                    {nullptr, links_},
                    {nullptr, exportButton}};
    controls_->setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Maximum);

    panes_ = new QSplitter(Qt::Horizontal, this);
    panes_->setChildrenCollapsible(false);
    left_ = new ScatterPlot(panes_);
    right_ = new ScatterPlot(panes_);
    panes_->installEventFilter(this);
    connect(panes_, &QSplitter::splitterMoved, this, [this] { panesMoved_ = true; });

    root_ = new QBoxLayout(QBoxLayout::LeftToRight, this);
    root_->addWidget(controls_, 0, Qt::AlignTop);
    root_->addWidget(panes_, 1);
    updateLayout();

    connect(compute, &QPushButton::clicked, this, &EmbeddingsPanel::computeProjection);
    connect(leftChoice_, &QComboBox::activated, this, [this](int i) { showProjection(0, leftChoice_->itemData(i).toLongLong()); });
    connect(rightChoice_, &QComboBox::activated, this, [this](int i) { showProjection(1, rightChoice_->itemData(i).toLongLong()); });
    connect(links_, &QCheckBox::toggled, this, [this](bool on) {
        left_->setLinksVisible(on);
        right_->setLinksVisible(on);
    });
    connect(dragMode_, &QComboBox::activated, this,
            [this](int i) { setDragMode(static_cast<DragMode>(dragMode_->itemData(i).toInt())); });
    connect(colourBy_, &QComboBox::activated, this, [this] { applyColouring(); });
    updateColouringChoices();
    // Linked selection: what is picked in one pane is highlighted in the other.
    connect(left_, &ScatterPlot::captionsSelected, this, [this](const QList<qint64>& ids) {
        right_->setSelectedCaptions(ids);
        Q_EMIT captionsSelected(ids);
    });
    connect(right_, &ScatterPlot::captionsSelected, this, [this](const QList<qint64>& ids) {
        left_->setSelectedCaptions(ids);
        Q_EMIT captionsSelected(ids);
    });
    connect(exportButton, &QPushButton::clicked, this, &EmbeddingsPanel::exportDialog);
    connect(jobs_, &JobManager::jobProgress, this, [this](int id, double fraction, const QString& message) {
        if (id == job_) status_->setText(fraction >= 0 ? tr("%1 (%2%)").arg(message).arg(qRound(fraction * 100)) : message);
    });
    connect(jobs_, &JobManager::jobFinished, this, [this](int id, bool ok) {
        if (id != job_) return;
        const auto* record = jobs_->record(id);
        status_->setText(ok ? tr("Done.") : record ? record->error : QString());
        job_ = 0;
        refreshProjections();
        if (ok && leftChoice_->count() > 0) {
            // The new map goes to the left pane, the previous one moves right.
            const int last = leftChoice_->count() - 1;
            if (last > 0) showProjection(1, leftChoice_->itemData(last - 1).toLongLong());
            showProjection(0, leftChoice_->itemData(last).toLongLong());
        }
    });
}

void EmbeddingsPanel::setWorkspace(store::Workspace* workspace) {
    workspace_ = workspace;
    left_->setWorkspace(workspace);
    right_->setWorkspace(workspace);
    model_->clear();
    dataset_->clear();
    if (workspace_) {
        // Only models that embed images; captioners and generators cannot.
        model_->addItems(clipModelNames(*workspace_));
        for (const auto& d : workspace_->listDatasets()) dataset_->addItem(QString::fromStdString(d.info.name));
    }
    refreshProjections();
    // Open the two newest maps, so the view shows data straight away.
    const int n = leftChoice_->count();
    if (n > 0) showProjection(0, leftChoice_->itemData(n > 1 ? n - 2 : 0).toLongLong());
    if (n > 1) showProjection(1, leftChoice_->itemData(n - 1).toLongLong());
}

void EmbeddingsPanel::refreshProjections() {
    for (auto* combo : {leftChoice_, rightChoice_}) {
        const QVariant current = combo->currentData();
        combo->clear();
        if (workspace_) {
            for (const auto& p : listProjections(*workspace_)) {
                combo->addItem(tr("%1 (%2 points)").arg(QString::fromStdString(p.name)).arg(p.points),
                               static_cast<qlonglong>(p.id));
            }
        }
        // A pane that shows no map names none (a refilled combo box would select the first).
        combo->setCurrentIndex(combo->findData(current));
    }
}

void EmbeddingsPanel::showProjection(int pane, qint64 projectionId) {
    if (!workspace_) return;
    try {
        auto projection = loadProjection(*workspace_, projectionId);
        const QString title = QString::fromStdString(projection.info.name);
        auto* target = pane == 0 ? left_ : right_;
        target->setTitle(title);
        target->setProjection(std::move(projection));
        auto* combo = pane == 0 ? leftChoice_ : rightChoice_;
        combo->setCurrentIndex(combo->findData(static_cast<qlonglong>(projectionId)));
        updateColouringChoices();
        applyColouring();
    } catch (const std::exception& e) {
        status_->setText(QString::fromStdString(e.what()));
    }
}

int EmbeddingsPanel::computeProjection() {
    if (!workspace_ || job_ || model_->currentText().isEmpty() || dataset_->currentText().isEmpty()) return 0;
    eval::WorkspaceTsneOptions options;
    options.workspace = workspace_->dir();
    options.model = model_->currentText().toStdString();
    options.dataset = dataset_->currentText().toStdString();
    options.captions = captions_->value();
    options.withText = includeText_->isChecked();
    options.tsne.perplexity = perplexity_->value();
    options.tsne.iterations = iterations_->value();
    options.tsne.seed = static_cast<std::uint64_t>(seed_->value());
    job_ = jobs_->start(std::make_unique<eval::WorkspaceTsneJob>(options));
    status_->setText(tr("Computing…"));
    return job_;
}

QStringList EmbeddingsPanel::modelChoices() const {
    QStringList names;
    for (int i = 0; i < model_->count(); ++i) names << model_->itemText(i);
    return names;
}

void EmbeddingsPanel::updateColouringChoices() {
    const QString current = colourBy_->currentData().toString();
    colourBy_->clear();
    colourBy_->addItem(tr("Real / generated"), QStringLiteral("modality"));
    colourBy_->addItem(tr("Split"), QStringLiteral("split"));
    colourBy_->addItem(tr("Cosine to paired image"), QStringLiteral("cosine"));
    std::set<std::string> keys;
    for (auto* pane : {left_, right_})
        for (const auto& key : pane->projection().attributeKeys()) keys.insert(key);
    for (const auto& key : keys) {
        const QString name = QString::fromStdString(key);
        colourBy_->addItem(tr("Attribute: %1").arg(name), QStringLiteral("attribute:") + name);
    }
    const int index = colourBy_->findData(current);
    colourBy_->setCurrentIndex(index >= 0 ? index : 0);
}

void EmbeddingsPanel::applyColouring() {
    const QString choice = colourBy_->currentData().toString();
    ColourBy by = ColourBy::Modality;
    QString attribute;
    if (choice == QStringLiteral("split")) {
        by = ColourBy::Split;
    } else if (choice == QStringLiteral("cosine")) {
        by = ColourBy::Cosine;
    } else if (choice.startsWith(QStringLiteral("attribute:"))) {
        by = ColourBy::Attribute;
        attribute = choice.mid(10);
    }
    // Cosines on one scale, from the lowest to the highest of both maps, so that a colour means the
    // same cosine in either; one colour bar, on the right map (the left one when it is alone).
    double lo = std::numeric_limits<double>::quiet_NaN();
    double hi = lo;
    if (by == ColourBy::Cosine) {
        for (auto* pane : {left_, right_}) {
            const auto [a, b] = pane->cosineRange();
            if (!(a <= b)) continue;
            lo = std::isnan(lo) ? a : std::min(lo, a);
            hi = std::isnan(hi) ? b : std::max(hi, b);
        }
    }
    ScatterPlot* bar = right_->projection().points.empty() ? left_ : right_;
    for (auto* pane : {left_, right_}) {
        pane->setCosineScale(lo, hi);
        pane->setColourBarVisible(pane == bar);
        pane->setColouring(by, attribute);
    }
}

std::pair<double, double> EmbeddingsPanel::cosineScale() const {
    const auto left = left_->cosineScale();
    return left.first <= left.second ? left : right_->cosineScale();
}

bool EmbeddingsPanel::setColouring(const QString& choice) {
    const int index = colourBy_->findData(choice);
    if (index < 0) return false;
    colourBy_->setCurrentIndex(index);
    applyColouring();
    return true;
}

QString EmbeddingsPanel::colouring() const { return colourBy_->currentData().toString(); }

QStringList EmbeddingsPanel::colouringChoices() const {
    QStringList choices;
    for (int i = 0; i < colourBy_->count(); ++i) choices << colourBy_->itemData(i).toString();
    return choices;
}

bool EmbeddingsPanel::select(const QString& key, const QString& value) {
    if (key == QStringLiteral("colour") || key == QStringLiteral("color")) return setColouring(value);
    if (key == QStringLiteral("drag")) {
        const QStringList modes{QStringLiteral("pan"), QStringLiteral("box"), QStringLiteral("lasso")};
        const int index = static_cast<int>(modes.indexOf(value));
        if (index < 0) return false;
        setDragMode(static_cast<DragMode>(index + 1));
        return true;
    }
    if (key == QStringLiteral("captions")) {
        const auto ids = CaptionBrowser::parseCaptionIds(value);
        if (!ids) return false;
        left_->setSelectedCaptions(*ids);
        right_->setSelectedCaptions(*ids);
        Q_EMIT captionsSelected(left_->selectedCaptions().isEmpty() ? right_->selectedCaptions() : left_->selectedCaptions());
        return !left_->selectedPoints().isEmpty() || !right_->selectedPoints().isEmpty();
    }
    return false;
}

void EmbeddingsPanel::setDragMode(DragMode mode) {
    dragMode_->setCurrentIndex(dragMode_->findData(static_cast<int>(mode)));
    left_->setDragMode(mode);
    right_->setDragMode(mode);
}

void EmbeddingsPanel::setHighlightedCaptions(const QList<qint64>& captionIds) {
    left_->setHighlightedCaptions(captionIds);
    right_->setHighlightedCaptions(captionIds);
}

Qt::Orientation EmbeddingsPanel::paneOrientation() const { return panes_->orientation(); }

void EmbeddingsPanel::resizeEvent(QResizeEvent* event) {
    QWidget::resizeEvent(event);
    updateLayout();
}

bool EmbeddingsPanel::eventFilter(QObject* watched, QEvent* event) {
    if (watched == panes_ && event->type() == QEvent::Resize) {
        // Each map as close to square as the room allows: side by side when the room is wider
        // than tall, one above the other when it is taller.
        const QSize size = panes_->size();
        const Qt::Orientation wanted = size.width() < size.height() ? Qt::Vertical : Qt::Horizontal;
        // The two maps share the room equally until the user drags the handle.
        if (panes_->orientation() != wanted || !panesMoved_) {
            panes_->setOrientation(wanted);
            const int extent = wanted == Qt::Vertical ? size.height() : size.width();
            panes_->setSizes({extent / 2, extent - extent / 2});
        }
    }
    return QWidget::eventFilter(watched, event);
}

void EmbeddingsPanel::updateLayout() {
    // Narrow panels (a side dock) put the controls above the maps, wrapped into as many columns as
    // fit; wide ones keep them in a column beside the maps.
    controlsOnTop_ = width() < kControlsBesideMinWidth;
    root_->setDirection(controlsOnTop_ ? QBoxLayout::TopToBottom : QBoxLayout::LeftToRight);
    controls_->setMaximumWidth(controlsOnTop_ ? QWIDGETSIZE_MAX : kControlsBesideWidth);
    const int columns = controlsOnTop_ ? std::max(1, width() / kControlColumnWidth) : 1;
    if (columns == controlColumns_) return;
    while (QLayoutItem* item = controlsGrid_->takeAt(0)) delete item;  // the widgets stay
    for (int c = 0; c < 2 * std::max(columns, controlColumns_); ++c) controlsGrid_->setColumnStretch(c, c % 2 ? 1 : 0);
    controlColumns_ = columns;
    int k = 0;
    for (const auto& [label, field] : controlRows_) {
        const int row = k / columns;
        const int column = (k % columns) * 2;
        if (label) {
            controlsGrid_->addWidget(label, row, column);
            controlsGrid_->addWidget(field, row, column + 1);
        } else {
            controlsGrid_->addWidget(field, row, column, 1, 2);
        }
        ++k;
    }
    controlsGrid_->addWidget(status_, (k + columns - 1) / columns, 0, 1, 2 * columns);
}

bool EmbeddingsPanel::exportFigure(const QString& path, int widthPx, int heightPx, double dpi, QString* error) {
    QList<QCustomPlot*> plots{left_->plot()};
    if (!right_->projection().points.empty()) plots << right_->plot();
    return exportPlots(plots, path, widthPx, heightPx, dpi, error);
}

void EmbeddingsPanel::exportDialog() {
    const QString path = QFileDialog::getSaveFileName(this, tr("Export figure"), {}, tr("PNG (*.png);;PDF (*.pdf);;SVG (*.svg)"));
    if (path.isEmpty()) return;
    bool ok = false;
    const int dpi = QInputDialog::getInt(this, tr("Export figure"), tr("Resolution (DPI)"), 300, 36, 2400, 1, &ok);
    if (!ok) return;
    // 7 x 3.5 inches: a two-column paper figure.
    QString error;
    if (!exportFigure(path, 7 * dpi, 7 * dpi / 2, dpi, &error)) QMessageBox::warning(this, tr("Cannot export"), error);
}

}  // namespace genra::widgets
