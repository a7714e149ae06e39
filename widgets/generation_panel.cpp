#include "widgets/generation_panel.h"

#include "core/gen/builtin_generator.h"
#include "core/gen/generate.h"
#include "core/model/model_store.h"
#include "core/store/browse_queries.h"
#include "core/store/generations.h"
#include "core/store/workspace.h"
#include "core/util/error.h"
#include "widgets/caption_browser.h"
#include "widgets/job_manager.h"
#include "widgets/settings.h"
#include "widgets/thumbnail_cache.h"

#include <QComboBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QEvent>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollArea>
#include <QSpinBox>
#include <QTimer>
#include <QVBoxLayout>

#include <algorithm>
#include <filesystem>
#include <map>
#include <utility>

namespace fs = std::filesystem;

namespace genra::widgets {

namespace {

constexpr int kNewestEdge = 128;

// A folder name of its own for each generator, so two generators never claim the same files.
std::string subdirOf(const std::string& generator) {
    std::string out;
    for (char c : generator) {
        const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
        out += plain ? c : '_';
    }
    return out;
}

// Rows labelled in retranslate().
void addRows(QFormLayout* form, std::initializer_list<QWidget*> fields) {
    // An empty text would create no label at all.
    for (QWidget* field : fields) form->addRow(new QLabel(form->parentWidget()), field);
}

void selectData(QComboBox* combo, const QVariant& data) {
    const int index = combo->findData(data);
    if (index >= 0) combo->setCurrentIndex(index);
}

}  // namespace

GenerationPanel::GenerationPanel(JobManager* jobs, QWidget* parent) : QWidget(parent), jobs_(jobs) {
    setObjectName(QStringLiteral("generationPanel"));
    cache_ = new ThumbnailCache(this);
    newestDelay_ = new QTimer(this);
    newestDelay_->setSingleShot(true);
    newestDelay_->setInterval(400);

    source_ = new QComboBox(this);
    source_->addItem(QString(), int(Source::Split));
    source_->addItem(QString(), int(Source::Selection));
    source_->addItem(QString(), int(Source::SearchResult));
    dataset_ = new QComboBox(this);
    split_ = new QComboBox(this);
    maxCaptions_ = new QSpinBox(this);
    maxCaptions_->setRange(0, 100000000);
    selectionInfo_ = new QLabel(this);
    captionsBox_ = new QGroupBox(this);
    captionsForm_ = new QFormLayout(captionsBox_);
    addRows(captionsForm_, {source_, dataset_, split_, maxCaptions_});
    captionsForm_->addRow(selectionInfo_);

    generator_ = new QComboBox(this);
    for (auto* combo : {source_, dataset_, split_, generator_}) {
        combo->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
        combo->setMinimumContentsLength(16);
    }
    perCaption_ = new QSpinBox(this);
    perCaption_->setRange(1, 1000);
    perCaption_->setValue(4);
    seed_ = new QSpinBox(this);
    seed_->setRange(0, 2147483647);
    guidance_ = new QDoubleSpinBox(this);
    guidance_->setRange(0.0, 50.0);
    guidance_->setSingleStep(0.5);
    guidance_->setDecimals(2);
    steps_ = new QSpinBox(this);
    steps_->setRange(1, 1000);
    generatorGroup_ = new QGroupBox(this);
    generatorForm_ = new QFormLayout(generatorGroup_);
    addRows(generatorForm_, {generator_, perCaption_, seed_, guidance_, steps_});

    start_ = new QPushButton(this);
    cancel_ = new QPushButton(this);
    resume_ = new QPushButton(this);
    progress_ = new QProgressBar(this);
    progress_->setRange(0, 100);
    statusLabel_ = new QLabel(this);
    statusLabel_->setWordWrap(true);
    statusLabel_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    newestHeading_ = new QLabel(this);
    auto* newestBox = new QWidget(this);
    newestRow_ = new QHBoxLayout(newestBox);
    newestRow_->setContentsMargins(0, 0, 0, 0);
    newestRow_->setAlignment(Qt::AlignLeft);
    auto* newestScroll = new QScrollArea(this);
    newestScroll->setWidget(newestBox);
    newestScroll->setWidgetResizable(true);
    newestScroll->setMinimumHeight(kNewestEdge + 60);

    // Stacked, so the panel stays narrow enough to share the right dock area with the others.
    auto* forms = new QVBoxLayout;
    forms->addWidget(captionsBox_);
    forms->addWidget(generatorGroup_);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(start_);
    buttons->addWidget(cancel_);
    buttons->addWidget(resume_);
    buttons->addWidget(progress_, 1);
    // Everything scrolls, so the panel can share a dock area with shorter ones.
    auto* body = new QWidget(this);
    auto* layout = new QVBoxLayout(body);
    layout->addLayout(forms);
    layout->addLayout(buttons);
    layout->addWidget(statusLabel_);
    layout->addWidget(newestHeading_);
    layout->addWidget(newestScroll, 1);
    auto* outer = new QScrollArea(this);
    outer->setWidget(body);
    outer->setWidgetResizable(true);
    outer->setFrameShape(QFrame::NoFrame);
    auto* outerLayout = new QVBoxLayout(this);
    outerLayout->setContentsMargins(0, 0, 0, 0);
    outerLayout->addWidget(outer);

    retranslate();
    updateState();

    connect(source_, qOverload<int>(&QComboBox::currentIndexChanged), this, &GenerationPanel::updateState);
    connect(dataset_, qOverload<int>(&QComboBox::currentIndexChanged), this, &GenerationPanel::reloadSplits);
    connect(generator_, qOverload<int>(&QComboBox::currentIndexChanged), this, &GenerationPanel::generatorChanged);
    connect(start_, &QPushButton::clicked, this, &GenerationPanel::start);
    connect(cancel_, &QPushButton::clicked, this, &GenerationPanel::cancel);
    connect(resume_, &QPushButton::clicked, this, &GenerationPanel::resume);
    connect(newestDelay_, &QTimer::timeout, this, &GenerationPanel::loadNewest);
    if (jobs_) {
        connect(jobs_, &JobManager::jobFinished, this, &GenerationPanel::onJobFinished);
        connect(jobs_, &JobManager::jobProgress, this, &GenerationPanel::onJobProgress);
    }
}

GenerationPanel::~GenerationPanel() = default;

void GenerationPanel::retranslate() {
    captionsBox_->setTitle(tr("Captions"));
    generatorGroup_->setTitle(tr("Generator"));
    source_->setItemText(0, tr("Dataset split"));
    source_->setItemText(1, tr("Caption selected in the browser"));
    source_->setItemText(2, tr("Browser search result"));
    auto label = [](QFormLayout* form, QWidget* field, const QString& text) {
        if (auto* l = qobject_cast<QLabel*>(form->labelForField(field))) l->setText(text);
    };
    label(captionsForm_, source_, tr("Source:"));
    label(captionsForm_, dataset_, tr("Dataset:"));
    label(captionsForm_, split_, tr("Split:"));
    label(captionsForm_, maxCaptions_, tr("At most:"));
    maxCaptions_->setSpecialValueText(tr("every caption"));
    maxCaptions_->setSuffix(tr(" captions"));
    label(generatorForm_, generator_, tr("Generator:"));
    label(generatorForm_, perCaption_, tr("Images per caption:"));
    label(generatorForm_, seed_, tr("Seed:"));
    label(generatorForm_, guidance_, tr("Guidance:"));
    label(generatorForm_, steps_, tr("Steps:"));
    start_->setText(tr("Generate"));
    cancel_->setText(tr("Cancel"));
    resume_->setText(tr("Resume"));
    resume_->setToolTip(tr("Start the last generation again; images already made are kept and skipped."));
    newestHeading_->setText(tr("<b>Newest images</b>"));
    if (generator_->count() == 1 && !generator_->itemData(0).isValid()) {
        generator_->setItemText(0, tr("(no generator: train one or add an external generator in Settings)"));
    }
    updateState();
}

void GenerationPanel::changeEvent(QEvent* event) {
    if (event->type() == QEvent::LanguageChange) retranslate();
    QWidget::changeEvent(event);
}

void GenerationPanel::setWorkspace(store::Workspace* workspace) {
    if (workspace_ != workspace) lastPlan_.clear();
    workspace_ = workspace;
    selected_.clear();
    cache_->clear();
    reloadChoices();
    loadNewest();
    updateState();
}

void GenerationPanel::refresh() {
    reloadChoices();
    loadNewest();
}

void GenerationPanel::reloadChoices() {
    const QVariant keepDataset = dataset_->currentData();
    const QVariant keepGenerator = generator_->currentData();
    {
        const QSignalBlocker block(dataset_);
        dataset_->clear();
        if (workspace_) {
            for (const auto& d : workspace_->listDatasets()) {
                const QString name = QString::fromStdString(d.info.name);
                dataset_->addItem(tr("%1 (%n caption(s))", nullptr, int(d.captions)).arg(name), name);
            }
        }
        selectData(dataset_, keepDataset);
    }
    {
        const QSignalBlocker block(generator_);
        generator_->clear();
        if (workspace_) {
            for (const auto& m : model::listModels(*workspace_)) {
                if (m.kind != gen::kModelKindGenerator) continue;
                const QString name = QString::fromStdString(m.name);
                generator_->addItem(tr("%1 (built-in diffusion)").arg(name), QStringLiteral("builtin:") + name);
            }
            try {
                for (const auto& g : readExternalGenerators(QString::fromStdString(workspace_->dir().string()))) {
                    generator_->addItem(tr("%1 (external: %2)").arg(g.name, g.command.join(QLatin1Char(' '))),
                                        QStringLiteral("external:") + g.name);
                }
            } catch (const std::exception& e) {
                status_ = QString::fromStdString(e.what());
                statusLabel_->setText(status_);
            }
        }
        if (generator_->count() == 0) {
            generator_->addItem(tr("(no generator: train one or add an external generator in Settings)"));
        }
        selectData(generator_, keepGenerator);
    }
    reloadSplits();
    generatorChanged();
}

void GenerationPanel::reloadSplits() {
    const QVariant keep = split_->currentData();
    split_->clear();
    if (workspace_ && dataset_->currentIndex() >= 0) {
        try {
            const auto dataset = workspace_->requireDataset(dataset_->currentData().toString().toStdString());
            for (const auto& d : workspace_->listDatasets()) {
                if (d.info.id != dataset.id) continue;
                for (const auto& [split, images] : d.splits) {
                    const QString name = QString::fromStdString(split);
                    split_->addItem(tr("%1 (%n image(s))", nullptr, int(images)).arg(name.isEmpty() ? tr("(none)") : name),
                                    name);
                }
            }
        } catch (const std::exception& e) {
            statusLabel_->setText(QString::fromStdString(e.what()));
        }
    }
    selectData(split_, keep);
}

void GenerationPanel::generatorChanged() {
    // Each kind of generator has its own sensible defaults (the core's).
    const QString g = generator_->currentData().toString();
    const bool external = g.startsWith(QLatin1String("external:"));
    if (g != lastGenerator_) {
        lastGenerator_ = g;
        guidance_->setValue(external ? gen::kExternalGuidance : gen::kBuiltinGuidance);
        steps_->setValue(external ? gen::kExternalSteps : gen::kBuiltinSteps);
    }
    updateState();
}

void GenerationPanel::updateState() {
    const auto source = static_cast<Source>(source_->currentData().toInt());
    const bool split = source == Source::Split;
    dataset_->setEnabled(split);
    split_->setEnabled(split);
    if (source == Source::Selection) {
        selectionInfo_->setText(tr("%n caption(s) selected in the Caption Browser.", nullptr, int(selected_.size())));
    } else if (source == Source::SearchResult) {
        selectionInfo_->setText(searchResult_ ? tr("The captions the Caption Browser lists now, in its order.")
                                              : tr("No Caption Browser to take a search result from."));
    } else {
        selectionInfo_->setText(tr("Captions of the real images of this split."));
    }
    const bool ready = workspace_ && jobs_ && generator_->currentData().isValid();
    start_->setEnabled(ready && !isRunning());
    resume_->setEnabled(ready && !isRunning() && !lastPlan_.empty());
    cancel_->setEnabled(isRunning());
    progress_->setVisible(isRunning() || progress_->value() > 0);
    statusLabel_->setText(status_);
}

void GenerationPanel::setSelectedCaptions(std::vector<std::int64_t> captionIds) {
    selected_ = std::move(captionIds);
    updateState();
}

void GenerationPanel::setSearchResultProvider(std::function<std::vector<std::int64_t>()> provider) {
    searchResult_ = std::move(provider);
    updateState();
}

std::vector<std::int64_t> GenerationPanel::chosenCaptionIds() const {
    const auto source = static_cast<Source>(source_->currentData().toInt());
    std::vector<std::int64_t> ids;
    if (source == Source::Selection) ids = selected_;
    if (source == Source::SearchResult && searchResult_) ids = searchResult_();
    const int limit = maxCaptions_->value();
    if (limit > 0 && ids.size() > static_cast<std::size_t>(limit)) ids.resize(static_cast<std::size_t>(limit));
    return ids;
}

std::vector<gen::GenerateOptions> GenerationPanel::plan() const {
    if (!workspace_) throw Error(tr("No workspace is open.").toStdString());
    const QString generator = generator_->currentData().toString();
    if (generator.isEmpty()) throw Error(tr("Choose a generator (train one, or add an external one in Settings).").toStdString());
    gen::GenerateOptions base;
    base.workspace = workspace_->dir();
    base.generator = generator.toStdString();
    base.perCaption = perCaption_->value();
    base.seed = static_cast<std::uint64_t>(seed_->value());
    base.guidance = guidance_->value();
    base.steps = steps_->value();
    base.device = settings::device.value().toStdString();
    base.outSubdir = subdirOf(base.generator);

    const auto source = static_cast<Source>(source_->currentData().toInt());
    if (source == Source::Split) {
        if (dataset_->currentIndex() < 0) throw Error(tr("Choose a dataset.").toStdString());
        if (split_->currentIndex() < 0) throw Error(tr("The dataset has no real images to generate for.").toStdString());
        base.dataset = dataset_->currentData().toString().toStdString();
        base.split = split_->currentData().toString().toStdString();
        base.maxCaptions = maxCaptions_->value();
        gen::validate(base);
        return {base};
    }

    const auto ids = chosenCaptionIds();
    if (ids.empty()) {
        throw Error((source == Source::Selection ? tr("No caption is selected in the Caption Browser.")
                                                 : tr("The Caption Browser's search result is empty."))
                        .toStdString());
    }
    // Group the captions by dataset and split of their real image (a GenerateJob works on one).
    std::map<std::pair<std::string, std::string>, std::vector<std::int64_t>> groups;
    std::int64_t withoutImage = 0;
    {
        for (const auto id : ids) {
            if (const auto place = store::placeOfCaption(*workspace_, id)) {
                groups[{place->dataset, place->split}].push_back(id);
            } else {
                ++withoutImage;
            }
        }
    }
    if (groups.empty()) {
        throw Error(tr("None of the %n chosen caption(s) belongs to a real image.", nullptr, int(ids.size())).toStdString());
    }
    std::vector<gen::GenerateOptions> out;
    for (const auto& [key, captionIds] : groups) {
        gen::GenerateOptions o = base;
        o.dataset = key.first;
        o.split = key.second;
        o.captionIds = captionIds;
        gen::validate(o);
        out.push_back(std::move(o));
    }
    (void)withoutImage;  // captions without a real image have nothing to pair with; they are left out
    return out;
}

bool GenerationPanel::start() {
    if (isRunning()) return false;
    error_.clear();
    std::vector<gen::GenerateOptions> jobs;
    try {
        if (!jobs_) throw Error(tr("This panel has no job runner.").toStdString());
        jobs = plan();
    } catch (const std::exception& e) {
        error_ = QString::fromStdString(e.what());
        status_ = error_;
        updateState();
        return false;
    }
    if (!commandTrusted(jobs.front())) {
        status_ = error_ = tr("Not started: the command of %1 was not confirmed.").arg(QString::fromStdString(jobs.front().generator));
        updateState();
        return false;
    }
    lastPlan_ = jobs;
    submit(jobs);
    return true;
}

bool GenerationPanel::commandTrusted(const gen::GenerateOptions& options) {
    const QString generator = QString::fromStdString(options.generator);
    if (!generator.startsWith(QLatin1String("external:")) || !workspace_) return true;
    const QString name = generator.mid(int(qstrlen("external:")));
    const QString dir = QString::fromStdString(workspace_->dir().string());
    QString commandLine;
    for (const auto& g : readExternalGenerators(dir)) {
        if (g.name == name) commandLine = g.command.join(QLatin1Char(' '));
    }
    const QString key = dir + QLatin1Char('\n') + name + QLatin1Char('\n') + commandLine;
    if (trustedCommands_.contains(key)) return true;
    bool ok = false;
    if (confirm_) {
        ok = confirm_(name, commandLine);
    } else {
        ok = QMessageBox::warning(this, tr("Run an external generator?"),
                                  tr("The generator %1 runs this command from %2/generators.json:\n\n%3\n\nA workspace's "
                                     "generators.json can run any program with your rights. Run it only if you trust "
                                     "whoever wrote the workspace.")
                                      .arg(name, dir, commandLine),
                                  QMessageBox::Yes | QMessageBox::No, QMessageBox::No) == QMessageBox::Yes;
    }
    if (ok) trustedCommands_.insert(key);
    return ok;
}

bool GenerationPanel::resume() {
    if (isRunning() || lastPlan_.empty() || !jobs_) return false;
    error_.clear();
    if (!commandTrusted(lastPlan_.front())) return false;  // generators.json may have changed since
    submit(lastPlan_);
    return true;
}

void GenerationPanel::cancel() {
    if (!jobs_) return;
    const auto ids = jobIds_;  // cancelling a queued job finishes it at once (onJobFinished)
    for (const int id : ids) jobs_->cancel(id);
}

void GenerationPanel::submit(const std::vector<gen::GenerateOptions>& plan) {
    // One job per dataset and split, all handed to the job queue at once; it runs them as cores allow.
    allOk_ = true;
    progress_->setValue(0);
    jobIds_.clear();
    for (const auto& options : plan) {
        jobIds_.push_back(jobs_->start(std::make_unique<gen::GenerateJob>(options)));
    }
    const auto& first = plan.front();
    status_ = plan.size() == 1 ? tr("Generating for %1 / %2 with %3…")
                                     .arg(QString::fromStdString(first.dataset), QString::fromStdString(first.split),
                                          QString::fromStdString(first.generator))
                               : tr("Generating for %n dataset split(s) with %1…", nullptr, int(plan.size()))
                                     .arg(QString::fromStdString(first.generator));
    updateState();
}

void GenerationPanel::onJobProgress(int id, double fraction, const QString& message) {
    if (std::find(jobIds_.begin(), jobIds_.end(), id) == jobIds_.end()) return;
    if (fraction >= 0) {
        progress_->setRange(0, 100);
        progress_->setValue(int(fraction * 100 + 0.5));
    } else {
        progress_->setRange(0, 0);
    }
    if (!message.isEmpty()) statusLabel_->setText(message);
    if (!newestDelay_->isActive()) newestDelay_->start();
}

void GenerationPanel::onJobFinished(int id, bool succeeded) {
    const auto it = std::find(jobIds_.begin(), jobIds_.end(), id);
    if (it == jobIds_.end()) return;
    jobIds_.erase(it);
    const JobRecord* record = jobs_->record(id);
    progress_->setRange(0, 100);
    if (succeeded) {
        if (jobIds_.empty()) progress_->setValue(100);
        status_ = tr("Done: %1").arg(record ? record->message : QString());
    } else if (record && record->state == JobRecord::State::Cancelled) {
        status_ = tr("Cancelled. The images made so far are kept; Resume goes on from there.");
    } else {
        status_ = tr("Failed: %1").arg(record ? record->error : QString());
    }
    allOk_ = allOk_ && succeeded;
    loadNewest();
    if (!succeeded) cancel();  // the rest of the plan stops with the first failure or cancellation
    if (!jobIds_.empty()) {
        updateState();
        return;
    }
    updateState();
    Q_EMIT generationFinished(allOk_);
}

void GenerationPanel::loadNewest() {
    QStringList paths;
    if (workspace_) {
        try {
            for (const auto& path : store::newestGeneratedPaths(*workspace_, kNewestImages))
                paths << QString::fromStdString(workspace_->resolve(path).string());
        } catch (const std::exception& e) {
            statusLabel_->setText(QString::fromStdString(e.what()));
        }
    }
    if (paths == newest_) return;
    newest_ = paths;
    while (QLayoutItem* item = newestRow_->takeAt(0)) {
        if (QWidget* w = item->widget()) w->deleteLater();
        delete item;
    }
    for (const QString& path : newest_) {
        auto* tile = new ImageTile(cache_, path, QFileInfo(path).fileName(), kNewestEdge);
        tile->setLines({QFileInfo(path).dir().dirName() + QLatin1Char('/') + QFileInfo(path).fileName()});
        newestRow_->addWidget(tile);
    }
}

QList<ImageTile*> GenerationPanel::newestTiles() const {
    QList<ImageTile*> out;
    for (int i = 0; i < newestRow_->count(); ++i)
        if (auto* tile = qobject_cast<ImageTile*>(newestRow_->itemAt(i)->widget())) out << tile;
    return out;
}

bool GenerationPanel::isBusy() const {
    if (isRunning()) return true;
    for (auto* tile : newestTiles())
        if (!tile->isLoaded()) return true;
    return false;
}

QString GenerationPanel::statusText() const { return statusLabel_->text(); }

bool GenerationPanel::select(const QString& key, const QString& value) {
    auto setCombo = [&](QComboBox* combo) {
        const int index = combo->findData(value);
        if (index < 0) return false;
        combo->setCurrentIndex(index);
        return true;
    };
    auto setSpin = [&](QSpinBox* spin) {
        bool ok = false;
        const int v = value.toInt(&ok);
        if (!ok || v < spin->minimum() || v > spin->maximum()) return false;
        spin->setValue(v);
        return true;
    };
    if (key == QLatin1String("dataset")) return setCombo(dataset_);
    if (key == QLatin1String("split")) return setCombo(split_);
    if (key == QLatin1String("generator")) return setCombo(generator_);
    if (key == QLatin1String("per-caption")) return setSpin(perCaption_);
    if (key == QLatin1String("seed")) return setSpin(seed_);
    if (key == QLatin1String("steps")) return setSpin(steps_);
    if (key == QLatin1String("max-captions")) return setSpin(maxCaptions_);
    if (key == QLatin1String("guidance")) {
        bool ok = false;
        const double v = value.toDouble(&ok);
        if (!ok || v < guidance_->minimum() || v > guidance_->maximum()) return false;
        guidance_->setValue(v);
        return true;
    }
    if (key == QLatin1String("start")) return value == QLatin1String("1") && start();
    if (key == QLatin1String("source")) {
        const Source s = value == QLatin1String("split")       ? Source::Split
                         : value == QLatin1String("selection") ? Source::Selection
                         : value == QLatin1String("search")    ? Source::SearchResult
                                                                : Source{};
        if (s == Source{}) return false;
        source_->setCurrentIndex(source_->findData(int(s)));
        return true;
    }
    return false;
}

}  // namespace genra::widgets
