#include "widgets/results_table.h"

#include "core/report/results_table.h"
#include "core/store/eval_results.h"

#include <algorithm>

namespace genra::widgets {

std::string displayRun(const store::EvalResultRecord& row) {
    return row.runName.empty() ? row.modelRunName : row.runName;
}

report::Table comparisonTable(const std::vector<store::EvalResultRecord>& rows, const QString& baselineModel) {
    const auto baseline = baselineModel.toStdString();
    const bool baselineSeen =
        std::any_of(rows.begin(), rows.end(), [&](const store::EvalResultRecord& r) { return r.modelName == baseline; });
    report::ResultsTableOptions options;
    // A baseline filtered out of the selection gives no deltas rather than an error.
    if (baselineSeen) options.baselineModel = baseline;
    return report::buildResultsTable(rows, options);
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

void ResultsTableModel::setRows(std::vector<store::EvalResultRecord> rows) {
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
        case Run: return QString::fromStdString(displayRun(r));
        case Model: return QString::fromStdString(r.modelName);
        // The method is the kind of the run that trained the model (empty for imported models).
        case Method: return QString::fromStdString(r.modelRunKind);
        case Dataset: return QString::fromStdString(r.datasetName);
        case Split: return QString::fromStdString(r.split);
        case Task: return QString::fromStdString(r.task);
        case Metric: return QString::fromStdString(r.metric);
        // Sorting uses the number, display a rounded text.
        case Value: return role == Qt::DisplayRole ? QVariant(QString::number(r.value, 'f', 4)) : QVariant(r.value);
        case Date: return QString::fromStdString(r.createdAt);
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
