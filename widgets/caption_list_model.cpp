#include "widgets/caption_list_model.h"

#include <QMetaObject>

#include <algorithm>

namespace genra::widgets {

namespace {
// Pages kept in memory; beyond this the oldest-fetched are dropped (a view shows a few dozen rows).
constexpr std::size_t kMaxPages = 64;
}  // namespace

CaptionListModel::CaptionListModel(QObject* parent) : QAbstractListModel(parent) { pool_.setMaxThreadCount(1); }

CaptionListModel::~CaptionListModel() {
    pool_.clear();
    pool_.waitForDone();
}

void CaptionListModel::setDatabase(const QString& databasePath) {
    beginResetModel();
    ids_.clear();
    pages_.clear();
    scores_.reset();
    db_.reset();
    databasePath_ = databasePath;
    endResetModel();
    if (databasePath.isEmpty()) return;
    db_ = std::make_unique<store::Db>(databasePath.toStdString(), store::Db::Mode::ReadOnly);
    startQuery();
}

void CaptionListModel::setFilter(const store::CaptionFilter& filter) {
    filter_ = filter;
    startQuery();
}

void CaptionListModel::setSubset(std::optional<std::vector<std::int64_t>> captionIds) {
    subset_.reset();
    if (captionIds) {
        subset_ = std::make_shared<const std::unordered_set<std::int64_t>>(captionIds->begin(), captionIds->end());
    }
    startQuery();
}

std::optional<std::size_t> CaptionListModel::subsetSize() const {
    if (!subset_) return std::nullopt;
    return subset_->size();
}

void CaptionListModel::setSort(store::CaptionSort sort, bool descending) {
    sort_ = sort;
    descending_ = descending;
    startQuery();
}

void CaptionListModel::setSimilarityModel(qint64 modelId) {
    modelId_ = modelId;
    scores_.reset();
    startQuery();
}

void CaptionListModel::refresh() {
    scores_.reset();
    startQuery();
}

void CaptionListModel::startQuery() {
    if (databasePath_.isEmpty()) return;
    const int generation = ++generation_;
    ++running_;
    const std::string path = databasePath_.toStdString();
    const auto filter = filter_;
    const auto sort = sort_;
    const bool descending = descending_;
    const qint64 modelId = modelId_;
    auto scores = scores_;
    auto subset = subset_;
    pool_.start([this, generation, path, filter, sort, descending, modelId, scores, subset]() mutable {
        std::vector<std::int64_t> ids;
        QString error;
        try {
            store::Db db(path, store::Db::Mode::ReadOnly);
            if (modelId > 0 && !scores) {
                scores = std::make_shared<const std::unordered_map<std::int64_t, double>>(
                    store::genRealSimilarity(db, modelId));
            }
            store::CaptionOrder order;
            order.sort = sort;
            order.descending = descending;
            order.scores = scores.get();
            ids = store::captionIds(db, filter, order);
            if (subset) {
                const auto outside = [&subset](std::int64_t id) { return subset->count(id) == 0; };
                ids.erase(std::remove_if(ids.begin(), ids.end(), outside), ids.end());
            }
        } catch (const std::exception& e) {
            error = QString::fromStdString(e.what());
        }
        // The model outlives its worker (the destructor waits), so `this` is valid here.
        QMetaObject::invokeMethod(
            this,
            [this, generation, ids = std::move(ids), scores, error]() mutable {
                --running_;
                if (generation != generation_) return;  // a newer query supersedes this one
                if (!error.isEmpty()) {
                    Q_EMIT queryFailed(error);
                    return;
                }
                beginResetModel();
                ids_ = std::move(ids);
                pages_.clear();
                pagesFetched_ = 0;
                scores_ = scores;
                endResetModel();
                Q_EMIT loaded();
            },
            Qt::QueuedConnection);
    });
}

const store::CaptionRow* CaptionListModel::rowAt(int row) const {
    if (row < 0 || row >= static_cast<int>(ids_.size()) || !db_) return nullptr;
    const int page = row / kPageRows;
    auto it = pages_.find(page);
    if (it == pages_.end()) {
        if (pages_.size() >= kMaxPages) {
            // Drop the cached page farthest from the one asked for: the view is not showing it.
            const bool dropFirst = page - pages_.begin()->first > pages_.rbegin()->first - page;
            pages_.erase(dropFirst ? pages_.begin() : std::prev(pages_.end()));
        }
        const auto begin = ids_.begin() + static_cast<std::ptrdiff_t>(page) * kPageRows;
        const auto end = ids_.begin() + std::min<std::ptrdiff_t>(static_cast<std::ptrdiff_t>(ids_.size()),
                                                                  static_cast<std::ptrdiff_t>(page + 1) * kPageRows);
        std::vector<std::int64_t> pageIds(begin, end);
        std::vector<store::CaptionRow> rows;
        try {
            rows = store::captionRows(*db_, pageIds);
        } catch (const std::exception&) {
            // A locked or vanished database shows empty rows; the next query reports the error.
        }
        // Keep the page aligned with ids_ even when some captions were deleted meanwhile.
        std::vector<store::CaptionRow> aligned(pageIds.size());
        std::size_t k = 0;
        for (std::size_t i = 0; i < pageIds.size(); ++i) {
            if (k < rows.size() && rows[k].id == pageIds[i]) {
                aligned[i] = std::move(rows[k++]);
            } else {
                aligned[i].id = pageIds[i];
            }
        }
        it = pages_.emplace(page, std::move(aligned)).first;
        ++pagesFetched_;
    }
    return &it->second[static_cast<std::size_t>(row - page * kPageRows)];
}

qint64 CaptionListModel::captionIdAt(int row) const {
    return row >= 0 && row < static_cast<int>(ids_.size()) ? ids_[static_cast<std::size_t>(row)] : 0;
}

int CaptionListModel::rowOfCaption(qint64 captionId) const {
    for (std::size_t i = 0; i < ids_.size(); ++i)
        if (ids_[i] == captionId) return static_cast<int>(i);
    return -1;
}

std::optional<double> CaptionListModel::similarityOf(qint64 captionId) const {
    if (!scores_) return std::nullopt;
    const auto it = scores_->find(captionId);
    if (it == scores_->end()) return std::nullopt;
    return it->second;
}

int CaptionListModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(ids_.size());
}

QVariant CaptionListModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid()) return {};
    const int row = index.row();
    if (role == CaptionIdRole) return QVariant::fromValue<qlonglong>(captionIdAt(row));
    if (role == SimilarityRole) {
        const auto s = similarityOf(captionIdAt(row));
        return s ? QVariant(*s) : QVariant();
    }
    if (role != Qt::DisplayRole && role != Qt::ToolTipRole && role != GeneratedCountRole && role != SplitRole) {
        return {};
    }
    const store::CaptionRow* r = rowAt(row);
    if (!r) return {};
    switch (role) {
        case Qt::DisplayRole: return QString::fromStdString(r->text);
        case GeneratedCountRole: return QVariant::fromValue<qlonglong>(r->generatedImages);
        case SplitRole: return QString::fromStdString(r->split);
        case Qt::ToolTipRole:
            // The whole caption first: the list shows long ones elided in the middle.
            return QString::fromStdString(r->text) + QLatin1Char('\n') +
                   tr("Caption %1 · split %2 · %n generated image(s)", nullptr, int(r->generatedImages))
                       .arg(r->id)
                       .arg(r->split.empty() ? tr("(none)") : QString::fromStdString(r->split));
        default: return {};
    }
}

}  // namespace genra::widgets
