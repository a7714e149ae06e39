// Zero-shot classification on hand-computed cases: prompt ensembling, top-K with ties, per-class
// accuracy with an empty class, and the class/template sources (JSON files, image folders,
// Shapes) with their error messages.
#include "core/eval/zeroshot.h"

#include <catch2/catch.hpp>
#include <cmath>

#include "core/data/image.h"
#include "core/util/error.h"
#include "support/test_support.h"

using namespace genra;

TEST_CASE("prompt ensembling averages normalised prompt embeddings and renormalises", "[zeroshot]") {
    // Class 0: prompts along x (length 3) and y (length 2) -> normalised mean (1, 1) / sqrt 2, not
    // the raw mean (1.5, 1) direction. Class 1: two prompts along -y of different lengths -> (0, -1).
    const auto prompts = torch::tensor({3.0f, 0.0f, 0.0f, 2.0f, 0.0f, -1.0f, 0.0f, -5.0f}).reshape({4, 2});
    const auto classes = eval::ensembleClassEmbeddings(prompts, 2);
    REQUIRE(classes.sizes() == torch::IntArrayRef({2, 2}));
    CHECK(classes[0][0].item<float>() == Approx(1.0 / std::sqrt(2.0)));
    CHECK(classes[0][1].item<float>() == Approx(1.0 / std::sqrt(2.0)));
    CHECK(classes[1][0].item<float>() == Approx(0.0).margin(1e-7));
    CHECK(classes[1][1].item<float>() == Approx(-1.0));

    SECTION("a row count that is not classes x templates") {
        CHECK_THROWS_WITH(eval::ensembleClassEmbeddings(prompts, 3),
                          Catch::Contains("not a multiple of 3 classes"));
    }
    SECTION("a zero prompt embedding") {
        auto bad = prompts.clone();
        bad[2].zero_();
        CHECK_THROWS_WITH(eval::ensembleClassEmbeddings(bad, 2), Catch::Contains("row 2 has zero norm"));
    }
}

TEST_CASE("zero-shot top-K accuracy, ties and per-class accuracy", "[zeroshot]") {
    // Classes along +x, +y, -x. Image 2 sits exactly between classes 0 and 1 (a tie).
    const auto classifier = torch::tensor({1.0f, 0.0f, 0.0f, 1.0f, -1.0f, 0.0f}).reshape({3, 2});
    const auto images = torch::tensor({2.0f, 0.1f, 0.1f, 1.0f, 1.0f, 1.0f, 1.0f, 1.0f}).reshape({4, 2});

    SECTION("hits, and a tie broken towards the lower class index") {
        // Labels: 0 (hit), 1 (hit), 1 (tie with class 0, which wins: miss at 1, hit at 2), 0 (tie: hit).
        const auto r = eval::zeroShotClassify(images, classifier, {0, 1, 1, 0}, {1, 2, 5});
        REQUIRE(r.topKPercent.size() == 3);
        CHECK(r.topKPercent[0] == Approx(75.0));
        CHECK(r.topKPercent[1] == Approx(100.0));
        CHECK(r.topKPercent[2] == Approx(100.0));  // K above the class count counts every class
        CHECK(r.predictions == std::vector<std::int64_t>{0, 1, 0, 0});
        REQUIRE(r.perClassPercent.size() == 3);
        CHECK(r.perClassPercent[0] == Approx(100.0));
        CHECK(r.perClassPercent[1] == Approx(50.0));
        CHECK(std::isnan(r.perClassPercent[2]));  // no image of class 2
        CHECK(r.perClassCount == std::vector<std::int64_t>{2, 2, 0});
        CHECK(r.meanPerClassPercent == Approx(75.0));  // over classes that have images
    }
    SECTION("a wrong label ranks by how many classes beat it") {
        // Image 0 labelled class 2 (-x): both other classes score higher -> rank 2.
        const auto r = eval::zeroShotClassify(images.slice(0, 0, 1), classifier, {2}, {1, 2, 3});
        CHECK(r.topKPercent == std::vector<double>{0.0, 0.0, 100.0});
    }
    SECTION("bad input") {
        CHECK_THROWS_WITH(eval::zeroShotClassify(images, classifier, {0, 1}),
                          Catch::Contains("4 image embeddings but 2 labels"));
        CHECK_THROWS_WITH(eval::zeroShotClassify(images, classifier, {0, 1, 3, 0}),
                          Catch::Contains("label 3 of image 2"));
        CHECK_THROWS_WITH(eval::zeroShotClassify(images, classifier, {0, 1, 1, 0}, {0}),
                          Catch::Contains("K must be"));
        CHECK_THROWS_WITH(eval::zeroShotClassify(images, torch::ones({3, 5}), {0, 1, 1, 0}),
                          Catch::Contains("dim"));
        auto zero = images.clone();
        zero[1].zero_();
        CHECK_THROWS_WITH(eval::zeroShotClassify(zero, classifier, {0, 1, 1, 0}),
                          Catch::Contains("image embedding row 1"));
    }
}

