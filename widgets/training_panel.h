// The Training panel: the recipe form (load, save, validate), Start / Stop (checkpoints, then
// stops) / Resume on 1 process (a job in this program) or N (`genra train --nproc N`, followed from
// the workspace: widgets/process_train_job.h), the workspace's runs with their live or stored curves overlaid, progress with
// time left, the run's log, and for a failed run its error and last good checkpoint.
#pragma once

#include "core/jobs/job.h"
#include "widgets/workbench_panel.h"

#include <QStringList>
#include <QWidget>

#include <cstdint>
#include <memory>

class QCheckBox;
class QLabel;
class QListWidget;
class QListWidgetItem;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QSlider;
class QSpinBox;

namespace genra::store {
class Workspace;
}

namespace genra::widgets {

class CurvePlot;
class JobManager;
class RecipeForm;

class TrainingPanel : public QWidget, public WorkbenchPanel {
    Q_OBJECT
public:
    explicit TrainingPanel(JobManager* jobs, QWidget* parent = nullptr);

    // The workspace whose runs are listed and where new runs go (nullptr closes it).
    void setWorkspace(store::Workspace* workspace) override;
    void refresh() override { refreshRuns(); }
    // Keys: runs=NAME (ticks NAME's group: the runs named alike but for -seedN), group-seeds=on|off,
    // recipe=hidden|shown, log-scale=on|off, smoothing=W (0 <= W < 1), processes=N.
    bool select(const QString& key, const QString& value) override;

    RecipeForm* form() const { return form_; }
    CurvePlot* curves() const { return curves_; }

    // Starts a run from the form (validated first), on processes() processes: above 1 as
    // `genra train --nproc N` (the program found by findGenraProgram). Returns the job id, 0 when it
    // did not start (the reason is shown and returned by lastError()).
    int startRun(const QString& runName = {});
    // Data-parallel processes for the next Start or Resume: 1 (default) up to the core count.
    void setProcesses(int processes);
    int processes() const;
    // Asks the live run to write a checkpoint and stop.
    void stopRun();
    // Resumes a stopped run (interrupted, cancelled or failed) by id or name.
    int resumeRun(const QString& run);
    // Re-reads the runs and their stored curves.
    void refreshRuns();
    // Overlays (or hides) the stored curves of a run.
    void setRunShown(const QString& run, bool shown);
    // Ticks every run of `run`'s group (the same name but for a "-seedN" suffix) and unticks the others.
    void showGroupOf(const QString& run);
    // Runs whose curves are overlaid.
    QStringList shownRuns() const;
    // Draws runs of one group as their mean and min/max band.
    void setGroupSeeds(bool on);
    // Hides the recipe form, its buttons and the live run's log, leaving the runs, the chart and a
    // line of progress.
    void setRecipeCollapsed(bool collapsed);
    bool recipeCollapsed() const;
    QString lastError() const { return lastError_; }
    QString logText() const;
    QString statusText() const;
    int liveJob() const { return liveJob_; }

private:
    void onJobMetric(int id, qint64 step, const QString& name, double value);
    void onJobProgress(int id, double fraction, const QString& message);
    void onJobLog(int id, const QString& line);
    void onJobFinished(int id, bool succeeded);
    void onRunSelected();
    void loadStoredCurves(std::int64_t runId, const QString& runName);
    void updateMetricList();
    void updateButtons();
    void loadRecipe();
    void saveRecipe();
    int startJob(std::unique_ptr<jobs::Job> job, const QString& runName);
    // Above one process: the job that runs `genra train --nproc N` for a new run (recipe) or a
    // resumed one; null, with lastError_ set, when the genra program cannot be found.
    std::unique_ptr<jobs::Job> processJob(const QString& runName, bool resume);

    JobManager* jobs_;
    store::Workspace* workspace_ = nullptr;
    RecipeForm* form_ = nullptr;
    CurvePlot* curves_ = nullptr;
    QListWidget* runs_ = nullptr;
    QListWidget* metricList_ = nullptr;
    QSlider* smoothing_ = nullptr;
    QCheckBox* logScale_ = nullptr;
    QCheckBox* groupSeeds_ = nullptr;
    QPushButton* collapse_ = nullptr;
    QWidget* recipe_ = nullptr;
    QProgressBar* progress_ = nullptr;
    QLabel* timeLeft_ = nullptr;
    QLabel* status_ = nullptr;
    QPlainTextEdit* log_ = nullptr;  // the live run's log, hidden with the recipe
    QPushButton* start_ = nullptr;
    QPushButton* stop_ = nullptr;
    QPushButton* resume_ = nullptr;
    QSpinBox* processes_ = nullptr;
    QStringList shownMetrics_{QStringLiteral("loss")};
    int liveJob_ = 0;
    QString liveRun_;
    QString lastError_;
};

}  // namespace genra::widgets
