#include "widgets/results_panel.h"

#include "core/caption/caption_eval.h"
#include "core/eval/workspace_eval.h"
#include "core/store/browse_queries.h"
#include "core/store/workspace.h"
#include "core/util/error.h"
#include "widgets/comparison_model.h"
#include "widgets/job_manager.h"
#include "widgets/model_choices.h"
#include "widgets/settings.h"

#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QSaveFile>
#include <QSortFilterProxyModel>
#include <QSpinBox>
#include <QSplitter>
#include <QTabWidget>
#include <QTableView>
#include <QVBoxLayout>

#include <set>

namespace genra::widgets {

ResultsPanel::ResultsPanel(JobManager* jobs, QWidget* parent) : QWidget(parent), jobs_(jobs) {
    model_ = new ResultsTableModel(this);
    proxy_ = new QSortFilterProxyModel(this);
    proxy_->setSourceModel(model_);
    proxy_->setSortRole(Qt::UserRole);
    proxy_->setFilterKeyColumn(-1);
    proxy_->setFilterCaseSensitivity(Qt::CaseInsensitive);

    auto* layout = new QVBoxLayout(this);
    auto* top = new QHBoxLayout;
    filter_ = new QLineEdit(this);
    filter_->setPlaceholderText(tr("Filter (run, model, method, dataset, metric…)"));
    filter_->setClearButtonEnabled(true);
    top->addWidget(filter_, 1);
    auto* refreshButton = new QPushButton(tr("Refresh"), this);
    top->addWidget(refreshButton);
    layout->addLayout(top);

    // Above: the stored results, or the evaluation form, as two tabs; below, taking most of the
    // room: the comparison of the selected results.
    auto* splitter = new QSplitter(Qt::Vertical, this);
    splitter->setChildrenCollapsible(false);
    auto* upper = new QTabWidget(splitter);
    upper->setDocumentMode(true);
    view_ = new QTableView(upper);
    upper->addTab(view_, tr("Stored results"));
    view_->setModel(proxy_);
    view_->setSortingEnabled(true);
    view_->setSelectionBehavior(QAbstractItemView::SelectRows);
    view_->setSelectionMode(QAbstractItemView::ExtendedSelection);
    view_->horizontalHeader()->setStretchLastSection(true);
    view_->verticalHeader()->hide();
    // One line per result; long run and model names elided in the middle (tooltips have them whole).
    view_->setWordWrap(false);
    view_->setTextElideMode(Qt::ElideMiddle);
    view_->setToolTip(tr("Select the results to compare; with no selection every shown row is compared"));

    auto* lower = new QWidget(splitter);
    auto* lowerLayout = new QVBoxLayout(lower);
    auto* compareRow = new QHBoxLayout;
    compareRow->addWidget(new QLabel(tr("Baseline"), lower));
    baseline_ = new QComboBox(lower);
    baseline_->setToolTip(tr("Deltas in the comparison are against this model"));
    compareRow->addWidget(baseline_, 1);
    auto* exportButton = new QPushButton(tr("Export…"), lower);
    auto* copyFormat = new QComboBox(lower);
    copyFormat->addItem(tr("CSV"), static_cast<int>(report::TableFormat::Csv));
    copyFormat->addItem(tr("Markdown"), static_cast<int>(report::TableFormat::Markdown));
    copyFormat->addItem(tr("LaTeX"), static_cast<int>(report::TableFormat::Latex));
    auto* copy = new QPushButton(tr("Copy"), lower);
    compareRow->addWidget(exportButton);
    compareRow->addWidget(copyFormat);
    compareRow->addWidget(copy);
    lowerLayout->addLayout(compareRow);
    comparisonModel_ = new ComparisonModel(this);
    comparisonView_ = new QTableView(lower);
    comparisonView_->setModel(comparisonModel_);
    comparisonView_->setWordWrap(false);
    comparisonView_->setSelectionMode(QAbstractItemView::ContiguousSelection);
    comparisonView_->setHorizontalScrollMode(QAbstractItemView::ScrollPerPixel);
    comparisonView_->setToolTip(tr("Models as columns, metrics as rows; the best value of each metric in bold"));
    lowerLayout->addWidget(comparisonView_, 1);
    auto* evalBox = new QWidget(upper);
    auto* evalGrid = new QGridLayout(evalBox);
    evalBenchmark_ = new QComboBox(evalBox);
    evalBenchmark_->addItem(tr("retrieval"), QStringLiteral("retrieval"));
    evalBenchmark_->addItem(tr("zero-shot"), QStringLiteral("zeroshot"));
    evalBenchmark_->addItem(tr("similarity"), QStringLiteral("similarity"));
    evalBenchmark_->addItem(tr("captions"), QStringLiteral("caption"));
    evalBenchmark_->setToolTip(tr("Captions: a trained captioner captions the split's real images; BLEU, METEOR, "
                                  "ROUGE-L, CIDEr and SPICE against their reference captions"));
    evalModel_ = new QComboBox(evalBox);
    evalDataset_ = new QComboBox(evalBox);
    evalSplit_ = new QComboBox(evalBox);
    evalDecoding_ = new QComboBox(evalBox);
    evalDecoding_->addItem(tr("Captioner's default"), 0);
    evalDecoding_->addItem(tr("Greedy"), 1);
    evalDecoding_->addItem(tr("Beam search"), 2);
    evalBeam_ = new QSpinBox(evalBox);
    evalBeam_->setRange(2, 20);
    evalBeam_->setValue(5);
    evalBeam_->setToolTip(tr("Beams kept while decoding"));
    evalDecodingLabel_ = new QLabel(tr("Decoding"), evalBox);
    evalBeamLabel_ = new QLabel(tr("Beam size"), evalBox);
    auto* evaluateButton = new QPushButton(tr("Run"), evalBox);
    evaluateButton->setToolTip(tr("Embeds what the model has not embedded yet, measures, and stores the results"));
    evalCancel_ = new QPushButton(tr("Cancel"), evalBox);
    evalCancel_->setEnabled(false);
    evalProgress_ = new QProgressBar(evalBox);
    evalProgress_->setRange(0, 100);
    evalProgress_->setValue(0);
    evalProgress_->hide();  // shown while the panel's evaluation runs
    evalStatus_ = new QLabel(evalBox);
    evalStatus_->setWordWrap(true);
    evalStatus_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    evalGrid->addWidget(new QLabel(tr("Benchmark"), evalBox), 0, 0);
    evalGrid->addWidget(evalBenchmark_, 0, 1);
    evalGrid->addWidget(new QLabel(tr("Model"), evalBox), 0, 2);
    evalGrid->addWidget(evalModel_, 0, 3);
    evalGrid->addWidget(new QLabel(tr("Dataset"), evalBox), 1, 0);
    evalGrid->addWidget(evalDataset_, 1, 1);
    evalGrid->addWidget(new QLabel(tr("Split"), evalBox), 1, 2);
    evalGrid->addWidget(evalSplit_, 1, 3);
    evalGrid->addWidget(evalDecodingLabel_, 2, 0);
    evalGrid->addWidget(evalDecoding_, 2, 1);
    evalGrid->addWidget(evalBeamLabel_, 2, 2);
    evalGrid->addWidget(evalBeam_, 2, 3);
    auto* runRow = new QHBoxLayout;
    runRow->addWidget(evaluateButton);
    runRow->addWidget(evalCancel_);
    runRow->addWidget(evalProgress_, 1);
    runRow->addStretch();
    evalGrid->addLayout(runRow, 3, 0, 1, 4);
    evalGrid->addWidget(evalStatus_, 4, 0, 1, 4);
    evalGrid->setColumnStretch(1, 1);
    evalGrid->setColumnStretch(3, 1);
    evalGrid->setRowStretch(5, 1);
    upper->addTab(evalBox, tr("Evaluate"));
    splitter->setStretchFactor(0, 1);
    splitter->setStretchFactor(1, 2);
    splitter->setSizes({200, 450});
    layout->addWidget(splitter, 1);

    connect(filter_, &QLineEdit::textChanged, this, &ResultsPanel::setFilterText);
    connect(refreshButton, &QPushButton::clicked, this, &ResultsPanel::refresh);
    connect(view_->selectionModel(), &QItemSelectionModel::selectionChanged, this, &ResultsPanel::updateComparison);
    connect(baseline_, &QComboBox::currentIndexChanged, this, [this](int index) {
        setBaseline(index <= 0 ? QString() : baseline_->itemText(index));
    });
    connect(exportButton, &QPushButton::clicked, this, &ResultsPanel::exportDialog);
    connect(copy, &QPushButton::clicked, this, [this, copyFormat] {
        copyToClipboard(static_cast<report::TableFormat>(copyFormat->currentData().toInt()));
    });
    connect(evaluateButton, &QPushButton::clicked, this, [this] {
        evaluate(evalBenchmark_->currentData().toString(), evalModel_->currentText(), evalDataset_->currentText(),
                 evalSplit_->currentData().toString());
    });
    connect(evalBenchmark_, &QComboBox::currentIndexChanged, this, &ResultsPanel::fillEvaluationChoices);
    connect(evalDecoding_, &QComboBox::currentIndexChanged, this, &ResultsPanel::updateDecodingEnabled);
    connect(evalCancel_, &QPushButton::clicked, this, [this] {
        if (job_) jobs_->cancel(job_);
    });
    connect(jobs_, &JobManager::jobProgress, this, [this](int id, double fraction, const QString& message) {
        if (id != job_) return;
        if (fraction < 0) {
            evalProgress_->setRange(0, 0);
        } else {
            evalProgress_->setRange(0, 100);
            evalProgress_->setValue(qRound(fraction * 100));
        }
        evalStatus_->setText(QStringList(QStringList{message} + jobNotes_).join(QLatin1Char('\n')));
    });
    connect(jobs_, &JobManager::jobFinished, this, [this](int id, bool ok) {
        if (id == job_) {
            const auto* record = jobs_->record(id);
            QString outcome;
            if (ok) {
                outcome = tr("Finished; the results are in the table.");
            } else if (record && record->state == JobRecord::State::Cancelled) {
                outcome = tr("Cancelled.");
            } else {
                outcome = tr("Failed: %1").arg(record ? record->error : QString());
            }
            const QStringList lines = QStringList{outcome} + (ok ? jobNotes_ : QStringList());
            evalStatus_->setText(lines.join(QLatin1Char('\n')));
            evalProgress_->hide();
            evalCancel_->setEnabled(false);
            job_ = 0;
        }
        refresh();
    });
    fillEvaluationChoices();
}

void ResultsPanel::setWorkspace(store::Workspace* workspace) {
    workspace_ = workspace;
    refresh();
}

void ResultsPanel::setEvaluationBenchmark(const QString& benchmark) {
    const int index = evalBenchmark_->findData(benchmark);
    if (index >= 0) evalBenchmark_->setCurrentIndex(index);
}

void ResultsPanel::fillEvaluationChoices() {
    const bool captions = evalBenchmark_->currentData().toString() == QLatin1String("caption");
    // A captioner is evaluated on one split (its test split by default); the CLIP benchmarks may
    // take every split at once.
    const QString keepModel = evalModel_->currentText();
    const QString keepSplit = evalSplit_->currentData().toString();
    evalModel_->clear();
    evalSplit_->clear();
    if (!captions) evalSplit_->addItem(tr("(every split)"), QString());
    if (workspace_) {
        evalModel_->addItems(captions ? captionerNames(*workspace_) : clipModelNames(*workspace_));
        for (const auto& split : store::distinctSplits(*workspace_)) {
            evalSplit_->addItem(QString::fromStdString(split), QString::fromStdString(split));
        }
    }
    evalModel_->setCurrentIndex(std::max(0, evalModel_->findText(keepModel)));
    int split = evalSplit_->findData(keepSplit);
    if (split < 0 && captions) split = evalSplit_->findData(QStringLiteral("test"));
    evalSplit_->setCurrentIndex(std::max(0, split));
    updateDecodingEnabled();
}

void ResultsPanel::updateDecodingEnabled() {
    // Decoding applies to captioners only; the beam size to beam search only.
    const bool captions = evalBenchmark_->currentData().toString() == QLatin1String("caption");
    const bool beam = captions && evalDecoding_->currentData().toInt() == 2;
    evalDecodingLabel_->setEnabled(captions);
    evalDecoding_->setEnabled(captions);
    evalBeamLabel_->setEnabled(beam);
    evalBeam_->setEnabled(beam);
}

QStringList ResultsPanel::evaluationModels() const {
    QStringList names;
    for (int i = 0; i < evalModel_->count(); ++i) names << evalModel_->itemText(i);
    return names;
}

QString ResultsPanel::evaluationStatus() const { return evalStatus_->text(); }

void ResultsPanel::refresh() {
    // The form's choices follow the workspace (a captioner trained or a dataset imported meanwhile).
    const QString keepDataset = evalDataset_->currentText();
    evalDataset_->clear();
    if (workspace_) {
        for (const auto& d : workspace_->listDatasets()) evalDataset_->addItem(QString::fromStdString(d.info.name));
    }
    evalDataset_->setCurrentIndex(std::max(0, evalDataset_->findText(keepDataset)));
    fillEvaluationChoices();

    model_->setRows(workspace_ ? store::listEvalResults(*workspace_) : std::vector<store::EvalResultRecord>{});
    // Columns fit their values (the first 200 rows) and never their header less; run and model
    // names beyond a third of the view are elided in the middle.
    view_->horizontalHeader()->setResizeContentsPrecision(200);
    view_->resizeColumnsToContents();
    for (const int column : {int(ResultsTableModel::Run), int(ResultsTableModel::Model)}) {
        const int header = view_->horizontalHeader()->sectionSizeHint(column);
        view_->setColumnWidth(column, std::max(header, std::min(view_->columnWidth(column), std::max(160, width() / 4))));
    }
    const QSignalBlocker blocker(baseline_);
    baseline_->clear();
    baseline_->addItem(tr("(none)"));
    std::set<std::string> models;
    for (int i = 0; i < model_->rowCount(); ++i) models.insert(model_->row(i).modelName);
    for (const auto& m : models) baseline_->addItem(QString::fromStdString(m));
    const int index = baseline_->findText(baselineModel_);
    baseline_->setCurrentIndex(index > 0 ? index : 0);
    if (index <= 0) baselineModel_.clear();
    updateComparison();
}

void ResultsPanel::setFilterText(const QString& text) {
    if (filter_->text() != text) filter_->setText(text);
    proxy_->setFilterFixedString(text);
    updateComparison();
}

void ResultsPanel::setBaseline(const QString& model) {
    baselineModel_ = model;
    updateComparison();
}

std::vector<store::EvalResultRecord> ResultsPanel::selectedRows() const {
    std::vector<int> sourceRows;
    const auto selected = view_->selectionModel()->selectedRows();
    if (!selected.isEmpty()) {
        for (const auto& index : selected) sourceRows.push_back(proxy_->mapToSource(index).row());
    } else {
        for (int r = 0; r < proxy_->rowCount(); ++r) sourceRows.push_back(proxy_->mapToSource(proxy_->index(r, 0)).row());
    }
    std::sort(sourceRows.begin(), sourceRows.end());
    std::vector<store::EvalResultRecord> rows;
    for (int r : sourceRows) rows.push_back(model_->row(r));
    return rows;
}

report::Table ResultsPanel::comparison() const { return comparisonTable(selectedRows(), baselineModel_); }

void ResultsPanel::updateComparison() {
    comparisonModel_->setTable(comparison());
    // Every column at least as wide as its header (a model name elided to a readable length) and
    // its values; too many models scroll sideways.
    comparisonView_->resizeColumnsToContents();
    comparisonView_->verticalHeader()->resizeSections(QHeaderView::ResizeToContents);
}

QString ResultsPanel::exportText(report::TableFormat format) const {
    return QString::fromStdString(report::writeTable(comparison(), format));
}

void ResultsPanel::exportTo(const QString& path) const {
    const QString suffix = QFileInfo(path).suffix().toLower();
    auto format = report::TableFormat::Csv;
    if (suffix == QStringLiteral("md") || suffix == QStringLiteral("markdown")) format = report::TableFormat::Markdown;
    else if (suffix == QStringLiteral("tex")) format = report::TableFormat::Latex;
    else if (suffix != QStringLiteral("csv")) {
        throw Error(path.toStdString() + ": unknown table format \"" + suffix.toStdString() + "\" (use .csv, .md or .tex)");
    }
    const QByteArray bytes = exportText(format).toUtf8();
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size() || !file.commit()) {
        throw Error(path.toStdString() + ": cannot write the table");
    }
}

