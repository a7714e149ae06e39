// The procedural Shapes benchmark: determinism, file layout and JSON structure, captions true to
// the attributes, and the rendered pixels agreeing with the recorded layout.
#include "core/data/shapes.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <nlohmann/json.hpp>
#include <set>

#include "core/data/image.h"
#include "core/util/error.h"
#include "support/test_support.h"

using namespace genra;
namespace fs = std::filesystem;

namespace {

data::MakeShapesResult makeShapes(const fs::path& out, int count, std::uint64_t seed, int threads = 0,
                                  int size = 64) {
    data::MakeShapesOptions options;
    options.outDir = out;
    options.count = count;
    options.seed = seed;
    options.threads = threads;
    options.imageSize = size;
    data::MakeShapesJob job(options);
    jobs::CallbackContext context({}, std::make_shared<jobs::CancelToken>());
    const auto result = jobs::runJob(job, context);
    REQUIRE(result.status == jobs::JobStatus::Succeeded);
    return job.result();
}

std::vector<fs::path> filesUnder(const fs::path& root) {
    std::vector<fs::path> files;
    for (const auto& entry : fs::recursive_directory_iterator(root)) {
        if (entry.is_regular_file()) files.push_back(fs::relative(entry.path(), root));
    }
    std::sort(files.begin(), files.end());
    return files;
}

bool hasToken(const std::vector<std::string>& tokens, const std::string& word) {
    return std::find(tokens.begin(), tokens.end(), word) != tokens.end();
}

// Index of the token that starts "<colour> <shape>" of `object`, or -1.
int findObject(const std::vector<std::string>& tokens, const data::ShapeObject& object) {
    for (std::size_t i = 0; i + 1 < tokens.size(); ++i) {
        if (tokens[i] == toString(object.color) && tokens[i + 1] == toString(object.kind))
            return static_cast<int>(i);
    }
    return -1;
}

data::ShapeColor nearestPaletteColor(double r, double g, double b) {
    data::ShapeColor best = data::ShapeColor::Red;
    double bestDistance = 1e18;
    for (auto color : data::allShapeColors()) {
        const auto rgb = data::shapeColorRgb(color);
        const double d =
            (r - rgb[0]) * (r - rgb[0]) + (g - rgb[1]) * (g - rgb[1]) + (b - rgb[2]) * (b - rgb[2]);
        if (d < bestDistance) {
            bestDistance = d;
            best = color;
        }
    }
    return best;
}

}  // namespace

TEST_CASE("make-shapes is deterministic for a seed and differs between seeds", "[shapes]") {
    test::TempDir tmp;
    makeShapes(tmp / "a", 24, 7, 1);
    makeShapes(tmp / "b", 24, 7, 3);  // another thread count must not change a byte
    makeShapes(tmp / "c", 24, 8, 2);
    const auto filesA = filesUnder(tmp / "a");
    const auto filesB = filesUnder(tmp / "b");
    REQUIRE(filesA == filesB);
    REQUIRE(filesA.size() == 24 + 2);
    for (const auto& file : filesA) {
        INFO(file.string());
        CHECK(test::readFile(tmp / "a" / file.string()) == test::readFile(tmp / "b" / file.string()));
    }

    CHECK(test::readFile(tmp / "a" / "dataset_shapes.json") !=
          test::readFile(tmp / "c" / "dataset_shapes.json"));
    int differentImages = 0;
    for (int i = 0; i < 24; ++i) {
        const auto a = data::renderShapesScene(data::makeShapesScene(7, i, 64), 7);
        const auto c = data::renderShapesScene(data::makeShapesScene(8, i, 64), 8);
        if (a.pixels != c.pixels) ++differentImages;
    }
    CHECK(differentImages == 24);

    SECTION("the same scene function gives the same scene") {
        const auto s1 = data::makeShapesScene(99, 5, 64);
        const auto s2 = data::makeShapesScene(99, 5, 64);
        CHECK(s1.captions == s2.captions);
        CHECK(data::shapesAttributes(s1) == data::shapesAttributes(s2));
    }
}

