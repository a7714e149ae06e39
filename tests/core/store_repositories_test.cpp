// The store's typed repositories: runs, embeddings (the one float-blob codec), eval results and
// projections, each read back as written; damaged or missing rows give errors naming them.
#include <catch2/catch.hpp>

#include "core/store/artifacts.h"
#include "core/store/dataset_items.h"
#include "core/store/embeddings.h"
#include "core/store/eval_results.h"
#include "core/store/generations.h"
#include "core/store/models.h"
#include "core/store/projections.h"
#include "core/store/runs.h"
#include "core/store/workspace.h"
#include "core/store/raw_db.h"
#include "core/util/error.h"
#include "support/test_support.h"

using namespace genra;
using genra::store::Workspace;

namespace {

std::int64_t makeModel(Workspace& ws, const std::string& name,
                       std::optional<std::int64_t> runId = std::nullopt) {
    auto s = rawDb(ws).prepare("INSERT INTO models(name, kind, path, run_id) VALUES(?, 'clip', '', ?)");
    s.bind(1, name).bind(2, runId);
    s.run();
    return rawDb(ws).lastInsertId();
}

std::int64_t makeDataset(Workspace& ws) {
    store::DatasetInfo info;
    info.name = "d";
    info.kind = "test";
    return ws.createDataset(info);
}

}  // namespace

TEST_CASE("runs repository: create, find, claim, finish and the models a run produced", "[store]") {
    test::TempDir tmp;
    auto ws = Workspace::create(tmp / "ws");
    const auto id = store::createRun(ws, "r1", "genra", nlohmann::json{{"steps", 5}}, "cpu", 5);
    SECTION("read back by name and by id") {
        const auto byName = store::requireRun(ws, "r1");
        CHECK(byName.id == id);
        CHECK(byName.status == "running");
        CHECK(byName.recipe.value("steps", 0) == 5);
        CHECK(store::requireRun(ws, std::to_string(id)).name == "r1");
        CHECK(store::listRuns(ws).size() == 1);
    }
    SECTION("heartbeat, checkpoint and finish") {
        store::heartbeat(ws, id, 3);
        store::setCheckpoint(ws, id, "checkpoints/r1/step3", 3);
        const auto model = makeModel(ws, "r1", id);
        store::finishRun(ws, id, "finished", {}, model);
        const auto r = store::requireRun(ws, "r1");
        CHECK(r.status == "finished");
        CHECK(r.step == 3);
        CHECK(r.checkpoint == "checkpoints/r1/step3");
        CHECK(r.modelId == model);
        CHECK(store::modelsOfRun(ws, id) == std::vector<std::int64_t>{model});
    }
    SECTION("errors name what is missing or taken") {
        CHECK_THROWS_WITH(store::requireRun(ws, "nope"), Catch::Contains("no run \"nope\""));
        CHECK_THROWS_WITH(store::createRun(ws, "r1", "genra", {}, "cpu", 1),
                          Catch::Contains("already has a run named \"r1\""));
        CHECK_THROWS_WITH(store::claimRun(ws, 999), Catch::Contains("no run with id 999"));
        CHECK(store::modelsOfRun(ws, 999).empty());
    }
}

TEST_CASE("embeddings repository: one float-blob codec, rows in order, damaged blobs named", "[store]") {
    test::TempDir tmp;
    auto ws = Workspace::create(tmp / "ws");
    const auto model = makeModel(ws, "m");
    const store::EmbeddingKey key{model, "image", "real-image"};
    {
        store::Transaction tx(rawDb(ws));
        store::EmbeddingWriter writer(ws);
        const float a[3] = {1.0F, 2.0F, 3.0F};
        const float b[3] = {-1.0F, 0.5F, 0.0F};
        writer.write(key, 10, a, 3);
        writer.write(key, 20, b, 3);
        tx.commit();
    }
    SECTION("round trip of one vector and of several") {
        CHECK(store::findEmbedding(ws, key, 10) == std::vector<float>{1.0F, 2.0F, 3.0F});
        CHECK_FALSE(store::findEmbedding(ws, key, 30).has_value());
        CHECK_FALSE(store::findEmbedding(ws, {model, "image", "generated-image"}, 10).has_value());
        const auto rows = store::readEmbeddings(ws, key, {20, 30, 10});
        CHECK(rows.dim == 3);
        CHECK(rows.found == std::vector<std::size_t>{0, 2});
        CHECK(rows.values == std::vector<float>{-1.0F, 0.5F, 0.0F, 1.0F, 2.0F, 3.0F});
        CHECK(store::readEmbeddings(ws, key, {30}).found.empty());
    }
    SECTION("a damaged blob or a dim unlike the others' is an error naming the item") {
        auto s = rawDb(ws).prepare("UPDATE embeddings SET dim = 4 WHERE item_id = 20");
        s.run();
        CHECK_THROWS_WITH(
            store::findEmbedding(ws, key, 20),
            Catch::Contains("real-image embedding of image 20") && Catch::Contains("12 bytes for dim 4"));
        CHECK_THROWS_WITH(store::decodeEmbedding(std::vector<std::uint8_t>(5), 1, "x"),
                          Catch::Contains("x is damaged"));
        {
            store::EmbeddingWriter writer(ws);
            const float c[4] = {0.0F, 0.0F, 0.0F, 1.0F};
            writer.write(key, 20, c, 4);
        }
        CHECK_THROWS_WITH(store::readEmbeddings(ws, key, {10, 20}),
                          Catch::Contains("image 20 has dim 4, others 3"));
    }
}

