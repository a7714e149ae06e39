#include "widgets/dataset_table_model.h"

#include <QStringList>

namespace genra::widgets {

DatasetTableModel::DatasetTableModel(QObject* parent) : QAbstractTableModel(parent) {}

void DatasetTableModel::reload(store::Workspace& workspace) {
    beginResetModel();
    rows_ = workspace.listDatasets();
    endResetModel();
}

void DatasetTableModel::clear() {
    beginResetModel();
    rows_.clear();
    endResetModel();
}

int DatasetTableModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(rows_.size());
}

int DatasetTableModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant DatasetTableModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= rowCount()) return {};
    const auto& d = rows_[static_cast<std::size_t>(index.row())];
    if (role == Qt::DisplayRole) {
        switch (index.column()) {
            case Name: return QString::fromStdString(d.info.name);
            case Kind: return QString::fromStdString(d.info.kind);
            case Images: return QVariant::fromValue<qlonglong>(d.realImages);
            case Generated: {
                if (d.generators.empty()) return QVariant::fromValue<qlonglong>(d.generatedImages);
                QStringList parts;
                for (const auto& [generator, count] : d.generators) {
                    parts << QStringLiteral("%1: %2").arg(QString::fromStdString(generator)).arg(count);
                }
                return QStringLiteral("%1 (%2)").arg(d.generatedImages).arg(parts.join(QStringLiteral(", ")));
            }
            case Captions: return QVariant::fromValue<qlonglong>(d.captions);
            case Splits: {
                QStringList parts;
                for (const auto& [split, count] : d.splits) {
                    parts << QStringLiteral("%1: %2")
                                 .arg(split.empty() ? tr("(none)") : QString::fromStdString(split))
                                 .arg(count);
                }
                return parts.join(QStringLiteral(", "));
            }
            default: return {};
        }
    }
    if (role == Qt::TextAlignmentRole && index.column() >= Images && index.column() <= Captions) {
        return QVariant::fromValue(int(Qt::AlignRight | Qt::AlignVCenter));
    }
    if (role == Qt::ToolTipRole) {
        QString tip = tr("Imported from %1").arg(QString::fromStdString(d.info.source));
        if (d.unreadableImages > 0) tip += QLatin1Char('\n') + tr("%n unreadable image(s)", nullptr, int(d.unreadableImages));
        return tip;
    }
    return {};
}

QVariant DatasetTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    switch (section) {
        case Name: return tr("Name");
        case Kind: return tr("Kind");
        case Images: return tr("Real images");
        case Generated: return tr("Generated");
        case Captions: return tr("Captions");
        case Splits: return tr("Splits");
        default: return {};
    }
}

}  // namespace genra::widgets