TEST_CASE("prompts, templates and classes from files", "[zeroshot]") {
    test::TempDir tmp;
    SECTION("prompts are class-major") {
        eval::ZeroShotTask task;
        task.classes = {"cat", "dog"};
        task.classPhrases = {"cat", "small dog"};
        task.templates = {"a {}.", "{} and {}"};
        CHECK(eval::expandPrompts(task) ==
              std::vector<std::string>{"a cat.", "cat and cat", "a small dog.", "small dog and small dog"});
        task.templates.clear();
        CHECK_THROWS_WITH(eval::expandPrompts(task), Catch::Contains("no prompt templates"));
    }
    SECTION("templates: array or object, each with {}") {
        test::writeFile(tmp / "t.json", R"(["a photo of a {}.", "art of the {}"])");
        CHECK(eval::readTemplatesJson(tmp / "t.json") ==
              std::vector<std::string>{"a photo of a {}.", "art of the {}"});
        test::writeFile(tmp / "o.json", R"({"templates": ["itap of a {}."]})");
        CHECK(eval::readTemplatesJson(tmp / "o.json").size() == 1);
        test::writeFile(tmp / "bad.json", R"(["a photo of a {}.", "no slot"])");
        CHECK_THROWS_WITH(eval::readTemplatesJson(tmp / "bad.json"),
                          Catch::Contains("bad.json") && Catch::Contains("[1]") && Catch::Contains("no {}"));
        test::writeFile(tmp / "broken.json", R"(["a photo of a {}.", )");
        CHECK_THROWS_AS(eval::readTemplatesJson(tmp / "broken.json"), ParseError);
        CHECK_THROWS_WITH(eval::readTemplatesJson(tmp / "broken.json"),
                          Catch::Contains("broken.json") && Catch::Contains("malformed JSON"));
        test::writeFile(tmp / "num.json", R"({"templates": ["a {}", 3]})");
        CHECK_THROWS_WITH(eval::readTemplatesJson(tmp / "num.json"), Catch::Contains("templates[1]"));
    }
    SECTION("classes: list, or label -> phrase in file order; duplicates rejected") {
        test::writeFile(tmp / "c.json", R"(["zebra", "ant"])");
        const auto list = eval::readClassesJson(tmp / "c.json");
        CHECK(list.classes == std::vector<std::string>{"zebra", "ant"});
        CHECK(list.classPhrases == list.classes);
        test::writeFile(tmp / "m.json", R"({"classes": {"zebra_1": "striped horse", "ant": "tiny ant"}})");
        const auto map = eval::readClassesJson(tmp / "m.json");
        CHECK(map.classes == std::vector<std::string>{"zebra_1", "ant"});
        CHECK(map.classPhrases == std::vector<std::string>{"striped horse", "tiny ant"});
        test::writeFile(tmp / "d.json", R"(["ant", "bee", "ant"])");
        CHECK_THROWS_WITH(eval::readClassesJson(tmp / "d.json"), Catch::Contains("duplicate class \"ant\""));
    }
    SECTION("image folder: one sub-folder per class, empty folders skipped") {
        data::Image img;
        img.width = img.height = 4;
        img.channels = 3;
        img.pixels.assign(48, 100);
        std::filesystem::create_directories(tmp / "root" / "empty_class");
        data::saveImage(img, tmp / "root" / "sea_lion" / "b.png");
        data::saveImage(img, tmp / "root" / "sea_lion" / "a.png");
        data::saveImage(img, tmp / "root" / "cat" / "x.jpg");
        test::writeFile(tmp / "root" / "cat" / "notes.txt", "not an image");
        const auto folder = eval::readImageFolder(tmp / "root");
        CHECK(folder.task.classes == std::vector<std::string>{"cat", "sea_lion"});
        CHECK(folder.task.classPhrases == std::vector<std::string>{"cat", "sea lion"});
        CHECK(folder.labels == std::vector<std::int64_t>{0, 1, 1});
        REQUIRE(folder.images.size() == 3);
        CHECK(folder.images[1].filename() == "a.png");
        CHECK_THROWS_WITH(eval::readImageFolder(tmp / "root" / "empty_class"),
                          Catch::Contains("no class sub-folders"));
    }
}

TEST_CASE("built-in Shapes zero-shot tasks read like Shapes captions", "[zeroshot]") {
    const auto position = eval::shapesZeroShotTask("position");
    REQUIRE(position.classes.size() == 5);
    const auto prompts = eval::expandPrompts(position);
    CHECK(std::find(prompts.begin(), prompts.end(), "a shape on the left") != prompts.end());
    CHECK(std::find(prompts.begin(), prompts.end(), "a shape in the center") != prompts.end());
    CHECK(std::find(prompts.begin(), prompts.end(), "a shape at the top") != prompts.end());
    const auto color = eval::shapesZeroShotTask("color");
    CHECK(color.classes.size() == 8);
    CHECK(std::find(color.classes.begin(), color.classes.end(), "orange") != color.classes.end());
    CHECK(eval::shapesZeroShotTask("shape").classes.size() == 6);
    CHECK_THROWS_WITH(eval::shapesZeroShotTask("texture"),
                      Catch::Contains("unknown Shapes attribute \"texture\""));
}
