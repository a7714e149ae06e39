// Every caption of a workspace as a flat list model that stays smooth with 500k captions: the
// ids matching the filter are queried in the chosen order on a worker thread (a read-only
// connection of its own), and the rows' text and counts are fetched a page at a time, only for the
// rows a view actually shows. No widget per row, no full copy of the captions in memory.
#pragma once

#include "core/store/browse_queries.h"

#include <QAbstractListModel>
#include <QThreadPool>

#include <map>
#include <memory>
#include <optional>
#include <unordered_map>
#include <unordered_set>

namespace genra::widgets {

class CaptionListModel : public QAbstractListModel {
    Q_OBJECT
public:
    enum Role {
        CaptionIdRole = Qt::UserRole + 1,
        GeneratedCountRole,
        SimilarityRole,  // the caption's gen-real cosine under the chosen model (invalid: none)
        SplitRole,
    };
    static constexpr int kPageRows = 200;

    explicit CaptionListModel(QObject* parent = nullptr);
    ~CaptionListModel() override;  // waits for its worker

    // Opens `databasePath` read-only (empty: closes) and queries. Throws genra::Error when the
    // file cannot be opened.
    void setDatabase(const QString& databasePath);
    void setFilter(const store::CaptionFilter& filter);
    const store::CaptionFilter& filter() const { return filter_; }
    // Restricts the list to these captions (a selection made elsewhere, e.g. a lasso in the
    // embeddings map), in the current order and under the current filter; nullopt lifts it.
    void setSubset(std::optional<std::vector<std::int64_t>> captionIds);
    // Captions in the subset (ids given, whether or not they exist); nullopt when there is none.
    std::optional<std::size_t> subsetSize() const;
    void setSort(store::CaptionSort sort, bool descending = false);
    store::CaptionSort sort() const { return sort_; }
    // Scores captions by their gen-real similarity under `modelId` (computed on the worker);
    // 0 clears.
    void setSimilarityModel(qint64 modelId);
    qint64 similarityModel() const { return modelId_; }
    // Re-runs the query (after an import or a generation).
    void refresh();

    // True while a query (or a similarity computation) is running.
    bool isLoading() const { return running_ > 0; }
    qint64 captionIdAt(int row) const;
    // Every caption id of the current result, in its order.
    const std::vector<std::int64_t>& captionIds() const { return ids_; }
    // Row of a caption in the current order; -1 when filtered out or unknown.
    int rowOfCaption(qint64 captionId) const;
    // Pages of rows fetched from SQLite so far since the last query (lazy loading, for tests).
    int pagesFetched() const { return pagesFetched_; }
    std::optional<double> similarityOf(qint64 captionId) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;

Q_SIGNALS:
    // The new ids are in (rowCount is final).
    void loaded();
    void queryFailed(const QString& error);

private:
    void startQuery();
    const store::CaptionRow* rowAt(int row) const;

    QString databasePath_;
    std::unique_ptr<store::Db> db_;  // GUI-thread connection for page fetches
    store::CaptionFilter filter_;
    std::shared_ptr<const std::unordered_set<std::int64_t>> subset_;  // null: every caption
    store::CaptionSort sort_ = store::CaptionSort::Id;
    bool descending_ = false;
    qint64 modelId_ = 0;
    std::shared_ptr<const std::unordered_map<std::int64_t, double>> scores_;

    std::vector<std::int64_t> ids_;
    mutable std::map<int, std::vector<store::CaptionRow>> pages_;
    mutable int pagesFetched_ = 0;
    int generation_ = 0;
    int running_ = 0;
    QThreadPool pool_;
};

}  // namespace genra::widgets
