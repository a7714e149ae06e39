// Room for the analysis in the main window (issue 24), at 1280x800 and 1920x1080 on a workspace
// built here: the caption browser dock opens wide enough to read captions (its list above the
// images when the dock is narrow, the generated images beside the real one, long captions elided in
// the middle and whole in the tooltip) while the analysis views keep more than half of the window.
#include "app/gui/main_window.h"
#include "core/store/workspace.h"
#include "embedding_world.h"
#include "support/test_support.h"
#include "widgets/caption_browser.h"
#include "widgets/caption_list_model.h"
#include "widgets_test_support.h"

#include <catch2/catch.hpp>

#include <QDockWidget>
#include <QListView>
#include <QScrollArea>
#include <QTabWidget>

#include <cmath>

using namespace genra;

namespace {

// The main window on a workspace of a dozen captions with real and generated images.
struct Workbench {
    QApplication& app = test::app();  // before any widget
    test::TempDir tmp{"genra-view-layout"};
    gui::MainWindow window;

    Workbench() {
        test::clearLayoutSettings();
        {
            auto ws = store::Workspace::create(tmp / "ws");
            test::makeEmbeddingWorld(ws, 12, {{"model", 1.0}});
        }
        REQUIRE(window.openWorkspace(QString::fromStdString((tmp / "ws").string()), false, true));
    }
    ~Workbench() {
        window.close();
        test::clearLayoutSettings();
    }

    // The window at `size` in the default layout.
    void show(const QSize& size) {
        window.resize(size);
        window.show();
        window.resetLayout();
        test::settle();
        REQUIRE(window.width() == size.width());
    }
};

}  // namespace

TEST_CASE("the caption browser dock opens readable and leaves the views more than half of the window",
          "[widgets][gui][layout]") {
    Workbench bench;
    const auto size = GENERATE(QSize(1280, 800), QSize(1920, 1080));
    bench.show(size);
    INFO("window " << size.width() << "x" << size.height() << ", browser dock " << bench.window.dock(QStringLiteral("browser"))->width()
                   << ", views " << bench.window.views()->width());
    QDockWidget* dock = bench.window.dock(QStringLiteral("browser"));
    auto* browser = qobject_cast<widgets::CaptionBrowser*>(bench.window.panel(QStringLiteral("browser")));
    REQUIRE(dock);
    REQUIRE(browser);
    REQUIRE_FALSE(dock->isHidden());
    // Wide enough to read, never more than the views get.
    CHECK(dock->width() >= std::min(gui::kBrowserReadableWidth, size.width() * 45 / 100) - 10);
    CHECK(dock->width() >= size.width() * 30 / 100);
    CHECK(bench.window.views()->width() * 2 > size.width());
    // In a dock this narrow the images go below the list, so the list has the dock's whole width and
    // the real image's tile is not cut.
    CHECK(browser->orientation() == Qt::Vertical);
    QListView* list = browser->listView();
    REQUIRE(list);
    CHECK(list->width() >= dock->width() - 40);
    auto* detail = browser->findChild<QScrollArea*>();
    REQUIRE(detail);
    CHECK(detail->viewport()->width() >= widgets::CaptionBrowser::kRealEdge + 20);
    CHECK(detail->height() >= widgets::CaptionBrowser::kRealEdge + 40);
    CHECK(list->height() >= 8 * list->fontMetrics().height());
    // Long captions are elided in the middle; the tooltip holds the whole caption.
    CHECK(list->textElideMode() == Qt::ElideMiddle);
    REQUIRE(browser->model()->rowCount() > 0);
    const QModelIndex first = browser->model()->index(0, 0);
    const QString text = first.data(Qt::DisplayRole).toString();
    REQUIRE_FALSE(text.isEmpty());
    CHECK(first.data(Qt::ToolTipRole).toString().startsWith(text + QLatin1Char('\n')));
    // The caption's generated image sits beside its real image, both in view without scrolling.
    REQUIRE(browser->showCaption(first.data(widgets::CaptionListModel::CaptionIdRole).toLongLong()));
    REQUIRE(test::waitFor([browser] { return browser->tiles().size() == 2; }, 5000));
    test::settle();
    const auto tiles = browser->tiles();
    const QRect real(tiles[0]->mapTo(detail->viewport(), QPoint()), tiles[0]->size());
    const QRect generated(tiles[1]->mapTo(detail->viewport(), QPoint()), tiles[1]->size());
    INFO("real tile " << real.x() << "," << real.y() << " generated " << generated.x() << "," << generated.y()
                      << " viewport " << detail->viewport()->width() << "x" << detail->viewport()->height());
    CHECK(generated.left() > real.right());
    CHECK(generated.top() < real.bottom());
    CHECK(detail->viewport()->rect().contains(QRect(real.topLeft(), QSize(real.width(), widgets::CaptionBrowser::kRealEdge))));
    CHECK(generated.right() <= detail->viewport()->width());

    SECTION("floated wide, the list and the images sit side by side") {
        dock->setFloating(true);
        dock->resize(1200, 700);
        test::settle();
        CHECK(browser->orientation() == Qt::Horizontal);
        CHECK(list->width() >= 400);
        dock->resize(600, 700);
        test::settle();
        CHECK(browser->orientation() == Qt::Vertical);
        dock->setFloating(false);
    }
}
