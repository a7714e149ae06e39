#include "app/gui/main_window.h"

#include "widgets/settings_dialog.h"
#include "core/store/workspace.h"
#include "core/util/threads.h"
#include "core/version.h"
#include "widgets/caption_browser.h"
#include "widgets/caption_list_model.h"
#include "widgets/datasets_panel.h"
#include "widgets/generation_panel.h"
#include "widgets/embeddings_panel.h"
#include "widgets/job_manager.h"
#include "widgets/jobs_panel.h"
#include "widgets/report_view.h"
#include "widgets/results_panel.h"
#include "widgets/similarity_panel.h"
#include "widgets/training_panel.h"
#include "widgets/language.h"
#include "widgets/settings.h"
#include "widgets/workbench_panel.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDir>
#include <QDockWidget>
#include <QFileDialog>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QProgressBar>
#include <QStatusBar>
#include <QTabWidget>
#include <QTimer>

#include <algorithm>

namespace genra::gui {

// One row per panel; see the comment at the top of main_window.h. Docks first, then the views in
// tab order.
const std::vector<PanelSpec>& panelSpecs() {
    static const std::vector<PanelSpec> specs = {
        {"browser", QT_TRANSLATE_NOOP("MainWindow", "Caption Browser"), Qt::LeftDockWidgetArea,
         [](widgets::PanelContext&) -> QWidget* { return new widgets::CaptionBrowser; }},
        {"datasets", QT_TRANSLATE_NOOP("MainWindow", "Datasets"), Qt::LeftDockWidgetArea,
         [](widgets::PanelContext& c) -> QWidget* { return new widgets::DatasetsPanel(c.jobs); }},
        {"jobs", QT_TRANSLATE_NOOP("MainWindow", "Jobs"), Qt::BottomDockWidgetArea,
         [](widgets::PanelContext& c) -> QWidget* { return new widgets::JobsPanel(c.jobs); }},
        {"training", QT_TRANSLATE_NOOP("MainWindow", "Training"), kViewTab,
         [](widgets::PanelContext& c) -> QWidget* { return new widgets::TrainingPanel(c.jobs); }},
        {"embeddings", QT_TRANSLATE_NOOP("MainWindow", "Embeddings"), kViewTab,
         [](widgets::PanelContext& c) -> QWidget* { return new widgets::EmbeddingsPanel(c.jobs); }},
        {"similarity", QT_TRANSLATE_NOOP("MainWindow", "Similarity"), kViewTab,
         [](widgets::PanelContext&) -> QWidget* { return new widgets::SimilarityPanel; }},
        {"results", QT_TRANSLATE_NOOP("MainWindow", "Results"), kViewTab,
         [](widgets::PanelContext& c) -> QWidget* { return new widgets::ResultsPanel(c.jobs); }},
        {"generation", QT_TRANSLATE_NOOP("MainWindow", "Generation"), kViewTab,
         [](widgets::PanelContext& c) -> QWidget* { return new widgets::GenerationPanel(c.jobs); }},
        {"report", QT_TRANSLATE_NOOP("MainWindow", "Report"), kViewTab,
         [](widgets::PanelContext&) -> QWidget* { return new widgets::ReportView; }},
    };
    return specs;
}

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
    setObjectName(QStringLiteral("mainWindow"));
    setWindowIcon(QIcon(QStringLiteral(":/genra/genra-workbench.svg")));
    setDockNestingEnabled(true);
    setDockOptions(QMainWindow::AnimatedDocks | QMainWindow::AllowNestedDocks | QMainWindow::AllowTabbedDocks);
    // The left docks (browser, datasets) take the full height; jobs run under the views only.
    setCorner(Qt::BottomLeftCorner, Qt::LeftDockWidgetArea);
    views_ = new QTabWidget(this);
    views_->setObjectName(QStringLiteral("views"));
    views_->setDocumentMode(true);
    setCentralWidget(views_);
    jobs_ = new widgets::JobManager(this);
    context_ = std::make_unique<widgets::PanelContext>();
    context_->jobs = jobs_;
    createActions();
    createPanels();
    connectPanels();

