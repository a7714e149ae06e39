// The caption list model on a generated 500k-caption workspace (row count, lazy page fetches,
// filters, sorts) and the caption browser showing a caption's real and generated images, with
// thumbnails decoded off the GUI thread and a placeholder for a missing file.
#include "core/store/workspace.h"
#include "core/store/raw_db.h"
#include "support/test_support.h"
#include "widgets/caption_browser.h"
#include "widgets/caption_list_model.h"
#include "widgets/thumbnail_cache.h"
#include "widgets_test_support.h"

#include <catch2/catch.hpp>

#include <QElapsedTimer>
#include <QImage>

#include <cstring>

using namespace genra;

namespace {

// 500k captions on 250k real images (two each; every fifth image in "test"), and for every tenth
// caption one generated image by "gen-a" (odd captions of those also one by "gen-b"). Raw SQL in
// one transaction: a second or two.
void fillLarge(store::Workspace& ws, int captions) {
    auto& db = rawDb(ws);
    store::Transaction tx(db);
    db.exec("INSERT INTO datasets(id, name, kind) VALUES (1, 'big', 'csv')");
    const std::string n = std::to_string(captions);
    db.exec("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < " + n +
            " / 2) INSERT INTO images(id, dataset_id, path, modality, split) SELECT i, 1, '/r/' || i || '.png', "
            "'real', CASE WHEN i % 5 = 0 THEN 'test' ELSE 'train' END FROM n");
    db.exec("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < " + n +
            ") INSERT INTO captions(id, dataset_id, image_id, text) SELECT i, 1, (i + 1) / 2, 'caption ' || i || ' ' "
            "|| CASE i % 3 WHEN 0 THEN 'red' WHEN 1 THEN 'Blue' ELSE 'green' END FROM n");
    db.exec("WITH RECURSIVE n(i) AS (SELECT 10 UNION ALL SELECT i + 10 FROM n WHERE i + 10 <= " + n +
            ") INSERT INTO images(id, dataset_id, path, modality, split) SELECT 1000000 + i, 1, 'images/a/' || i || "
            "'.png', 'generated', 'train' FROM n");
    db.exec("INSERT INTO generations(image_id, caption_id, generator, seed) SELECT id, id - 1000000, 'gen-a', 0 "
            "FROM images WHERE id > 1000000");
    db.exec("INSERT INTO images(id, dataset_id, path, modality, split) SELECT id + 1000000, 1, 'images/b/' || id, "
            "'generated', 'train' FROM images WHERE id > 1000000 AND (id / 10) % 2 = 1");
    db.exec("INSERT INTO generations(image_id, caption_id, generator, seed) SELECT id, id - 2000000, 'gen-b', 1 "
            "FROM images WHERE id > 2000000");
    tx.commit();
}

std::vector<std::uint8_t> blob(const std::vector<float>& v) {
    std::vector<std::uint8_t> out(v.size() * sizeof(float));
    std::memcpy(out.data(), v.data(), out.size());
    return out;
}

void putEmbedding(store::Db& db, std::int64_t model, std::int64_t item, const char* encoder, const std::vector<float>& v) {
    auto s = db.prepare("INSERT INTO embeddings(model_id, item_kind, item_id, encoder, dim, vector) VALUES(?,'image',?,?,?,?)");
    const auto b = blob(v);
    s.bind(1, model).bind(2, item).bind(3, encoder).bind(4, static_cast<std::int64_t>(v.size()));
    s.bindBlob(5, b.data(), b.size());
    s.run();
}

}  // namespace

