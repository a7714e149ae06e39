// The Datasets panel: the workspace's datasets with their counts (images, captions, generated
// images per generator, splits), import actions (the import dialog) and delete with confirmation.
#pragma once

#include "widgets/workbench_panel.h"

#include <QWidget>

class QTableView;
class QLabel;
class QPushButton;

namespace genra::store {
class Workspace;
}

namespace genra::widgets {

class DatasetTableModel;

class DatasetsPanel : public QWidget, public WorkbenchPanel {
    Q_OBJECT
public:
    // Without a JobManager the panel only lists (no import).
    explicit DatasetsPanel(JobManager* jobs = nullptr, QWidget* parent = nullptr);
    void setWorkspace(store::Workspace* workspace) override;
    void refresh() override { reload(); }
    bool select(const QString& key, const QString& value) override;
    void reload();
    DatasetTableModel* model() const { return model_; }
    // Opens the import dialog (non-modal).
    void showImport();
    // Deletes the selected dataset after asking; with confirm=false, without asking.
    bool deleteSelected(bool confirm = true);

protected:
    void changeEvent(QEvent* event) override;

private:
    void retranslate();
    JobManager* jobs_ = nullptr;
    QPushButton* import_ = nullptr;
    QPushButton* delete_ = nullptr;
    QPushButton* refresh_ = nullptr;
    store::Workspace* workspace_ = nullptr;
    DatasetTableModel* model_ = nullptr;
    QTableView* view_ = nullptr;
    QLabel* summary_ = nullptr;
};

}  // namespace genra::widgets
