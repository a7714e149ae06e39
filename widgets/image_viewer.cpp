#include "widgets/image_viewer.h"

#include "widgets/thumbnail_cache.h"

#include <QGraphicsPixmapItem>
#include <QGraphicsScene>
#include <QGraphicsView>
#include <QKeyEvent>
#include <QLabel>
#include <QVBoxLayout>
#include <QWheelEvent>

namespace genra::widgets {

ImageViewer::ImageViewer(ThumbnailCache* cache, const QString& path, const QString& title, QWidget* parent)
    : QDialog(parent), cache_(cache), path_(path) {
    setWindowTitle(title);
    setAttribute(Qt::WA_DeleteOnClose);
    auto* scene = new QGraphicsScene(this);
    view_ = new QGraphicsView(scene, this);
    view_->setDragMode(QGraphicsView::ScrollHandDrag);
    view_->setTransformationAnchor(QGraphicsView::AnchorUnderMouse);
    view_->setBackgroundBrush(QColor(40, 40, 40));
    view_->viewport()->installEventFilter(this);
    item_ = scene->addPixmap(QPixmap());
    item_->setTransformationMode(Qt::SmoothTransformation);
    status_ = new QLabel(tr("Loading %1…").arg(path), this);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(view_);
    layout->addWidget(status_);
    resize(900, 700);
    connect(cache_, &ThumbnailCache::ready, this, [this](const QString& p, int edge) {
        if (p == path_ && edge <= 0) showImage();
    });
    showImage();
}

bool ImageViewer::hasImage() const { return !item_->pixmap().isNull(); }

void ImageViewer::showImage() {
    const auto t = cache_->request(path_, 0);
    if (!t) return;
    if (!t->ok()) {
        item_->setPixmap(QPixmap::fromImage(placeholderImage(QSize(480, 240), t->error)));
        status_->setText(t->error);
        return;
    }
    item_->setPixmap(QPixmap::fromImage(t->image));
    view_->scene()->setSceneRect(item_->boundingRect());
    status_->setText(tr("%1 · %2×%3 px · wheel or +/- to zoom, drag to pan, 0 to fit")
                         .arg(path_)
                         .arg(t->image.width())
                         .arg(t->image.height()));
    fitToWindow();
}

void ImageViewer::setZoom(double zoom) {
    zoom_ = std::clamp(zoom, 0.02, 50.0);
    view_->setTransform(QTransform::fromScale(zoom_, zoom_));
}

void ImageViewer::fitToWindow() {
    if (!hasImage()) return;
    const QSizeF image = item_->boundingRect().size();
    const QSizeF viewport = view_->viewport()->size();
    setZoom(std::min(viewport.width() / image.width(), viewport.height() / image.height()));
}

bool ImageViewer::eventFilter(QObject* watched, QEvent* event) {
    if (watched == view_->viewport() && event->type() == QEvent::Wheel) {
        const auto* wheel = static_cast<QWheelEvent*>(event);
        setZoom(zoom_ * (wheel->angleDelta().y() > 0 ? 1.25 : 0.8));
        return true;
    }
    return QDialog::eventFilter(watched, event);
}

void ImageViewer::keyPressEvent(QKeyEvent* event) {
    switch (event->key()) {
        case Qt::Key_Plus:
        case Qt::Key_Equal: setZoom(zoom_ * 1.25); return;
        case Qt::Key_Minus: setZoom(zoom_ * 0.8); return;
        case Qt::Key_0: fitToWindow(); return;
        case Qt::Key_1: setZoom(1.0); return;
        default: QDialog::keyPressEvent(event);
    }
}

}  // namespace genra::widgets
