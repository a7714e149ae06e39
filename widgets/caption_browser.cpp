#include "widgets/caption_browser.h"

#include "core/store/workspace.h"
#include "widgets/caption_list_model.h"
#include "widgets/image_viewer.h"
#include "widgets/thumbnail_cache.h"

#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QDesktopServices>
#include <QFileInfo>
#include <QFormLayout>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QKeyEvent>
#include <QResizeEvent>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QMenu>
#include <QPainter>
#include <QPushButton>
#include <QScrollArea>
#include <QSplitter>
#include <QStyledItemDelegate>
#include <QTimer>
#include <QUrl>
#include <QVBoxLayout>

#include <algorithm>

namespace genra::widgets {

namespace {


// Paints a caption row: the text, elided, with its similarity and generated count on the right.
class CaptionDelegate : public QStyledItemDelegate {
public:
    using QStyledItemDelegate::QStyledItemDelegate;
    void paint(QPainter* painter, const QStyleOptionViewItem& option, const QModelIndex& index) const override {
        QStyleOptionViewItem opt = option;
        initStyleOption(&opt, index);
        QString badge;
        const QVariant sim = index.data(CaptionListModel::SimilarityRole);
        if (sim.isValid()) badge = QString::number(sim.toDouble(), 'f', 3);
        const qlonglong generated = index.data(CaptionListModel::GeneratedCountRole).toLongLong();
        if (generated > 0) {
            if (!badge.isEmpty()) badge += QStringLiteral(" · ");
            badge += QCoreApplication::translate("CaptionBrowser", "%n gen", nullptr, int(generated));
        }
        const int badgeWidth = badge.isEmpty() ? 0 : opt.fontMetrics.horizontalAdvance(badge) + 12;
        opt.text.clear();
        const QWidget* widget = opt.widget;
        QStyle* style = widget ? widget->style() : QApplication::style();
        style->drawControl(QStyle::CE_ItemViewItem, &opt, painter, widget);
        const QRect textRect = opt.rect.adjusted(6, 0, -badgeWidth - 6, 0);
        const bool selected = opt.state & QStyle::State_Selected;
        painter->save();
        painter->setPen(opt.palette.color(selected ? QPalette::HighlightedText : QPalette::Text));
        const QString text = index.data(Qt::DisplayRole).toString();
        // Captions differ at both ends ("a big red square ... at the bottom"): elided in the middle
        // (the view's mode), whole in the row's tooltip.
        painter->drawText(textRect, Qt::AlignVCenter | Qt::AlignLeft,
                          opt.fontMetrics.elidedText(text, opt.textElideMode, textRect.width()));
        if (!badge.isEmpty()) {
            if (!selected) painter->setPen(opt.palette.color(QPalette::PlaceholderText));
            painter->drawText(opt.rect.adjusted(0, 0, -6, 0), Qt::AlignVCenter | Qt::AlignRight, badge);
        }
        painter->restore();
    }
};

void clearLayout(QLayout* layout) {
    while (QLayoutItem* item = layout->takeAt(0)) {
        if (QWidget* w = item->widget()) w->deleteLater();
        delete item;
    }
}

}  // namespace

// ---------------------------------------------------------------------------------------------- tile

ImageTile::ImageTile(ThumbnailCache* cache, const QString& path, const QString& title, int edge, QWidget* parent)
    : QFrame(parent), cache_(cache), path_(path), title_(title), edge_(edge) {
    setFrameShape(QFrame::StyledPanel);
    setCursor(Qt::PointingHandCursor);
    image_ = new QLabel(this);
    image_->setFixedSize(edge, edge);
    image_->setAlignment(Qt::AlignCenter);
    lines_ = new QLabel(this);
    lines_->setWordWrap(true);
    lines_->setMaximumWidth(edge);
    lines_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addWidget(image_);
    layout->addWidget(lines_);
    setToolTip(path);
    connect(cache_, &ThumbnailCache::ready, this, [this](const QString& p, int e) {
        if (p == path_ && e == edge_) updateImage();
    });
    updateImage();
}

QString ImageTile::text() const { return lines_->text(); }

void ImageTile::setLines(const QStringList& lines) { lines_->setText(lines.join(QLatin1Char('\n'))); }

void ImageTile::updateImage() {
    const auto t = cache_->request(path_, edge_);
    if (!t) {
        image_->setText(tr("decoding…"));
        return;
    }
    loaded_ = true;
    broken_ = !t->ok();
    image_->setPixmap(QPixmap::fromImage(t->ok() ? t->image : placeholderImage(QSize(edge_, edge_), t->error)));
    if (broken_) setToolTip(t->error);
}

void ImageTile::mouseReleaseEvent(QMouseEvent* event) {
    QFrame::mouseReleaseEvent(event);
    Q_EMIT activated(path_, title_);
}

void ImageTile::contextMenuEvent(QContextMenuEvent* event) {
    QMenu menu(this);
    menu.addAction(tr("Open"), this, [this] { Q_EMIT activated(path_, title_); });
    menu.addAction(tr("Copy path"), this, [this] { QApplication::clipboard()->setText(path_); });
    menu.addAction(tr("Reveal in file manager"), this, [this] {
        QDesktopServices::openUrl(QUrl::fromLocalFile(QFileInfo(path_).absolutePath()));
    });
    menu.exec(event->globalPos());
}

// ------------------------------------------------------------------------------------------- browser

CaptionBrowser::CaptionBrowser(QWidget* parent) : QWidget(parent) {
    setObjectName(QStringLiteral("captionBrowser"));
    model_ = new CaptionListModel(this);
    cache_ = new ThumbnailCache(this);
    searchDelay_ = new QTimer(this);
    searchDelay_->setSingleShot(true);
    searchDelay_->setInterval(150);

    // Left: search, filters, sort, list.
    search_ = new QLineEdit(this);
    search_->setClearButtonEnabled(true);
    dataset_ = new QComboBox(this);
    split_ = new QComboBox(this);
    generator_ = new QComboBox(this);
    generated_ = new QComboBox(this);
    generated_->addItems({QString(), QString(), QString()});
    sort_ = new QComboBox(this);
    sort_->addItems({QString(), QString(), QString(), QString()});
    simModel_ = new QComboBox(this);
    sortLabel_ = new QLabel(this);
    modelLabel_ = new QLabel(this);
    list_ = new QListView(this);
    list_->setModel(model_);
    list_->setUniformItemSizes(true);
    list_->setItemDelegate(new CaptionDelegate(list_));
    list_->setSelectionMode(QAbstractItemView::ExtendedSelection);
    list_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    list_->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);  // the delegate elides long captions
    list_->setTextElideMode(Qt::ElideMiddle);
    // Equal, shrinkable filter columns: the long choice texts must not squeeze the short ones.
    for (auto* combo : {dataset_, split_, generator_, generated_}) {
        combo->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
        combo->setMinimumContentsLength(10);
    }
    count_ = new QLabel(this);
    auto* chip = new QFrame(this);
    chip->setObjectName(QStringLiteral("subsetChip"));
    chip->setFrameShape(QFrame::StyledPanel);
    subsetChip_ = chip;
    subsetChip_->setAutoFillBackground(true);
    subsetChip_->setBackgroundRole(QPalette::AlternateBase);
    subsetLabel_ = new QLabel(subsetChip_);
    subsetClear_ = new QPushButton(subsetChip_);
    subsetClear_->setFlat(true);
    auto* chipLayout = new QHBoxLayout(subsetChip_);
    chipLayout->setContentsMargins(6, 2, 2, 2);
    chipLayout->addWidget(subsetLabel_, 1);
    chipLayout->addWidget(subsetClear_);
    subsetChip_->hide();

