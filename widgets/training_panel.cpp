#include "widgets/training_panel.h"

#include "core/model/model_store.h"
#include "core/store/runs.h"
#include "core/store/workspace.h"
#include "core/train/recipe.h"
#include "core/train/trainer.h"
#include "widgets/job_manager.h"
#include "widgets/plot_curves.h"
#include "widgets/process_train_job.h"
#include "widgets/training_form.h"

#include <QCheckBox>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollArea>
#include <QSlider>
#include <QSpinBox>
#include <QSplitter>
#include <QThread>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace genra::widgets {

namespace {

constexpr int kRunIdRole = Qt::UserRole + 1;
constexpr int kRunStatusRole = Qt::UserRole + 2;
// Lines of the live run's log shown under the chart while the recipe is shown.
constexpr int kLogLines = 5;

// The status line under the chart takes room only while it says something.
void setStatusText(QLabel* label, const QString& text) {
    label->setText(text);
    label->setVisible(!text.isEmpty());
}

QString timeText(double seconds) {
    if (seconds < 0) return {};
    const auto s = static_cast<qint64>(std::lround(seconds));
    if (s >= 3600) return QStringLiteral("%1:%2:%3").arg(s / 3600).arg((s / 60) % 60, 2, 10, QLatin1Char('0')).arg(s % 60, 2, 10, QLatin1Char('0'));
    return QStringLiteral("%1:%2").arg(s / 60).arg(s % 60, 2, 10, QLatin1Char('0'));
}

}  // namespace