void ResultsPanel::copyToClipboard(report::TableFormat format) const {
    QApplication::clipboard()->setText(exportText(format));
}

int ResultsPanel::evaluate(const QString& benchmark, const QString& model, const QString& dataset, const QString& split) {
    if (!workspace_ || model.isEmpty() || dataset.isEmpty()) return 0;
    if (benchmark == QLatin1String("caption")) {
        return evaluateCaptions(model, dataset, split.isEmpty() ? QStringLiteral("test") : split, formBeamSize());
    }
    eval::EvalOptions options;
    options.workspace = workspace_->dir();
    options.model = model.toStdString();
    options.dataset = dataset.toStdString();
    options.split = split.toStdString();
    try {
        options.benchmark = eval::parseBenchmark(benchmark.toStdString());
    } catch (const std::exception& e) {
        QMessageBox::warning(this, tr("Cannot evaluate"), QString::fromStdString(e.what()));
        return 0;
    }
    options.device = settings::device.value().toStdString();
    const int id = jobs_->start(std::make_unique<eval::EvaluateJob>(options));
    const QString benchmarkName = evalBenchmark_->itemText(evalBenchmark_->findData(benchmark));
    startedEvaluation(id, tr("Evaluating %1 (%2) on %3…").arg(model, benchmarkName, dataset), {});
    return id;
}