TEST_CASE("make-shapes writes Karpathy and COCO JSON that agree with the images", "[shapes]") {
    test::TempDir tmp;
    const auto out = tmp / "shapes";
    const int count = 40;
    const auto result = makeShapes(out, count, 11);
    CHECK(result.images == count);
    CHECK(result.splitCounts.at("pretrain") == 20);
    CHECK(result.splitCounts.at("align") == 12);
    CHECK(result.splitCounts.at("test") == 8);

    const auto karpathy = nlohmann::json::parse(test::readFile(out / "dataset_shapes.json"));
    const auto coco = nlohmann::json::parse(test::readFile(out / "captions_shapes.json"));
    CHECK(karpathy["dataset"] == "shapes");
    REQUIRE(karpathy["images"].size() == count);
    REQUIRE(coco["images"].size() == count);
    REQUIRE(coco["annotations"].size() == count * 5);
    CHECK(coco.contains("info"));
    CHECK(karpathy["attribute_values"]["shape"].size() == 6);
    CHECK(karpathy["attribute_values"]["color"].size() == 8);

    std::map<std::string, int> splitCounts;
    std::set<std::int64_t> sentids;
    std::map<std::int64_t, std::string> captionBySentid;
    for (const auto& image : karpathy["images"]) {
        const int imgid = image["imgid"];
        const std::string split = image["split"];
        ++splitCounts[split];
        CHECK(image["filepath"] == "images/" + split);
        CHECK(image["filename"] == data::shapesFileName(imgid));
        const fs::path file =
            out / image["filepath"].get<std::string>() / image["filename"].get<std::string>();
        REQUIRE(fs::exists(file));
        const auto decoded = data::loadImage(file);
        CHECK(decoded.width == 64);
        CHECK(decoded.height == 64);

        REQUIRE(image["sentences"].size() == 5);
        REQUIRE(image["sentids"].size() == 5);
        std::set<std::string> raws;
        for (std::size_t k = 0; k < 5; ++k) {
            const auto& sentence = image["sentences"][k];
            raws.insert(sentence["raw"].get<std::string>());
            CHECK(sentence["imgid"] == imgid);
            CHECK(sentence["sentid"] == image["sentids"][k]);
            CHECK(sentids.insert(sentence["sentid"].get<std::int64_t>()).second);
            captionBySentid[sentence["sentid"]] = sentence["raw"];
            const auto tokens = sentence["tokens"].get<std::vector<std::string>>();
            CHECK(tokens == data::captionTokens(sentence["raw"]));
            for (const auto& token : tokens) {
                CHECK(!token.empty());
                CHECK(std::none_of(token.begin(), token.end(),
                                   [](char c) { return !std::islower(static_cast<unsigned char>(c)); }));
            }
        }
        CHECK(raws.size() == 5);

        const auto& attributes = image["attributes"];
        for (const char* key : {"shape", "color", "size", "position"}) CHECK(attributes[key].is_string());
        REQUIRE(attributes["objects"].size() == attributes["count"].get<std::size_t>());
        CHECK(attributes["objects"][0]["shape"] == attributes["shape"]);
        CHECK(attributes["objects"][0]["color"] == attributes["color"]);
        CHECK(attributes["objects"][0]["position"] == attributes["position"]);
    }
    CHECK(splitCounts["pretrain"] == 20);
    CHECK(splitCounts["align"] == 12);
    CHECK(splitCounts["test"] == 8);

    for (std::size_t i = 0; i < coco["images"].size(); ++i) {
        const auto& cocoImage = coco["images"][i];
        const auto& karpathyImage = karpathy["images"][i];
        CHECK(cocoImage["id"] == karpathyImage["imgid"]);
        CHECK(cocoImage["file_name"] == karpathyImage["filepath"].get<std::string>() + "/" +
                                            karpathyImage["filename"].get<std::string>());
        CHECK(cocoImage["width"] == 64);
        CHECK(cocoImage["height"] == 64);
    }
    for (const auto& annotation : coco["annotations"]) {
        const auto id = annotation["id"].get<std::int64_t>();
        REQUIRE(captionBySentid.count(id) == 1);
        CHECK(annotation["caption"] == captionBySentid[id]);
        CHECK(annotation["image_id"] == id / 5);
    }
}

TEST_CASE("Shapes splits: exact counts from the fractions, deterministic, validated", "[shapes]") {
    const auto splits = data::assignShapesSplits(1000, {0.5, 0.3, 0.2}, 1);
    CHECK(std::count(splits.begin(), splits.end(), "pretrain") == 500);
    CHECK(std::count(splits.begin(), splits.end(), "align") == 300);
    CHECK(std::count(splits.begin(), splits.end(), "test") == 200);
    CHECK(splits == data::assignShapesSplits(1000, {0.5, 0.3, 0.2}, 1));
    CHECK(splits != data::assignShapesSplits(1000, {0.5, 0.3, 0.2}, 2));

    const auto seven = data::assignShapesSplits(7, {0.5, 0.3, 0.2}, 1);
    CHECK(std::count(seven.begin(), seven.end(), "pretrain") == 4);
    CHECK(std::count(seven.begin(), seven.end(), "align") == 2);
    CHECK(std::count(seven.begin(), seven.end(), "test") == 1);

    const auto noTest = data::assignShapesSplits(10, {0.7, 0.3, 0.0}, 1);
    CHECK(std::count(noTest.begin(), noTest.end(), "test") == 0);

    CHECK_THROWS_AS(data::assignShapesSplits(10, {0.5, 0.5, 0.5}, 1), Error);
    CHECK_THROWS_AS(data::assignShapesSplits(10, {1.2, -0.2, 0.0}, 1), Error);
}

