// The Results panel's comparison as it reads on screen: one column per model (the paper table's
// rows), one row per metric (its columns, labelled with their group), so twenty metrics read down
// the view instead of squeezing into one line, and models scroll sideways under readable headers.
// The table itself is core/report's (results_table.h builds it); the writers export it unchanged.
#pragma once

#include "core/report/table.h"

#include <QAbstractTableModel>
#include <QString>

#include <vector>

namespace genra::widgets {

// A long name shortened in the middle to at most maxChars characters ("demo-genra…-seed2"), so
// runs that differ only at the end stay apart; callers put the full name in a tooltip.
QString elideMiddle(const QString& name, int maxChars = 28);

// Cells as the writers print them (value, ± spread, delta and interval against the baseline), the
// best value of each metric in bold, the baseline's column marked in its header; full model names
// and metric keys with their direction in tooltips.
class ComparisonModel : public QAbstractTableModel {
    Q_OBJECT
public:
    explicit ComparisonModel(QObject* parent = nullptr);
    void setTable(report::Table table);
    const report::Table& table() const { return table_; }
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    report::Table table_;
    std::vector<std::vector<bool>> best_;
};

}  // namespace genra::widgets
