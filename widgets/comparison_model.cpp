#include "widgets/comparison_model.h"

#include <QFont>

namespace genra::widgets {

QString elideMiddle(const QString& name, int maxChars) {
    if (name.size() <= maxChars || maxChars < 5) return name;
    const int keep = maxChars - 1;  // one character for the ellipsis
    const int head = keep / 2;
    return name.left(head) + QChar(0x2026) + name.right(keep - head);
}

ComparisonModel::ComparisonModel(QObject* parent) : QAbstractTableModel(parent) {}

void ComparisonModel::setTable(report::Table table) {
    beginResetModel();
    table_ = std::move(table);
    best_ = table_.best();
    endResetModel();
}

int ComparisonModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(table_.columns.size());
}

int ComparisonModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(table_.rows.size());
}

QVariant ComparisonModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid()) return {};
    const auto metric = static_cast<std::size_t>(index.row());
    const auto model = static_cast<std::size_t>(index.column());
    switch (role) {
        case Qt::DisplayRole: return QString::fromStdString(table_.cellText(model, metric));
        case Qt::TextAlignmentRole: return int(Qt::AlignRight | Qt::AlignVCenter);
        case Qt::FontRole: {
            if (!best_[model][metric]) return {};
            QFont bold;
            bold.setBold(true);
            return bold;
        }
        case Qt::ToolTipRole: {
            const auto& column = table_.columns[metric];
            return tr("%1 · %2: %3")
                .arg(QString::fromStdString(table_.rows[model].label), QString::fromStdString(column.key),
                     QString::fromStdString(table_.cellText(model, metric)));
        }
        default: return {};
    }
}

QVariant ComparisonModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (section < 0) return {};
    if (orientation == Qt::Horizontal) {
        if (static_cast<std::size_t>(section) >= table_.rows.size()) return {};
        const QString name = QString::fromStdString(table_.rows[static_cast<std::size_t>(section)].label);
        const bool baseline = table_.baselineRow && *table_.baselineRow == static_cast<std::size_t>(section);
        if (role == Qt::DisplayRole) return baseline ? tr("%1 (baseline)").arg(elideMiddle(name)) : elideMiddle(name);
        if (role == Qt::ToolTipRole) return baseline ? tr("%1 — the baseline of the deltas").arg(name) : name;
        return {};
    }
    if (static_cast<std::size_t>(section) >= table_.columns.size()) return {};
    const auto& c = table_.columns[static_cast<std::size_t>(section)];
    if (role == Qt::DisplayRole) return QString::fromStdString(c.group.empty() ? c.label : c.group + " " + c.label);
    if (role == Qt::ToolTipRole) {
        const QString direction = c.better == report::Better::Higher  ? tr("higher is better")
                                  : c.better == report::Better::Lower ? tr("lower is better")
                                                                      : QString();
        const QString key = QString::fromStdString(c.key);
        return direction.isEmpty() ? key : tr("%1 (%2)").arg(key, direction);
    }
    return {};
}

}  // namespace genra::widgets
