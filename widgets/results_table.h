// Evaluation results as the Results panel shows them (store::listEvalResults), and the comparison of a selection laid out like the paper's tables through
// core/report (whose writers give the CSV, Markdown and LaTeX).
#pragma once

#include "core/report/table.h"
#include "core/store/eval_results.h"

#include <QAbstractTableModel>
#include <QString>
#include <QStringList>

#include <string>
#include <vector>

namespace genra::widgets {

// The rows are core's (store::EvalResultRecord, every eval_results row with its run, model, method
// and dataset); the panel adds no copy of them.
// The run a row shows: the evaluation's own, else the run that trained the model.
std::string displayRun(const store::EvalResultRecord& row);

// The selected results as a paper-style table (core/report: one row per model, one column per
// metric, best per column, deltas against `baselineModel` when it has a row, with the 95 % paired
// bootstrap interval of each difference where both results store per-item values), the newest
// result winning where a model has several for one metric.
report::Table comparisonTable(const std::vector<store::EvalResultRecord>& rows, const QString& baselineModel = {});
// The table as HTML for the panel's preview (best values in bold).
QString toHtml(const report::Table& table);

class ResultsTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Run = 0, Model, Method, Dataset, Split, Task, Metric, Value, Date, ColumnCount };
    explicit ResultsTableModel(QObject* parent = nullptr);
    void setRows(std::vector<store::EvalResultRecord> rows);
    const store::EvalResultRecord& row(int index) const { return rows_.at(static_cast<std::size_t>(index)); }
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    std::vector<store::EvalResultRecord> rows_;
};

}  // namespace genra::widgets