TEST_CASE("Shapes captions are true to the attributes", "[shapes]") {
    const std::map<data::ShapeSize, std::set<std::string>> sizeWords{
        {data::ShapeSize::Small, {"small", "little"}}, {data::ShapeSize::Large, {"large", "big"}}};
    const std::map<data::ShapePosition, std::set<std::string>> positionWords{
        {data::ShapePosition::Left, {"left"}},
        {data::ShapePosition::Right, {"right"}},
        {data::ShapePosition::Top, {"top"}},
        {data::ShapePosition::Bottom, {"bottom"}},
        {data::ShapePosition::Center, {"center", "middle"}}};
    std::set<std::string> allSizeWords{"small", "little", "large", "big"};
    std::set<std::string> allPositionWords{"left", "right", "top", "bottom", "center", "middle"};
    int pairs = 0;
    int relationsChecked = 0;
    for (int i = 0; i < 600; ++i) {
        const auto scene = data::makeShapesScene(3, i, 64);
        REQUIRE(scene.captions.size() == 5);
        REQUIRE((scene.objects.size() == 1 || scene.objects.size() == 2));
        const auto& a = scene.objects[0];
        std::set<std::string> distinct(scene.captions.begin(), scene.captions.end());
        CHECK(distinct.size() == 5);
        if (scene.objects.size() == 2) ++pairs;
        for (const auto& caption : scene.captions) {
            INFO(caption);
            const auto tokens = data::captionTokens(caption);
            CHECK(hasToken(tokens, toString(a.color)));
            CHECK(hasToken(tokens, toString(a.kind)));
            CHECK(caption.find(" a o") == std::string::npos);  // "an orange", never "a orange"
            if (scene.objects.size() == 1) {
                // Every size or position word is the object's own.
                for (const auto& token : tokens) {
                    if (allSizeWords.count(token)) CHECK(sizeWords.at(a.size).count(token) == 1);
                    if (allPositionWords.count(token)) CHECK(positionWords.at(a.position).count(token) == 1);
                }
                continue;
            }
            const auto& b = scene.objects[1];
            CHECK(hasToken(tokens, toString(b.color)));
            CHECK(hasToken(tokens, toString(b.kind)));
            // A relation "X <rel> Y" must hold between the objects named just before and after it.
            const int atA = findObject(tokens, a);
            const int atB = findObject(tokens, b);
            REQUIRE(atA >= 0);
            REQUIRE(atB >= 0);
            for (std::size_t t = 0; t < tokens.size(); ++t) {
                std::string relation;
                if ((tokens[t] == "left" || tokens[t] == "right") && t + 1 < tokens.size() &&
                    tokens[t + 1] == "of") {
                    relation = tokens[t];
                } else if (tokens[t] == "above" || tokens[t] == "over") {
                    relation = "above";
                } else if (tokens[t] == "below" || tokens[t] == "under") {
                    relation = "below";
                }
                if (relation.empty()) continue;
                const bool aFirst = atA < atB;
                REQUIRE(((aFirst && atA < static_cast<int>(t) && atB > static_cast<int>(t)) ||
                         (!aFirst && atB < static_cast<int>(t) && atA > static_cast<int>(t))));
                const auto& subject = aFirst ? a : b;
                const auto& object = aFirst ? b : a;
                if (relation == "left") CHECK(subject.centerX < object.centerX - 5);
                if (relation == "right") CHECK(subject.centerX > object.centerX + 5);
                if (relation == "above") CHECK(subject.centerY < object.centerY - 5);
                if (relation == "below") CHECK(subject.centerY > object.centerY + 5);
                ++relationsChecked;
            }
        }
    }
    CHECK(pairs > 150);
    CHECK(relationsChecked > 200);
}