TrainingPanel::TrainingPanel(JobManager* jobs, QWidget* parent) : QWidget(parent), jobs_(jobs) {
    auto* splitter = new QSplitter(Qt::Horizontal, this);
    auto* outer = new QVBoxLayout(this);
    outer->setContentsMargins(0, 0, 0, 0);
    outer->addWidget(splitter);

    // Left, one above the other: the recipe with the buttons that act on it, and the runs and
    // metrics to overlay (as wide as the form, so run names stay readable).
    auto* leftColumn = new QSplitter(Qt::Vertical, splitter);
    leftColumn->setChildrenCollapsible(false);
    auto* left = new QWidget(leftColumn);
    recipe_ = left;
    auto* leftLayout = new QVBoxLayout(left);
    auto* scroll = new QScrollArea(left);
    form_ = new RecipeForm(scroll);
    scroll->setWidget(form_);
    scroll->setWidgetResizable(true);
    leftLayout->addWidget(scroll, 1);
    auto* fileRow = new QHBoxLayout;
    auto* load = new QPushButton(tr("Load…"), left);
    auto* save = new QPushButton(tr("Save…"), left);
    auto* validate = new QPushButton(tr("Validate"), left);
    fileRow->addWidget(load);
    fileRow->addWidget(save);
    fileRow->addWidget(validate);
    leftLayout->addLayout(fileRow);
    auto* processRow = new QHBoxLayout;
    auto* processesLabel = new QLabel(tr("Processes"), left);
    processes_ = new QSpinBox(left);
    processes_->setRange(1, std::max(1, QThread::idealThreadCount()));
    processes_->setValue(1);
    processes_->setToolTip(tr("Data-parallel processes for Start and Resume. Above 1 the run goes to `genra train "
                              "--nproc N` (c10d Gloo): each process trains on batch_size / N of every batch, so "
                              "batch_size must be a multiple of N. Up to the number of cores."));
    processesLabel->setBuddy(processes_);
    processRow->addWidget(processesLabel);
    processRow->addWidget(processes_);
    processRow->addStretch(1);
    leftLayout->addLayout(processRow);
    auto* runRow = new QHBoxLayout;
    start_ = new QPushButton(tr("Start"), left);
    stop_ = new QPushButton(tr("Stop"), left);
    stop_->setToolTip(tr("Write a checkpoint, then stop; the run can be resumed"));
    resume_ = new QPushButton(tr("Resume"), left);
    resume_->setToolTip(tr("Continue the selected interrupted, cancelled or failed run from its last checkpoint"));
    runRow->addWidget(start_);
    runRow->addWidget(stop_);
    runRow->addWidget(resume_);
    leftLayout->addLayout(runRow);

    auto* listsPane = new QWidget(leftColumn);
    auto* lists = new QVBoxLayout(listsPane);
    // The form folds away so the runs and the chart get the view.
    collapse_ = new QPushButton(listsPane);
    collapse_->setCheckable(true);
    collapse_->setToolTip(tr("Show or hide the recipe form and its buttons"));
    lists->addWidget(collapse_);
    auto* runsHeader = new QHBoxLayout;
    runsHeader->addWidget(new QLabel(tr("Runs"), listsPane), 1);
    auto* groupButton = new QPushButton(tr("Tick seeds"), listsPane);
    groupButton->setToolTip(tr("Tick every run of the selected run's method (its name without -seedN) and untick the "
                               "others"));
    runsHeader->addWidget(groupButton);
    lists->addLayout(runsHeader);
    runs_ = new QListWidget(listsPane);
    runs_->setToolTip(tr("Tick runs to overlay their curves; select one to see its status and log"));
    // Runs of one recipe differ at the end (seed, time stamp): elide their names in the middle.
    runs_->setTextElideMode(Qt::ElideMiddle);
    runs_->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    lists->addWidget(runs_, 2);
    lists->addWidget(new QLabel(tr("Metrics"), listsPane));
    metricList_ = new QListWidget(listsPane);
    lists->addWidget(metricList_, 1);
    auto* smoothingRow = new QHBoxLayout;
    smoothingRow->addWidget(new QLabel(tr("Smoothing"), listsPane));
    smoothing_ = new QSlider(Qt::Horizontal, listsPane);
    smoothing_->setRange(0, 99);
    smoothing_->setToolTip(tr("Exponential moving average weight, as TensorBoard's smoothing"));
    smoothingRow->addWidget(smoothing_);
    lists->addLayout(smoothingRow);
    logScale_ = new QCheckBox(tr("Log scale"), listsPane);
    lists->addWidget(logScale_);
    groupSeeds_ = new QCheckBox(tr("Group seeds (mean, min–max band)"), listsPane);
    groupSeeds_->setToolTip(tr("Runs named alike but for a -seedN suffix are drawn as one curve, their mean, with a "
                               "band from the lowest to the highest run at each step"));
    lists->addWidget(groupSeeds_);
    leftColumn->setStretchFactor(0, 3);
    leftColumn->setStretchFactor(1, 2);

    // Right: the curves over everything else, then one line of progress and status, and a few
    // lines of the live run's log, which folds away with the recipe (the Jobs dock keeps every
    // job's whole log).
    auto* right = new QWidget(splitter);
    auto* rightLayout = new QVBoxLayout(right);
    rightLayout->setContentsMargins(0, 0, 0, 0);
    curves_ = new CurvePlot(right);
    rightLayout->addWidget(curves_, 1);
    auto* progressRow = new QHBoxLayout;
    progressRow->setContentsMargins(6, 0, 6, 0);
    progress_ = new QProgressBar(right);
    progress_->setRange(0, 1000);
    progress_->setValue(0);
    timeLeft_ = new QLabel(right);
    status_ = new QLabel(right);
    status_->setWordWrap(true);
    status_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    status_->hide();
    progressRow->addWidget(progress_, 1);
    progressRow->addWidget(timeLeft_);
    rightLayout->addLayout(progressRow);
    rightLayout->addWidget(status_);
    log_ = new QPlainTextEdit(right);
    log_->setReadOnly(true);
    log_->setMaximumBlockCount(20000);
    log_->setMaximumHeight(log_->fontMetrics().lineSpacing() * kLogLines + 2 * log_->frameWidth() + 8);
    rightLayout->addWidget(log_);
    splitter->setStretchFactor(0, 1);
    splitter->setStretchFactor(1, 3);
    // The curves take most of the view: the form and lists a quarter of it.
    splitter->setSizes({250, 750});

    connect(load, &QPushButton::clicked, this, &TrainingPanel::loadRecipe);
    connect(save, &QPushButton::clicked, this, &TrainingPanel::saveRecipe);
    connect(validate, &QPushButton::clicked, this, [this] {
        const QString error = form_->validate();
        setStatusText(status_, error.isEmpty() ? tr("The recipe is valid.") : error);
    });
    connect(start_, &QPushButton::clicked, this, [this] { startRun(); });
    connect(stop_, &QPushButton::clicked, this, &TrainingPanel::stopRun);
    connect(resume_, &QPushButton::clicked, this, [this] {
        if (auto* item = runs_->currentItem()) resumeRun(item->text());
    });
    connect(runs_, &QListWidget::itemChanged, this, [this](QListWidgetItem* item) {
        setRunShown(item->text(), item->checkState() == Qt::Checked);
    });
    connect(runs_, &QListWidget::currentItemChanged, this, &TrainingPanel::onRunSelected);
    connect(metricList_, &QListWidget::itemChanged, this, [this] {
        shownMetrics_.clear();
        for (int i = 0; i < metricList_->count(); ++i)
            if (metricList_->item(i)->checkState() == Qt::Checked) shownMetrics_ << metricList_->item(i)->text();
        curves_->setVisibleMetrics(shownMetrics_);
    });
    connect(smoothing_, &QSlider::valueChanged, this, [this](int v) { curves_->setSmoothing(v / 100.0); });
    connect(logScale_, &QCheckBox::toggled, curves_, &CurvePlot::setLogScale);
    connect(groupSeeds_, &QCheckBox::toggled, curves_, &CurvePlot::setGroupSeeds);
    connect(collapse_, &QPushButton::toggled, this, &TrainingPanel::setRecipeCollapsed);
    connect(groupButton, &QPushButton::clicked, this, [this] {
        if (auto* item = runs_->currentItem()) showGroupOf(item->text());
    });
    setRecipeCollapsed(false);
    connect(jobs_, &JobManager::jobMetric, this, &TrainingPanel::onJobMetric);
    connect(jobs_, &JobManager::jobProgress, this, &TrainingPanel::onJobProgress);
    connect(jobs_, &JobManager::jobLog, this, &TrainingPanel::onJobLog);
    connect(jobs_, &JobManager::jobFinished, this, &TrainingPanel::onJobFinished);
    updateButtons();
}

