// Workspace evaluations end to end on a small Shapes workspace with noisy "generated" copies and
// tiny random CLIP models: stored rows and their provenance, numbers that agree with the
// embeddings the job stored, zero-shot labels and class files, similarity pairing, cancel, errors,
// querying stored results, and t-SNE projections stored in the workspace.
#include "core/eval/workspace_eval.h"

#include <catch2/catch.hpp>

#include "core/eval/retrieval.h"
#include "core/eval/workspace_tsne.h"
#include "core/eval/zeroshot.h"
#include "core/model/embed.h"
#include "core/store/runs.h"
#include "core/store/raw_db.h"
#include "core/util/error.h"
#include "support/eval_world.h"

using namespace genra;

namespace {

eval::EvalOptions optionsFor(const test::EvalWorld& world, eval::Benchmark benchmark,
                             const std::string& split = "test") {
    eval::EvalOptions o;
    o.workspace = world.ws;
    o.model = "base";
    o.benchmark = benchmark;
    o.dataset = "shapes";
    o.split = split;
    o.device = "cpu";
    o.batchSize = 16;
    o.workers = 1;
    return o;
}

eval::EvalOutcome evaluate(const eval::EvalOptions& options) {
    eval::EvaluateJob job(options);
    test::TestContext quiet;
    REQUIRE(job.run(quiet));
    return job.outcome();
}

double metricOf(const eval::EvalOutcome& outcome, const std::string& name) {
    for (const auto& m : outcome.metrics)
        if (m.name == name) return m.value;
    FAIL("no metric " << name);
    return 0.0;
}

std::int64_t count(store::Workspace& ws, const std::string& sql) {
    auto s = rawDb(ws).prepare(sql);
    s.step();
    return s.columnInt(0);
}

}  // namespace

