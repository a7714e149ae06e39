#include "widgets/thumbnail_cache.h"

#include <QFileInfo>
#include <QImageReader>
#include <QMetaObject>
#include <QPainter>

namespace genra::widgets {

ThumbnailCache::ThumbnailCache(QObject* parent) : QObject(parent) {
    // Decoding is I/O and CPU bound; two workers keep thumbnails coming without starving jobs.
    pool_.setMaxThreadCount(2);
}

ThumbnailCache::~ThumbnailCache() {
    pool_.clear();
    pool_.waitForDone();
}

QString ThumbnailCache::keyOf(const QString& path, int edge) {
    return QString::number(edge) + QLatin1Char('|') + path;
}

Thumbnail ThumbnailCache::decode(const QString& path, int edge) {
    Thumbnail t;
    const QFileInfo info(path);
    if (!info.exists()) {
        t.error = tr("file not found: %1").arg(path);
        return t;
    }
    QImageReader reader(path);
    reader.setAutoTransform(true);
    const QSize size = reader.size();
    t.fullSize = size;
    if (edge > 0 && size.isValid()) {
        reader.setScaledSize(size.scaled(edge, edge, Qt::KeepAspectRatio).expandedTo(QSize(1, 1)));
    }
    QImage image = reader.read();
    if (image.isNull()) {
        t.error = tr("cannot decode %1: %2").arg(info.fileName(), reader.errorString());
        return t;
    }
    if (!t.fullSize.isValid()) t.fullSize = image.size();
    if (edge > 0 && (image.width() > edge || image.height() > edge)) {
        image = image.scaled(edge, edge, Qt::KeepAspectRatio, Qt::SmoothTransformation);
    }
    t.image = image.convertToFormat(QImage::Format_RGB32);
    return t;
}

std::optional<Thumbnail> ThumbnailCache::request(const QString& path, int edge) {
    const QString key = keyOf(path, edge);
    auto it = entries_.find(key);
    if (it != entries_.end()) {
        lru_.splice(lru_.begin(), lru_, it->lru);
        return it->thumbnail;
    }
    if (pending_.contains(key)) return std::nullopt;
    pending_.insert(key);
    pool_.start([this, key, path, edge] {
        Thumbnail t = decode(path, edge);
        // The cache outlives its workers (the destructor waits), so `this` is valid here.
        QMetaObject::invokeMethod(
            this, [this, key, path, edge, t = std::move(t)]() mutable { store(key, path, edge, std::move(t)); },
            Qt::QueuedConnection);
    });
    return std::nullopt;
}

void ThumbnailCache::store(const QString& key, const QString& path, int edge, Thumbnail thumbnail) {
    if (!pending_.remove(key)) return;  // cleared meanwhile
    Entry entry;
    entry.costBytes = thumbnail.image.sizeInBytes() + 256;
    entry.thumbnail = std::move(thumbnail);
    lru_.push_front(key);
    entry.lru = lru_.begin();
    usedBytes_ += entry.costBytes;
    entries_.insert(key, std::move(entry));
    evict();
    Q_EMIT ready(path, edge);
    if (pending_.isEmpty()) Q_EMIT idle();
}

void ThumbnailCache::evict() {
    // Keep at least the newest entry, even when it alone exceeds the capacity.
    while (usedBytes_ > capacityBytes_ && lru_.size() > 1) {
        const QString victim = lru_.back();
        lru_.pop_back();
        auto it = entries_.find(victim);
        usedBytes_ -= it->costBytes;
        entries_.erase(it);
    }
}

void ThumbnailCache::setCapacityBytes(qint64 bytes) {
    capacityBytes_ = std::max<qint64>(bytes, 1);
    evict();
}

void ThumbnailCache::clear() {
    entries_.clear();
    lru_.clear();
    pending_.clear();
    usedBytes_ = 0;
}

QImage placeholderImage(const QSize& size, const QString& reason) {
    QImage image(size, QImage::Format_RGB32);
    image.fill(QColor(60, 60, 64));
    QPainter p(&image);
    p.setPen(QPen(QColor(200, 80, 80), 2));
    p.drawRect(image.rect().adjusted(1, 1, -2, -2));
    p.drawLine(6, 6, 26, 26);
    p.drawLine(26, 6, 6, 26);
    p.setPen(QColor(230, 230, 230));
    p.drawText(image.rect().adjusted(8, 32, -8, -8), Qt::AlignLeft | Qt::AlignTop | Qt::TextWordWrap, reason);
    return image;
}

}  // namespace genra::widgets