void TrainingPanel::setWorkspace(store::Workspace* workspace) {
    workspace_ = workspace;
    curves_->clear();
    if (workspace_) {
        QStringList models;
        std::vector<std::string> names;
        for (const auto& m : model::listModels(*workspace_)) names.push_back(m.name);
        std::sort(names.begin(), names.end());
        for (const auto& name : names) models << QString::fromStdString(name);
        form_->setModelChoices(models);
        QStringList datasets;
        for (const auto& d : workspace_->listDatasets()) datasets << QString::fromStdString(d.info.name);
        form_->setDatasetChoices(datasets);
    }
    refreshRuns();
}

int TrainingPanel::startRun(const QString& runName) {
    lastError_.clear();
    if (!workspace_) lastError_ = tr("Open a workspace first.");
    else if (liveJob_) lastError_ = tr("A run is already training; stop it first.");
    else lastError_ = form_->validate();
    if (!lastError_.isEmpty()) {
        setStatusText(status_, lastError_);
        return 0;
    }
    auto recipe = train::parseRecipe(form_->recipeJson(), "recipe");
    const int processes = processes_->value();
    if (processes > 1 && recipe.batchSize % processes != 0) {
        lastError_ = tr("batch_size %1 does not split evenly across %2 processes; choose a multiple of %2.")
                         .arg(recipe.batchSize)
                         .arg(processes);
        setStatusText(status_, lastError_);
        return 0;
    }
    auto job = std::make_unique<train::TrainJob>(workspace_->dir(), std::move(recipe), runName.toStdString());
    const QString name = QString::fromStdString(job->runName());
    if (processes > 1) {
        auto external = processJob(name, false);
        return external ? startJob(std::move(external), name) : 0;
    }
    return startJob(std::move(job), name);
}

std::unique_ptr<jobs::Job> TrainingPanel::processJob(const QString& runName, bool resume) {
    QStringList lookedAt;
    const QString program = findGenraProgram(&lookedAt);
    if (program.isEmpty()) {
        lastError_ = tr("Cannot start a run on %1 processes: the genra program was not found (looked for %2). Set "
                        "GENRA_CLI to its path, or start the run with 1 process.")
                         .arg(processes_->value())
                         .arg(lookedAt.join(QStringLiteral(", ")));
        setStatusText(status_, lastError_);
        return nullptr;
    }
    ProcessTrainJob::Options options;
    options.program = program;
    options.workspace = QString::fromStdString(workspace_->dir().string());
    options.recipe = resume ? nlohmann::json() : form_->recipeJson();
    options.runName = runName;
    options.resume = resume;
    options.processes = processes_->value();
    return std::make_unique<ProcessTrainJob>(std::move(options));
}