TEST_CASE("eval results repository: insert, filter and the names rows refer to", "[store]") {
    test::TempDir tmp;
    auto ws = Workspace::create(tmp / "ws");
    const auto dataset = makeDataset(ws);
    const auto run = store::createRun(ws, "train1", "genra", {}, "cpu", 1);
    const auto model = makeModel(ws, "m", run);
    const auto ids = store::insertEvalResults(
        ws, {{std::nullopt, model, "retrieval", dataset, "test", "r@1", 0.5, R"({"k":1})"},
             {std::nullopt, model, "zeroshot", dataset, "val", "top1", 0.25, "{}"}});
    REQUIRE(ids.size() == 2);
    SECTION("all rows, with model, run, method and dataset names") {
        const auto rows = store::listEvalResults(ws);
        REQUIRE(rows.size() == 2);
        CHECK(rows[0].id == ids[0]);
        CHECK(rows[0].modelName == "m");
        CHECK(rows[0].runName.empty());
        CHECK(rows[0].modelRunName == "train1");
        CHECK(rows[0].modelRunKind == "genra");
        CHECK(rows[0].datasetName == "d");
        CHECK(rows[0].metric == "r@1");
        CHECK(rows[0].value == 0.5);
        CHECK(rows[0].details.dump() == R"({"k":1})");
        CHECK_FALSE(rows[0].createdAt.empty());
    }
    SECTION("filters by task, dataset and split") {
        store::EvalResultFilter f;
        f.task = "zeroshot";
        CHECK(store::listEvalResults(ws, f).size() == 1);
        f = {};
        f.split = "test";
        CHECK(store::listEvalResults(ws, f).at(0).metric == "r@1");
        f = {};
        f.datasetId = dataset + 1;
        CHECK(store::listEvalResults(ws, f).empty());
    }
}

TEST_CASE("projections repository: a map and its points read back", "[store]") {
    test::TempDir tmp;
    auto ws = Workspace::create(tmp / "ws");
    const auto model = makeModel(ws, "m");
    CHECK_FALSE(store::hasProjection(ws, "map"));
    const auto id = store::insertProjection(ws, "map", "tsne", model, R"({"perplexity":5})",
                                            {{"image", 3, 1.0, 2.0}, {"caption", 7, -1.0, 0.5}});
    CHECK(store::hasProjection(ws, "map"));
    const auto all = store::projectionSummaries(ws);
    REQUIRE(all.size() == 1);
    CHECK(all[0].id == id);
    CHECK(all[0].model == "m");
    CHECK(all[0].points == 2);
    CHECK(all[0].paramsJson == R"({"perplexity":5})");
    const auto points = store::projectionPoints(ws, id);
    REQUIRE(points.size() == 2);
    CHECK(points[0].itemKind == "image");  // item_kind descending: images before captions
    CHECK(points[0].x == 1.0);
    CHECK(points[1].itemKind == "caption");
    CHECK(points[1].captionId == 7);
    CHECK(store::projectionPoints(ws, id + 1).empty());
}

TEST_CASE("models repository: insert, update, origin and lookups", "[store]") {
    test::TempDir tmp;
    auto ws = Workspace::create(tmp / "ws");
    store::ModelRow row;
    row.name = "base";
    row.kind = "clip";
    row.path = "checkpoints/base.safetensors";
    row.configJson = R"({"width":64})";
    const auto base = store::insertModel(ws, row);
    row.name = "tuned";
    row.kind = "lora";
    const auto tuned = store::insertModel(ws, row);
    SECTION("read back by name, by id and in id order") {
        const auto byName = store::modelByName(ws, "base");
        REQUIRE(byName);
        CHECK(byName->id == base);
        CHECK(byName->configJson == R"({"width":64})");
        CHECK_FALSE(byName->baseModelId);
        CHECK_FALSE(byName->createdAt.empty());
        CHECK(store::modelById(ws, tuned)->name == "tuned");
        CHECK_FALSE(store::modelByName(ws, "missing"));
        CHECK_FALSE(store::modelById(ws, 999));
        const auto all = store::allModels(ws);
        REQUIRE(all.size() == 2);
        CHECK(all[0].name == "base");
        CHECK(all[1].name == "tuned");
    }
    SECTION("update and origin") {
        const auto run = store::createRun(ws, "train1", "genra", {}, "cpu", 1);
        auto changed = *store::modelById(ws, tuned);
        changed.path = "checkpoints/tuned-2.safetensors";
        store::updateModel(ws, changed);
        store::setModelOrigin(ws, tuned, base, run);
        const auto after = *store::modelByName(ws, "tuned");
        CHECK(after.path == "checkpoints/tuned-2.safetensors");
        CHECK(after.baseModelId == base);
        CHECK(after.runId == run);
        CHECK(store::modelsOfRun(ws, run) == std::vector<std::int64_t>{tuned});
    }
}