    auto* filters = new QGridLayout;
    filters->addWidget(dataset_, 0, 0);
    filters->addWidget(split_, 0, 1);
    filters->addWidget(generator_, 1, 0);
    filters->addWidget(generated_, 1, 1);
    auto* sortRow = new QHBoxLayout;
    sortRow->addWidget(sortLabel_);
    sortRow->addWidget(sort_, 1);
    sortRow->addWidget(modelLabel_);
    sortRow->addWidget(simModel_, 1);
    auto* left = new QWidget(this);
    auto* leftLayout = new QVBoxLayout(left);
    leftLayout->setContentsMargins(0, 0, 0, 0);
    leftLayout->addWidget(search_);
    leftLayout->addLayout(filters);
    leftLayout->addLayout(sortRow);
    leftLayout->addWidget(subsetChip_);
    leftLayout->addWidget(list_, 1);
    leftLayout->addWidget(count_);

    // Right: the caption and its images.
    captionLabel_ = new QLabel(this);
    captionLabel_->setWordWrap(true);
    captionLabel_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    QFont big = captionLabel_->font();
    big.setPointSizeF(big.pointSizeF() * 1.3);
    captionLabel_->setFont(big);
    infoLabel_ = new QLabel(this);
    copy_ = new QPushButton(this);
    reveal_ = new QPushButton(this);
    realHeading_ = new QLabel(this);
    generatedHeading_ = new QLabel(this);
    realBox_ = new QWidget(this);
    auto* realLayout = new QHBoxLayout(realBox_);
    realLayout->setContentsMargins(0, 0, 0, 0);
    realLayout->setAlignment(Qt::AlignLeft);
    generatedBox_ = new QWidget(this);
    generatedGrid_ = new QGridLayout(generatedBox_);
    generatedGrid_->setContentsMargins(0, 0, 0, 0);
    generatedGrid_->setAlignment(Qt::AlignLeft | Qt::AlignTop);