    workspaceStatus_ = new QLabel(this);
    jobsStatus_ = new QLabel(this);
    jobProgress_ = new QProgressBar(this);
    jobProgress_->setMaximumWidth(160);
    jobProgress_->setRange(0, 100);
    jobProgress_->hide();
    statusBar()->addWidget(workspaceStatus_, 1);
    statusBar()->addPermanentWidget(jobsStatus_);
    statusBar()->addPermanentWidget(jobProgress_);
    connect(jobs_, &widgets::JobManager::runningCountChanged, this, &MainWindow::updateJobStatus);
    connect(jobs_, &widgets::JobManager::jobProgress, this, &MainWindow::updateJobStatus);
    connect(jobs_, &widgets::JobManager::jobFinished, this, [this](int, bool) {
        updateJobStatus();
        for (auto& p : panels_)
            if (p.iface && workspace_) p.iface->refresh();
    });

    retranslate();
    resize(1280, 800);
    defaultLayout();
    restoredLayout_ = restoreLayout();
    applySettings();
}

MainWindow::~MainWindow() {
    // Panels hold the workspace pointer: delete them first.
    for (auto& p : panels_) delete (p.dock ? static_cast<QWidget*>(p.dock) : p.widget);
    panels_.clear();
}

void MainWindow::createPanels() {
    int number = 0;
    const auto addShortcut = [&number](QAction* action) {
        ++number;
        if (number <= 9) action->setShortcut(QKeySequence(Qt::ALT | static_cast<Qt::Key>(Qt::Key_0 + number)));
    };
    // The views first in the menu (Alt+1 ...), each selecting its tab; then the docks' toggles.
    for (const auto& spec : panelSpecs()) {
        Panel p;
        p.name = QString::fromLatin1(spec.name);
        p.title = spec.title;
        p.area = spec.area;
        p.widget = spec.create(*context_);
        p.iface = dynamic_cast<widgets::WorkbenchPanel*>(p.widget);
        if (spec.area == kViewTab) {
            views_->addTab(p.widget, QString());
        } else {
            p.dock = new QDockWidget(this);
            p.dock->setObjectName(QStringLiteral("dock.") + p.name);
            p.dock->setWidget(p.widget);
            p.dock->setFeatures(QDockWidget::DockWidgetClosable | QDockWidget::DockWidgetMovable |
                                QDockWidget::DockWidgetFloatable);
            addDockWidget(spec.area, p.dock);
        }
        panels_.push_back(p);
    }
    for (auto& p : panels_) {
        if (p.dock) continue;
        QWidget* widget = p.widget;
        QAction* show = viewMenu_->addAction(QString(), this, [this, widget] { views_->setCurrentWidget(widget); });
        show->setObjectName(QStringLiteral("view.") + p.name);
        addShortcut(show);
    }
    viewMenu_->addSeparator();
    for (auto& p : panels_) {
        if (!p.dock) continue;
        QAction* toggle = p.dock->toggleViewAction();
        addShortcut(toggle);
        viewMenu_->addAction(toggle);
    }
    // Captions picked in the embeddings map or the similarity view open in the browser: one caption
    // in the full list, several (a lasso, a multiple selection) as the list's subset.
    if (auto* browser = qobject_cast<widgets::CaptionBrowser*>(panel(QStringLiteral("browser")))) {
        const auto show = [this, browser](const QList<qint64>& ids) {
            if (browser->showCaptions(ids)) raisePanel(QStringLiteral("browser"));
        };
        if (auto* e = qobject_cast<widgets::EmbeddingsPanel*>(panel(QStringLiteral("embeddings"))))
            connect(e, &widgets::EmbeddingsPanel::captionsSelected, this, show);
        if (auto* s = qobject_cast<widgets::SimilarityPanel*>(panel(QStringLiteral("similarity"))))
            connect(s, &widgets::SimilarityPanel::captionsSelected, this, show);
    }
    viewMenu_->addSeparator();
    viewMenu_->addAction(actions_.resetLayout);
}

