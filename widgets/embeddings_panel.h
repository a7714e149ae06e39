// The Embeddings view (paper Figure 3): compute a t-SNE map of a model's embeddings over a
// sample (job with progress), list stored maps and reopen them instantly, show two side by side
// (e.g. without and with alignment) with linked selection, and export the figure. In a narrow dock
// the controls wrap above the maps, and the two maps stack when their room is taller than wide.
#pragma once

#include "widgets/embeddings_scatter.h"
#include "widgets/workbench_panel.h"

#include <QList>
#include <QWidget>

#include <utility>
#include <vector>

class QBoxLayout;
class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QGridLayout;
class QLabel;
class QSpinBox;
class QSplitter;

namespace genra::store {
class Workspace;
}

namespace genra::widgets {

class JobManager;
class ScatterPlot;

class EmbeddingsPanel : public QWidget, public WorkbenchPanel {
    Q_OBJECT
public:
    explicit EmbeddingsPanel(JobManager* jobs, QWidget* parent = nullptr);
    void setWorkspace(store::Workspace* workspace) override;
    void refresh() override { refreshProjections(); }
    // Keys: colour=modality|split|cosine|attribute:KEY, drag=pan|box|lasso, captions=ID,ID,...
    // (selects those captions' points in both maps).
    bool select(const QString& key, const QString& value) override;
    void refreshProjections();

    // Shows stored projection `id` in pane 0 (left) or 1 (right).
    void showProjection(int pane, qint64 projectionId);
    ScatterPlot* pane(int index) const { return index == 0 ? left_ : right_; }
    // Starts a t-SNE job for the model chosen in the form; returns the job id or 0.
    int computeProjection();
    // Writes both panes side by side as one PNG, PDF or SVG figure.
    bool exportFigure(const QString& path, int widthPx, int heightPx, double dpi, QString* error);
    // The models the form offers (CLIP models only).
    QStringList modelChoices() const;
    // Colours both maps: "modality", "split", "cosine" or "attribute:KEY" (a key the maps' images
    // have). False for an unknown choice.
    bool setColouring(const QString& choice);
    QString colouring() const;
    // The cosine range both maps' colours span when colouring by cosine (the lowest and highest
    // cosine of either map), NaN, NaN otherwise; the colour bar beside one map states it.
    std::pair<double, double> cosineScale() const;
    // The colourings offered, as setColouring takes them.
    QStringList colouringChoices() const;
    // What a drag in the maps does.
    void setDragMode(DragMode mode);
    // Rings the points of these captions in both maps (the browser's selected rows).
    void setHighlightedCaptions(const QList<qint64>& captionIds);
    // Layout state: maps side by side (Horizontal) or stacked (Vertical); controls above the maps.
    Qt::Orientation paneOrientation() const;
    bool controlsOnTop() const { return controlsOnTop_; }

Q_SIGNALS:
    // Captions picked in either pane (click or lasso); the main window shows them in the browser.
    void captionsSelected(const QList<qint64>& captionIds);

protected:
    void resizeEvent(QResizeEvent* event) override;
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void exportDialog();
    void updateLayout();
    void updateColouringChoices();
    void applyColouring();

    JobManager* jobs_;
    store::Workspace* workspace_ = nullptr;
    QComboBox* model_ = nullptr;
    QComboBox* dataset_ = nullptr;
    QSpinBox* captions_ = nullptr;
    QCheckBox* includeText_ = nullptr;
    QDoubleSpinBox* perplexity_ = nullptr;
    QSpinBox* iterations_ = nullptr;
    QSpinBox* seed_ = nullptr;
    QComboBox* leftChoice_ = nullptr;
    QComboBox* rightChoice_ = nullptr;
    QCheckBox* links_ = nullptr;
    QComboBox* colourBy_ = nullptr;
    QComboBox* dragMode_ = nullptr;
    QLabel* status_ = nullptr;
    ScatterPlot* left_ = nullptr;
    ScatterPlot* right_ = nullptr;
    QWidget* controls_ = nullptr;
    QGridLayout* controlsGrid_ = nullptr;
    QBoxLayout* root_ = nullptr;
    QSplitter* panes_ = nullptr;
    // The form's rows in order: label (null: the field spans the label's column too) and field.
    std::vector<std::pair<QWidget*, QWidget*>> controlRows_;
    int controlColumns_ = 0;
    bool controlsOnTop_ = false;
    bool panesMoved_ = false;  // the user dragged the handle between the maps
    int job_ = 0;
};

}  // namespace genra::widgets