    auto* buttons = new QHBoxLayout;
    buttons->addWidget(infoLabel_, 1);
    buttons->addWidget(copy_);
    buttons->addWidget(reveal_);
    auto* content = new QWidget(this);
    auto* contentLayout = new QVBoxLayout(content);
    contentLayout->addWidget(captionLabel_);
    contentLayout->addLayout(buttons);
    // The real image left, its generated images beside it (the paper's Figure 2), so both show
    // without scrolling even in a short pane.
    auto* images = new QHBoxLayout;
    auto* realColumn = new QVBoxLayout;
    realColumn->addWidget(realHeading_);
    realColumn->addWidget(realBox_);
    realColumn->addStretch(1);
    auto* generatedColumn = new QVBoxLayout;
    generatedColumn->addWidget(generatedHeading_);
    generatedColumn->addWidget(generatedBox_);
    generatedColumn->addStretch(1);
    images->addLayout(realColumn);
    images->addLayout(generatedColumn, 1);
    contentLayout->addLayout(images);
    contentLayout->addStretch(1);
    auto* scroll = new QScrollArea(this);
    scroll->setWidget(content);
    scroll->setWidgetResizable(true);
    scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    // The grid of generated images follows the pane's width.
    detailScroll_ = scroll;
    scroll->viewport()->installEventFilter(this);
    infoLabel_->setWordWrap(true);

    // The list beside the caption's images when there is room for both, else above them (a dock
    // beside an analysis view): see updateOrientation().
    splitter_ = new QSplitter(Qt::Horizontal, this);
    splitter_->setChildrenCollapsible(false);
    splitter_->addWidget(left);
    splitter_->addWidget(scroll);
    splitter_->setStretchFactor(0, 2);
    splitter_->setStretchFactor(1, 3);
    splitter_->setSizes({420, 680});
    connect(splitter_, &QSplitter::splitterMoved, this, [this] { splitterMoved_ = true; });
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(splitter_);

    retranslate();
    clearDetail();