void MainWindow::connectPanels() {
    auto* browser = qobject_cast<widgets::CaptionBrowser*>(panel(QStringLiteral("browser")));
    if (!browser) return;
    // The similarity heat-map can show the captions selected in the browser.
    if (auto* similarity = qobject_cast<widgets::SimilarityPanel*>(panel(QStringLiteral("similarity")))) {
        connect(browser, &widgets::CaptionBrowser::selectedCaptionsChanged, similarity,
                &widgets::SimilarityPanel::setBrowserSelection);
    }
    // The browser's selected rows are ringed in both embedding maps.
    if (auto* embeddings = qobject_cast<widgets::EmbeddingsPanel*>(panel(QStringLiteral("embeddings")))) {
        connect(browser, &widgets::CaptionBrowser::selectedCaptionsChanged, embeddings,
                &widgets::EmbeddingsPanel::setHighlightedCaptions);
    }
    // The generation panel takes its captions from the browser's selection or search result.
    auto* generation = qobject_cast<widgets::GenerationPanel*>(panel(QStringLiteral("generation")));
    if (!generation) return;
    connect(browser, &widgets::CaptionBrowser::selectedCaptionsChanged, generation,
            [generation](const QList<qint64>& ids) {
                generation->setSelectedCaptions(std::vector<std::int64_t>(ids.begin(), ids.end()));
            });
    generation->setSearchResultProvider([browser] { return browser->model()->captionIds(); });
}

void MainWindow::defaultLayout() {
    // The browser and datasets tabbed together on the left (the browser in front), jobs along the
    // bottom under the views, the first view shown.
    QDockWidget* firstLeft = nullptr;
    for (auto& p : panels_) {
        if (!p.dock) continue;
        p.dock->setFloating(false);
        addDockWidget(p.area, p.dock);
        p.dock->show();
        if (p.area == Qt::LeftDockWidgetArea) {
            if (firstLeft) {
                tabifyDockWidget(firstLeft, p.dock);
            } else {
                firstLeft = p.dock;
            }
        }
    }
    if (firstLeft) firstLeft->raise();
    views_->setCurrentIndex(0);
}

void MainWindow::defaultSizes() {
    // The browser beside the views: a third of the width, but at least kBrowserReadableWidth (its
    // list above the images, captions of some 70 characters whole) as long as the views keep more
    // than half of the window; a short strip for the jobs. Only takes once the window is laid out
    // (the first show), hence not part of defaultLayout().
    if (QDockWidget* browser = dock(QStringLiteral("browser"))) {
        const int readable = std::max(width() * 32 / 100, kBrowserReadableWidth);
        resizeDocks({browser}, {std::min(readable, width() * 45 / 100)}, Qt::Horizontal);
    }
    if (QDockWidget* jobs = dock(QStringLiteral("jobs"))) resizeDocks({jobs}, {height() / 6}, Qt::Vertical);
}

void MainWindow::resetLayout() {
    defaultLayout();
    defaultSizes();
}

void MainWindow::saveLayout() {
    widgets::settings::windowGeometry.set(saveGeometry());
    widgets::settings::windowState.set(saveState(kLayoutVersion));
    widgets::settings::windowView.set(currentView());
}

bool MainWindow::restoreLayout() {
    const QByteArray state = widgets::settings::windowState.value();
    if (state.isEmpty()) return false;
    // A state saved by another layout version (the dock-only window before 2) is left alone: the
    // default layout stays.
    if (!restoreState(state, kLayoutVersion)) return false;
    restoreGeometry(widgets::settings::windowGeometry.value());
    const QString view = widgets::settings::windowView.value();
    if (QWidget* w = panel(view); w && views_->indexOf(w) >= 0) views_->setCurrentWidget(w);
    return true;
}

void MainWindow::showEvent(QShowEvent* event) {
    QMainWindow::showEvent(event);
    // Dock sizes take only once the window has its geometry: after this event is handled.
    if (!restoredLayout_ && !sized_) QTimer::singleShot(0, this, &MainWindow::defaultSizes);
    sized_ = true;
}

void MainWindow::createActions() {
    fileMenu_ = menuBar()->addMenu(QString());
    actions_.newWorkspace = fileMenu_->addAction(QString(), this, &MainWindow::newWorkspace);
    actions_.newWorkspace->setShortcut(QKeySequence::New);
    actions_.open = fileMenu_->addAction(QString(), this, &MainWindow::chooseWorkspace);
    actions_.open->setShortcut(QKeySequence::Open);
    recentMenu_ = fileMenu_->addMenu(QString());
    connect(recentMenu_, &QMenu::aboutToShow, this, &MainWindow::fillRecentMenu);
    fileMenu_->addSeparator();
    actions_.import = fileMenu_->addAction(QString(), this, &MainWindow::showImport);
    actions_.import->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_I));
    actions_.settings = fileMenu_->addAction(QString(), this, &MainWindow::showSettings);
    actions_.settings->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Comma));
    fileMenu_->addSeparator();
    actions_.quit = fileMenu_->addAction(QString(), this, &QWidget::close);
    actions_.quit->setShortcut(QKeySequence::Quit);
    viewMenu_ = menuBar()->addMenu(QString());
    actions_.resetLayout = new QAction(this);
    actions_.resetLayout->setObjectName(QStringLiteral("resetLayout"));
    connect(actions_.resetLayout, &QAction::triggered, this, &MainWindow::resetLayout);
    helpMenu_ = menuBar()->addMenu(QString());
    actions_.about = helpMenu_->addAction(QString(), this, &MainWindow::about);
    actions_.aboutQt = helpMenu_->addAction(QString(), qApp, &QApplication::aboutQt);
}

