#include "widgets/datasets_panel.h"

#include "core/store/workspace.h"
#include "widgets/dataset_table_model.h"

#include <QHeaderView>
#include <QLabel>
#include <QTableView>
#include <QVBoxLayout>

namespace genra::widgets {

DatasetsPanel::DatasetsPanel(QWidget* parent) : QWidget(parent) {
    model_ = new DatasetTableModel(this);
    view_ = new QTableView(this);
    view_->setModel(model_);
    view_->setSelectionBehavior(QAbstractItemView::SelectRows);
    view_->setAlternatingRowColors(true);
    view_->verticalHeader()->hide();
    view_->horizontalHeader()->setStretchLastSection(true);
    view_->setSortingEnabled(false);
    summary_ = new QLabel(this);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(view_);
    layout->addWidget(summary_);
    setObjectName(QStringLiteral("datasetsPanel"));
}

void DatasetsPanel::setWorkspace(store::Workspace* workspace) {
    workspace_ = workspace;
    reload();
}

void DatasetsPanel::reload() {
    if (!workspace_) {
        model_->clear();
        summary_->setText(tr("No workspace open."));
        return;
    }
    model_->reload(*workspace_);
    view_->resizeColumnsToContents();
    summary_->setText(tr("%n dataset(s) in %1", nullptr, model_->rowCount())
                          .arg(QString::fromStdString(workspace_->dir().string())));
}

}  // namespace genra::widgets