    connect(search_, &QLineEdit::textChanged, searchDelay_, qOverload<>(&QTimer::start));
    connect(searchDelay_, &QTimer::timeout, this, &CaptionBrowser::applyFilter);
    for (auto* combo : {dataset_, split_, generator_, generated_}) {
        connect(combo, qOverload<int>(&QComboBox::activated), this, &CaptionBrowser::applyFilter);
    }
    connect(sort_, qOverload<int>(&QComboBox::activated), this, &CaptionBrowser::applySort);
    connect(simModel_, qOverload<int>(&QComboBox::activated), this, [this] {
        model_->setSimilarityModel(simModel_->currentData().toLongLong());
        if (current_) showDetail(current_);
    });
    connect(list_->selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this](const QModelIndex& index) {
        const qint64 id = index.isValid() ? model_->captionIdAt(index.row()) : 0;
        if (id != current_) showDetail(id);
    });
    connect(list_->selectionModel(), &QItemSelectionModel::selectionChanged, this,
            [this] { Q_EMIT selectedCaptionsChanged(selectedCaptions()); });
    connect(subsetClear_, &QPushButton::clicked, this, &CaptionBrowser::clearCaptionSubset);
    connect(model_, &CaptionListModel::loaded, this, [this] {
        updateCount();
        const qint64 wanted = pendingCaption_ ? pendingCaption_ : current_;
        pendingCaption_ = 0;
        int row = wanted ? model_->rowOfCaption(wanted) : -1;
        if (row < 0 && model_->rowCount() > 0) row = 0;
        if (row >= 0) {
            list_->setCurrentIndex(model_->index(row));
            list_->scrollTo(model_->index(row), QAbstractItemView::PositionAtCenter);
            if (model_->captionIdAt(row) != current_) showDetail(model_->captionIdAt(row));
        } else {
            clearDetail();
        }
    });
    connect(model_, &CaptionListModel::queryFailed, this,
            [this](const QString& error) { count_->setText(tr("Query failed: %1").arg(error)); });
    connect(copy_, &QPushButton::clicked, this,
            [this] { QApplication::clipboard()->setText(captionLabel_->text()); });
    connect(reveal_, &QPushButton::clicked, this, [this] {
        if (!realPath_.isEmpty()) QDesktopServices::openUrl(QUrl::fromLocalFile(QFileInfo(realPath_).absolutePath()));
    });
}

CaptionBrowser::~CaptionBrowser() = default;

void CaptionBrowser::retranslate() {
    search_->setPlaceholderText(tr("Search captions…"));
    generated_->setItemText(0, tr("With or without generated images"));
    generated_->setItemText(1, tr("Only with generated images"));
    generated_->setItemText(2, tr("Only without generated images"));
    sort_->setItemText(0, tr("Id"));
    sort_->setItemText(1, tr("Caption"));
    sort_->setItemText(2, tr("Gen-real similarity, worst first"));
    sort_->setItemText(3, tr("Gen-real similarity, best first"));
    sortLabel_->setText(tr("Sort:"));
    modelLabel_->setText(tr("Model:"));
    copy_->setText(tr("Copy caption"));
    reveal_->setText(tr("Reveal file"));
    subsetClear_->setText(tr("Clear"));
    subsetClear_->setToolTip(tr("Show every caption again"));
    updateSubsetChip();
    realHeading_->setText(tr("<b>Real image</b>"));
    generatedHeading_->setText(tr("<b>Generated images</b>"));
    if (dataset_->count() > 0) dataset_->setItemText(0, tr("All datasets"));
    if (split_->count() > 0) split_->setItemText(0, tr("All splits"));
    if (generator_->count() > 0) generator_->setItemText(0, tr("All generators"));
    if (simModel_->count() > 0) simModel_->setItemText(0, tr("(no model)"));
    updateCount();
    if (current_) showDetail(current_);
}

void CaptionBrowser::changeEvent(QEvent* event) {
    if (event->type() == QEvent::LanguageChange) retranslate();
    QWidget::changeEvent(event);
}

void CaptionBrowser::setWorkspace(store::Workspace* workspace) {
    workspace_ = workspace;
    current_ = 0;
    detail_.reset();
    cache_->clear();
    db_.reset();
    if (!workspace_) {
        model_->setDatabase(QString());
        reloadChoices();
        clearDetail();
        return;
    }
    const QString path = QString::fromStdString(workspace_->databasePath().string());
    db_ = std::make_unique<store::Db>(path.toStdString(), store::Db::Mode::ReadOnly);
    reloadChoices();
    model_->setDatabase(path);
}

