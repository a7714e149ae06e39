// The Jobs panel: every running and finished job with progress, time left, cancel, its log and
// its error.
#pragma once

#include <QWidget>

class QPlainTextEdit;
class QPushButton;
class QTableView;

namespace genra::widgets {

class JobManager;

class JobsPanel : public QWidget {
    Q_OBJECT
public:
    explicit JobsPanel(JobManager* manager, QWidget* parent = nullptr);
    // The job whose log is shown (0 = none).
    int selectedJob() const { return selected_; }
    void selectJob(int id);
    QString logText() const;

private:
    void refreshLog();
    void updateButtons();
    JobManager* manager_;
    QTableView* view_ = nullptr;
    QPlainTextEdit* log_ = nullptr;
    QPushButton* cancel_ = nullptr;
    int selected_ = 0;
};

}  // namespace genra::widgets
