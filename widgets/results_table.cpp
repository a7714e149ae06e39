#include "widgets/results_table.h"

#include "core/report/results_table.h"
#include "core/store/eval_results.h"
#include "core/store/workspace.h"


namespace genra::widgets {

std::vector<EvalRow> loadEvalResults(store::Workspace& workspace) {
    // The run is the evaluation's own, else the run that trained the model; the method is the kind
    // of the run that trained the model (empty for imported models).
    std::vector<EvalRow> rows;
    for (const auto& e : store::listEvalResults(workspace)) {
        EvalRow r;
        r.id = e.id;
        r.run = QString::fromStdString(e.runName.empty() ? e.modelRunName : e.runName);
        r.model = QString::fromStdString(e.modelName);
        r.method = QString::fromStdString(e.modelRunKind);
        r.dataset = QString::fromStdString(e.datasetName);
        r.split = QString::fromStdString(e.split);
        r.task = QString::fromStdString(e.task);
        r.metric = QString::fromStdString(e.metric);
        r.value = e.value;
        r.date = QString::fromStdString(e.createdAt);
        r.details = e.details;
        rows.push_back(std::move(r));
    }
    return rows;
}

report::Table comparisonTable(const std::vector<EvalRow>& rows, const QString& baselineModel) {
    std::vector<store::EvalResultRecord> results;
    bool baselineSeen = false;
    for (const auto& r : rows) {
        store::EvalResultRecord e;
        e.id = r.id;
        e.modelName = r.model.toStdString();
        e.runName = r.run.toStdString();
        e.task = r.task.toStdString();
        e.datasetName = r.dataset.toStdString();
        e.split = r.split.toStdString();
        e.metric = r.metric.toStdString();
        e.value = r.value;
        e.createdAt = r.date.toStdString();
        e.details = r.details;
        baselineSeen = baselineSeen || r.model == baselineModel;
        results.push_back(std::move(e));
    }
    report::ResultsTableOptions options;
    // A baseline filtered out of the selection gives no deltas rather than an error.
    if (baselineSeen) options.baselineModel = baselineModel.toStdString();
    return report::buildResultsTable(results, options);
}

QString toHtml(const report::Table& t) {
    const auto best = t.best();
    QString out = QStringLiteral("<table border=\"1\" cellspacing=\"0\" cellpadding=\"4\"><tr><th>%1</th>")
                      .arg(QString::fromStdString(t.rowHeader).toHtmlEscaped());
    for (const auto& c : t.columns) {
        const auto label = c.group.empty() ? c.label : c.group + " " + c.label;
        out += QStringLiteral("<th>") + QString::fromStdString(label).toHtmlEscaped() + QStringLiteral("</th>");
    }
    out += QStringLiteral("</tr>");
    for (std::size_t r = 0; r < t.rows.size(); ++r) {
        out += QStringLiteral("<tr><td>") + QString::fromStdString(t.rows[r].label).toHtmlEscaped() + QStringLiteral("</td>");
        for (std::size_t c = 0; c < t.columns.size(); ++c) {
            QString cell = QString::fromStdString(t.cellText(r, c)).toHtmlEscaped();
            if (best[r][c]) cell = QStringLiteral("<b>") + cell + QStringLiteral("</b>");
            out += QStringLiteral("<td align=\"right\">") + cell + QStringLiteral("</td>");
        }
        out += QStringLiteral("</tr>");
    }
    return out + QStringLiteral("</table>");
}

ResultsTableModel::ResultsTableModel(QObject* parent) : QAbstractTableModel(parent) {}

void ResultsTableModel::setRows(std::vector<EvalRow> rows) {
    beginResetModel();
    rows_ = std::move(rows);
    endResetModel();
}

int ResultsTableModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(rows_.size());
}

int ResultsTableModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant ResultsTableModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid()) return {};
    const auto& r = rows_.at(static_cast<std::size_t>(index.row()));
    if (role == Qt::TextAlignmentRole && index.column() == Value) return int(Qt::AlignRight | Qt::AlignVCenter);
    if (role != Qt::DisplayRole && role != Qt::EditRole && role != Qt::UserRole) return {};
    switch (index.column()) {
        case Run: return r.run;
        case Model: return r.model;
        case Method: return r.method;
        case Dataset: return r.dataset;
        case Split: return r.split;
        case Task: return r.task;
        case Metric: return r.metric;
        // Sorting uses the number, display a rounded text.
        case Value: return role == Qt::DisplayRole ? QVariant(QString::number(r.value, 'f', 4)) : QVariant(r.value);
        case Date: return r.date;
        default: return {};
    }
}

QVariant ResultsTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    switch (section) {
        case Run: return tr("Run");
        case Model: return tr("Model");
        case Method: return tr("Method");
        case Dataset: return tr("Dataset");
        case Split: return tr("Split");
        case Task: return tr("Task");
        case Metric: return tr("Metric");
        case Value: return tr("Value");
        case Date: return tr("Date");
        default: return {};
    }
}

}  // namespace genra::widgets