void CaptionBrowser::refresh() {
    if (!workspace_) return;
    reloadChoices();
    model_->refresh();
    // New generated images (or embeddings) of the caption on show appear at once.
    if (current_) showDetail(current_);
}

void CaptionBrowser::reloadChoices() {
    auto refill = [](QComboBox* combo, const QString& all, const QList<QPair<QString, QVariant>>& items) {
        const QVariant keep = combo->currentData();
        combo->clear();
        combo->addItem(all, QVariant());
        for (const auto& [text, data] : items) combo->addItem(text, data);
        const int index = keep.isValid() ? combo->findData(keep) : 0;
        combo->setCurrentIndex(std::max(index, 0));
    };
    QList<QPair<QString, QVariant>> datasets;
    QList<QPair<QString, QVariant>> splits;
    QList<QPair<QString, QVariant>> generators;
    QList<QPair<QString, QVariant>> models;
    if (workspace_ && db_) {
        for (const auto& d : workspace_->listDatasets()) {
            datasets.append({QString::fromStdString(d.info.name), QVariant::fromValue<qlonglong>(d.info.id)});
        }
        for (const auto& s : store::distinctSplits(*db_)) {
            splits.append({QString::fromStdString(s), QString::fromStdString(s)});
        }
        for (const auto& g : store::distinctGenerators(*db_)) {
            generators.append({QString::fromStdString(g), QString::fromStdString(g)});
        }
        for (const auto& m : store::modelsWithEmbeddings(*db_)) {
            models.append({QString::fromStdString(m.name), QVariant::fromValue<qlonglong>(m.id)});
        }
    }
    refill(dataset_, tr("All datasets"), datasets);
    refill(split_, tr("All splits"), splits);
    refill(generator_, tr("All generators"), generators);
    refill(simModel_, tr("(no model)"), models);
}

void CaptionBrowser::applyFilter() {
    store::CaptionFilter f;
    f.search = search_->text().trimmed().toStdString();
    if (dataset_->currentData().isValid()) f.datasetId = dataset_->currentData().toLongLong();
    f.split = split_->currentData().toString().toStdString();
    f.generator = generator_->currentData().toString().toStdString();
    f.generated = static_cast<store::CaptionFilter::Generated>(generated_->currentIndex() + 1);
    model_->setFilter(f);
}

void CaptionBrowser::applySort() {
    const int index = sort_->currentIndex();
    if (index >= 2 && !simModel_->currentData().isValid() && simModel_->count() > 1) {
        // Sorting by similarity needs a model: take the first with embeddings.
        simModel_->setCurrentIndex(1);
        model_->setSimilarityModel(simModel_->currentData().toLongLong());
    }
    switch (index) {
        case 1: model_->setSort(store::CaptionSort::Text); break;
        case 2: model_->setSort(store::CaptionSort::Similarity, false); break;
        case 3: model_->setSort(store::CaptionSort::Similarity, true); break;
        default: model_->setSort(store::CaptionSort::Id); break;
    }
}

bool CaptionBrowser::select(const QString& key, const QString& value) {
    auto pick = [](QComboBox* combo, const QString& text) {
        const int index = combo->findText(text);
        if (index < 0) return false;
        combo->setCurrentIndex(index);
        return true;
    };
    if (key == QLatin1String("caption")) {
        bool ok = false;
        const qint64 id = value.toLongLong(&ok);
        return ok && showCaption(id);
    }
    if (key == QLatin1String("captions")) {
        const auto ids = parseCaptionIds(value);
        return ids && showCaptions(*ids);
    }
    if (key == QLatin1String("search")) {
        search_->setText(value);
        searchDelay_->stop();
        applyFilter();
        return true;
    }
    if (key == QLatin1String("dataset") || key == QLatin1String("split") || key == QLatin1String("generator")) {
        QComboBox* combo = key == QLatin1String("dataset") ? dataset_ : key == QLatin1String("split") ? split_ : generator_;
        if (!pick(combo, value)) return false;
        applyFilter();
        return true;
    }
    if (key == QLatin1String("model")) {
        if (!pick(simModel_, value)) return false;
        model_->setSimilarityModel(simModel_->currentData().toLongLong());
        return true;
    }
    if (key == QLatin1String("sort")) {
        const QStringList names{QStringLiteral("id"), QStringLiteral("caption"), QStringLiteral("similarity"),
                                QStringLiteral("similarity-desc")};
        const int index = static_cast<int>(names.indexOf(value));
        if (index < 0) return false;
        sort_->setCurrentIndex(index);
        applySort();
        return true;
    }
    return false;
}

