// The workbench's main window: dock panels around the open workspace, menus, status bar.
#pragma once

#include <QMainWindow>

#include <memory>

class QDockWidget;

namespace genra::store {
class Workspace;
}
namespace genra::widgets {
class DatasetsPanel;
class JobManager;
class JobsPanel;
}
class QLabel;

namespace genra::gui {

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    // Opens (or with create=true, creates) a workspace; shows an error dialog unless quiet.
    bool openWorkspace(const QString& dir, bool create = false, bool quiet = false);
    // Raises the named panel ("datasets", ...); false when there is no such panel.
    bool raisePanel(const QString& name);
    QString lastError() const { return lastError_; }

private:
    void createActions();
    void newWorkspace();
    void chooseWorkspace();
    void about();
    void closeEvent(QCloseEvent* event) override;
    QDockWidget* addPanel(QWidget* panel, const QString& name, const QString& title, Qt::DockWidgetArea area);

    std::unique_ptr<store::Workspace> workspace_;
    widgets::DatasetsPanel* datasets_ = nullptr;
    widgets::JobManager* jobs_ = nullptr;
    widgets::JobsPanel* jobsPanel_ = nullptr;
    QLabel* jobsStatus_ = nullptr;
    class QMenu* panelsMenu_ = nullptr;
    QString lastError_;
};

}  // namespace genra::gui