TEST_CASE("workspace retrieval evaluation stores Recall@K with provenance", "[workspace-eval]") {
    test::EvalWorld world;
    {
        // The model came from a training run: its rows must point there.
        auto ws = store::Workspace::open(world.ws);
        const auto runId = store::createRun(ws, "base-run", "pretrain", nlohmann::json::object(), "cpu", 1);
        store::finishRun(ws, runId, "finished", {}, model::requireModel(ws, "base").id);
        rawDb(ws).exec("UPDATE models SET run_id = " + std::to_string(runId) + " WHERE name = 'base'");
    }
    const auto outcome = evaluate(optionsFor(world, eval::Benchmark::Retrieval));
    auto ws = store::Workspace::open(world.ws);
    const auto testImages =
        count(ws, "SELECT COUNT(*) FROM images WHERE modality = 'real' AND split = 'test'");
    REQUIRE(testImages == 12);
    CHECK(outcome.provenance["counts"]["images"] == testImages);
    CHECK(outcome.provenance["counts"]["captions"] == 5 * testImages);

    // Recompute from what the job stored in the embeddings table: the numbers must agree.
    std::vector<std::int64_t> imageIds;
    std::vector<std::int64_t> captionIds;
    std::vector<std::int64_t> captionImage;
    {
        auto s =
            rawDb(ws).prepare("SELECT id FROM images WHERE modality = 'real' AND split = 'test' ORDER BY id");
        while (s.step()) imageIds.push_back(s.columnInt(0));
        auto c = rawDb(ws).prepare(
            "SELECT c.id, c.image_id FROM captions c JOIN images i ON i.id = c.image_id WHERE i.split = "
            "'test' ORDER BY c.id");
        while (c.step()) {
            captionIds.push_back(c.columnInt(0));
            captionImage.push_back(std::find(imageIds.begin(), imageIds.end(), c.columnInt(1)) -
                                   imageIds.begin());
        }
    }
    const auto modelId = model::requireModel(ws, "base").id;
    const auto images = eval::loadStoredEmbeddings(ws, modelId, "image", model::kEncoderRealImage, imageIds);
    const auto texts = eval::loadStoredEmbeddings(ws, modelId, "caption", model::kEncoderText, captionIds);
    REQUIRE(imageIds.size() == 12);
    const auto expected = eval::retrievalRecall(images, texts, captionImage);
    CHECK(metricOf(outcome, "i2t_R@1") == Approx(expected.imageToTextPercent[0]));
    CHECK(metricOf(outcome, "t2i_R@5") == Approx(expected.textToImagePercent[1]));
    CHECK(metricOf(outcome, "t2i_R@10") == Approx(expected.textToImagePercent[2]));

    // Stored rows: one per metric, with model, run, dataset, split and settings.
    auto s = rawDb(ws).prepare(
        "SELECT e.task, e.metric, e.value, e.split, e.run_id, r.name, d.name, e.details FROM eval_results e "
        "JOIN runs r ON r.id = e.run_id JOIN datasets d ON d.id = e.dataset_id ORDER BY e.id");
    int rows = 0;
    while (s.step()) {
        ++rows;
        CHECK(s.columnText(0) == "retrieval");
        CHECK(s.columnText(3) == "test");
        CHECK(s.columnText(5) == "base-run");
        CHECK(s.columnText(6) == "shapes");
        const auto details = nlohmann::json::parse(s.columnText(7));
        CHECK(details["model"] == "base");
        CHECK(details["run"] == "base-run");
        CHECK(details["settings"]["ks"] == nlohmann::json::array({1, 5, 10}));
        CHECK_FALSE(details["evaluated_at"].get<std::string>().empty());
    }
    CHECK(rows == 6);

    SECTION("a second run embeds nothing new and appends; queries keep the newest") {
        const auto embeddingsBefore = count(ws, "SELECT COUNT(*) FROM embeddings");
        const auto again = evaluate(optionsFor(world, eval::Benchmark::Retrieval));
        CHECK(count(ws, "SELECT COUNT(*) FROM embeddings") == embeddingsBefore);
        CHECK(count(ws, "SELECT COUNT(*) FROM eval_results") == 12);
        CHECK(metricOf(again, "i2t_R@1") == Approx(metricOf(outcome, "i2t_R@1")));
        eval::EvalResultQuery query;
        query.runs = {"base-run"};
        const auto latest = eval::queryEvalResults(ws, query);
        REQUIRE(latest.size() == 6);
        CHECK(latest.front().id == again.resultIds.front());
        query.latestOnly = false;
        CHECK(eval::queryEvalResults(ws, query).size() == 12);
        query.runs.clear();
        query.models = {"other"};
        CHECK(eval::queryEvalResults(ws, query).empty());
        query.models = {"missing"};
        CHECK_THROWS_WITH(eval::queryEvalResults(ws, query), Catch::Contains("missing"));
    }
    SECTION("a cancelled evaluation stores nothing") {
        eval::EvaluateJob job(optionsFor(world, eval::Benchmark::Retrieval, "align"));
        test::TestContext cancelled;
        cancelled.cancel = true;
        CHECK_THROWS_AS(job.run(cancelled), Cancelled);
        CHECK(count(ws, "SELECT COUNT(*) FROM eval_results WHERE split = 'align'") == 0);
    }
}