bool CaptionBrowser::showCaption(qint64 captionId) {
    if (!db_ || !store::captionDetail(*db_, captionId)) return false;
    const int row = model_->rowOfCaption(captionId);
    if (row >= 0 && !model_->isLoading()) {
        list_->setCurrentIndex(model_->index(row));
        list_->scrollTo(model_->index(row), QAbstractItemView::PositionAtCenter);
        return true;
    }
    // Not in the current list: clear the filters (and any subset) that hide it and select it once
    // loaded.
    pendingCaption_ = captionId;
    if (row < 0) {
        clearFilterChoices();
        model_->setSubset(std::nullopt);
        updateSubsetChip();
        applyFilter();
    }
    return true;
}

void CaptionBrowser::clearFilterChoices() {
    search_->clear();
    searchDelay_->stop();
    for (auto* combo : {dataset_, split_, generator_, generated_}) combo->setCurrentIndex(0);
}

bool CaptionBrowser::showCaptions(const QList<qint64>& captionIds) {
    if (captionIds.isEmpty()) return false;
    if (captionIds.size() == 1) return showCaption(captionIds.first());
    if (!workspace_) return false;
    clearFilterChoices();
    pendingCaption_ = 0;
    model_->setSubset(std::vector<std::int64_t>(captionIds.begin(), captionIds.end()));
    updateSubsetChip();
    applyFilter();
    return true;
}

void CaptionBrowser::clearCaptionSubset() {
    if (!model_->subsetSize()) return;
    model_->setSubset(std::nullopt);
    updateSubsetChip();
}

void CaptionBrowser::updateSubsetChip() {
    const auto size = model_->subsetSize();
    subsetChip_->setVisible(size.has_value());
    subsetLabel_->setText(size ? tr("%n selected caption(s)", nullptr, static_cast<int>(*size)) : QString());
}

QString CaptionBrowser::subsetText() const {
    return model_->subsetSize() ? subsetLabel_->text() + QStringLiteral(" — ") + subsetClear_->text() : QString();
}

std::optional<QList<qint64>> CaptionBrowser::parseCaptionIds(const QString& text) {
    QList<qint64> ids;
    for (const auto& part : text.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        bool ok = false;
        ids << part.trimmed().toLongLong(&ok);
        if (!ok) return std::nullopt;
    }
    if (ids.isEmpty()) return std::nullopt;
    return ids;
}

QList<qint64> CaptionBrowser::selectedCaptions() const {
    QList<int> rows;
    for (const auto& index : list_->selectionModel()->selectedRows()) rows << index.row();
    std::sort(rows.begin(), rows.end());
    QList<qint64> ids;
    for (int row : rows) ids << model_->captionIdAt(row);
    return ids;
}

void CaptionBrowser::selectAll() { list_->selectAll(); }

bool CaptionBrowser::isBusy() const {
    if (model_->isLoading() || pendingCaption_ || searchDelay_->isActive()) return true;
    if (cache_->pendingCount() > 0) return true;
    for (const auto* tile : tiles())
        if (!tile->isLoaded()) return true;
    return false;
}

QList<ImageTile*> CaptionBrowser::tiles() const {
    QList<ImageTile*> out = realBox_->findChildren<ImageTile*>();
    out += generatedBox_->findChildren<ImageTile*>();
    out.erase(std::remove_if(out.begin(), out.end(), [](ImageTile* t) { return t->property("stale").toBool(); }),
              out.end());
    return out;
}

QString CaptionBrowser::captionText() const { return captionLabel_->text(); }

void CaptionBrowser::setThumbnailCacheBytes(qint64 bytes) { cache_->setCapacityBytes(bytes); }

