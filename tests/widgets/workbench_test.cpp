// The import dialog on good and bad files, a language switch changing visible text, and
// `genra-workbench --panel browser --screenshot` on a Shapes workspace showing decoded thumbnails.
#include "core/store/workspace.h"
#include "support/shapes_workspace.h"
#include "support/test_support.h"
#include "widgets/datasets_panel.h"
#include "widgets/import_dialog.h"
#include "widgets/job_manager.h"
#include "widgets/language.h"
#include "widgets_test_support.h"

#include <catch2/catch.hpp>

#include <QElapsedTimer>
#include <QImage>
#include <QPushButton>

#include <set>

using namespace genra;

namespace {

void writePng(const std::filesystem::path& path, QColor colour) {
    QImage image(16, 16, QImage::Format_RGB32);
    image.fill(colour);
    REQUIRE(image.save(QString::fromStdString(path.string())));
}

}  // namespace

TEST_CASE("the import dialog imports a good CSV and reports a bad one", "[widgets][import]") {
    test::app();
    test::TempDir tmp;
    const auto wsDir = tmp / "ws";
    store::Workspace::create(wsDir);
    writePng(tmp / "a.png", Qt::red);
    writePng(tmp / "b.png", Qt::blue);
    widgets::JobManager jobs;
    widgets::ImportDialog dialog(QString::fromStdString(wsDir.string()), {}, &jobs);
    dialog.setKind(widgets::ImportDialog::Kind::Csv);
    dialog.setImageFolder(QString::fromStdString(tmp.path().string()));

    SECTION("good file: preview, import, summary") {
        test::writeFile(tmp / "list.csv", "file,text\na.png,a red square\nb.png,\"a blue, square\"\nmissing.png,gone\n");
        dialog.setInputFile(QString::fromStdString((tmp / "list.csv").string()));
        CHECK(dialog.previewHeader() == QStringList{QStringLiteral("file"), QStringLiteral("text")});
        CHECK(dialog.previewRowCount() == 3);
        dialog.setDatasetName(QStringLiteral("listed"));
        REQUIRE(dialog.startImport());
        REQUIRE(test::waitFor([&] { return !dialog.isRunning(); }));
        auto ws = store::Workspace::open(wsDir);
        const auto d = ws.requireDataset("listed");
        CHECK(ws.captionsOfDataset(d.id).size() == 3);
        // The summary counts the images and names the unreadable one.
        CHECK(dialog.resultText().contains(QStringLiteral("missing.png")));
    }
    SECTION("bad file: the error names the file and line, nothing is written") {
        test::writeFile(tmp / "bad.csv", "file,text\na.png,\"never closed\nb.png,x\n");
        dialog.setInputFile(QString::fromStdString((tmp / "bad.csv").string()));
        dialog.setDatasetName(QStringLiteral("bad"));
        REQUIRE(dialog.startImport());
        REQUIRE(test::waitFor([&] { return !dialog.isRunning(); }));
        CHECK(dialog.resultText().contains(QStringLiteral("bad.csv")));
        CHECK(dialog.resultText().contains(QStringLiteral("Nothing was written")));
        auto ws = store::Workspace::open(wsDir);
        CHECK_FALSE(ws.findDataset("bad"));
    }
    SECTION("an incomplete form does not start") {
        CHECK_FALSE(dialog.startImport());
        CHECK_FALSE(dialog.isRunning());
    }
    SECTION("a path outside the image folder is refused unless allowed") {
        const auto images = tmp / "images";
        std::filesystem::create_directories(images);
        writePng(images / "in.png", Qt::green);
        test::writeFile(tmp / "escape.csv", "file,text\nin.png,inside\n../a.png,outside\n");
        dialog.setImageFolder(QString::fromStdString(images.string()));
        dialog.setInputFile(QString::fromStdString((tmp / "escape.csv").string()));
        dialog.setDatasetName(QStringLiteral("escape"));
        REQUIRE(dialog.startImport());
        REQUIRE(test::waitFor([&] { return !dialog.isRunning(); }));
        CHECK(dialog.resultText().contains(QStringLiteral("outside the image folder")));
        {
            auto ws = store::Workspace::open(wsDir);
            CHECK_FALSE(ws.findDataset("escape"));
        }
        dialog.setAllowOutsideRoot(true);
        REQUIRE(dialog.startImport());
        REQUIRE(test::waitFor([&] { return !dialog.isRunning(); }));
        auto ws = store::Workspace::open(wsDir);
        const auto d = ws.requireDataset("escape");
        CHECK(ws.captionsOfDataset(d.id).size() == 2);
    }
}