TEST_CASE("workspace zero-shot evaluation on the Shapes attributes", "[workspace-eval]") {
    test::EvalWorld world;
    auto options = optionsFor(world, eval::Benchmark::ZeroShot, "");
    const auto outcome = evaluate(options);
    auto ws = store::Workspace::open(world.ws);
    const auto images = count(ws, "SELECT COUNT(*) FROM images WHERE modality = 'real'");
    for (const std::string attribute : {"shape", "color", "size", "position"}) {
        const auto top1 = metricOf(outcome, "zeroshot_" + attribute + "_top1");
        const auto top5 = metricOf(outcome, "zeroshot_" + attribute + "_top5");
        CHECK(top1 >= 0.0);
        CHECK(top5 >= top1);
        // Per-class counts add up to the images carrying that attribute (every one does).
        for (const auto& m : outcome.metrics) {
            if (m.name != "zeroshot_" + attribute + "_top1") continue;
            std::int64_t total = 0;
            for (const auto& item : m.details["task"]["per_class"].items())
                total += item.value()["images"].get<std::int64_t>();
            CHECK(total == images);
            // Per-class accuracies recombine into top-1.
            double hits = 0.0;
            for (const auto& item : m.details["task"]["per_class"].items()) {
                if (!item.value()["accuracy"].is_null()) {
                    hits +=
                        item.value()["accuracy"].get<double>() * item.value()["images"].get<double>() / 100.0;
                }
            }
            CHECK(100.0 * hits / static_cast<double>(images) == Approx(top1));
        }
    }
    // Size has 2 classes and position 5: top-5 covers every class.
    CHECK(metricOf(outcome, "zeroshot_size_top5") == Approx(100.0));
    CHECK(metricOf(outcome, "zeroshot_position_top5") == Approx(100.0));

    SECTION("the stored top-1 equals classifying the stored embeddings by hand") {
        auto clip = model::loadClip(&ws, "base");
        const auto task = eval::shapesZeroShotTask("color");
        torch::NoGradGuard noGrad;
        const auto prompts =
            clip.real->encodeText(clip.tokenizer->tokenize(eval::expandPrompts(task), 32, true));
        const auto classifier =
            eval::ensembleClassEmbeddings(prompts, static_cast<std::int64_t>(task.classes.size()));
        std::vector<std::int64_t> ids;
        std::vector<std::int64_t> labels;
        auto s = rawDb(ws).prepare("SELECT id, attributes FROM images WHERE modality = 'real' ORDER BY id");
        while (s.step()) {
            ids.push_back(s.columnInt(0));
            const auto colour = nlohmann::json::parse(s.columnText(1))["color"].get<std::string>();
            labels.push_back(std::find(task.classes.begin(), task.classes.end(), colour) -
                             task.classes.begin());
        }
        const auto embedded =
            eval::loadStoredEmbeddings(ws, clip.record.id, "image", model::kEncoderRealImage, ids);
        const auto expected = eval::zeroShotClassify(embedded, classifier, labels);
        CHECK(metricOf(outcome, "zeroshot_color_top1") == Approx(expected.topKPercent[0]));
    }
    SECTION("a classes file restricts the task; images of other classes are left out") {
        test::writeFile(world.tmp / "classes.json", R"(["red"])");
        test::writeFile(world.tmp / "templates.json", R"(["a {} thing"])");
        options.attributes = {"color"};
        options.classesFile = world.tmp / "classes.json";
        options.templatesFile = world.tmp / "templates.json";
        const auto single = evaluate(options);
        const auto red = count(ws,
                               "SELECT COUNT(*) FROM images WHERE modality = 'real' AND "
                               "json_extract(attributes, '$.color') = 'red'");
        REQUIRE(red > 0);
        CHECK(metricOf(single, "zeroshot_color_top1") == Approx(100.0));  // one class: always right
        const auto& details = single.metrics.front().details["task"];
        CHECK(details["images"] == red);
        CHECK(details["unlabelled_images"] == images - red);
        CHECK(details["templates"] == nlohmann::json::array({"a {} thing"}));
    }
    SECTION("generated images are labelled by the real image of their caption") {
        options.zeroShotGenerated = true;
        options.attributes = {"shape"};
        const auto gen = evaluate(options);
        CHECK(gen.metrics.front().name == "zeroshot_gen_shape_top1");
        CHECK(gen.provenance["counts"]["images"] == count(ws, "SELECT COUNT(*) FROM generations"));
    }
    SECTION("an attribute no image has is a clear error") {
        options.attributes = {"texture"};
        eval::EvaluateJob job(options);
        test::TestContext quiet;
        CHECK_THROWS_WITH(job.run(quiet),
                          Catch::Contains("no image has a label") && Catch::Contains("texture"));
    }
}