void TrainingPanel::setProcesses(int processes) { processes_->setValue(processes); }
int TrainingPanel::processes() const { return processes_->value(); }

int TrainingPanel::resumeRun(const QString& run) {
    lastError_.clear();
    if (!workspace_ || liveJob_) {
        lastError_ = workspace_ ? tr("A run is already training; stop it first.") : tr("Open a workspace first.");
        setStatusText(status_, lastError_);
        return 0;
    }
    try {
        auto job = std::make_unique<train::TrainJob>(train::TrainJob::resume(workspace_->dir(), run.toStdString()));
        const QString name = QString::fromStdString(job->runName());
        if (processes_->value() > 1) {
            auto external = processJob(name, true);
            return external ? startJob(std::move(external), name) : 0;
        }
        return startJob(std::move(job), name);
    } catch (const std::exception& e) {
        lastError_ = QString::fromStdString(e.what());
        setStatusText(status_, lastError_);
        return 0;
    }
}

int TrainingPanel::startJob(std::unique_ptr<jobs::Job> job, const QString& runName) {
    liveRun_ = runName;
    log_->clear();
    progress_->setValue(0);
    setStatusText(status_, tr("Training %1…").arg(runName));
    // A resumed run rewrites its curve from the checkpoint on; keep what came before.
    liveJob_ = jobs_->start(std::move(job));
    updateButtons();
    return liveJob_;
}

void TrainingPanel::stopRun() {
    if (!liveJob_) return;
    jobs_->cancel(liveJob_);
    setStatusText(status_, tr("Stopping %1: writing a checkpoint…").arg(liveRun_));
}

void TrainingPanel::onJobMetric(int id, qint64 step, const QString& name, double value) {
    if (id != liveJob_) return;
    const bool known = curves_->metrics().contains(name);
    curves_->appendPoint(liveRun_, name, static_cast<double>(step), value);
    if (!known) updateMetricList();
}

void TrainingPanel::onJobProgress(int id, double fraction, const QString& message) {
    if (id != liveJob_) return;
    if (fraction < 0) progress_->setRange(0, 0);
    else {
        progress_->setRange(0, 1000);
        progress_->setValue(static_cast<int>(std::lround(fraction * 1000)));
    }
    progress_->setFormat(message);
    progress_->setTextVisible(true);
    if (const auto* record = jobs_->record(id)) {
        const QString left = timeText(JobManager::secondsLeft(*record));
        timeLeft_->setText(left.isEmpty() ? QString() : tr("%1 left").arg(left));
    }
}

void TrainingPanel::onJobLog(int id, const QString& line) {
    if (id == liveJob_) log_->appendPlainText(line);
}

void TrainingPanel::onJobFinished(int id, bool succeeded) {
    if (id != liveJob_) return;
    const auto* record = jobs_->record(id);
    liveJob_ = 0;
    timeLeft_->clear();
    progress_->setRange(0, 1000);
    if (succeeded) {
        progress_->setValue(1000);
        setStatusText(status_, tr("Run %1 finished.").arg(liveRun_));
    } else if (record && record->state == JobRecord::State::Cancelled) {
        setStatusText(status_, tr("Run %1 stopped; its checkpoint is kept and it can be resumed.").arg(liveRun_));
    } else {
        lastError_ = record ? record->error : QString();
        log_->appendPlainText(lastError_);
        setStatusText(status_, tr("Run %1 failed: %2").arg(liveRun_, lastError_));
    }
    refreshRuns();
    // Select the run just finished so its status (error and last checkpoint) shows.
    for (int i = 0; i < runs_->count(); ++i)
        if (runs_->item(i)->text() == liveRun_) {
            const QSignalBlocker blocker(runs_);
            runs_->setCurrentRow(i);
            onRunSelected();
        }
    updateButtons();
}

