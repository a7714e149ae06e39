// The Results panel: every evaluation stored in the workspace in a sortable, filterable table;
// selected results composed into a paper-style comparison by core/report (best in bold, deltas
// and their intervals against a chosen baseline), shown with models as columns and metrics as rows
// (the exports keep the paper's layout, methods as rows); export as CSV, Markdown or LaTeX, or
// copy; start an evaluation as a job: retrieval, zero-shot and similarity (core/eval's EvaluateJob)
// of a CLIP model, or captions (core/caption's CaptionEvalJob: predict, then score) of a captioner,
// with METEOR and SPICE from the jars set in Settings.
#pragma once

#include "widgets/results_table.h"
#include "widgets/workbench_panel.h"

#include <QWidget>

class QComboBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QSortFilterProxyModel;
class QTableView;

namespace genra::store {
class Workspace;
}

namespace genra::widgets {

class ComparisonModel;
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
    // The stored results and the on-screen comparison (models as columns, metrics as rows).
    QTableView* resultsView() const { return view_; }
    QTableView* comparisonView() const { return comparisonView_; }
    ComparisonModel* comparisonModel() const { return comparisonModel_; }
    QString exportText(report::TableFormat format) const;
    // Writes the comparison; the format follows the extension (.csv, .md, .tex). Throws genra::Error.
    void exportTo(const QString& path) const;
    void copyToClipboard(report::TableFormat format) const;
    // Starts an evaluation of `model` on `dataset` ("retrieval", "zeroshot" or "similarity"; results
    // land in eval_results and the table refreshes when it ends). Job id, or 0 when nothing started.
    // "caption" evaluates a captioner with the form's decoding (see evaluateCaptions).
    int evaluate(const QString& benchmark, const QString& model, const QString& dataset, const QString& split = {});
    // Starts a caption evaluation of `captioner` on the real images of `split`: captions decoded with
    // beam size `beamSize` (1: greedy, 0: the captioner's default), scored against the split's
    // reference captions, stored as eval_results rows (task "caption"). METEOR and SPICE run when
    // their jars are set in Settings; otherwise the job's log and the panel's status say what was
    // skipped. Job id, or 0 when nothing started.
    int evaluateCaptions(const QString& captioner, const QString& dataset, const QString& split, int beamSize = 0);
    // The panel's own evaluation job (0: none running) and what it last reported.
    int evaluationJob() const { return job_; }
    QString evaluationStatus() const;
    // Models the evaluation form offers for the chosen benchmark (CLIP models, or captioners).
    QStringList evaluationModels() const;
    void setEvaluationBenchmark(const QString& benchmark);

private:
    void updateComparison();
    void exportDialog();
    void fillEvaluationChoices();
    void updateDecodingEnabled();
    void startedEvaluation(int job, const QString& what, const QStringList& notes);
    int formBeamSize() const;
    std::vector<store::EvalResultRecord> selectedRows() const;

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
    QComboBox* evalSplit_ = nullptr;
    QComboBox* evalDecoding_ = nullptr;
    QSpinBox* evalBeam_ = nullptr;
    QLabel* evalDecodingLabel_ = nullptr;
    QLabel* evalBeamLabel_ = nullptr;
    QPushButton* evalCancel_ = nullptr;
    QProgressBar* evalProgress_ = nullptr;
    QLabel* evalStatus_ = nullptr;
    QTableView* comparisonView_ = nullptr;
    ComparisonModel* comparisonModel_ = nullptr;
    QString baselineModel_;
    int job_ = 0;
    QStringList jobNotes_;  // what the running evaluation skips (no jar configured)
};

}  // namespace genra::widgets
