// The Results panel: every evaluation stored in the workspace in a sortable, filterable table;
// selected results composed into a paper-style comparison (methods as rows, metrics as columns,
// best in bold, deltas against a baseline); export as CSV, Markdown or LaTeX, or copy; start a
// similarity evaluation as a job.
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
    enum class Format { Csv = 1, Markdown, Latex };
    explicit ResultsPanel(JobManager* jobs, QWidget* parent = nullptr);
    void setWorkspace(store::Workspace* workspace) override;
    void refresh() override;

    ResultsTableModel* model() const { return model_; }
    QSortFilterProxyModel* proxy() const { return proxy_; }
    void setFilterText(const QString& text);
    // The comparison of the selected rows (every visible row when none is selected).
    ComparisonTable comparison() const;
    void setBaseline(const QString& model);
    QString exportText(Format format) const;
    // Writes the comparison; the format follows the extension (.csv, .md, .tex). Throws genra::Error.
    void exportTo(const QString& path) const;
    void copyToClipboard(Format format) const;
    // Starts a similarity evaluation of `model` on `dataset` (stored as eval_results); job id or 0.
    int evaluateSimilarity(const QString& model, const QString& dataset, const QString& split);

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
    QComboBox* evalModel_ = nullptr;
    QComboBox* evalDataset_ = nullptr;
    QTextBrowser* comparisonView_ = nullptr;
    QString baselineModel_;
};

}  // namespace genra::widgets
