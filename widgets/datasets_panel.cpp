#include "widgets/datasets_panel.h"

#include "core/store/workspace.h"
#include "widgets/dataset_table_model.h"
#include "widgets/import_dialog.h"
#include "widgets/job_manager.h"

#include <QEvent>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMessageBox>
#include <QPushButton>
#include <QTableView>
#include <QVBoxLayout>

namespace genra::widgets {

DatasetsPanel::DatasetsPanel(JobManager* jobs, QWidget* parent) : QWidget(parent), jobs_(jobs) {
    model_ = new DatasetTableModel(this);
    view_ = new QTableView(this);
    view_->setModel(model_);
    view_->setSelectionBehavior(QAbstractItemView::SelectRows);
    view_->setAlternatingRowColors(true);
    view_->verticalHeader()->hide();
    view_->horizontalHeader()->setStretchLastSection(true);
    view_->setSortingEnabled(false);
    summary_ = new QLabel(this);
    import_ = new QPushButton(this);
    delete_ = new QPushButton(this);
    refresh_ = new QPushButton(this);
    import_->setVisible(jobs_ != nullptr);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(import_);
    buttons->addWidget(delete_);
    buttons->addStretch(1);
    buttons->addWidget(refresh_);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(buttons);
    layout->addWidget(view_);
    layout->addWidget(summary_);
    setObjectName(QStringLiteral("datasetsPanel"));
    retranslate();
    connect(import_, &QPushButton::clicked, this, &DatasetsPanel::showImport);
    connect(delete_, &QPushButton::clicked, this, [this] { deleteSelected(true); });
    connect(refresh_, &QPushButton::clicked, this, &DatasetsPanel::reload);
}

void DatasetsPanel::retranslate() {
    import_->setText(tr("Import…"));
    delete_->setText(tr("Delete…"));
    refresh_->setText(tr("Refresh"));
    reload();
}

void DatasetsPanel::changeEvent(QEvent* event) {
    if (event->type() == QEvent::LanguageChange) retranslate();
    QWidget::changeEvent(event);
}

bool DatasetsPanel::select(const QString& key, const QString& value) {
    if (key != QLatin1String("dataset")) return false;
    for (int row = 0; row < model_->rowCount(); ++row) {
        if (QString::fromStdString(model_->dataset(row).info.name) == value) {
            view_->selectRow(row);
            return true;
        }
    }
    return false;
}

void DatasetsPanel::showImport() {
    if (!workspace_ || !jobs_) return;
    QStringList names;
    for (int row = 0; row < model_->rowCount(); ++row) names << QString::fromStdString(model_->dataset(row).info.name);
    auto* dialog = new ImportDialog(QString::fromStdString(workspace_->dir().string()), names, jobs_, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &ImportDialog::importFinished, this, &DatasetsPanel::reload);
    dialog->show();
}

bool DatasetsPanel::deleteSelected(bool confirm) {
    const QModelIndex current = view_->currentIndex();
    if (!workspace_ || !current.isValid()) return false;
    const auto& d = model_->dataset(current.row());
    const QString name = QString::fromStdString(d.info.name);
    if (confirm) {
        const auto answer = QMessageBox::question(
            this, tr("Delete dataset"),
            tr("Delete dataset \"%1\" with its %2 image(s), %3 caption(s) and %4 generated image(s) from the "
               "workspace? Image files on disk are not touched.")
                .arg(name)
                .arg(d.realImages)
                .arg(d.captions)
                .arg(d.generatedImages));
        if (answer != QMessageBox::Yes) return false;
    }
    try {
        workspace_->deleteDataset(d.info.id);
    } catch (const std::exception& e) {
        QMessageBox::critical(this, tr("Delete dataset"), QString::fromStdString(e.what()));
        return false;
    }
    reload();
    return true;
}

void DatasetsPanel::setWorkspace(store::Workspace* workspace) {
    workspace_ = workspace;
    reload();
}

void DatasetsPanel::reload() {
    if (delete_) delete_->setEnabled(workspace_ != nullptr);
    if (import_) import_->setEnabled(workspace_ != nullptr);
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
