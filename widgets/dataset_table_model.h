// Table model of a workspace's datasets (name, kind, images, generated, captions, splits).
#pragma once

#include "core/store/workspace.h"

#include <QAbstractTableModel>

#include <vector>

namespace genra::widgets {

class DatasetTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Name = 0, Kind, Images, Generated, Captions, Splits, ColumnCount };

    explicit DatasetTableModel(QObject* parent = nullptr);

    // Re-reads the datasets from the workspace (a small query: fine on the GUI thread).
    void reload(store::Workspace& workspace);
    void clear();
    const store::DatasetSummary& dataset(int row) const { return rows_.at(static_cast<std::size_t>(row)); }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    std::vector<store::DatasetSummary> rows_;
};

}  // namespace genra::widgets
