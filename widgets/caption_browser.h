// The caption browser (the paper's Figure 2 as a tool): on the left every caption of the workspace
// in a lazily loaded list with search as you type, filters (dataset, split, generator, whether
// generated images exist) and sorting (by id, by caption, by gen-real cosine similarity under a
// chosen model, worst-aligned first); on the right the selected caption's real image and its
// generated images in a grid with generator, seed and cosine similarities. Click an image to
// enlarge it; arrow keys move through captions. Rows can be multi-selected (Ctrl/Shift-click); a
// set of captions picked elsewhere (a lasso in the embeddings map, worst-aligned pairs) is shown
// as a subset of the list, with a "N selected captions — Clear" chip above it. Long captions are
// elided in the middle, whole in the row's tooltip; in a narrow dock the images go below the list.
#pragma once

#include "core/store/browse_queries.h"
#include "widgets/workbench_panel.h"

#include <QFrame>
#include <QWidget>

#include <memory>
#include <optional>

class QComboBox;
class QGridLayout;
class QLabel;
class QLineEdit;
class QListView;
class QPushButton;
class QScrollArea;
class QSplitter;
class QTimer;

namespace genra::widgets {

class CaptionListModel;
class ThumbnailCache;

// One image in the grid: its thumbnail (or a placeholder saying why it is missing) and a few lines.
class ImageTile : public QFrame {
    Q_OBJECT
public:
    ImageTile(ThumbnailCache* cache, const QString& path, const QString& title, int edge, QWidget* parent = nullptr);
    const QString& path() const { return path_; }
    QString text() const;
    void setLines(const QStringList& lines);
    // True once the thumbnail (or its error) is in.
    bool isLoaded() const { return loaded_; }
    bool isBroken() const { return broken_; }

Q_SIGNALS:
    void activated(const QString& path, const QString& title);

protected:
    void mouseReleaseEvent(QMouseEvent* event) override;
    void contextMenuEvent(QContextMenuEvent* event) override;

private:
    void updateImage();
    ThumbnailCache* cache_;
    QString path_;
    QString title_;
    int edge_;
    QLabel* image_ = nullptr;
    QLabel* lines_ = nullptr;
    bool loaded_ = false;
    bool broken_ = false;
};

class CaptionBrowser : public QWidget, public WorkbenchPanel {
    Q_OBJECT
public:
    // Thumbnail edges (pixels) of the real image and of each generated image.
    static constexpr int kRealEdge = 192;
    static constexpr int kGeneratedEdge = 144;

    explicit CaptionBrowser(QWidget* parent = nullptr);
    ~CaptionBrowser() override;

    void setWorkspace(store::Workspace* workspace) override;
    // Keys: caption=ID, captions=ID,ID,..., search=TEXT, dataset=NAME, split=S, generator=G,
    // model=NAME, sort=id|caption|similarity.
    bool select(const QString& key, const QString& value) override;
    bool isBusy() const override;
    void refresh() override;

    CaptionListModel* model() const { return model_; }
    ThumbnailCache* thumbnails() const { return cache_; }
    qint64 currentCaption() const { return current_; }
    // Shows a caption (clearing filters that hide it); false when it does not exist.
    bool showCaption(qint64 captionId);
    // Shows exactly these captions (one alone: showCaption): the list becomes this subset, with the
    // other filters cleared, until the chip's Clear. False when `captionIds` is empty.
    bool showCaptions(const QList<qint64>& captionIds);
    void clearCaptionSubset();
    // The chip's text; empty when no subset is shown.
    QString subsetText() const;
    // "ID,ID,..." as caption ids; nothing when a part is not a number or there is none.
    static std::optional<QList<qint64>> parseCaptionIds(const QString& text);
    // Captions of the selected rows, in list order.
    QList<qint64> selectedCaptions() const;
    void selectAll();
    void moveSelection(int delta);
    QList<ImageTile*> tiles() const;
    QString captionText() const;
    void setThumbnailCacheBytes(qint64 bytes);
    // The list beside the images (Horizontal) or above them (Vertical): side by side from
    // sideBySideMinWidth() pixels, stacked in a narrower dock.
    Qt::Orientation orientation() const;
    static int sideBySideMinWidth();
    QListView* listView() const { return list_; }

Q_SIGNALS:
    void captionChanged(qint64 captionId);
    void selectedCaptionsChanged(const QList<qint64>& captionIds);

protected:
    void changeEvent(QEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void retranslate();
    void applyFilter();
    void applySort();
    void reloadChoices();
    void showDetail(qint64 captionId);
    void clearDetail();
    void layoutGenerated();
    void updateCount();
    void updateSubsetChip();
    void updateOrientation();
    void clearFilterChoices();
    void openViewer(const QString& path, const QString& title);
    QString resolve(const std::string& stored) const;

    store::Workspace* workspace_ = nullptr;
    std::unique_ptr<store::Db> db_;  // read-only connection for detail queries
    CaptionListModel* model_ = nullptr;
    ThumbnailCache* cache_ = nullptr;
    QTimer* searchDelay_ = nullptr;

    QLineEdit* search_ = nullptr;
    QComboBox* dataset_ = nullptr;
    QComboBox* split_ = nullptr;
    QComboBox* generator_ = nullptr;
    QComboBox* generated_ = nullptr;
    QComboBox* sort_ = nullptr;
    QComboBox* simModel_ = nullptr;
    QLabel* sortLabel_ = nullptr;
    QLabel* modelLabel_ = nullptr;
    QListView* list_ = nullptr;
    QLabel* count_ = nullptr;
    QWidget* subsetChip_ = nullptr;
    QLabel* subsetLabel_ = nullptr;
    QPushButton* subsetClear_ = nullptr;

    QLabel* captionLabel_ = nullptr;
    QLabel* infoLabel_ = nullptr;
    QPushButton* copy_ = nullptr;
    QPushButton* reveal_ = nullptr;
    QLabel* realHeading_ = nullptr;
    QLabel* generatedHeading_ = nullptr;
    QWidget* realBox_ = nullptr;
    QGridLayout* generatedGrid_ = nullptr;
    QWidget* generatedBox_ = nullptr;
    QScrollArea* detailScroll_ = nullptr;
    QSplitter* splitter_ = nullptr;
    bool splitterMoved_ = false;  // the user dragged the handle: keep the shares

    qint64 current_ = 0;
    qint64 pendingCaption_ = 0;
    QString realPath_;
    std::optional<store::CaptionDetail> detail_;
};

}  // namespace genra::widgets
