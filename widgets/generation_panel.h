// The Generation panel: choose captions (a dataset split, the caption selected in the browser, or
// the browser's current search result), a generator (a built-in diffusion model of the workspace or
// an external one configured in <workspace>/generators.json), images per caption, seed, guidance
// and steps; start, watch progress and the newest images appear, cancel, resume. The work is core's
// gen::GenerateJob on the JobManager's worker threads; a resumed job skips the images already made.
#pragma once

#include "core/gen/generate.h"
#include "widgets/workbench_panel.h"

#include <QSet>
#include <QWidget>

#include <cstdint>
#include <functional>
#include <vector>

class QComboBox;
class QDoubleSpinBox;
class QFormLayout;
class QGroupBox;
class QHBoxLayout;
class QLabel;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QTimer;

namespace genra::widgets {

class ImageTile;
class ThumbnailCache;

class GenerationPanel : public QWidget, public WorkbenchPanel {
    Q_OBJECT
public:
    // Where the captions come from (the combo box's item data).
    enum class Source { Split = 1, Selection, SearchResult };
    static constexpr int kNewestImages = 8;

    explicit GenerationPanel(JobManager* jobs, QWidget* parent = nullptr);
    ~GenerationPanel() override;

    void setWorkspace(store::Workspace* workspace) override;
    // Keys: dataset=NAME, split=S, generator=builtin:M|external:N, source=split|selection|search,
    // per-caption=N, seed=N, steps=N, guidance=X, max-captions=N, and start=1 (starts the form's
    // generation: `--select start=1 --screenshot` then shows it finished).
    bool select(const QString& key, const QString& value) override;
    // True while a generation runs or the newest images are still decoding.
    bool isBusy() const override;
    void refresh() override;

    // The captions selected in the browser, and a function returning the browser's current search
    // result in its order (the main window wires both).
    void setSelectedCaptions(std::vector<std::int64_t> captionIds);
    void setSearchResultProvider(std::function<std::vector<std::int64_t>()> provider);

    // The jobs the form asks for: one per dataset and split of the chosen captions (a selection or
    // search result travels as caption ids in the options). Throws genra::Error saying what is missing.
    std::vector<gen::GenerateOptions> plan() const;
    // An external generator runs a command from the workspace's generators.json, which anyone who
    // shared the workspace may have written. Before a command first runs from this panel, `confirm`
    // is asked (generator name, command line); false starts nothing. The default asks the user in a
    // message box. Tests set their own.
    using CommandConfirmation = std::function<bool(const QString& name, const QString& commandLine)>;
    void setCommandConfirmation(CommandConfirmation confirm) { confirm_ = std::move(confirm); }
    // Plans and hands the jobs to the job queue; false with errorText() when it cannot.
    bool start();
    // Starts the last plan again: images already made are skipped.
    bool resume();
    void cancel();
    bool isRunning() const { return !jobIds_.empty(); }
    QString errorText() const { return error_; }
    QString statusText() const;
    // Paths of the newest generated images shown under the form (newest first).
    QStringList newestImages() const { return newest_; }
    QList<ImageTile*> newestTiles() const;

    QComboBox* sourceBox() const { return source_; }
    QComboBox* datasetBox() const { return dataset_; }
    QComboBox* splitBox() const { return split_; }
    QComboBox* generatorBox() const { return generator_; }
    QSpinBox* perCaptionBox() const { return perCaption_; }
    QSpinBox* seedBox() const { return seed_; }
    QSpinBox* stepsBox() const { return steps_; }
    QDoubleSpinBox* guidanceBox() const { return guidance_; }
    QSpinBox* maxCaptionsBox() const { return maxCaptions_; }

Q_SIGNALS:
    // Every planned job has ended (ok: all succeeded).
    void generationFinished(bool ok);

protected:
    void changeEvent(QEvent* event) override;

private:
    void retranslate();
    void reloadChoices();
    void reloadSplits();
    void generatorChanged();
    void updateState();
    void submit(const std::vector<gen::GenerateOptions>& plan);
    void onJobFinished(int id, bool succeeded);
    void onJobProgress(int id, double fraction, const QString& message);
    void loadNewest();
    std::vector<std::int64_t> chosenCaptionIds() const;

    JobManager* jobs_ = nullptr;
    store::Workspace* workspace_ = nullptr;
    ThumbnailCache* cache_ = nullptr;
    QTimer* newestDelay_ = nullptr;
    std::vector<std::int64_t> selected_;
    std::function<std::vector<std::int64_t>()> searchResult_;

    std::vector<gen::GenerateOptions> lastPlan_;
    std::vector<int> jobIds_;  // the jobs of the current plan not finished yet
    CommandConfirmation confirm_;
    QSet<QString> trustedCommands_;  // workspace folder + name + command line, confirmed once
    // True when the plan's external command may run (already confirmed, or confirmed now).
    bool commandTrusted(const gen::GenerateOptions& options);
    bool allOk_ = true;
    QString error_;
    QString status_;
    QString lastGenerator_;
    QStringList newest_;

    QGroupBox* captionsBox_ = nullptr;
    QGroupBox* generatorGroup_ = nullptr;
    QFormLayout* captionsForm_ = nullptr;
    QFormLayout* generatorForm_ = nullptr;
    QComboBox* source_ = nullptr;
    QComboBox* dataset_ = nullptr;
    QComboBox* split_ = nullptr;
    QSpinBox* maxCaptions_ = nullptr;
    QLabel* selectionInfo_ = nullptr;
    QComboBox* generator_ = nullptr;
    QSpinBox* perCaption_ = nullptr;
    QSpinBox* seed_ = nullptr;
    QDoubleSpinBox* guidance_ = nullptr;
    QSpinBox* steps_ = nullptr;
    QPushButton* start_ = nullptr;
    QPushButton* cancel_ = nullptr;
    QPushButton* resume_ = nullptr;
    QProgressBar* progress_ = nullptr;
    QLabel* statusLabel_ = nullptr;
    QLabel* newestHeading_ = nullptr;
    QHBoxLayout* newestRow_ = nullptr;
};

}  // namespace genra::widgets
