// The import dialog on good and bad files, a language switch changing visible text, and
// `genra-workbench --panel browser --screenshot` on a Shapes workspace showing decoded thumbnails.
#include "core/data/importers.h"
#include "core/data/shapes.h"
#include "core/jobs/job.h"
#include "core/store/workspace.h"
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

TEST_CASE("genra-workbench --panel browser --screenshot shows Shapes thumbnails", "[widgets][gui][browser]") {
    test::TempDir tmp;
    {
        data::MakeShapesOptions shapes;
        shapes.outDir = tmp / "shapes";
        shapes.count = 12;
        shapes.seed = 3;
        shapes.imageSize = 64;
        data::MakeShapesJob make(shapes);
        jobs::CallbackContext context({}, std::make_shared<jobs::CancelToken>());
        REQUIRE(jobs::runJob(make, context).status == jobs::JobStatus::Succeeded);
        store::Workspace::create(tmp / "ws");
        data::KarpathyImportOptions import;
        import.workspace = tmp / "ws";
        import.jsonFile = tmp / "shapes" / "dataset_shapes.json";
        import.imageRoot = tmp / "shapes";
        import.name = "shapes";
        data::KarpathyImportJob job(import);
        REQUIRE(jobs::runJob(job, context).status == jobs::JobStatus::Succeeded);
    }
    const auto png = (tmp / "browser.png").string();
    const auto r = test::runProcess({GENRA_WORKBENCH, (tmp / "ws").string(), "--panel", "browser", "--select",
                                     "caption=3", "--screenshot", png, "--quit"});
    INFO(r.err);
    REQUIRE(r.exitCode == 0);
    QImage image(QString::fromStdString(png));
    REQUIRE_FALSE(image.isNull());
    CHECK(image.width() >= 1280);
    CHECK(image.height() >= 800);
    // Shapes images are textured and lit: a decoded thumbnail brings hundreds of distinct colours,
    // where text, frames and placeholders bring a few dozen.
    std::set<QRgb> colours;
    for (int y = 0; y < image.height(); y += 2)
        for (int x = 0; x < image.width(); x += 2) colours.insert(image.pixel(x, y));
    CHECK(colours.size() > 500);
}
