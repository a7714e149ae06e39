// The datasets model and panel on a real workspace, and the workbench's --screenshot automation.
#include "core/store/workspace.h"
#include "support/test_support.h"
#include "widgets/dataset_table_model.h"
#include "widgets/datasets_panel.h"

#include <catch2/catch.hpp>

#include <QApplication>
#include "widgets_test_support.h"
#include <QImage>

#include <set>

using namespace genra;

namespace {

void addDataset(store::Workspace& ws, const std::string& name, int images) {
    store::DatasetInfo info;
    info.name = name;
    info.kind = "karpathy";
    const auto id = ws.createDataset(info);
    for (int i = 0; i < images; ++i) {
        store::ImageRecord img;
        img.datasetId = id;
        img.path = "/img/" + name + std::to_string(i) + ".png";
        img.split = i % 2 ? "test" : "train";
        const auto imageId = ws.insertImage(img);
        store::CaptionRecord c;
        c.datasetId = id;
        c.imageId = imageId;
        c.text = "caption";
        ws.insertCaption(c);
    }
}
}  // namespace

TEST_CASE("dataset table model shows the workspace's datasets", "[widgets]") {
    test::app();
    test::TempDir tmp;
    auto ws = store::Workspace::create(tmp / "ws");
    addDataset(ws, "alpha", 3);
    addDataset(ws, "beta", 4);
    widgets::DatasetTableModel model;
    model.reload(ws);
    REQUIRE(model.rowCount() == 2);
    CHECK(model.data(model.index(0, widgets::DatasetTableModel::Name)).toString() == QStringLiteral("alpha"));
    CHECK(model.data(model.index(1, widgets::DatasetTableModel::Images)).toLongLong() == 4);
    CHECK(model.data(model.index(1, widgets::DatasetTableModel::Captions)).toLongLong() == 4);
    CHECK(model.data(model.index(0, widgets::DatasetTableModel::Splits)).toString() ==
          QStringLiteral("test: 1, train: 2"));
    SECTION("reload picks up new datasets") {
        addDataset(ws, "gamma", 1);
        model.reload(ws);
        CHECK(model.rowCount() == 3);
    }
    SECTION("the panel fills its model") {
        widgets::DatasetsPanel panel;
        panel.setWorkspace(&ws);
        CHECK(panel.model()->rowCount() == 2);
    }
}

TEST_CASE("genra-workbench --screenshot renders the window with the datasets", "[widgets][gui]") {
    test::TempDir tmp;
    {
        auto ws = store::Workspace::create(tmp / "ws");
        addDataset(ws, "shots", 2);
    }
    const auto png = (tmp / "shot.png").string();
    const auto r = test::runProcess({GENRA_WORKBENCH, (tmp / "ws").string(), "--panel", "datasets", "--screenshot",
                                     png, "--quit"});
    INFO(r.err);
    REQUIRE(r.exitCode == 0);
    QImage image(QString::fromStdString(png));
    REQUIRE_FALSE(image.isNull());
    CHECK(image.width() >= 1280);
    CHECK(image.height() >= 800);
    // Not a blank window: many distinct colours (text, table grid, header).
    std::set<QRgb> colours;
    for (int y = 0; y < image.height(); y += 4)
        for (int x = 0; x < image.width(); x += 4) colours.insert(image.pixel(x, y));
    CHECK(colours.size() > 8);

    SECTION("a missing workspace fails with its name") {
        const auto bad = test::runProcess({GENRA_WORKBENCH, (tmp / "absent").string(), "--screenshot", png, "--quit"});
        CHECK(bad.exitCode == 1);
        CHECK_THAT(bad.err, Catch::Contains("absent"));
    }
}