void CaptionBrowser::moveSelection(int delta) {
    const int rows = model_->rowCount();
    if (rows == 0) return;
    const int row = std::clamp(list_->currentIndex().row() + delta, 0, rows - 1);
    list_->setCurrentIndex(model_->index(row));
    list_->scrollTo(model_->index(row));
}

void CaptionBrowser::keyPressEvent(QKeyEvent* event) {
    switch (event->key()) {
        case Qt::Key_Up:
        case Qt::Key_Left: moveSelection(-1); return;
        case Qt::Key_Down:
        case Qt::Key_Right: moveSelection(1); return;
        case Qt::Key_PageUp: moveSelection(-20); return;
        case Qt::Key_PageDown: moveSelection(20); return;
        default: QWidget::keyPressEvent(event);
    }
}

QString CaptionBrowser::resolve(const std::string& stored) const {
    return workspace_ ? QString::fromStdString(workspace_->resolve(stored).string()) : QString::fromStdString(stored);
}

void CaptionBrowser::clearDetail() {
    for (auto* tile : realBox_->findChildren<ImageTile*>()) tile->setProperty("stale", true);
    for (auto* tile : generatedBox_->findChildren<ImageTile*>()) tile->setProperty("stale", true);
    clearLayout(realBox_->layout());
    clearLayout(generatedGrid_);
    realPath_.clear();
    captionLabel_->setText(workspace_ ? tr("No caption selected.") : tr("No workspace open."));
    infoLabel_->clear();
    copy_->setEnabled(false);
    reveal_->setEnabled(false);
    realHeading_->setVisible(false);
    generatedHeading_->setVisible(false);
}

void CaptionBrowser::showDetail(qint64 captionId) {
    current_ = captionId;
    clearDetail();
    if (!captionId || !db_) {
        Q_EMIT captionChanged(captionId);
        return;
    }
    try {
        detail_ = store::captionDetail(*db_, captionId);
    } catch (const std::exception& e) {
        captionLabel_->setText(tr("Cannot read caption %1: %2").arg(captionId).arg(QString::fromUtf8(e.what())));
        return;
    }
    if (!detail_) {
        captionLabel_->setText(tr("Caption %1 no longer exists.").arg(captionId));
        return;
    }
    const auto& d = *detail_;
    captionLabel_->setText(QString::fromStdString(d.caption.text));
    infoLabel_->setText(tr("Caption %1 · dataset %2 · split %3")
                            .arg(d.caption.id)
                            .arg(QString::fromStdString(d.datasetName),
                                 d.caption.split.empty() ? tr("(none)") : QString::fromStdString(d.caption.split)));
    copy_->setEnabled(true);

    const qint64 modelId = simModel_->currentData().isValid() ? simModel_->currentData().toLongLong() : 0;
    std::unordered_map<std::int64_t, store::ImageSimilarity> sims;
    if (modelId > 0) {
        try {
            sims = store::generatedImageSimilarity(*db_, modelId, captionId);
        } catch (const std::exception&) {
            // Shown without similarities; the list's query reports broken embeddings.
        }
    }

    realHeading_->setVisible(true);
    for (const auto& img : d.realImages) {
        realPath_ = resolve(img.path);
        auto* tile = new ImageTile(cache_, realPath_, tr("Real image %1").arg(img.id), kRealEdge, realBox_);
        QStringList lines{tr("real · image %1").arg(img.id)};
        if (img.width && img.height) lines << tr("%1×%2 px").arg(*img.width).arg(*img.height);
        if (img.status != "ok") lines << tr("status: %1").arg(QString::fromStdString(img.status));
        tile->setLines(lines);
        connect(tile, &ImageTile::activated, this, &CaptionBrowser::openViewer);
        realBox_->layout()->addWidget(tile);
    }
    if (d.realImages.empty()) {
        auto* none = new QLabel(tr("This caption has no real image."), realBox_);
        realBox_->layout()->addWidget(none);
    }
    reveal_->setEnabled(!realPath_.isEmpty());

    generatedHeading_->setVisible(true);
    generatedHeading_->setText(tr("<b>Generated images</b> (%n)", nullptr, int(d.generatedImages.size())));
    int k = 0;  // laid out in rows by layoutGenerated()
    for (const auto& img : d.generatedImages) {
        const QString path = resolve(img.path);
        const QString generator = QString::fromStdString(img.generator);
        const QString seed = img.seed ? QString::number(*img.seed) : tr("none");
        auto* tile = new ImageTile(cache_, path, tr("%1, seed %2").arg(generator, seed), kGeneratedEdge, generatedBox_);
        QStringList lines{generator, tr("seed %1").arg(seed)};
        const auto it = sims.find(img.id);
        if (it != sims.end()) {
            if (it->second.toReal) lines << tr("cos to real %1").arg(*it->second.toReal, 0, 'f', 3);
            if (it->second.toCaption) lines << tr("cos to caption %1").arg(*it->second.toCaption, 0, 'f', 3);
        }
        if (img.status != "ok") lines << tr("status: %1").arg(QString::fromStdString(img.status));
        tile->setLines(lines);
        connect(tile, &ImageTile::activated, this, &CaptionBrowser::openViewer);
        generatedGrid_->addWidget(tile, 0, k++);
    }
    if (d.generatedImages.empty()) {
        generatedGrid_->addWidget(new QLabel(tr("No generated images for this caption yet."), generatedBox_), 0, 0);
    }
    layoutGenerated();
    Q_EMIT captionChanged(captionId);
}