TEST_CASE("switching the language changes visible text", "[widgets][i18n]") {
    test::app();
    REQUIRE(widgets::availableLanguages().contains(QStringLiteral("de")));
    widgets::JobManager jobs;
    widgets::DatasetsPanel panel(&jobs);
    auto buttonTexts = [&] {
        QStringList out;
        for (auto* b : panel.findChildren<QPushButton*>()) out << b->text();
        return out;
    };
    const QStringList english = buttonTexts();
    CHECK(english.contains(QStringLiteral("Refresh")));
    REQUIRE(widgets::setLanguage(QStringLiteral("de")));
    QCoreApplication::processEvents();
    const QStringList german = buttonTexts();
    CHECK(german.contains(QStringLiteral("Aktualisieren")));
    CHECK(german != english);
    CHECK(jobs.headerData(widgets::JobManager::State, Qt::Horizontal).toString() == QStringLiteral("Zustand"));
    REQUIRE(widgets::setLanguage(QStringLiteral("en")));
    QCoreApplication::processEvents();
    CHECK(buttonTexts() == english);
}

namespace {

// Screenshot of `workspace`'s caption browser showing caption 3; the number of distinct colours
// (every second pixel).
std::size_t browserScreenshotColours(const test::TempDir& tmp, const std::filesystem::path& workspace,
                                     const std::string& name) {
    const auto png = (tmp / (name + ".png")).string();
    const auto r = test::runProcess({GENRA_WORKBENCH, workspace.string(), "--panel", "browser", "--select",
                                     "caption=3", "--screenshot", png, "--quit"});
    INFO(r.err);
    REQUIRE(r.exitCode == 0);
    QImage image(QString::fromStdString(png));
    REQUIRE_FALSE(image.isNull());
    CHECK(image.width() >= 1280);
    CHECK(image.height() >= 800);
    std::set<QRgb> colours;
    for (int y = 0; y < image.height(); y += 2)
        for (int x = 0; x < image.width(); x += 2) colours.insert(image.pixel(x, y));
    return colours.size();
}

}  // namespace

TEST_CASE("genra-workbench --panel browser --screenshot shows Shapes thumbnails", "[widgets][gui][browse]") {
    test::TempDir tmp;
    // Shapes version 1: its textured, lit images are what the colour count below measures (version 2's
    // flat paint on a plain background brings far fewer colours).
    const auto ws = test::makeShapesWorkspace(tmp.path(), 12, 3, 1);
    // The workbench restores its window layout from settings: give it settings of its own.
    test::ScopedEnv config("XDG_CONFIG_HOME", (tmp / "config").string());
    // Shapes images are textured and lit: the decoded real image brings thousands of distinct
    // colours (measured: ~3600 for the whole window), where text, frames and placeholders bring a
    // few hundred (measured: ~530 once the image files are gone). The screenshot is taken only
    // once the thumbnails are in.
    const std::size_t shapes = browserScreenshotColours(tmp, ws, "shapes");
    CHECK(shapes > 2000);

    // The same measure on a workspace whose images are gone stays low: it sees thumbnails, not chrome.
    for (const auto& entry : std::filesystem::directory_iterator(tmp / "shapes" / "images"))
        std::filesystem::remove_all(entry.path());
    const std::size_t missing = browserScreenshotColours(tmp, ws, "missing");
    CHECK(missing < 1000);
    CHECK(shapes > 4 * missing);
}