TEST_CASE("Shapes pixels show each object's colour where the attributes say", "[shapes]") {
    for (int size : {64, 96}) {
        for (int i = 0; i < 300; ++i) {
            const auto scene = data::makeShapesScene(5, i, size);
            const auto image = data::renderShapesScene(scene, 5);
            REQUIRE(image.width == size);
            REQUIRE(image.height == size);
            REQUIRE(image.channels == 3);
            for (const auto& object : scene.objects) {
                INFO("image " << i << " size " << size << " " << toString(object.color) << " "
                              << toString(object.kind));
                CHECK(object.centerX - object.radius >= 0.0);
                CHECK(object.centerY - object.radius >= 0.0);
                CHECK(object.centerX + object.radius <= size);
                CHECK(object.centerY + object.radius <= size);
                CHECK(std::abs(object.rotationDeg) <= 15.0);
                // Mean colour of the core of the shape is nearest to the object's palette colour.
                double sum[3] = {0, 0, 0};
                int pixels = 0;
                const double coreRadius = std::max(1.0, 0.25 * object.radius);
                for (int y = 0; y < size; ++y) {
                    for (int x = 0; x < size; ++x) {
                        if (std::hypot(x + 0.5 - object.centerX, y + 0.5 - object.centerY) > coreRadius)
                            continue;
                        for (int c = 0; c < 3; ++c) sum[c] += image.at(y, x, c);
                        ++pixels;
                    }
                }
                REQUIRE(pixels > 0);
                CHECK(nearestPaletteColor(sum[0] / pixels, sum[1] / pixels, sum[2] / pixels) == object.color);
            }
            if (scene.objects.size() == 2) {
                const auto& a = scene.objects[0];
                const auto& b = scene.objects[1];
                // Enclosing circles are apart, so the shapes cannot touch.
                CHECK(std::hypot(a.centerX - b.centerX, a.centerY - b.centerY) > a.radius + b.radius);
                CHECK(a.position != b.position);
                CHECK((a.kind != b.kind || a.color != b.color));
            }
        }
    }
}

TEST_CASE("Shapes attributes and sizes are spread over every class", "[shapes]") {
    std::map<std::string, std::set<std::string>> seen;
    std::map<std::string, int> sizeRadius;
    int twoObjects = 0;
    for (int i = 0; i < 400; ++i) {
        const auto scene = data::makeShapesScene(21, i, 64);
        const auto attributes = data::shapesAttributes(scene);
        for (const char* key : {"shape", "color", "size", "position"})
            seen[key].insert(attributes[key].get<std::string>());
        if (attributes["count"] == 2) ++twoObjects;
        for (const auto& object : scene.objects) {
            if (object.size == data::ShapeSize::Small) CHECK(object.radius < 6.0);
            if (object.size == data::ShapeSize::Large) CHECK(object.radius > 8.0);
        }
    }
    CHECK(seen["shape"].size() == 6);
    CHECK(seen["color"].size() == 8);
    CHECK(seen["size"].size() == 2);
    CHECK(seen["position"].size() == 5);
    CHECK(twoObjects > 100);
    CHECK(twoObjects < 250);
}

TEST_CASE("make-shapes reports bad options and unwritable folders, and cancels cleanly", "[shapes]") {
    test::TempDir tmp;
    SECTION("unwritable output folder names the path") {
        test::writeFile(tmp / "blocker", "a file, not a folder");
        data::MakeShapesOptions options;
        options.outDir = tmp / "blocker" / "out";
        options.count = 3;
        data::MakeShapesJob job(options);
        jobs::CallbackContext context({}, std::make_shared<jobs::CancelToken>());
        CHECK_THROWS_WITH(job.run(context), Catch::Contains((tmp / "blocker" / "out").string()));
    }
    SECTION("bad options") {
        data::MakeShapesOptions options;
        options.outDir = tmp / "x";
        options.count = 0;
        CHECK_THROWS_AS(data::validate(options), Error);
        options.count = 5;
        options.imageSize = 8;
        CHECK_THROWS_AS(data::validate(options), Error);
        options.imageSize = 64;
        options.splitFractions = {0.5, 0.5, 0.5};
        CHECK_THROWS_AS(data::validate(options), Error);
    }
    SECTION("cancelling leaves no JSON") {
        data::MakeShapesOptions options;
        options.outDir = tmp / "cancelled";
        options.count = 200;
        data::MakeShapesJob job(options);
        auto token = std::make_shared<jobs::CancelToken>();
        jobs::JobCallbacks callbacks;
        callbacks.onProgress = [token](double, const std::string&) { token->cancel(); };
        jobs::CallbackContext context(callbacks, token);
        const auto result = jobs::runJob(job, context);
        CHECK(result.status == jobs::JobStatus::Cancelled);
        CHECK_FALSE(fs::exists(tmp / "cancelled" / "dataset_shapes.json"));
        CHECK_FALSE(fs::exists(tmp / "cancelled" / "captions_shapes.json"));
    }
    SECTION("progress reaches 1") {
        data::MakeShapesOptions options;
        options.outDir = tmp / "progress";
        options.count = 10;
        data::MakeShapesJob job(options);
        double last = -1.0;
        jobs::JobCallbacks callbacks;
        callbacks.onProgress = [&last](double fraction, const std::string&) { last = fraction; };
        jobs::CallbackContext context(callbacks, std::make_shared<jobs::CancelToken>());
        CHECK(jobs::runJob(job, context).status == jobs::JobStatus::Succeeded);
        CHECK(last == 1.0);
    }
}
