#include "widgets/results_panel.h"

#include "core/eval/workspace_eval.h"
#include "core/store/workspace.h"
#include "core/util/error.h"
#include "widgets/job_manager.h"

#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QSaveFile>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTableView>
#include <QTextBrowser>
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

    auto* splitter = new QSplitter(Qt::Vertical, this);
    view_ = new QTableView(splitter);
    view_->setModel(proxy_);
    view_->setSortingEnabled(true);
    view_->setSelectionBehavior(QAbstractItemView::SelectRows);
    view_->setSelectionMode(QAbstractItemView::ExtendedSelection);
    view_->horizontalHeader()->setStretchLastSection(true);
    view_->verticalHeader()->hide();
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
    comparisonView_ = new QTextBrowser(lower);
    lowerLayout->addWidget(comparisonView_, 1);
    auto* evalRow = new QHBoxLayout;
    evalRow->addWidget(new QLabel(tr("Evaluate"), lower));
    evalBenchmark_ = new QComboBox(lower);
    evalBenchmark_->addItem(tr("retrieval"), QStringLiteral("retrieval"));
    evalBenchmark_->addItem(tr("zero-shot"), QStringLiteral("zeroshot"));
    evalBenchmark_->addItem(tr("similarity"), QStringLiteral("similarity"));
    evalRow->addWidget(evalBenchmark_);
    evalRow->addWidget(new QLabel(tr("of"), lower));
    evalModel_ = new QComboBox(lower);
    evalRow->addWidget(evalModel_, 1);
    evalRow->addWidget(new QLabel(tr("on"), lower));
    evalDataset_ = new QComboBox(lower);
    evalRow->addWidget(evalDataset_, 1);
    auto* evaluateButton = new QPushButton(tr("Run"), lower);
    evaluateButton->setToolTip(tr("Embeds what the model has not embedded yet, measures, and stores the results"));
    evalRow->addWidget(evaluateButton);
    lowerLayout->addLayout(evalRow);
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
        evaluate(evalBenchmark_->currentData().toString(), evalModel_->currentText(), evalDataset_->currentText());
    });
    connect(jobs_, &JobManager::jobFinished, this, [this] { refresh(); });
}

void ResultsPanel::setWorkspace(store::Workspace* workspace) {
    workspace_ = workspace;
    evalModel_->clear();
    evalDataset_->clear();
    if (workspace_) {
        auto s = workspace_->db().prepare("SELECT name FROM models ORDER BY name");
        while (s.step()) evalModel_->addItem(QString::fromStdString(s.columnText(0)));
        for (const auto& d : workspace_->listDatasets()) evalDataset_->addItem(QString::fromStdString(d.info.name));
    }
    refresh();
}

void ResultsPanel::refresh() {
    model_->setRows(workspace_ ? loadEvalResults(*workspace_) : std::vector<EvalRow>{});
    const QSignalBlocker blocker(baseline_);
    baseline_->clear();
    baseline_->addItem(tr("(none)"));
    std::set<QString> models;
    for (int i = 0; i < model_->rowCount(); ++i) models.insert(model_->row(i).model);
    for (const auto& m : models) baseline_->addItem(m);
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

std::vector<EvalRow> ResultsPanel::selectedRows() const {
    std::vector<int> sourceRows;
    const auto selected = view_->selectionModel()->selectedRows();
    if (!selected.isEmpty()) {
        for (const auto& index : selected) sourceRows.push_back(proxy_->mapToSource(index).row());
    } else {
        for (int r = 0; r < proxy_->rowCount(); ++r) sourceRows.push_back(proxy_->mapToSource(proxy_->index(r, 0)).row());
    }
    std::sort(sourceRows.begin(), sourceRows.end());
    std::vector<EvalRow> rows;
    for (int r : sourceRows) rows.push_back(model_->row(r));
    return rows;
}

report::Table ResultsPanel::comparison() const { return comparisonTable(selectedRows(), baselineModel_); }

void ResultsPanel::updateComparison() { comparisonView_->setHtml(toHtml(comparison())); }

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
    return jobs_->start(std::make_unique<eval::EvaluateJob>(options));
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
