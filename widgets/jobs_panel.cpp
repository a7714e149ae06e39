#include "widgets/jobs_panel.h"

#include "widgets/job_manager.h"

#include <QApplication>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QPainter>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSplitter>
#include <QStyledItemDelegate>
#include <QTableView>
#include <QVBoxLayout>

namespace genra::widgets {

namespace {
// Paints the Progress column as a progress bar.
class ProgressDelegate : public QStyledItemDelegate {
public:
    using QStyledItemDelegate::QStyledItemDelegate;
    void paint(QPainter* painter, const QStyleOptionViewItem& option, const QModelIndex& index) const override {
        const QVariant value = index.data();
        if (!value.isValid()) {
            QStyledItemDelegate::paint(painter, option, index);
            return;
        }
        QStyleOptionProgressBar bar;
        bar.rect = option.rect.adjusted(2, 2, -2, -2);
        bar.minimum = 0;
        bar.maximum = 100;
        bar.progress = value.toInt();
        bar.text = QStringLiteral("%1%").arg(bar.progress);
        bar.textVisible = true;
        bar.state = option.state | QStyle::State_Horizontal;
        QApplication::style()->drawControl(QStyle::CE_ProgressBar, &bar, painter);
    }
};
}  // namespace

JobsPanel::JobsPanel(JobManager* manager, QWidget* parent) : QWidget(parent), manager_(manager) {
    setObjectName(QStringLiteral("jobsPanel"));
    view_ = new QTableView(this);
    view_->setModel(manager_);
    view_->setItemDelegateForColumn(JobManager::Progress, new ProgressDelegate(view_));
    view_->setSelectionBehavior(QAbstractItemView::SelectRows);
    view_->setSelectionMode(QAbstractItemView::SingleSelection);
    view_->verticalHeader()->hide();
    view_->horizontalHeader()->setStretchLastSection(true);
    view_->setColumnWidth(JobManager::Name, 220);
    view_->setColumnWidth(JobManager::Progress, 140);
    log_ = new QPlainTextEdit(this);
    log_->setReadOnly(true);
    log_->setPlaceholderText(tr("Select a job to see its log."));
    cancel_ = new QPushButton(tr("Cancel job"), this);
    cancel_->setEnabled(false);

    // Jobs and the selected job's log side by side: the panel is a short strip along the bottom.
    auto* logBox = new QWidget(this);
    auto* logLayout = new QVBoxLayout(logBox);
    logLayout->setContentsMargins(0, 0, 0, 0);
    logLayout->addWidget(log_, 1);
    logLayout->addWidget(cancel_, 0, Qt::AlignRight);
    auto* splitter = new QSplitter(Qt::Horizontal, this);
    splitter->addWidget(view_);
    splitter->addWidget(logBox);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);
    view_->setMinimumHeight(60);
    log_->setMinimumHeight(40);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(splitter);

    connect(view_->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            [this](const QModelIndex& current) {
                selected_ = current.isValid() ? manager_->recordAt(current.row()).id : 0;
                refreshLog();
                updateButtons();
            });
    connect(cancel_, &QPushButton::clicked, this, [this] {
        if (selected_) manager_->cancel(selected_);
    });
    connect(manager_, &JobManager::jobLog, this, [this](int id, const QString& line) {
        if (id == selected_) log_->appendPlainText(line);
    });
    connect(manager_, &JobManager::jobFinished, this, [this](int id, bool) {
        if (id == selected_) {
            refreshLog();
            updateButtons();
        }
    });
    connect(manager_, &JobManager::jobStarted, this, [this](int id) {
        if (!selected_) selectJob(id);
    });
}

void JobsPanel::selectJob(int id) {
    for (int row = 0; row < manager_->rowCount(); ++row) {
        if (manager_->recordAt(row).id == id) {
            view_->selectRow(row);
            selected_ = id;
            refreshLog();
            updateButtons();
            return;
        }
    }
}

QString JobsPanel::logText() const { return log_->toPlainText(); }

void JobsPanel::refreshLog() {
    const JobRecord* r = manager_->record(selected_);
    if (!r) {
        log_->clear();
        return;
    }
    QString text = r->log.join(QLatin1Char('\n'));
    if (r->state == JobRecord::State::Failed && !r->error.isEmpty() && !text.contains(r->error)) {
        text += QLatin1Char('\n') + tr("error: %1").arg(r->error);
    }
    log_->setPlainText(text);
}

void JobsPanel::updateButtons() {
    const JobRecord* r = manager_->record(selected_);
    cancel_->setEnabled(r && r->state == JobRecord::State::Running);
}

}  // namespace genra::widgets
