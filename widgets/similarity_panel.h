// The Similarity view (paper Table 13): for one or two models, the histogram of paired
// real–generated cosine similarities, mean ± std and the other modality-gap measures, the
// worst-aligned captions (double-click opens one in the browser, a multiple selection opens them
// all), and a cosine heat-map of a chosen subset of pairs: the first N, the N worst aligned, or
// those of the captions selected in the caption browser.
#pragma once

#include "widgets/similarity_data.h"
#include "widgets/workbench_panel.h"

#include <QList>
#include <QWidget>

#include <optional>
#include <vector>

class QComboBox;
class QCPColorScale;
class QCustomPlot;
class QLabel;
class QListWidget;
class QSpinBox;

namespace genra::store {
class Workspace;
}

namespace genra::widgets {

class SimilarityPanel : public QWidget, public WorkbenchPanel {
    Q_OBJECT
public:
    explicit SimilarityPanel(QWidget* parent = nullptr);
    void setWorkspace(store::Workspace* workspace) override;
    // Re-reads the models and datasets offered (after an embedding job).
    void refresh() override;
    // "model=NAME" shows NAME (on the dataset chosen), "compare=NAME" sets the second model,
    // "generator=G" measures only G's images.
    bool select(const QString& key, const QString& value) override;

    // Computes and shows the reports; modelB may be empty. Returns false (message in statusText)
    // when a model has no embeddings of the dataset.
    bool showModels(const QString& modelA, const QString& modelB, const QString& dataset);
    const std::optional<SimilarityReport>& report(int index) const { return reports_[index == 0 ? 0 : 1]; }
    QString statsText() const;
    QString statusText() const;
    // Caption ids of the worst-aligned list, in list order.
    QList<qint64> worstCaptionIds() const;
    QCustomPlot* histogram() const { return histogram_; }
    QCustomPlot* heatmap() const { return heatmap_; }
    // The heat-map's colour bar (cosine -1 .. 1).
    QCPColorScale* heatmapScale() const { return heatmapScale_; }
    // The heat-map's pairs: `count` of the first or the worst-aligned pairs, or (Captions) those of
    // the captions selected in the browser. Redraws.
    void setHeatmapSubset(HeatmapSubset subset, int count);
    // The captions selected in the caption browser (the main window keeps this up to date).
    void setBrowserSelection(const QList<qint64>& captionIds);
    // Caption ids of the heat-map's rows (and columns), in order.
    QList<qint64> heatmapCaptionIds() const;

Q_SIGNALS:
    void captionsSelected(const QList<qint64>& captionIds);

private:
    void drawHistogram();
    void drawHeatmap();
    void fillWorstList();
    void fillChoices();
    void fillGenerators();

    store::Workspace* workspace_ = nullptr;
    QComboBox* modelA_ = nullptr;
    QComboBox* modelB_ = nullptr;
    QComboBox* dataset_ = nullptr;
    QComboBox* generator_ = nullptr;  // "" = every generator
    QSpinBox* worstCount_ = nullptr;
    QComboBox* heatmapSubset_ = nullptr;
    QSpinBox* heatmapCount_ = nullptr;
    QLabel* stats_ = nullptr;
    QLabel* status_ = nullptr;
    QListWidget* worst_ = nullptr;
    QCustomPlot* histogram_ = nullptr;
    QCustomPlot* heatmap_ = nullptr;
    QCPColorScale* heatmapScale_ = nullptr;
    std::optional<SimilarityReport> reports_[2];
    std::vector<SimilarityPair> heatmapPairs_;
    QList<qint64> browserSelection_;
};

}  // namespace genra::widgets
