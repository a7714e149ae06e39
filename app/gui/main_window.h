// The workbench's main window: dock panels around the open workspace, menus with shortcuts, a
// status bar with the workspace and running jobs, recent workspaces, settings, language.
//
// ADDING A PANEL (GUI part 2: training, embeddings, similarity, results): write a widgets class
// deriving from QWidget and widgets::WorkbenchPanel (widgets/workbench_panel.h), then add ONE row
// to kPanels at the top of main_window.cpp:
//   {"training", QT_TRANSLATE_NOOP("MainWindow", "Training"), Qt::RightDockWidgetArea,
//    [](widgets::PanelContext& c) -> QWidget* { return new widgets::TrainingPanel(c.jobs); }},
// The name is what `genra-workbench --panel NAME` raises; the window gives each panel the workspace
// (setWorkspace), routes --select KEY=VALUE to it (select), waits for isBusy() before a screenshot,
// and calls refresh() when a job finishes. Nothing else to wire.
#pragma once

#include <QMainWindow>

#include <functional>
#include <memory>
#include <vector>

class QDockWidget;
class QLabel;
class QMenu;
class QProgressBar;

namespace genra::store {
class Workspace;
}
namespace genra::widgets {
class JobManager;
class WorkbenchPanel;
struct PanelContext;
}  // namespace genra::widgets

namespace genra::gui {

struct PanelSpec {
    const char* name;
    const char* title;  // untranslated; translated in the MainWindow context
    Qt::DockWidgetArea area;
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
    // Raises the named panel ("datasets", "browser", ...); false when there is no such panel.
    bool raisePanel(const QString& name);
    // Passes KEY=VALUE to the named panel; false when it does not take it.
    bool selectInPanel(const QString& panel, const QString& key, const QString& value);
    QWidget* panel(const QString& name) const;
    QStringList panelNames() const;
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
        QDockWidget* dock = nullptr;
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
    QMenu* panelsMenu_ = nullptr;
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
