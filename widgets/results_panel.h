// The Results panel: every evaluation stored in the workspace in a sortable, filterable table;
// selected results composed into a paper-style comparison (methods as rows, metrics as columns,
// best in bold, deltas against a baseline) by core/report; export as CSV, Markdown or LaTeX, or
// copy; start an evaluation (retrieval, zero-shot, similarity: core/eval's EvaluateJob) as a job.
#pragma once

#include "widgets/results_table.h"
#include "widgets/workbench_panel.h"

#include <QWidget>

class QComboBox;
class QLineEdit;
class QSortFilterProxyModel;
class QTableView;
class QTextBrowser;

namespace genra::store {
class Workspace;
}

namespace genra::widgets {

class JobManager;

class ResultsPanel : public QWidget, public WorkbenchPanel {
    Q_OBJECT
public:
    explicit ResultsPanel(JobManager* jobs, QWidget* parent = nullptr);
    void setWorkspace(store::Workspace* workspace) override;
    void refresh() override;

    ResultsTableModel* model() const { return model_; }
    QSortFilterProxyModel* proxy() const { return proxy_; }
    void setFilterText(const QString& text);
    // The comparison of the selected rows (every visible row when none is selected).
    report::Table comparison() const;
    void setBaseline(const QString& model);
    QString exportText(report::TableFormat format) const;
    // Writes the comparison; the format follows the extension (.csv, .md, .tex). Throws genra::Error.
    void exportTo(const QString& path) const;
    void copyToClipboard(report::TableFormat format) const;
    // Starts an evaluation of `model` on `dataset` ("retrieval", "zeroshot" or "similarity"; results
    // land in eval_results and the table refreshes when it ends). Job id, or 0 when nothing started.
    int evaluate(const QString& benchmark, const QString& model, const QString& dataset, const QString& split = {});

private:
    void updateComparison();
    void exportDialog();
    std::vector<EvalRow> selectedRows() const;

    JobManager* jobs_;
    store::Workspace* workspace_ = nullptr;
    ResultsTableModel* model_ = nullptr;
    QSortFilterProxyModel* proxy_ = nullptr;
    QTableView* view_ = nullptr;
    QLineEdit* filter_ = nullptr;
    QComboBox* baseline_ = nullptr;
    QComboBox* evalBenchmark_ = nullptr;
    QComboBox* evalModel_ = nullptr;
    QComboBox* evalDataset_ = nullptr;
    QTextBrowser* comparisonView_ = nullptr;
    QString baselineModel_;
};

}  // namespace genra::widgets