void CaptionBrowser::layoutGenerated() {
    // As many columns as the detail pane's viewport fits beside the real image's tile.
    const int room = detailScroll_->viewport()->width() - 24 - (kRealEdge + 24);
    const int columns = std::max(1, room / (kGeneratedEdge + 16));
    QList<QWidget*> items;
    for (int i = 0; i < generatedGrid_->count(); ++i) items << generatedGrid_->itemAt(i)->widget();
    while (QLayoutItem* item = generatedGrid_->takeAt(0)) delete item;  // the widgets stay
    int k = 0;
    for (QWidget* w : items) {
        if (!w) continue;
        generatedGrid_->addWidget(w, k / columns, k % columns);
        ++k;
    }
}

int CaptionBrowser::sideBySideMinWidth() {
    // A readable list (about 50 characters of caption) beside the real image's tile with margins.
    return 720;
}

Qt::Orientation CaptionBrowser::orientation() const { return splitter_->orientation(); }

void CaptionBrowser::resizeEvent(QResizeEvent* event) {
    QWidget::resizeEvent(event);
    updateOrientation();
}

void CaptionBrowser::updateOrientation() {
    const Qt::Orientation wanted = width() < sideBySideMinWidth() ? Qt::Vertical : Qt::Horizontal;
    if (splitter_->orientation() == wanted && splitterMoved_) return;
    const bool changed = splitter_->orientation() != wanted;
    splitter_->setOrientation(wanted);
    // Default shares until the user drags the handle: side by side 2 : 3, stacked the list a
    // little less than half (the image tiles need their height).
    if (changed || !splitterMoved_) {
        const int extent = wanted == Qt::Vertical ? splitter_->height() : splitter_->width();
        const int first = wanted == Qt::Vertical ? extent * 9 / 20 : extent * 2 / 5;
        splitter_->setSizes({first, extent - first});
        splitterMoved_ = false;
    }
}

bool CaptionBrowser::eventFilter(QObject* watched, QEvent* event) {
    if (detailScroll_ && watched == detailScroll_->viewport() && event->type() == QEvent::Resize) layoutGenerated();
    return QWidget::eventFilter(watched, event);
}

void CaptionBrowser::updateCount() {
    if (!workspace_) {
        count_->setText(tr("No workspace open."));
        return;
    }
    count_->setText(tr("%n caption(s)", nullptr, model_->rowCount()));
}

void CaptionBrowser::openViewer(const QString& path, const QString& title) {
    auto* viewer = new ImageViewer(cache_, path, title, this);
    viewer->show();
}

}  // namespace genra::widgets
