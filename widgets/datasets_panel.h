// The Datasets panel: the workspace's datasets with their counts.
#pragma once

#include <QWidget>

class QTableView;
class QLabel;

namespace genra::store {
class Workspace;
}

namespace genra::widgets {

class DatasetTableModel;

class DatasetsPanel : public QWidget {
    Q_OBJECT
public:
    explicit DatasetsPanel(QWidget* parent = nullptr);
    void setWorkspace(store::Workspace* workspace);
    void reload();
    DatasetTableModel* model() const { return model_; }

private:
    store::Workspace* workspace_ = nullptr;
    DatasetTableModel* model_ = nullptr;
    QTableView* view_ = nullptr;
    QLabel* summary_ = nullptr;
};

}  // namespace genra::widgets
