// Thumbnails decoded off the GUI thread into a least-recently-used cache bounded in bytes. A view
// asks for a path at an edge length; it gets the image when it is ready (or the reason it cannot
// be read) and otherwise a decode is queued and `ready(path)` follows. Scrolling never waits.
#pragma once

#include <QHash>
#include <QImage>
#include <QObject>
#include <QSet>
#include <QString>
#include <QThreadPool>

#include <list>
#include <optional>

namespace genra::widgets {

struct Thumbnail {
    QImage image;    // null when the file could not be read
    QString error;   // why: "file not found: ...", "cannot decode ...: ..."
    QSize fullSize;  // the image's own size when known
    bool ok() const { return !image.isNull(); }
};

class ThumbnailCache : public QObject {
    Q_OBJECT
public:
    explicit ThumbnailCache(QObject* parent = nullptr);
    ~ThumbnailCache() override;  // waits for decodes in flight

    // The thumbnail of `path` scaled to fit edge x edge (edge <= 0: full size) when it has been
    // decoded; otherwise queues the decode (once) and returns nothing.
    std::optional<Thumbnail> request(const QString& path, int edge);
    // Decodes one file on the calling thread (used by the workers; public for tests).
    static Thumbnail decode(const QString& path, int edge);

    void setCapacityBytes(qint64 bytes);
    qint64 capacityBytes() const { return capacityBytes_; }
    qint64 usedBytes() const { return usedBytes_; }
    int cachedCount() const { return static_cast<int>(entries_.size()); }
    int pendingCount() const { return static_cast<int>(pending_.size()); }
    void clear();

Q_SIGNALS:
    void ready(const QString& path, int edge);
    // Every queued decode has finished.
    void idle();

private:
    struct Entry {
        Thumbnail thumbnail;
        qint64 costBytes = 0;
        std::list<QString>::iterator lru;
    };
    static QString keyOf(const QString& path, int edge);
    void store(const QString& key, const QString& path, int edge, Thumbnail thumbnail);
    void evict();

    QThreadPool pool_;
    QHash<QString, Entry> entries_;
    std::list<QString> lru_;  // most recently used first
    QSet<QString> pending_;
    qint64 capacityBytes_ = 256LL * 1024 * 1024;
    qint64 usedBytes_ = 0;
};

// An image of the given size saying why a picture is missing (drawn where the thumbnail would be).
QImage placeholderImage(const QSize& size, const QString& reason);

}  // namespace genra::widgets
