// The store's typed repositories: runs, embeddings (the one float-blob codec), eval results and
// projections, each read back as written; damaged or missing rows give errors naming them.
#include <catch2/catch.hpp>

#include "core/store/embeddings.h"
#include "core/store/eval_results.h"
#include "core/store/projections.h"
#include "core/store/runs.h"
#include "core/store/workspace.h"
#include "core/util/error.h"
#include "support/test_support.h"

using namespace genra;
using genra::store::Workspace;

namespace {

std::int64_t makeModel(Workspace& ws, const std::string& name,
                       std::optional<std::int64_t> runId = std::nullopt) {
    auto s = ws.db().prepare("INSERT INTO models(name, kind, path, run_id) VALUES(?, 'clip', '', ?)");
    s.bind(1, name).bind(2, runId);
    s.run();
    return ws.db().lastInsertId();
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
        store::Transaction tx(ws.db());
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
        auto s = ws.db().prepare("UPDATE embeddings SET dim = 4 WHERE item_id = 20");
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
        CHECK(rows[0].detailsJson == R"({"k":1})");
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
