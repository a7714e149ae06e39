#include "widgets/embeddings_panel.h"

#include "core/eval/workspace_tsne.h"
#include "core/store/workspace.h"
#include "widgets/embeddings_data.h"
#include "widgets/embeddings_scatter.h"
#include "widgets/job_manager.h"
#include "widgets/plot_util.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QInputDialog>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QSpinBox>
#include <QSplitter>
#include <QVBoxLayout>

namespace genra::widgets {

EmbeddingsPanel::EmbeddingsPanel(JobManager* jobs, QWidget* parent) : QWidget(parent), jobs_(jobs) {
    auto* layout = new QHBoxLayout(this);
    auto* controls = new QWidget(this);
    auto* form = new QFormLayout(controls);
    model_ = new QComboBox(controls);
    dataset_ = new QComboBox(controls);
    captions_ = new QSpinBox(controls);
    captions_->setRange(2, 1000000);
    captions_->setValue(500);
    captions_->setToolTip(tr("Captions mapped (those with generated images first); each brings its real image and "
                             "the images generated from it. Missing embeddings are computed first."));
    includeText_ = new QCheckBox(tr("Include caption embeddings"), controls);
    perplexity_ = new QDoubleSpinBox(controls);
    perplexity_->setRange(1, 500);
    perplexity_->setValue(30);
    perplexity_->setToolTip(tr("Effective number of neighbours (shrunk automatically on small samples)"));
    iterations_ = new QSpinBox(controls);
    iterations_->setRange(250, 100000);
    iterations_->setValue(1000);
    seed_ = new QSpinBox(controls);
    seed_->setRange(0, 1 << 30);
    auto* compute = new QPushButton(tr("Compute t-SNE"), controls);
    form->addRow(tr("Model"), model_);
    form->addRow(tr("Dataset"), dataset_);
    form->addRow(tr("Captions"), captions_);
    form->addRow(includeText_);
    form->addRow(tr("Perplexity"), perplexity_);
    form->addRow(tr("Iterations"), iterations_);
    form->addRow(tr("Seed"), seed_);
    form->addRow(compute);
    leftChoice_ = new QComboBox(controls);
    rightChoice_ = new QComboBox(controls);
    form->addRow(tr("Left map"), leftChoice_);
    form->addRow(tr("Right map"), rightChoice_);
    links_ = new QCheckBox(tr("Join generated to real"), controls);
    lasso_ = new QCheckBox(tr("Lasso selection"), controls);
    form->addRow(links_);
    form->addRow(lasso_);
    auto* exportButton = new QPushButton(tr("Export figure…"), controls);
    form->addRow(exportButton);
    status_ = new QLabel(controls);
    status_->setWordWrap(true);
    form->addRow(status_);
    controls->setMaximumWidth(300);
    layout->addWidget(controls);

    auto* panes = new QSplitter(Qt::Horizontal, this);
    left_ = new ScatterPlot(panes);
    right_ = new ScatterPlot(panes);
    layout->addWidget(panes, 1);

    connect(compute, &QPushButton::clicked, this, &EmbeddingsPanel::computeProjection);
    connect(leftChoice_, &QComboBox::activated, this, [this](int i) { showProjection(0, leftChoice_->itemData(i).toLongLong()); });
    connect(rightChoice_, &QComboBox::activated, this, [this](int i) { showProjection(1, rightChoice_->itemData(i).toLongLong()); });
    connect(links_, &QCheckBox::toggled, this, [this](bool on) {
        left_->setLinksVisible(on);
        right_->setLinksVisible(on);
    });
    connect(lasso_, &QCheckBox::toggled, this, [this](bool on) {
        left_->setLassoMode(on);
        right_->setLassoMode(on);
    });
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
        auto s = workspace_->db().prepare("SELECT name FROM models ORDER BY name");
        while (s.step()) model_->addItem(QString::fromStdString(s.columnText(0)));
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
        const int index = combo->findData(current);
        if (index >= 0) combo->setCurrentIndex(index);
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
