// Evaluation results as the Results panel shows them: every eval_results row with its run, model,
// method and dataset; a comparison laid out like the paper's tables (methods as rows, metrics as
// columns, best in bold, deltas against a baseline row); CSV, Markdown and LaTeX (booktabs) text.
#pragma once

#include <QAbstractTableModel>
#include <QString>
#include <QStringList>

#include <optional>
#include <vector>

namespace genra::store {
class Workspace;
}

namespace genra::widgets {

struct EvalRow {
    qint64 id = 0;
    QString run;
    QString model;
    QString method;
    QString dataset;
    QString split;
    QString task;
    QString metric;
    double value = 0.0;
    QString date;
};

std::vector<EvalRow> loadEvalResults(store::Workspace& workspace);

// Lower is better for distances, losses, divergences and error rates; higher for the rest.
bool higherIsBetter(const QString& metric);

struct ComparisonTable {
    QStringList rows;     // one per model (label "model" or "model (method)")
    QStringList columns;  // metrics, "task/metric" when tasks differ
    std::vector<std::vector<std::optional<double>>> values;  // [row][column]
    std::vector<int> bestRow;  // per column, -1 when none
    int baselineRow = -1;      // deltas are against this row when >= 0
};

// Rows: the distinct models of `rows` in first-seen order; columns: the distinct metrics. Where a
// model has several results for one metric, the newest (highest id) wins.
ComparisonTable composeComparison(const std::vector<EvalRow>& rows, const QString& baselineModel = {});

// `precision` digits after the decimal point; deltas (when a baseline is set) follow each value.
QString toCsv(const ComparisonTable& table, int precision = 4);
QString toMarkdown(const ComparisonTable& table, int precision = 4);
QString toLatex(const ComparisonTable& table, int precision = 4, const QString& caption = {});
QString toHtml(const ComparisonTable& table, int precision = 4);

class ResultsTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Run = 0, Model, Method, Dataset, Split, Task, Metric, Value, Date, ColumnCount };
    explicit ResultsTableModel(QObject* parent = nullptr);
    void setRows(std::vector<EvalRow> rows);
    const EvalRow& row(int index) const { return rows_.at(static_cast<std::size_t>(index)); }
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    std::vector<EvalRow> rows_;
};

}  // namespace genra::widgets