TEST_CASE("workspace similarity pairs generated images with their caption's real image", "[workspace-eval]") {
    test::EvalWorld world;
    const auto outcome = evaluate(optionsFor(world, eval::Benchmark::Similarity, ""));
    auto ws = store::Workspace::open(world.ws);
    const auto generated = count(ws, "SELECT COUNT(*) FROM generations");
    CHECK(outcome.provenance["counts"]["generated_images"] == generated);
    CHECK(outcome.provenance["counts"]["captions"] == generated);  // one generated image per caption
    const auto mean = metricOf(outcome, "paired_cosine_mean");
    CHECK(mean > -1.0);
    CHECK(mean < 1.0);
    CHECK(metricOf(outcome, "frechet_distance") > 0.0);
    const auto& distribution = outcome.metrics.front().details["distribution"];
    std::int64_t histogramTotal = 0;
    for (const auto& c : distribution["histogram"]["counts"]) histogramTotal += c.get<std::int64_t>();
    CHECK(histogramTotal == generated);
    // The per-caption values average to the overall mean (one generated image per caption).
    double sum = 0.0;
    for (const auto& v : distribution["per_caption"]["mean_cosine"]) sum += v.get<double>();
    CHECK(sum / static_cast<double>(generated) == Approx(mean).epsilon(1e-6));
    // A single caption's value equals the cosine of its two stored embeddings.
    const auto captionId = distribution["per_caption"]["caption_ids"][0].get<std::int64_t>();
    std::vector<std::int64_t> genId{
        count(ws, "SELECT image_id FROM generations WHERE caption_id = " + std::to_string(captionId))};
    std::vector<std::int64_t> realId{
        count(ws, "SELECT image_id FROM captions WHERE id = " + std::to_string(captionId))};
    const auto modelId = model::requireModel(ws, "base").id;
    const auto g = eval::loadStoredEmbeddings(ws, modelId, "image", model::kEncoderGeneratedImage, genId);
    const auto r = eval::loadStoredEmbeddings(ws, modelId, "image", model::kEncoderRealImage, realId);
    const double cosine = torch::cosine_similarity(g, r, 1).item<double>();
    CHECK(distribution["per_caption"]["mean_cosine"][0].get<double>() == Approx(cosine).epsilon(1e-5));

    SECTION("noise-free copies sit on their real images") {
        auto pairs = rawDb(ws).prepare(
            "SELECT gi.path, r.path FROM generations g JOIN images gi ON gi.id = g.image_id JOIN captions c "
            "ON "
            "c.id = g.caption_id JOIN images r ON r.id = c.image_id");
        while (pairs.step()) {
            std::filesystem::copy_file(ws.resolve(pairs.columnText(1)), ws.resolve(pairs.columnText(0)),
                                       std::filesystem::copy_options::overwrite_existing);
        }
        rawDb(ws).exec("DELETE FROM embeddings");
        const auto copies = evaluate(optionsFor(world, eval::Benchmark::Similarity, ""));
        CHECK(metricOf(copies, "paired_cosine_mean") == Approx(1.0).epsilon(1e-5));
        CHECK(metricOf(copies, "centroid_distance") == Approx(0.0).margin(1e-5));
        CHECK(metricOf(copies, "frechet_distance") < 0.01 * metricOf(outcome, "frechet_distance"));
    }
    SECTION("a split without generated images is a clear error") {
        rawDb(ws).exec("DELETE FROM generations");
        eval::EvaluateJob job(optionsFor(world, eval::Benchmark::Similarity, "test"));
        test::TestContext quiet;
        CHECK_THROWS_WITH(job.run(quiet), Catch::Contains("import generated images first"));
    }
}

TEST_CASE("workspace t-SNE stores a projection of real, generated and text points",
          "[workspace-eval][tsne]") {
    test::EvalWorld world;
    eval::WorkspaceTsneOptions options;
    options.workspace = world.ws;
    options.model = "base";
    options.dataset = "shapes";
    options.split = "align";
    options.captions = 8;
    options.withText = true;
    options.device = "cpu";
    options.workers = 1;
    options.tsne.iterations = 300;
    eval::WorkspaceTsneJob job(options);
    test::TestContext quiet;
    REQUIRE(job.run(quiet));
    auto ws = store::Workspace::open(world.ws);
    // 8 captions with one generated image each; their real images (several captions may share one).
    CHECK(job.generatedPoints() == 8);
    CHECK(job.textPoints() == 8);
    CHECK(job.realPoints() >= 2);
    CHECK(job.realPoints() <= 8);
    const auto id = std::to_string(job.projectionId());
    CHECK(count(ws, "SELECT COUNT(*) FROM projection_points WHERE projection_id = " + id) ==
          job.realPoints() + job.generatedPoints() + job.textPoints());
    CHECK(count(ws,
                "SELECT COUNT(*) FROM projection_points p JOIN images i ON i.id = p.item_id WHERE "
                "p.item_kind = 'image' AND i.modality = 'generated' AND p.projection_id = " +
                    id) == 8);
    auto s = rawDb(ws).prepare("SELECT name, method, params FROM projections WHERE id = ?");
    s.bind(1, job.projectionId());
    REQUIRE(s.step());
    CHECK(s.columnText(0) == "base shapes/align");
    CHECK(s.columnText(1) == "tsne");
    const auto params = nlohmann::json::parse(s.columnText(2));
    CHECK(params["counts"]["generated"] == 8);
    CHECK(params["perplexity"].get<double>() <= eval::maxTsnePerplexity(job.realPoints() + 16));
    CHECK(params["kl_divergence"].get<double>() == Approx(job.result().klDivergence));
}