void MainWindow::retranslate() {
    fileMenu_->setTitle(tr("&File"));
    actions_.newWorkspace->setText(tr("&New Workspace…"));
    actions_.open->setText(tr("&Open Workspace…"));
    recentMenu_->setTitle(tr("Open &Recent"));
    actions_.import->setText(tr("&Import Dataset…"));
    actions_.settings->setText(tr("&Settings…"));
    actions_.quit->setText(tr("&Quit"));
    viewMenu_->setTitle(tr("&View"));
    actions_.resetLayout->setText(tr("Reset Layout"));
    helpMenu_->setTitle(tr("&Help"));
    actions_.about->setText(tr("&About GenRA Workbench"));
    actions_.aboutQt->setText(tr("About &Qt"));
    for (auto& p : panels_) {
        if (p.dock) {
            p.dock->setWindowTitle(tr(p.title));
        } else {
            views_->setTabText(views_->indexOf(p.widget), tr(p.title));
            if (auto* show = viewMenu_->findChild<QAction*>(QStringLiteral("view.") + p.name)) show->setText(tr(p.title));
        }
    }
    if (workspace_) {
        const QString path = QString::fromStdString(workspace_->dir().string());
        setWindowTitle(tr("%1 — GenRA Workbench").arg(path));
        workspaceStatus_->setText(tr("Workspace: %1").arg(path));
    } else {
        setWindowTitle(tr("GenRA Workbench"));
        if (workspaceStatus_) workspaceStatus_->setText(tr("No workspace open — File ▸ Open Workspace"));
    }
    if (jobsStatus_) updateJobStatus();
}

void MainWindow::changeEvent(QEvent* event) {
    if (event->type() == QEvent::LanguageChange) retranslate();
    QMainWindow::changeEvent(event);
}

void MainWindow::updateJobStatus() {
    const int running = jobs_->runningCount();
    jobsStatus_->setText(running ? tr("%n job(s) running", nullptr, running) : tr("No jobs running"));
    // The progress of the newest running job.
    double fraction = -1.0;
    for (int row = jobs_->rowCount() - 1; row >= 0; --row) {
        const auto& r = jobs_->recordAt(row);
        if (r.state == widgets::JobRecord::State::Running) {
            fraction = r.fraction;
            jobProgress_->setToolTip(r.name + QStringLiteral(": ") + r.message);
            break;
        }
    }
    jobProgress_->setVisible(running > 0);
    if (fraction < 0) {
        jobProgress_->setRange(0, 0);
    } else {
        jobProgress_->setRange(0, 100);
        jobProgress_->setValue(int(fraction * 100 + 0.5));
    }
}

bool MainWindow::openWorkspace(const QString& dir, bool create, bool quiet) {
    std::unique_ptr<store::Workspace> ws;
    try {
        ws = std::make_unique<store::Workspace>(create ? store::Workspace::create(dir.toStdString())
                                                       : store::Workspace::open(dir.toStdString()));
    } catch (const std::exception& e) {
        lastError_ = QString::fromStdString(e.what());
        if (!quiet) QMessageBox::critical(this, tr("Cannot open workspace"), lastError_);
        return false;
    }
    // Panels drop their pointer to the old workspace before it closes.
    for (auto& p : panels_)
        if (p.iface) p.iface->setWorkspace(nullptr);
    workspace_ = std::move(ws);
    try {
        for (auto& p : panels_)
            if (p.iface) p.iface->setWorkspace(workspace_.get());
    } catch (const std::exception& e) {
        lastError_ = QString::fromStdString(e.what());
        if (!quiet) QMessageBox::critical(this, tr("Cannot open workspace"), lastError_);
        return false;
    }
    widgets::rememberWorkspace(QString::fromStdString(workspace_->dir().string()));
    retranslate();
    return true;
}