void TrainingPanel::refreshRuns() {
    const QSignalBlocker blocker(runs_);
    QStringList shown;
    for (int i = 0; i < runs_->count(); ++i)
        if (runs_->item(i)->checkState() == Qt::Checked) shown << runs_->item(i)->text();
    const QString current = runs_->currentItem() ? runs_->currentItem()->text() : QString();
    runs_->clear();
    if (!workspace_) return;
    std::vector<store::RunRecord> runs;
    try {
        runs = store::listRuns(*workspace_);
    } catch (const std::exception& e) {
        setStatusText(status_, QString::fromStdString(e.what()));
        return;
    }
    for (const auto& run : runs) {
        const QString name = QString::fromStdString(run.name);
        auto* item = new QListWidgetItem(name, runs_);
        item->setData(kRunIdRole, static_cast<qlonglong>(run.id));
        item->setData(kRunStatusRole, QString::fromStdString(run.status));
        item->setToolTip(tr("%1: %2, %3, step %4 of %5")
                             .arg(name, QString::fromStdString(run.kind), QString::fromStdString(run.status))
                             .arg(run.step)
                             .arg(run.totalSteps));
        const bool show = shown.contains(name) || name == liveRun_ || (shown.isEmpty() && runs.size() <= 4);
        item->setFlags(item->flags() | Qt::ItemIsUserCheckable);
        item->setCheckState(show ? Qt::Checked : Qt::Unchecked);
        if (name == current) runs_->setCurrentItem(item);
        if (show) loadStoredCurves(run.id, name);
    }
    updateMetricList();
    updateButtons();
}

void TrainingPanel::setRunShown(const QString& run, bool shown) {
    if (!shown) {
        curves_->removeRun(run);
        return;
    }
    for (int i = 0; i < runs_->count(); ++i) {
        if (runs_->item(i)->text() == run) loadStoredCurves(runs_->item(i)->data(kRunIdRole).toLongLong(), run);
    }
    updateMetricList();
}

void TrainingPanel::loadStoredCurves(std::int64_t runId, const QString& runName) {
    if (!workspace_ || (liveJob_ && runName == liveRun_)) return;
    std::string name;
    std::vector<double> steps;
    std::vector<double> values;
    const auto flush = [&] {
        if (!name.empty()) curves_->setSeries(runName, QString::fromStdString(name), std::move(steps), std::move(values));
        steps.clear();
        values.clear();
    };
    for (auto& row : store::runMetrics(*workspace_, runId)) {
        if (row.name != name) {
            flush();
            name = std::move(row.name);
        }
        steps.push_back(static_cast<double>(row.step));
        values.push_back(row.value);
    }
    flush();
}

// Metric check list: the metrics ticked so far ("loss" at first), the rest on demand.
void TrainingPanel::updateMetricList() {
    const QSignalBlocker blocker(metricList_);
    metricList_->clear();
    for (const auto& metric : curves_->metrics()) {
        auto* item = new QListWidgetItem(metric, metricList_);
        item->setFlags(item->flags() | Qt::ItemIsUserCheckable);
        item->setCheckState(shownMetrics_.contains(metric) ? Qt::Checked : Qt::Unchecked);
    }
    curves_->setVisibleMetrics(shownMetrics_);
}

void TrainingPanel::onRunSelected() {
    auto* item = runs_->currentItem();
    if (!item || !workspace_) return;
    if (liveJob_ && item->text() == liveRun_) return;
    const auto run = store::findRun(*workspace_, item->text().toStdString());
    if (!run) return;
    QString text = tr("Run %1 (%2): %3, step %4 of %5")
                       .arg(QString::fromStdString(run->name), QString::fromStdString(run->kind),
                            QString::fromStdString(run->status))
                       .arg(run->step)
                       .arg(run->totalSteps);
    if (!run->error.empty()) text += QStringLiteral("\n") + tr("Error: %1").arg(QString::fromStdString(run->error));
    if (!run->checkpoint.empty()) {
        text += QStringLiteral("\n") + tr("Last good checkpoint: %1").arg(QString::fromStdString(run->checkpoint));
    }
    setStatusText(status_, text);
    updateButtons();
}