int ResultsPanel::formBeamSize() const {
    switch (evalDecoding_->currentData().toInt()) {
        case 1: return 1;
        case 2: return evalBeam_->value();
        default: return 0;
    }
}

int ResultsPanel::evaluateCaptions(const QString& captioner, const QString& dataset, const QString& split, int beamSize) {
    if (!workspace_ || captioner.isEmpty() || dataset.isEmpty() || split.isEmpty()) return 0;
    caption::CaptionEvalOptions options;
    options.predict.workspace = workspace_->dir();
    options.predict.model = captioner.toStdString();
    options.predict.dataset = dataset.toStdString();
    options.predict.split = split.toStdString();
    options.predict.device = settings::device.value().toStdString();
    if (beamSize > 0) options.predict.beamSize = beamSize;
    const QString meteorJar = settings::meteorJar.value().trimmed();
    const QString spiceJar = settings::spiceJar.value().trimmed();
    options.metrics.meteorJar = meteorJar.toStdString();
    options.metrics.spiceJar = spiceJar.toStdString();
    QStringList notes;
    if (meteorJar.isEmpty()) {
        notes << tr("METEOR: no METEOR 1.5 jar is set in Settings (Caption metrics), so METEOR_builtin, an "
                    "approximation not comparable to published METEOR scores, is reported instead.");
    }
    if (spiceJar.isEmpty()) notes << tr("SPICE: skipped, no SPICE 1.0 jar is set in Settings (Caption metrics).");
    const int id = jobs_->start(std::make_unique<caption::CaptionEvalJob>(options), notes);
    startedEvaluation(id, tr("Evaluating the captions of %1 on %2, split %3…").arg(captioner, dataset, split), notes);
    return id;
}

void ResultsPanel::startedEvaluation(int job, const QString& what, const QStringList& notes) {
    if (!job) return;
    job_ = job;
    jobNotes_ = notes;
    evalCancel_->setEnabled(true);
    evalProgress_->setRange(0, 0);
    evalProgress_->show();
    evalStatus_->setText(QStringList(QStringList{what} + notes).join(QLatin1Char('\n')));
}

void ResultsPanel::exportDialog() {
    const QString path = QFileDialog::getSaveFileName(this, tr("Export table"), {},
                                                      tr("CSV (*.csv);;Markdown (*.md);;LaTeX (*.tex)"));
    if (path.isEmpty()) return;
    try {
        exportTo(path);
    } catch (const std::exception& e) {
        QMessageBox::warning(this, tr("Cannot export"), QString::fromStdString(e.what()));
    }
}

}  // namespace genra::widgets