QWidget* MainWindow::panel(const QString& name) const {
    for (const auto& p : panels_)
        if (p.name == name) return p.widget;
    return nullptr;
}

QStringList MainWindow::panelNames() const {
    QStringList names;
    for (const auto& p : panels_) names << p.name;
    return names;
}

QDockWidget* MainWindow::dock(const QString& name) const {
    for (const auto& p : panels_)
        if (p.name == name) return p.dock;
    return nullptr;
}

QString MainWindow::currentView() const {
    for (const auto& p : panels_)
        if (!p.dock && p.widget == views_->currentWidget()) return p.name;
    return {};
}

bool MainWindow::raisePanel(const QString& name) {
    for (auto& p : panels_) {
        if (p.name != name) continue;
        if (p.dock) {
            p.dock->show();
            p.dock->raise();
        } else {
            views_->setCurrentWidget(p.widget);
        }
        return true;
    }
    return false;
}

bool MainWindow::selectInPanel(const QString& name, const QString& key, const QString& value) {
    for (auto& p : panels_)
        if (p.name == name) return p.iface && p.iface->select(key, value);
    return false;
}

bool MainWindow::isBusy() const {
    for (const auto& p : panels_)
        if (p.iface && p.iface->isBusy()) return true;
    return false;
}

void MainWindow::applySettings() {
    configureThreads(widgets::settings::threads.value());
    if (auto* browser = qobject_cast<widgets::CaptionBrowser*>(panel(QStringLiteral("browser")))) {
        browser->setThumbnailCacheBytes(qint64(widgets::settings::thumbnailCacheMb.value()) * 1024 * 1024);
    }
    widgets::setLanguage(widgets::settings::language.value());
}

void MainWindow::newWorkspace() {
    const QString dir = QFileDialog::getExistingDirectory(this, tr("Folder for the new workspace"));
    if (!dir.isEmpty()) openWorkspace(dir, true);
}

void MainWindow::chooseWorkspace() {
    const QString dir = QFileDialog::getExistingDirectory(this, tr("Open workspace folder"));
    if (!dir.isEmpty()) openWorkspace(dir);
}

void MainWindow::fillRecentMenu() {
    recentMenu_->clear();
    const QStringList recent = widgets::settings::recentWorkspaces.value();
    for (const QString& dir : recent) {
        QAction* a = recentMenu_->addAction(QDir::toNativeSeparators(dir), this, [this, dir] { openWorkspace(dir); });
        a->setEnabled(QDir(dir).exists());
    }
    if (recent.isEmpty()) recentMenu_->addAction(tr("(none)"))->setEnabled(false);
}

void MainWindow::showSettings() {
    widgets::SettingsDialog dialog(workspace_ ? QString::fromStdString(workspace_->dir().string()) : QString(), this);
    if (dialog.exec() == QDialog::Accepted) applySettings();
}

void MainWindow::showImport() {
    if (!workspace_) {
        QMessageBox::information(this, tr("Import Dataset"), tr("Open or create a workspace first."));
        return;
    }
    raisePanel(QStringLiteral("datasets"));
    if (auto* datasets = qobject_cast<widgets::DatasetsPanel*>(panel(QStringLiteral("datasets")))) datasets->showImport();
}

void MainWindow::about() {
    QMessageBox::about(this, tr("About GenRA Workbench"),
                       tr("<h3>GenRA Workbench %1</h3><p>Generate, align and evaluate generated images as a "
                          "modality of their own (Generated-Real Alignment).</p><p>Built with Qt %2.</p>")
                           .arg(QStringLiteral(GENRA_VERSION), QString::fromLatin1(qVersion())));
}

void MainWindow::closeEvent(QCloseEvent* event) {
    if (jobs_->runningCount() > 0) {
        const auto answer = QMessageBox::question(
            this, tr("Jobs are running"),
            tr("%n job(s) still running. Cancel them and quit? Their work so far is kept and they can be resumed.",
               nullptr, jobs_->runningCount()));
        if (answer != QMessageBox::Yes) {
            event->ignore();
            return;
        }
    }
    saveLayout();
    event->accept();
}

}  // namespace genra::gui
