#include "app/gui/main_window.h"

#include "core/store/workspace.h"
#include "core/version.h"
#include "widgets/datasets_panel.h"
#include "widgets/job_manager.h"
#include "widgets/jobs_panel.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDockWidget>
#include <QFileDialog>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QSettings>
#include <QStatusBar>

namespace genra::gui {

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
    setWindowTitle(tr("GenRA Workbench"));
    setDockNestingEnabled(true);
    auto* placeholder = new QLabel(tr("Open or create a workspace (File menu) to begin."), this);
    placeholder->setAlignment(Qt::AlignCenter);
    setCentralWidget(placeholder);
    createActions();

    datasets_ = new widgets::DatasetsPanel(this);
    auto* dock = addPanel(datasets_, QStringLiteral("datasets"), tr("Datasets"), Qt::LeftDockWidgetArea);
    resizeDocks({dock}, {640}, Qt::Horizontal);
    jobs_ = new widgets::JobManager(this);
    jobsPanel_ = new widgets::JobsPanel(jobs_, this);
    auto* jobsDock = addPanel(jobsPanel_, QStringLiteral("jobs"), tr("Jobs"), Qt::BottomDockWidgetArea);
    resizeDocks({jobsDock}, {220}, Qt::Vertical);
    jobsStatus_ = new QLabel(this);
    statusBar()->addPermanentWidget(jobsStatus_);
    connect(jobs_, &widgets::JobManager::runningCountChanged, this, [this](int running) {
        jobsStatus_->setText(running ? tr("%n job(s) running", nullptr, running) : QString());
    });

    statusBar()->showMessage(tr("No workspace open"));
    resize(1280, 800);
    QSettings settings;
    restoreGeometry(settings.value(QStringLiteral("window.geometry")).toByteArray());
    restoreState(settings.value(QStringLiteral("window.state")).toByteArray());
}

MainWindow::~MainWindow() = default;

QDockWidget* MainWindow::addPanel(QWidget* panel, const QString& name, const QString& title, Qt::DockWidgetArea area) {
    auto* dock = new QDockWidget(title, this);
    dock->setObjectName(QStringLiteral("dock.") + name);
    dock->setWidget(panel);
    addDockWidget(area, dock);
    panelsMenu_->addAction(dock->toggleViewAction());
    return dock;
}

void MainWindow::createActions() {
    auto* file = menuBar()->addMenu(tr("&File"));
    auto* newAction = file->addAction(tr("&New Workspace..."), this, &MainWindow::newWorkspace);
    newAction->setShortcut(QKeySequence::New);
    auto* openAction = file->addAction(tr("&Open Workspace..."), this, &MainWindow::chooseWorkspace);
    openAction->setShortcut(QKeySequence::Open);
    file->addSeparator();
    auto* quitAction = file->addAction(tr("&Quit"), this, &QWidget::close);
    quitAction->setShortcut(QKeySequence::Quit);
    panelsMenu_ = menuBar()->addMenu(tr("&Panels"));
    auto* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About GenRA Workbench"), this, &MainWindow::about);
}

bool MainWindow::openWorkspace(const QString& dir, bool create, bool quiet) {
    try {
        auto ws = std::make_unique<store::Workspace>(create ? store::Workspace::create(dir.toStdString())
                                                            : store::Workspace::open(dir.toStdString()));
        workspace_ = std::move(ws);
    } catch (const std::exception& e) {
        lastError_ = QString::fromStdString(e.what());
        if (!quiet) QMessageBox::critical(this, tr("Cannot open workspace"), lastError_);
        return false;
    }
    datasets_->setWorkspace(workspace_.get());
    const QString path = QString::fromStdString(workspace_->dir().string());
    if (auto* label = qobject_cast<QLabel*>(centralWidget())) {
        label->setText(tr("Workspace %1\n%n dataset(s)", nullptr, static_cast<int>(workspace_->listDatasets().size()))
                           .arg(path));
    }
    setWindowTitle(tr("%1 — GenRA Workbench").arg(path));
    statusBar()->showMessage(tr("Workspace: %1").arg(path));
    return true;
}

bool MainWindow::raisePanel(const QString& name) {
    const auto docks = findChildren<QDockWidget*>();
    for (auto* dock : docks) {
        if (dock->objectName() == QStringLiteral("dock.") + name) {
            dock->show();
            dock->raise();
            return true;
        }
    }
    return false;
}

void MainWindow::newWorkspace() {
    const QString dir = QFileDialog::getExistingDirectory(this, tr("Folder for the new workspace"));
    if (!dir.isEmpty()) openWorkspace(dir, true);
}

void MainWindow::chooseWorkspace() {
    const QString dir = QFileDialog::getExistingDirectory(this, tr("Open workspace folder"));
    if (!dir.isEmpty()) openWorkspace(dir);
}

void MainWindow::about() {
    QMessageBox::about(this, tr("About GenRA Workbench"),
                       tr("GenRA Workbench %1\nGenerate, align and evaluate generated images as a modality of "
                          "their own (Generated-Real Alignment).")
                           .arg(QStringLiteral(GENRA_VERSION)));
}

void MainWindow::closeEvent(QCloseEvent* event) {
    QSettings settings;
    settings.setValue(QStringLiteral("window.geometry"), saveGeometry());
    settings.setValue(QStringLiteral("window.state"), saveState());
    event->accept();
}

}  // namespace genra::gui
