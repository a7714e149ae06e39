// The Report view: the workspace's exports/report.md (what `genra demo` writes) rendered as
// Markdown, with its figures loaded from paths relative to exports/ and scaled down to
// the view's width. Reloads when a job finishes (a demo run rewrites the report).
#pragma once

#include "widgets/workbench_panel.h"

#include <QStringList>
#include <QTextBrowser>
#include <QWidget>

class QLabel;

namespace genra::widgets {

// A QTextBrowser that keeps every image at most as wide as its viewport.
class ReportBrowser : public QTextBrowser {
    Q_OBJECT
public:
    explicit ReportBrowser(QWidget* parent = nullptr);
    // Sets each image's width to min(its own width, the viewport's); heights follow the aspect.
    void fitImages();

protected:
    void resizeEvent(QResizeEvent* event) override;

private:
    int fittedWidth_ = 0;
};

class ReportView : public QWidget, public WorkbenchPanel {
    Q_OBJECT
public:
    explicit ReportView(QWidget* parent = nullptr);
    void setWorkspace(store::Workspace* workspace) override;
    void refresh() override { reload(); }

    // Re-reads exports/report.md; false when the workspace has none (the view says how to make one).
    bool reload();
    QString reportPath() const { return path_; }
    bool hasReport() const { return loaded_; }
    // Headings of the rendered document, in order.
    QStringList headings() const;
    // Image names in the document and those of them that loaded.
    QStringList imageNames() const;
    QStringList loadedImageNames() const;
    ReportBrowser* browser() const { return browser_; }

private:
    ReportBrowser* browser_ = nullptr;
    QLabel* status_ = nullptr;
    QString path_;
    bool loaded_ = false;
};

}  // namespace genra::widgets
