#include "widgets/report_view.h"

#include "core/store/workspace.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QImage>
#include <QLabel>
#include <QPushButton>
#include <QResizeEvent>
#include <QScrollBar>
#include <QTextBlock>
#include <QTextCursor>
#include <QTextDocument>
#include <QTextFragment>
#include <QVBoxLayout>

#include <algorithm>
#include <vector>

namespace genra::widgets {

namespace {

struct ImageSpan {
    int position = 0;
    int length = 0;
    QTextImageFormat format;
};

std::vector<ImageSpan> imageSpans(const QTextDocument* document) {
    std::vector<ImageSpan> spans;
    for (QTextBlock block = document->begin(); block.isValid(); block = block.next()) {
        for (auto it = block.begin(); !it.atEnd(); ++it) {
            const QTextFragment fragment = it.fragment();
            if (fragment.isValid() && fragment.charFormat().isImageFormat())
                spans.push_back({fragment.position(), fragment.length(), fragment.charFormat().toImageFormat()});
        }
    }
    return spans;
}

}  // namespace

ReportBrowser::ReportBrowser(QWidget* parent) : QTextBrowser(parent) {}

void ReportBrowser::resizeEvent(QResizeEvent* event) {
    QTextBrowser::resizeEvent(event);
    // Refit when the room changed enough to matter (not on every pixel of a drag).
    if (std::abs(viewport()->width() - fittedWidth_) > 16) fitImages();
}

void ReportBrowser::fitImages() {
    fittedWidth_ = viewport()->width();
    const int room = std::max(64, fittedWidth_ - 2 * static_cast<int>(document()->documentMargin()) - 8);
    QTextCursor cursor(document());
    cursor.beginEditBlock();
    for (const auto& span : imageSpans(document())) {
        const QImage image = document()->resource(QTextDocument::ImageResource, QUrl(span.format.name())).value<QImage>();
        if (image.isNull() || image.width() <= 0) continue;
        QTextImageFormat format = span.format;
        const int width = std::min(image.width(), room);
        format.setWidth(width);
        format.setHeight(double(width) * image.height() / image.width());
        cursor.setPosition(span.position);
        cursor.setPosition(span.position + span.length, QTextCursor::KeepAnchor);
        cursor.setCharFormat(format);
    }
    cursor.endEditBlock();
}

ReportView::ReportView(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    auto* top = new QHBoxLayout;
    status_ = new QLabel(this);
    status_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    status_->setWordWrap(true);
    auto* reloadButton = new QPushButton(tr("Reload"), this);
    reloadButton->setToolTip(tr("Read exports/report.md again"));
    top->addWidget(status_, 1);
    top->addWidget(reloadButton);
    layout->addLayout(top);
    browser_ = new ReportBrowser(this);
    browser_->setOpenExternalLinks(true);
    layout->addWidget(browser_, 1);
    connect(reloadButton, &QPushButton::clicked, this, &ReportView::reload);
    setWorkspace(nullptr);
}

void ReportView::setWorkspace(store::Workspace* workspace) {
    path_ = workspace ? QString::fromStdString((workspace->exportsDir() / "report.md").string()) : QString();
    reload();
}

bool ReportView::reload() {
    loaded_ = false;
    const int scroll = browser_->verticalScrollBar()->value();
    browser_->clear();
    if (path_.isEmpty()) {
        status_->setText(tr("No workspace open."));
        return false;
    }
    QFile file(path_);
    if (!file.open(QIODevice::ReadOnly)) {
        status_->setText(tr("This workspace has no report yet (%1); `genra demo` writes one.")
                             .arg(QDir::toNativeSeparators(path_)));
        return false;
    }
    const QString markdown = QString::fromUtf8(file.readAll());
    const QDir exports = QFileInfo(path_).absoluteDir();
    auto* document = browser_->document();
    document->setBaseUrl(QUrl::fromLocalFile(exports.absolutePath() + QLatin1Char('/')));
    browser_->setSearchPaths({exports.absolutePath()});
    browser_->setMarkdown(markdown);
    // Figures are named relative to exports/: load each once, so the widths can be fitted.
    QStringList missing;
    for (const auto& span : imageSpans(document)) {
        const QString name = span.format.name();
        const QUrl url(name);
        if (!document->resource(QTextDocument::ImageResource, url).isNull()) continue;
        const QString file = url.isLocalFile() ? url.toLocalFile() : exports.filePath(name);
        QImage image(file);
        if (image.isNull()) {
            missing << name;
            continue;
        }
        document->addResource(QTextDocument::ImageResource, url, image);
    }
    browser_->fitImages();
    browser_->verticalScrollBar()->setValue(scroll);
    loaded_ = true;
    QString text = QDir::toNativeSeparators(path_);
    if (!missing.isEmpty()) text += QLatin1Char('\n') + tr("Missing figures: %1").arg(missing.join(QStringLiteral(", ")));
    status_->setText(text);
    return true;
}

QStringList ReportView::headings() const {
    QStringList out;
    for (QTextBlock block = browser_->document()->begin(); block.isValid(); block = block.next())
        if (block.blockFormat().headingLevel() > 0) out << block.text();
    return out;
}

QStringList ReportView::imageNames() const {
    QStringList out;
    for (const auto& span : imageSpans(browser_->document())) out << span.format.name();
    return out;
}

QStringList ReportView::loadedImageNames() const {
    QStringList out;
    for (const auto& span : imageSpans(browser_->document())) {
        const auto image = browser_->document()->resource(QTextDocument::ImageResource, QUrl(span.format.name()));
        if (!image.value<QImage>().isNull()) out << span.format.name();
    }
    return out;
}

}  // namespace genra::widgets