TEST_CASE("caption list model on a 500k-caption workspace", "[widgets][browse]") {
    test::app();
    test::TempDir tmp;
    auto ws = store::Workspace::create(tmp / "ws");
    constexpr int kCaptions = 500000;
    fillLarge(ws, kCaptions);

    widgets::CaptionListModel model;
    model.setDatabase(QString::fromStdString(ws.databasePath().string()));
    CHECK(model.isLoading());
    REQUIRE(test::waitFor([&] { return !model.isLoading(); }));
    REQUIRE(model.rowCount() == kCaptions);

    SECTION("rows are fetched lazily, a page at a time") {
        CHECK(model.pagesFetched() == 0);
        CHECK(model.data(model.index(123456)).toString() == QStringLiteral("caption 123457 Blue"));
        CHECK(model.pagesFetched() == 1);
        // A neighbour on the same page costs nothing more; a far row fetches one more page.
        CHECK(model.data(model.index(123457), widgets::CaptionListModel::CaptionIdRole).toLongLong() == 123458);
        CHECK(model.data(model.index(123457)).toString() == QStringLiteral("caption 123458 green"));
        CHECK(model.pagesFetched() == 1);
        // Caption 499990 has images by gen-a and gen-b, caption 500000 (same last page) only by gen-a.
        CHECK(model.data(model.index(kCaptions - 11), widgets::CaptionListModel::GeneratedCountRole).toLongLong() == 2);
        CHECK(model.data(model.index(kCaptions - 1), widgets::CaptionListModel::GeneratedCountRole).toLongLong() == 1);
        CHECK(model.data(model.index(kCaptions - 2), widgets::CaptionListModel::GeneratedCountRole).toLongLong() == 0);
        CHECK(model.pagesFetched() == 2);
    }
    SECTION("filters") {
        store::CaptionFilter f;
        f.search = "blue";
        model.setFilter(f);
        REQUIRE(test::waitFor([&] { return !model.isLoading(); }));
        int blue = 0;
        for (int i = 1; i <= kCaptions; ++i) blue += i % 3 == 1 ? 1 : 0;
        CHECK(model.rowCount() == blue);
        CHECK(model.data(model.index(1)).toString().endsWith(QStringLiteral("Blue")));

        f = {};
        f.generated = store::CaptionFilter::Generated::With;
        f.split = "test";
        model.setFilter(f);
        REQUIRE(test::waitFor([&] { return !model.isLoading(); }));
        int expected = 0;
        for (int i = 10; i <= kCaptions; i += 10) expected += ((i + 1) / 2) % 5 == 0 ? 1 : 0;
        CHECK(model.rowCount() == expected);
        f.generator = "gen-b";
        model.setFilter(f);
        REQUIRE(test::waitFor([&] { return !model.isLoading(); }));
        CHECK(model.rowCount() > 0);
        CHECK(model.rowCount() < expected);
        for (int row = 0; row < model.rowCount(); ++row) {
            CHECK(model.data(model.index(row), widgets::CaptionListModel::GeneratedCountRole).toLongLong() == 2);
        }
    }
    SECTION("sort by caption text") {
        model.setSort(store::CaptionSort::Text);
        REQUIRE(test::waitFor([&] { return !model.isLoading(); }));
        REQUIRE(model.rowCount() == kCaptions);
        QString previous;
        for (int row : {0, 1, 2, 1000, 250000, 250001, kCaptions - 2, kCaptions - 1}) {
            const QString text = model.data(model.index(row)).toString();
            CHECK(previous.compare(text, Qt::CaseInsensitive) <= 0);
            previous = text;
        }
        CHECK(model.data(model.index(0)).toString() == QStringLiteral("caption 1 Blue"));
    }
    SECTION("sort by gen-real similarity, worst first") {
        {
            auto& db = rawDb(ws);
            db.exec("INSERT INTO models(id, name, kind) VALUES (3, 'm', 'clip')");
            // Captions 10, 20, 30: real images 5, 10, 15; generated images 1000010, 1000020, 1000030.
            putEmbedding(db, 3, 5, "real-image", {1, 0});
            putEmbedding(db, 3, 10, "real-image", {1, 0});
            putEmbedding(db, 3, 15, "real-image", {1, 0});
            putEmbedding(db, 3, 1000010, "generated-image", {1, 1});   // cos 0.707
            putEmbedding(db, 3, 1000020, "generated-image", {-1, 0});  // cos -1
            putEmbedding(db, 3, 1000030, "generated-image", {1, 0});   // cos 1
        }
        model.setSimilarityModel(3);
        model.setSort(store::CaptionSort::Similarity);
        REQUIRE(test::waitFor([&] { return !model.isLoading(); }));
        REQUIRE(model.rowCount() == kCaptions);
        CHECK(model.captionIdAt(0) == 20);
        CHECK(model.captionIdAt(1) == 10);
        CHECK(model.captionIdAt(2) == 30);
        CHECK(model.captionIdAt(3) == 1);  // unscored captions follow, by id
        CHECK(model.data(model.index(0), widgets::CaptionListModel::SimilarityRole).toDouble() == Approx(-1.0));
        CHECK_FALSE(model.data(model.index(3), widgets::CaptionListModel::SimilarityRole).isValid());
    }
}

namespace {

void writeImage(const std::filesystem::path& path, QColor colour, int size = 64) {
    std::filesystem::create_directories(path.parent_path());
    QImage image(size, size, QImage::Format_RGB32);
    image.fill(colour);
    REQUIRE(image.save(QString::fromStdString(path.string())));
}

}  // namespace

