// Room for the analysis in the main window (issue 24), at 1280x800 and 1920x1080 on a workspace
// built here: the Training view's chart takes most of the view with the recipe form shown and even
// more with it folded away (the live run's log folds with it, progress stays one line); the
// caption browser dock opens wide enough to read captions (its list above the images when the dock
// is narrow, the generated images beside the real one, long captions elided in the middle and whole
// in the tooltip) while the analysis views keep more than half of the window.
#include "app/gui/main_window.h"
#include "core/store/workspace.h"
#include "embedding_world.h"
#include "support/test_support.h"
#include "widgets/caption_browser.h"
#include "widgets/caption_list_model.h"
#include "widgets/plot_curves.h"
#include "widgets/training_form.h"
#include "widgets/training_panel.h"
#include "widgets_test_support.h"

#include <catch2/catch.hpp>

#include <QDockWidget>
#include <QListView>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QScrollArea>
#include <QTabWidget>

#include <cmath>
#include <vector>

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

TEST_CASE("the training chart takes most of its view, with the recipe form shown or folded away",
          "[widgets][gui][layout]") {
    Workbench bench;
    const auto size = GENERATE(QSize(1280, 800), QSize(1920, 1080));
    bench.show(size);
    INFO("window " << size.width() << "x" << size.height());
    auto* training = qobject_cast<widgets::TrainingPanel*>(bench.window.panel(QStringLiteral("training")));
    REQUIRE(training);
    std::vector<double> steps;
    std::vector<double> loss;
    for (int s = 0; s <= 300; s += 10) {
        steps.push_back(s);
        loss.push_back(2.0 / (1.0 + s / 30.0));
    }
    training->curves()->setSeries(QStringLiteral("a-run"), QStringLiteral("loss"), steps, loss);
    REQUIRE(bench.window.raisePanel(QStringLiteral("training")));
    auto* log = training->findChild<QPlainTextEdit*>();
    auto* progress = training->findChild<QProgressBar*>();
    REQUIRE(log);
    REQUIRE(progress);
    const auto share = [training] {
        test::settle();
        const QWidget* chart = training->curves();
        INFO("chart " << chart->width() << "x" << chart->height() << " of " << training->width() << "x" << training->height());
        return std::make_pair(double(chart->width()) / training->width(), double(chart->height()) / training->height());
    };

    SECTION("recipe shown: the chart is at least half of the view each way, the log a few lines under it") {
        training->setRecipeCollapsed(false);
        const auto [w, h] = share();
        CHECK(w >= 0.5);
        CHECK(h >= 0.7);
        CHECK(log->isVisible());
        CHECK(log->height() <= log->fontMetrics().lineSpacing() * 8);
        CHECK(progress->isVisible());
        CHECK(training->form()->isVisible());
    }
    SECTION("recipe folded: the log folds with it and the chart takes nearly the whole column") {
        REQUIRE(training->select(QStringLiteral("recipe"), QStringLiteral("hidden")));
        const auto [w, h] = share();
        CHECK(w >= 0.5);
        CHECK(h >= 0.85);
        CHECK_FALSE(log->isVisible());
        CHECK(progress->isVisible());  // one line: a run started from a saved recipe still shows progress
        CHECK(progress->height() < training->height() / 10);
        CHECK_FALSE(training->form()->isVisible());
        // Shown again: back to the chart with the log under it.
        training->setRecipeCollapsed(false);
        test::settle();
        CHECK(log->isVisible());
    }
}

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
