// A window showing one image at full size with zoom (wheel, +/-, 0 to fit) and pan (drag).
// The image is decoded by the thumbnail cache's workers, never on the GUI thread.
#pragma once

#include <QDialog>

class QGraphicsPixmapItem;
class QGraphicsView;
class QLabel;

namespace genra::widgets {

class ThumbnailCache;

class ImageViewer : public QDialog {
    Q_OBJECT
public:
    ImageViewer(ThumbnailCache* cache, const QString& path, const QString& title, QWidget* parent = nullptr);
    double zoom() const { return zoom_; }
    void setZoom(double zoom);
    void fitToWindow();
    bool hasImage() const;

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;

private:
    void showImage();
    ThumbnailCache* cache_;
    QString path_;
    QGraphicsView* view_ = nullptr;
    QGraphicsPixmapItem* item_ = nullptr;
    QLabel* status_ = nullptr;
    double zoom_ = 1.0;
};

}  // namespace genra::widgets