TEST_CASE("the caption browser shows a caption's real and generated images", "[widgets][browse]") {
    test::app();
    test::TempDir tmp;
    auto ws = store::Workspace::create(tmp / "ws");
    store::DatasetInfo info;
    info.name = "colours";
    info.kind = "csv";
    const auto dataset = ws.createDataset(info);
    std::vector<std::int64_t> captions;
    for (int i = 0; i < 3; ++i) {
        store::ImageRecord img;
        img.datasetId = dataset;
        img.path = (tmp / ("real" + std::to_string(i) + ".png")).string();
        writeImage(img.path, QColor(200, 20 + 60 * i, 20));
        img.split = "train";
        store::CaptionRecord c;
        c.datasetId = dataset;
        c.imageId = ws.insertImage(img);
        c.text = "a square number " + std::to_string(i);
        captions.push_back(ws.insertCaption(c));
    }
    // Caption 1: two generated images (blue, green) and one whose file is missing.
    const std::pair<const char*, QColor> generated[] = {{"images/g/0.png", QColor(20, 20, 220)},
                                                        {"images/g/1.png", QColor(20, 220, 20)}};
    int seed = 0;
    for (const auto& [path, colour] : generated) {
        writeImage(ws.dir() / path, colour);
        store::ImageRecord img;
        img.datasetId = dataset;
        img.modality = "generated";
        img.path = path;
        ws.insertGeneration(ws.insertImage(img), captions[1], "builtin:tiny", seed++, "{}");
    }
    store::ImageRecord lost;
    lost.datasetId = dataset;
    lost.modality = "generated";
    lost.path = "images/g/lost.png";
    ws.insertGeneration(ws.insertImage(lost), captions[1], "builtin:tiny", 9, "{}");

    widgets::CaptionBrowser browser;
    browser.resize(1200, 800);
    browser.setWorkspace(&ws);
    REQUIRE(test::waitFor([&] { return !browser.isBusy(); }));
    CHECK(browser.model()->rowCount() == 3);
    CHECK(browser.currentCaption() == captions[0]);  // the first caption is shown once loaded

    REQUIRE(browser.select(QStringLiteral("caption"), QString::number(captions[1])));
    REQUIRE(test::waitFor([&] { return !browser.isBusy(); }));
    CHECK(browser.currentCaption() == captions[1]);
    CHECK(browser.captionText() == QStringLiteral("a square number 1"));
    const auto tiles = browser.tiles();
    REQUIRE(tiles.size() == 4);
    int broken = 0;
    for (auto* tile : tiles) {
        CHECK(tile->isLoaded());
        broken += tile->isBroken() ? 1 : 0;
    }
    CHECK(broken == 1);
    // The real image's thumbnail holds its colour; the generated ones are labelled with generator and seed.
    const auto real = browser.thumbnails()->request(tiles[0]->path(), widgets::CaptionBrowser::kRealEdge);
    REQUIRE(real);
    REQUIRE(real->ok());
    CHECK(QColor(real->image.pixel(32, 32)).green() == 80);
    CHECK(tiles[1]->text().contains(QStringLiteral("builtin:tiny")));
    CHECK(tiles[1]->text().contains(QStringLiteral("seed 0")));
    const auto missing = browser.thumbnails()->request(tiles[3]->path(), widgets::CaptionBrowser::kGeneratedEdge);
    REQUIRE(missing);
    CHECK_THAT(missing->error.toStdString(), Catch::Contains("not found") && Catch::Contains("lost.png"));

    SECTION("arrow keys move through captions") {
        browser.moveSelection(1);
        CHECK(browser.currentCaption() == captions[2]);
        browser.moveSelection(-2);
        CHECK(browser.currentCaption() == captions[0]);
    }
    SECTION("selecting a filtered-out caption clears the filter") {
        REQUIRE(browser.select(QStringLiteral("search"), QStringLiteral("number 2")));
        REQUIRE(test::waitFor([&] { return !browser.isBusy(); }));
        CHECK(browser.model()->rowCount() == 1);
        REQUIRE(browser.select(QStringLiteral("caption"), QString::number(captions[0])));
        REQUIRE(test::waitFor([&] { return !browser.isBusy(); }));
        CHECK(browser.model()->rowCount() == 3);
        CHECK(browser.currentCaption() == captions[0]);
        CHECK_FALSE(browser.select(QStringLiteral("caption"), QStringLiteral("987654")));
    }
}

TEST_CASE("thumbnail cache evicts least recently used entries", "[widgets][browse]") {
    test::app();
    test::TempDir tmp;
    std::vector<QString> paths;
    for (int i = 0; i < 4; ++i) {
        const auto p = tmp / ("t" + std::to_string(i) + ".png");
        writeImage(p, QColor(10 * i, 0, 0), 100);
        paths.push_back(QString::fromStdString(p.string()));
    }
    test::writeFile(tmp / "corrupt.png", "not a png at all");
    widgets::ThumbnailCache cache;
    // Room for about two 64x64 RGB32 thumbnails.
    cache.setCapacityBytes(2 * 64 * 64 * 4 + 600);
    for (const auto& p : paths) CHECK_FALSE(cache.request(p, 64));
    REQUIRE(test::waitFor([&] { return cache.pendingCount() == 0; }));
    CHECK(cache.cachedCount() == 2);
    CHECK(cache.usedBytes() <= cache.capacityBytes());
    const auto corrupt = QString::fromStdString((tmp / "corrupt.png").string());
    CHECK_FALSE(cache.request(corrupt, 64));
    REQUIRE(test::waitFor([&] { return cache.pendingCount() == 0; }));
    const auto t = cache.request(corrupt, 64);
    REQUIRE(t);
    CHECK_FALSE(t->ok());
    CHECK(t->error.contains(QStringLiteral("cannot decode corrupt.png")));
}