TEST_CASE("dataset items: captions, generated images and the links between them", "[store]") {
    test::TempDir tmp;
    auto ws = Workspace::create(tmp / "ws");
    const auto dataset = makeDataset(ws);
    store::ImageRecord real;
    real.datasetId = dataset;
    real.path = "/data/real1.png";
    real.split = "test";
    real.attributesJson = R"({"shape":"circle"})";
    const auto realId = ws.insertImage(real);
    store::CaptionRecord caption;
    caption.datasetId = dataset;
    caption.imageId = realId;
    caption.text = "a red circle";
    caption.sourceKey = "k1";
    const auto captionId = ws.insertCaption(caption);
    store::ImageRecord generated;
    generated.datasetId = dataset;
    generated.path = "images/g1.png";
    generated.modality = "generated";
    generated.split = "test";
    const auto generatedId = ws.insertImage(generated);
    ws.insertGeneration(generatedId, captionId, "builtin:g", 7, "{}");

    const auto captions = store::realImageCaptions(ws, dataset, "test", true);
    REQUIRE(captions.size() == 1);
    CHECK(captions[0].captionId == captionId);
    CHECK(captions[0].imageId == realId);
    CHECK(captions[0].imagePath == "/data/real1.png");
    CHECK(captions[0].sourceKey == "k1");
    CHECK(store::realImageCaptions(ws, dataset, "train", false).empty());
    CHECK(store::readableImages(ws, dataset, "test", "generated") == std::vector<std::int64_t>{generatedId});
    CHECK(store::generatedPairs(ws, dataset, "test", "builtin:g") ==
          std::vector<std::pair<std::int64_t, std::int64_t>>{{generatedId, realId}});
    CHECK(store::countGeneratedImages(ws, dataset, "test", "builtin:g") == 1);
    CHECK(store::countGeneratedImages(ws, dataset, "test", "other") == 0);
    CHECK(store::generatedFromCaption(ws, captionId, "") == std::vector<std::int64_t>{generatedId});
    CHECK(store::imageOfCaption(ws, captionId) == realId);
    CHECK(store::captionText(ws, captionId) == std::string("a red circle"));
    CHECK_FALSE(store::imagePath(ws, 999));
    const auto place = store::placeOfCaption(ws, captionId);
    REQUIRE(place);
    CHECK(place->dataset == "d");
    CHECK(place->split == "test");
    const auto links = store::generatedImageLinks(ws, dataset, "", "builtin:g");
    REQUIRE(links.size() == 1);
    CHECK(links[0].realAttributesJson == R"({"shape":"circle"})");
    CHECK(links[0].generatedPath == "images/g1.png");
    CHECK(store::readableGenerationLinks(ws, dataset, "test", "").size() == 1);
    CHECK(ws.generatorsOfDataset(dataset) == std::vector<std::string>{"builtin:g"});
    SECTION("recording a generated image again replaces the row of that path") {
        const auto again = store::recordGeneratedImage(ws, generated, captionId, "builtin:g", 8, "{}");
        CHECK(store::generatedFromCaption(ws, captionId, "") == std::vector<std::int64_t>{again});
        CHECK(store::readableImages(ws, dataset, "test", "generated") == std::vector<std::int64_t>{again});
    }
    SECTION("deleting an image drops its generation") {
        store::deleteImage(ws, generatedId);
        CHECK(store::generatedFromCaption(ws, captionId, "").empty());
    }
}

TEST_CASE("batched writes: embeddings and artifacts in one transaction each", "[store]") {
    test::TempDir tmp;
    auto ws = Workspace::create(tmp / "ws");
    const auto model = makeModel(ws, "m");
    const store::EmbeddingKey key{model, "caption", "text"};
    const float rows[4] = {1.0F, 0.0F, 0.0F, 1.0F};
    store::writeEmbeddings(ws, key, {5, 6}, rows, 2);
    CHECK(store::findEmbedding(ws, key, 6) == std::vector<float>{0.0F, 1.0F});
    CHECK(store::embeddedModelNames(ws) == std::vector<std::string>{"m"});

    store::recordArtifacts(ws,
                           {{"report", "exports/report.md", "the report"}, {"figure", "exports/a.png", "a"}});
    store::recordArtifact(ws, "figure", "exports/a.png", "a, again");
    const auto artifacts = store::listArtifacts(ws);
    REQUIRE(artifacts.size() == 2);
    CHECK(artifacts[0].kind == "report");
    CHECK(artifacts[1].description == "a, again");
}
