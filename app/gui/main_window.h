// The workbench's main window: the analysis views (Training, Embeddings, Similarity, Results,
// Generation, Report) as tabs of the central area, the caption browser, datasets and jobs as docks
// that can be shown beside any view; menus with shortcuts, a status bar with the workspace and
// running jobs, recent workspaces, settings, language. The layout (docks, sizes, the current view)
// persists per user in QSettings, versioned by kLayoutVersion; View > Reset Layout restores the
// default.
//
// ADDING A PANEL: write a widgets class deriving from QWidget and widgets::WorkbenchPanel
// (widgets/workbench_panel.h), then add ONE row to panelSpecs() in main_window.cpp:
//   {"training", QT_TRANSLATE_NOOP("MainWindow", "Training"), kViewTab,
//    [](widgets::PanelContext& c) -> QWidget* { return new widgets::TrainingPanel(c.jobs); }},
// kViewTab makes it a tab of the central area; a dock area (Qt::LeftDockWidgetArea, ...) a dock.
// The name is what `genra-workbench --panel NAME` raises (selects the tab, shows the dock); the
// window gives each panel the workspace (setWorkspace), routes --select KEY=VALUE to it (select),
// waits for isBusy() before a screenshot, and calls refresh() when a job finishes. Nothing else to
// wire.
#pragma once

#include <QMainWindow>

#include <functional>
#include <memory>
#include <vector>

class QDockWidget;
class QLabel;
class QMenu;
class QProgressBar;
class QTabWidget;

namespace genra::store {
class Workspace;
}
namespace genra::widgets {
class JobManager;
class WorkbenchPanel;
struct PanelContext;
}  // namespace genra::widgets

namespace genra::gui {

// A PanelSpec area that puts the panel in a tab of the central area instead of a dock.
inline constexpr Qt::DockWidgetArea kViewTab = Qt::NoDockWidgetArea;
// Saved layouts carry this version; a layout saved under another one is ignored (default layout).
inline constexpr int kLayoutVersion = 2;
// The caption browser dock's default width when the window has room for it beside a view.
inline constexpr int kBrowserReadableWidth = 540;

struct PanelSpec {
    const char* name;
    const char* title;  // untranslated; translated in the MainWindow context
    Qt::DockWidgetArea area;  // a dock area, or kViewTab
    std::function<QWidget*(widgets::PanelContext&)> create;
};
// Every panel of the window, in menu order.
const std::vector<PanelSpec>& panelSpecs();

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    // Opens (or with create=true, creates) a workspace; shows an error dialog unless quiet.
    bool openWorkspace(const QString& dir, bool create = false, bool quiet = false);
    // Raises the named panel: selects a view's tab, shows and raises a dock ("datasets",
    // "browser", ...); false when there is no such panel.
    bool raisePanel(const QString& name);
    // Passes KEY=VALUE to the named panel; false when it does not take it.
    bool selectInPanel(const QString& panel, const QString& key, const QString& value);
    QWidget* panel(const QString& name) const;
    QStringList panelNames() const;
    // The dock holding the named panel (null for a view tab or an unknown name).
    QDockWidget* dock(const QString& name) const;
    // The central area's tabs, and the name of the view shown.
    QTabWidget* views() const { return views_; }
    QString currentView() const;
    // Writes the layout (geometry, docks, current view) to the user's settings; restoreLayout reads
    // it back (false when none was saved, or under another kLayoutVersion); resetLayout restores
    // the default.
    void saveLayout();
    bool restoreLayout();
    void resetLayout();
    // True while any panel still loads what it shows.
    bool isBusy() const;
    widgets::JobManager* jobs() const { return jobs_; }
    store::Workspace* workspace() const { return workspace_.get(); }
    QString lastError() const { return lastError_; }
    void applySettings();

protected:
    void changeEvent(QEvent* event) override;
    void showEvent(QShowEvent* event) override;
    void closeEvent(QCloseEvent* event) override;

private:
    struct Panel {
        QString name;
        const char* title = nullptr;
        QWidget* widget = nullptr;
        widgets::WorkbenchPanel* iface = nullptr;
        QDockWidget* dock = nullptr;  // null for a view tab
        Qt::DockWidgetArea area = kViewTab;
    };
    void createActions();
    void createPanels();
    void connectPanels();
    void retranslate();
    void defaultLayout();
    void defaultSizes();
    void newWorkspace();
    void chooseWorkspace();
    void fillRecentMenu();
    void showSettings();
    void showImport();
    void about();
    void updateJobStatus();

    std::unique_ptr<store::Workspace> workspace_;
    std::unique_ptr<widgets::PanelContext> context_;
    widgets::JobManager* jobs_ = nullptr;
    std::vector<Panel> panels_;
    QLabel* workspaceStatus_ = nullptr;
    QLabel* jobsStatus_ = nullptr;
    QProgressBar* jobProgress_ = nullptr;
    QMenu* fileMenu_ = nullptr;
    QMenu* recentMenu_ = nullptr;
    QMenu* viewMenu_ = nullptr;
    QTabWidget* views_ = nullptr;
    QMenu* helpMenu_ = nullptr;
    struct Actions {
        QAction* newWorkspace = nullptr;
        QAction* open = nullptr;
        QAction* import = nullptr;
        QAction* settings = nullptr;
        QAction* quit = nullptr;
        QAction* resetLayout = nullptr;
        QAction* about = nullptr;
        QAction* aboutQt = nullptr;
    } actions_;
    bool restoredLayout_ = false;  // the saved layout was restored: keep its sizes
    bool sized_ = false;
    QString lastError_;
};

}  // namespace genra::gui
