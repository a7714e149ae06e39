// The procedural Shapes benchmark: determinism, file layout and JSON structure, captions true to
// the attributes, and the rendered pixels agreeing with the recorded layout; version 1 unchanged
// byte for byte, version 2 (the default) one large object per image with its version recorded.
#include "core/data/shapes.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <nlohmann/json.hpp>
#include <set>

#include "core/data/image.h"
#include "core/data/shapes_adherence.h"
#include "core/store/workspace.h"
#include "core/store/raw_db.h"
#include "core/util/error.h"
#include "support/test_support.h"

using namespace genra;
namespace fs = std::filesystem;

namespace {

data::MakeShapesResult makeShapes(const fs::path& out, int count, std::uint64_t seed, int threads = 0,
                                  int size = 64, int version = data::kShapesDefaultVersion) {
    data::MakeShapesOptions options;
    options.outDir = out;
    options.count = count;
    options.seed = seed;
    options.threads = threads;
    options.imageSize = size;
    options.version = version;
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

// FNV-1a, 64 bit: a fixed hash for comparing output with hashes recorded in this file.
constexpr std::uint64_t kFnvOffset = 14695981039346656037ull;
std::uint64_t fnv1a(std::uint64_t hash, const void* data, std::size_t size) {
    const auto* bytes = static_cast<const unsigned char*>(data);
    for (std::size_t i = 0; i < size; ++i) {
        hash ^= bytes[i];
        hash *= 1099511628211ull;
    }
    return hash;
}
std::uint64_t fnv1a(const std::string& text) {
    return fnv1a(kFnvOffset, text.data(), text.size());
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
    const int version = GENERATE(1, 2);
    INFO("version " << version);
    test::TempDir tmp;
    makeShapes(tmp / "a", 24, 7, 1, 64, version);
    makeShapes(tmp / "b", 24, 7, 3, 64, version);  // another thread count must not change a byte
    makeShapes(tmp / "c", 24, 8, 2, 64, version);
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
        const auto a = data::renderShapesScene(data::makeShapesScene(7, i, 64, version), 7);
        const auto c = data::renderShapesScene(data::makeShapesScene(8, i, 64, version), 8);
        if (a.pixels != c.pixels) ++differentImages;
    }
    CHECK(differentImages == 24);

    SECTION("the same scene function gives the same scene") {
        const auto s1 = data::makeShapesScene(99, 5, 64, version);
        const auto s2 = data::makeShapesScene(99, 5, 64, version);
        CHECK(s1.captions == s2.captions);
        CHECK(data::shapesAttributes(s1) == data::shapesAttributes(s2));
        CHECK(data::renderShapesScene(s1, 99).pixels == data::renderShapesScene(s2, 99).pixels);
    }
}

TEST_CASE("make-shapes writes Karpathy and COCO JSON that agree with the images", "[shapes]") {
    const int version = GENERATE(1, 2);
    INFO("version " << version);
    test::TempDir tmp;
    const auto out = tmp / "shapes";
    const int count = 40;
    const auto result = makeShapes(out, count, 11, 0, 64, version);
    CHECK(result.images == count);
    CHECK(result.splitCounts.at("pretrain") == 20);
    CHECK(result.splitCounts.at("align") == 12);
    CHECK(result.splitCounts.at("test") == 8);

    const auto karpathy = nlohmann::json::parse(test::readFile(out / "dataset_shapes.json"));
    const auto coco = nlohmann::json::parse(test::readFile(out / "captions_shapes.json"));
    CHECK(karpathy["dataset"] == "shapes");
    CHECK(coco["info"]["version"] == std::to_string(version));
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
        if (version == 1) CHECK_FALSE(attributes.contains("shapes_version"));
        if (version == 2) CHECK(attributes["count"] == 1);
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
    const int version = GENERATE(1, 2);
    INFO("version " << version);
    int pairs = 0;
    int relationsChecked = 0;
    for (int i = 0; i < 600; ++i) {
        const auto scene = data::makeShapesScene(3, i, 64, version);
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
    if (version == 1) {
        CHECK(pairs > 150);
        CHECK(relationsChecked > 200);
    } else {
        CHECK(pairs == 0);
    }
}

TEST_CASE("Shapes pixels show each object's colour where the attributes say", "[shapes]") {
    const int version = GENERATE(1, 2);
    INFO("version " << version);
    for (int size : {64, 96, 32}) {
        if (size == 32 && version == 1) continue;  // version 1 was never checked at 32 px
        for (int i = 0; i < 300; ++i) {
            const auto scene = data::makeShapesScene(5, i, size, version);
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

TEST_CASE("Shapes attributes and sizes are spread over every class (version 1)", "[shapes]") {
    std::map<std::string, std::set<std::string>> seen;
    int twoObjects = 0;
    for (int i = 0; i < 400; ++i) {
        const auto scene = data::makeShapesScene(21, i, 64, 1);
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

TEST_CASE("Shapes version 1 output is byte-identical to what make-shapes wrote before versions", "[shapes]") {
    // FNV-1a hashes of the output of the code before versions existed (commit 2d77c86), seed 7,
    // 24 images: both JSON files byte for byte, and the decoded pixels of every image in imgid order
    // (pixels rather than PNG bytes, so another zlib cannot fail the test).
    struct Expected {
        int size;
        std::uint64_t karpathy;
        std::uint64_t coco;
        std::uint64_t pixels;
    };
    const Expected jobs[] = {
        {64, 0xe62b28a77b7a3efcull, 0x8be71c4df253735cull, 0xf25121a541227da8ull},
        {48, 0x1be8fd6d05b11239ull, 0x8cb1cf75f60a7566ull, 0xec9f443922436274ull},
    };
    test::TempDir tmp;
    for (const auto& expected : jobs) {
        INFO("make-shapes --version 1 --size " << expected.size);
        const auto out = tmp / std::to_string(expected.size);
        makeShapes(out, 24, 7, 2, expected.size, 1);
        const auto karpathyText = test::readFile(out / "dataset_shapes.json");
        CHECK(fnv1a(karpathyText) == expected.karpathy);
        CHECK(fnv1a(test::readFile(out / "captions_shapes.json")) == expected.coco);
        std::uint64_t pixels = kFnvOffset;
        const auto karpathy = nlohmann::json::parse(karpathyText);
        REQUIRE(karpathy["images"].size() == 24);
        for (const auto& image : karpathy["images"]) {
            const auto decoded = data::loadImage(out / image["filepath"].get<std::string>() /
                                                 image["filename"].get<std::string>());
            pixels = fnv1a(pixels, decoded.pixels.data(), decoded.pixels.size());
        }
        CHECK(pixels == expected.pixels);
    }
    // The scene and render functions: 40 scenes of seed 5, pixels and attributes plus captions.
    const std::pair<int, std::pair<std::uint64_t, std::uint64_t>> scenes[] = {
        {64, {0xb5dcf02bffb48007ull, 0x0832f916729b4ac8ull}},
        {96, {0x34b24204b8db29d3ull, 0xc216add20bee6137ull}},
    };
    for (const auto& [size, expected] : scenes) {
        INFO("scenes at " << size << " px");
        std::uint64_t pixels = kFnvOffset;
        std::uint64_t text = kFnvOffset;
        for (int i = 0; i < 40; ++i) {
            const auto scene = data::makeShapesScene(5, i, size, 1);
            CHECK(scene.version == 1);
            const auto image = data::renderShapesScene(scene, 5);
            pixels = fnv1a(pixels, image.pixels.data(), image.pixels.size());
            std::string words = data::shapesAttributes(scene).dump();
            for (const auto& caption : scene.captions) words += "\n" + caption;
            text = fnv1a(text, words.data(), words.size());
        }
        CHECK(pixels == expected.first);
        CHECK(text == expected.second);
        // The version-less call is version 1.
        const auto plain = data::makeShapesScene(5, 3, size);
        CHECK(data::shapesAttributes(plain) == data::shapesAttributes(data::makeShapesScene(5, 3, size, 1)));
    }
}

TEST_CASE("Shapes version 2: one large object per image, two sizes apart, on its side of the frame",
          "[shapes]") {
    for (int size : {32, 64, 96}) {
        INFO("size " << size);
        for (int i = 0; i < 300; ++i) {
            const auto scene = data::makeShapesScene(13, i, size, 2);
            REQUIRE(scene.version == 2);
            REQUIRE(scene.objects.size() == 1);
            REQUIRE(scene.captions.size() == 5);
            const auto& object = scene.objects[0];
            INFO("image " << i << " " << toString(object.size) << " " << toString(object.position));
            const double radius = object.radius / size;
            if (object.size == data::ShapeSize::Small) {
                CHECK(radius >= 0.19);
                CHECK(radius <= 0.21);
            } else {
                CHECK(radius >= 0.28);
                CHECK(radius <= 0.30);
            }
            // At the 32 px the models train at, 12-19 px across (enclosing circle).
            CHECK(2.0 * radius * 32 >= 12.0);
            CHECK(2.0 * radius * 32 <= 19.3);
            CHECK(std::abs(object.rotationDeg) <= 15.0);
            const double x = object.centerX / size;
            const double y = object.centerY / size;
            // Inside the frame with a margin.
            CHECK(std::min({x, y, 1.0 - x, 1.0 - y}) - radius >= 0.0199);
            switch (object.position) {
                case data::ShapePosition::Left:
                    CHECK(x < 0.35);
                    CHECK(std::abs(y - 0.5) <= 0.0301);
                    break;
                case data::ShapePosition::Right:
                    CHECK(x > 0.65);
                    CHECK(std::abs(y - 0.5) <= 0.0301);
                    break;
                case data::ShapePosition::Top:
                    CHECK(y < 0.35);
                    CHECK(std::abs(x - 0.5) <= 0.0301);
                    break;
                case data::ShapePosition::Bottom:
                    CHECK(y > 0.65);
                    CHECK(std::abs(x - 0.5) <= 0.0301);
                    break;
                case data::ShapePosition::Center:
                    CHECK(std::abs(x - 0.5) <= 0.0301);
                    CHECK(std::abs(y - 0.5) <= 0.0301);
                    break;
            }
            // Side objects touch (almost) their side: gap 0.02-0.045 of the image.
            if (object.position != data::ShapePosition::Center) {
                const double gap = std::min({x, y, 1.0 - x, 1.0 - y}) - radius;
                CHECK(gap <= 0.0451);
            }
        }
    }
    // Version 1 keeps its own, much smaller sizes.
    for (int i = 0; i < 300; ++i) {
        for (const auto& object : data::makeShapesScene(13, i, 64, 1).objects) {
            const double radius = object.radius / 64;
            if (object.size == data::ShapeSize::Small) {
                CHECK(radius >= 0.08);
                CHECK(radius <= 0.09);
            } else {
                CHECK(radius >= 0.13);
                CHECK(radius <= 0.14);
            }
        }
    }
}

TEST_CASE("Shapes version 2: attributes spread evenly over every class", "[shapes]") {
    const int images = 600;
    std::map<std::string, std::map<std::string, int>> counts;
    for (int i = 0; i < images; ++i) {
        const auto attributes = data::shapesAttributes(data::makeShapesScene(21, i, 64, 2));
        CHECK(attributes["count"] == 1);
        CHECK(attributes["objects"].size() == 1);
        for (const char* key : {"shape", "color", "size", "position"})
            ++counts[key][attributes[key].get<std::string>()];
    }
    for (const auto& [key, classes] : data::shapesAttributeValues()) {
        const double expected = static_cast<double>(images) / static_cast<double>(classes.size());
        for (const auto& value : classes) {
            INFO(key << " " << value << ": " << counts[key][value] << " of " << images << ", expected " << expected);
            CHECK(counts[key][value] >= 0.7 * expected);
            CHECK(counts[key][value] <= 1.3 * expected);
        }
    }
}

TEST_CASE("Shapes version 2: plain muted background, object in strong contrast", "[shapes]") {
    for (int size : {32, 64}) {
        for (int i = 0; i < 200; ++i) {
            const auto scene = data::makeShapesScene(17, i, size, 2);
            const auto image = data::renderShapesScene(scene, 17);
            const auto& object = scene.objects[0];
            INFO("image " << i << " size " << size << " " << toString(object.color) << " " << toString(object.kind));
            // Corners are background: never a palette colour by the adherence measure's classifier.
            double background[3] = {0, 0, 0};
            for (const auto& [y, x] : {std::pair{0, 0}, {0, size - 1}, {size - 1, 0}, {size - 1, size - 1}}) {
                const auto r = image.at(y, x, 0);
                const auto g = image.at(y, x, 1);
                const auto b = image.at(y, x, 2);
                const double value = std::max({r, g, b}) / 255.0;
                CHECK_FALSE(data::classifyShapesPixel(r, g, b, value).has_value());
                background[0] += r / 4.0;
                background[1] += g / 4.0;
                background[2] += b / 4.0;
            }
            // Plain: the four corners agree closely.
            for (const auto& [y, x] : {std::pair{0, 0}, {0, size - 1}, {size - 1, 0}, {size - 1, size - 1}}) {
                for (int c = 0; c < 3; ++c) CHECK(std::abs(image.at(y, x, c) - background[c]) <= 16.0);
            }
            // The object's centre pixel differs strongly from the background in some channel.
            const int cx = static_cast<int>(object.centerX);
            const int cy = static_cast<int>(object.centerY);
            double contrast = 0.0;
            for (int c = 0; c < 3; ++c) contrast = std::max(contrast, std::abs(image.at(cy, cx, c) - background[c]));
            CHECK(contrast >= 40.0);
        }
    }
}

TEST_CASE("make-shapes records the Shapes version and rejects unknown versions naming --version", "[shapes]") {
    test::TempDir tmp;
    CHECK(data::MakeShapesOptions{}.version == 2);
    makeShapes(tmp / "v2", 10, 4);  // the default version
    makeShapes(tmp / "v1", 10, 4, 0, 64, 1);
    const auto v2 = nlohmann::json::parse(test::readFile(tmp / "v2" / "dataset_shapes.json"));
    const auto v1 = nlohmann::json::parse(test::readFile(tmp / "v1" / "dataset_shapes.json"));
    CHECK(v2["shapes_version"] == 2);
    CHECK_FALSE(v1.contains("shapes_version"));  // version 1 files are as they always were
    for (const auto& image : v2["images"]) {
        CHECK(image["attributes"]["shapes_version"] == 2);
        CHECK(image["attributes"]["count"] == 1);
    }
    for (const auto& image : v1["images"]) CHECK_FALSE(image["attributes"].contains("shapes_version"));
    CHECK(v1["images"] != v2["images"]);

    SECTION("the importer keeps the version in each image's attributes") {
        store::Workspace::create(tmp / "ws");
        data::KarpathyImportJob import(data::shapesImportOptions(tmp / "ws", tmp / "v2"));
        jobs::CallbackContext context({}, std::make_shared<jobs::CancelToken>());
        REQUIRE(jobs::runJob(import, context).status == jobs::JobStatus::Succeeded);
        auto ws = store::Workspace::open(tmp / "ws");
        auto s = rawDb(ws).prepare("SELECT attributes FROM images WHERE modality = 'real'");
        int images = 0;
        while (s.step()) {
            CHECK(nlohmann::json::parse(s.columnText(0))["shapes_version"] == 2);
            ++images;
        }
        CHECK(images == 10);
    }
    SECTION("unknown versions") {
        for (const int version : {0, 3, -1}) {
            INFO("version " << version);
            data::MakeShapesOptions options;
            options.outDir = tmp / "bad";
            options.count = 3;
            options.version = version;
            CHECK_THROWS_WITH(data::validate(options), Catch::Contains("--version") &&
                                                           Catch::Contains(std::to_string(version)));
            data::MakeShapesJob job(options);
            jobs::CallbackContext context({}, std::make_shared<jobs::CancelToken>());
            CHECK(jobs::runJob(job, context).status == jobs::JobStatus::Failed);
            CHECK_FALSE(fs::exists(tmp / "bad" / "dataset_shapes.json"));
            CHECK_THROWS_AS(data::makeShapesScene(1, 0, 64, version), Error);
            auto scene = data::makeShapesScene(1, 0, 64, 2);
            scene.version = version;
            CHECK_THROWS_AS(data::renderShapesScene(scene, 1), Error);
        }
    }
}

TEST_CASE("Shapes studio style: the same scenes and captions in another look, recorded, version 2 only", "[shapes]") {
    test::TempDir tmp;
    const auto runMake = [&](const fs::path& out, data::ShapesStyle style, double studioFraction) {
        data::MakeShapesOptions options;
        options.outDir = out;
        options.count = 60;
        options.seed = 9;
        options.style = style;
        options.studioFraction = studioFraction;
        data::MakeShapesJob job(options);
        jobs::CallbackContext context({}, std::make_shared<jobs::CancelToken>());
        REQUIRE(jobs::runJob(job, context).status == jobs::JobStatus::Succeeded);
        return nlohmann::json::parse(test::readFile(out / "dataset_shapes.json"));
    };
    const auto photo = runMake(tmp / "photo", data::ShapesStyle::Photo, 0.0);
    const auto studio = runMake(tmp / "studio", data::ShapesStyle::Studio, 0.0);
    CHECK_FALSE(photo.contains("shapes_style"));  // photo files are as they were before styles
    CHECK(studio["shapes_style"] == "studio");
    REQUIRE(photo["images"].size() == studio["images"].size());
    for (std::size_t i = 0; i < photo["images"].size(); ++i) {
        const auto& a = photo["images"][i];
        const auto& b = studio["images"][i];
        CHECK(a["sentences"] == b["sentences"]);  // a studio set names only the content
        CHECK(b["attributes"]["shapes_style"] == "studio");
        auto stripped = b["attributes"];
        stripped.erase("shapes_style");
        CHECK(stripped == a["attributes"]);
    }

    SECTION("the look differs: spotlit backdrop, no sensor noise") {
        double photoRough = 0.0;
        double studioRough = 0.0;
        double spread = 0.0;
        for (int i = 0; i < 40; ++i) {
            auto scene = data::makeShapesScene(9, i, 64, 2);
            const auto p = data::renderShapesScene(scene, 9);
            scene.style = data::ShapesStyle::Studio;
            const auto s = data::renderShapesScene(scene, 9);
            CHECK(p.pixels != s.pixels);
            // Roughness of the top row (background in every version 2 layout but "top"): the mean
            // absolute second difference, where sensor noise shows and a smooth light does not.
            if (scene.objects[0].position != data::ShapePosition::Top) {
                for (int x = 1; x < 63; ++x) {
                    for (int c = 0; c < 3; ++c) {
                        photoRough += std::abs(p.at(0, x - 1, c) - 2 * p.at(0, x, c) + p.at(0, x + 1, c));
                        studioRough += std::abs(s.at(0, x - 1, c) - 2 * s.at(0, x, c) + s.at(0, x + 1, c));
                    }
                }
            }
            // The spotlight sits above the centre: the top middle is lighter than the bottom corners.
            double top = 0.0;
            double bottom = 0.0;
            for (int c = 0; c < 3; ++c) {
                top += s.at(2, 32, c);
                bottom += (s.at(61, 1, c) + s.at(61, 62, c)) / 2.0;
            }
            spread += (top - bottom) / 3.0 / 40;
        }
        std::printf("top-row roughness photo %.0f studio %.0f; studio top-minus-bottom %.1f grey levels\n", photoRough,
                    studioRough, spread);
        CHECK(studioRough < 0.5 * photoRough);
        CHECK(spread > 15.0);
    }
    SECTION("studio needs version 2") {
        auto scene = data::makeShapesScene(9, 0, 64, 1);
        scene.style = data::ShapesStyle::Studio;
        CHECK_THROWS_WITH(data::renderShapesScene(scene, 9), Catch::Contains("version 2"));
        data::MakeShapesOptions options;
        options.outDir = tmp / "bad";
        options.version = 1;
        options.style = data::ShapesStyle::Studio;
        CHECK_THROWS_WITH(data::validate(options), Catch::Contains("--style studio"));
        CHECK(data::shapesStyleFromString("studio") == data::ShapesStyle::Studio);
        CHECK_THROWS_WITH(data::shapesStyleFromString("painting"), Catch::Contains("painting"));
    }
}

TEST_CASE("Shapes studio fraction: some pretraining images in the studio look, named in their captions", "[shapes]") {
    test::TempDir tmp;
    const auto runMake = [&](const fs::path& out, double studioFraction) {
        data::MakeShapesOptions options;
        options.outDir = out;
        options.count = 400;
        options.seed = 5;
        options.studioFraction = studioFraction;
        data::MakeShapesJob job(options);
        jobs::CallbackContext context({}, std::make_shared<jobs::CancelToken>());
        REQUIRE(jobs::runJob(job, context).status == jobs::JobStatus::Succeeded);
        return nlohmann::json::parse(test::readFile(out / "dataset_shapes.json"));
    };
    const auto pure = runMake(tmp / "pure", 0.0);
    const auto mixed = runMake(tmp / "mixed", 0.4);
    CHECK_FALSE(pure.contains("studio_fraction"));
    CHECK(mixed["studio_fraction"] == 0.4);
    int pretrain = 0;
    int studio = 0;
    for (std::size_t i = 0; i < pure["images"].size(); ++i) {
        const auto& a = pure["images"][i];
        const auto& b = mixed["images"][i];
        REQUIRE(a["split"] == b["split"]);
        const fs::path file = fs::path(b["filepath"].get<std::string>()) / b["filename"].get<std::string>();
        const bool isStudio = b["attributes"].value("shapes_style", std::string()) == "studio";
        if (a["split"] == "pretrain") ++pretrain;
        if (!isStudio) {
            // Photos keep their bytes and captions.
            CHECK(a["sentences"] == b["sentences"]);
            CHECK(test::readFile(tmp / "pure" / file) == test::readFile(tmp / "mixed" / file));
            continue;
        }
        ++studio;
        CHECK(b["split"] == "pretrain");  // align and test stay photos
        CHECK(test::readFile(tmp / "pure" / file) != test::readFile(tmp / "mixed" / file));
        REQUIRE(a["sentences"].size() == b["sentences"].size());
        for (std::size_t k = 0; k < a["sentences"].size(); ++k) {
            const auto raw = b["sentences"][k]["raw"].get<std::string>();
            const auto original = a["sentences"][k]["raw"].get<std::string>();
            INFO(raw);
            CHECK(raw.size() > original.size());
            CHECK(raw.substr(raw.size() - original.size()) == original);
            const auto tokens = b["sentences"][k]["tokens"].get<std::vector<std::string>>();
            CHECK((hasToken(tokens, "rendering") || hasToken(tokens, "render") || hasToken(tokens, "rendered")));
        }
    }
    INFO("studio " << studio << " of " << pretrain << " pretraining images");
    CHECK(studio > 0.3 * pretrain);
    CHECK(studio < 0.5 * pretrain);

    data::MakeShapesOptions options;
    options.outDir = tmp / "bad";
    for (const double f : {-0.1, 1.5}) {
        options.studioFraction = f;
        CHECK_THROWS_WITH(data::validate(options), Catch::Contains("--studio-fraction"));
    }
    options.studioFraction = 0.3;
    options.style = data::ShapesStyle::Studio;
    CHECK_THROWS_WITH(data::validate(options), Catch::Contains("--studio-fraction"));
}