void TrainingPanel::updateButtons() {
    start_->setEnabled(workspace_ && !liveJob_);
    processes_->setEnabled(!liveJob_);
    stop_->setEnabled(liveJob_ != 0);
    const auto* item = runs_->currentItem();
    const QString status = item ? item->data(kRunStatusRole).toString() : QString();
    resume_->setEnabled(workspace_ && !liveJob_ &&
                        (status == QStringLiteral("interrupted") || status == QStringLiteral("cancelled") ||
                         status == QStringLiteral("failed")));
}

void TrainingPanel::loadRecipe() {
    const QString path = QFileDialog::getOpenFileName(this, tr("Load recipe"), {}, tr("Recipes (*.json)"));
    if (path.isEmpty()) return;
    try {
        form_->loadFile(path);
        setStatusText(status_, tr("Loaded %1").arg(path));
    } catch (const std::exception& e) {
        QMessageBox::warning(this, tr("Cannot load the recipe"), QString::fromStdString(e.what()));
    }
}

void TrainingPanel::saveRecipe() {
    const QString path = QFileDialog::getSaveFileName(this, tr("Save recipe"), {}, tr("Recipes (*.json)"));
    if (path.isEmpty()) return;
    try {
        form_->saveFile(path);
    } catch (const std::exception& e) {
        QMessageBox::warning(this, tr("Cannot save the recipe"), QString::fromStdString(e.what()));
    }
}

void TrainingPanel::showGroupOf(const QString& run) {
    const QString group = CurvePlot::groupOf(run);
    for (int i = 0; i < runs_->count(); ++i) {
        auto* item = runs_->item(i);
        const Qt::CheckState state = CurvePlot::groupOf(item->text()) == group ? Qt::Checked : Qt::Unchecked;
        if (item->checkState() != state) item->setCheckState(state);  // itemChanged loads or drops the curves
    }
}

bool TrainingPanel::select(const QString& key, const QString& value) {
    const auto onOff = [&value](bool* on) {
        if (value == QStringLiteral("on")) *on = true;
        else if (value == QStringLiteral("off")) *on = false;
        else return false;
        return true;
    };
    bool on = false;
    if (key == QStringLiteral("runs")) {
        for (int i = 0; i < runs_->count(); ++i) {
            if (CurvePlot::groupOf(runs_->item(i)->text()) != CurvePlot::groupOf(value)) continue;
            showGroupOf(value);
            return true;
        }
        return false;
    }
    if (key == QStringLiteral("group-seeds") && onOff(&on)) {
        setGroupSeeds(on);
        return true;
    }
    if (key == QStringLiteral("log-scale") && onOff(&on)) {
        logScale_->setChecked(on);
        return true;
    }
    if (key == QStringLiteral("smoothing")) {
        bool ok = false;
        const double weight = value.toDouble(&ok);
        if (!ok || weight < 0 || weight >= 1) return false;
        smoothing_->setValue(static_cast<int>(std::lround(weight * 100)));
        return true;
    }
    if (key == QStringLiteral("processes")) {
        bool ok = false;
        const int processes = value.toInt(&ok);
        if (!ok || processes < processes_->minimum() || processes > processes_->maximum()) return false;
        processes_->setValue(processes);
        return true;
    }
    if (key == QStringLiteral("recipe") && (value == QStringLiteral("hidden") || value == QStringLiteral("shown"))) {
        setRecipeCollapsed(value == QStringLiteral("hidden"));
        return true;
    }
    return false;
}

QStringList TrainingPanel::shownRuns() const {
    QStringList shown;
    for (int i = 0; i < runs_->count(); ++i)
        if (runs_->item(i)->checkState() == Qt::Checked) shown << runs_->item(i)->text();
    return shown;
}

void TrainingPanel::setGroupSeeds(bool on) { groupSeeds_->setChecked(on); }

void TrainingPanel::setRecipeCollapsed(bool collapsed) {
    recipe_->setVisible(!collapsed);
    log_->setVisible(!collapsed);
    const QSignalBlocker blocker(collapse_);
    collapse_->setChecked(collapsed);
    collapse_->setText(collapsed ? tr("▸ Show recipe") : tr("▾ Hide recipe"));
}

bool TrainingPanel::recipeCollapsed() const { return recipe_->isHidden(); }

QString TrainingPanel::logText() const { return log_->toPlainText(); }
QString TrainingPanel::statusText() const { return status_->text(); }

}  // namespace genra::widgets
