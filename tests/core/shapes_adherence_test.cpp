// The Shapes caption-adherence measure: real Shapes renders follow their captions by it (at 64 px and
// at the generator's 32 px), images against another image's caption mostly do not, and each of
// colour, position and shape fails on its own when only that one is changed; the workspace measure
// scores generated images, their real images and chance.
#include "core/data/shapes_adherence.h"

#include "core/data/image.h"
#include "core/data/preprocess.h"
#include "core/data/shapes.h"
#include "core/store/workspace.h"
#include "core/store/raw_db.h"
#include "core/util/error.h"
#include "support/eval_world.h"
#include "support/test_support.h"

#include <catch2/catch.hpp>

#include <cmath>
#include <nlohmann/json.hpp>

#include <cstdio>

using namespace genra;
namespace fs = std::filesystem;

namespace {

data::ShapesTarget targetOf(const data::ShapesScene& scene) {
    const auto target = data::shapesTargetFromAttributes(data::shapesAttributes(scene));
    REQUIRE(target.has_value());
    return *target;
}

struct Scored {
    data::AdherenceRates own;
    data::AdherenceRates other;
};

// Scenes 0..count-1 of `seed` rendered at 64 px (and resized to `size`), scored against their own
// target and against the next scene's.
Scored scoreRenders(int count, int size) {
    const std::uint64_t seed = 7;
    std::vector<data::Image> images;
    std::vector<data::ShapesTarget> targets;
    for (int i = 0; i < count; ++i) {
        const auto scene = data::makeShapesScene(seed, i, 64);
        auto image = data::renderShapesScene(scene, seed);
        if (size != 64) image = data::resizeBicubicAntialias(image, size, size);
        images.push_back(std::move(image));
        targets.push_back(targetOf(scene));
    }
    data::AdherenceTally own;
    data::AdherenceTally other;
    for (int i = 0; i < count; ++i) {
        own.add(data::scoreShapesAdherence(images[i], targets[i]), targets[i].positionStated);
        const auto& wrong = targets[(i + 1) % count];
        other.add(data::scoreShapesAdherence(images[i], wrong), wrong.positionStated);
    }
    return {own.rates(), other.rates()};
}

}  // namespace

TEST_CASE("Shapes adherence: real renders follow their captions, mismatched captions do not", "[adherence]") {
    for (const int size : {64, 32}) {
        DYNAMIC_SECTION("at " << size << " px") {
            const auto scored = scoreRenders(200, size);
            const auto& own = scored.own;
            const auto& other = scored.other;
            std::printf("adherence of real renders at %d px: colour %.3f position %.3f shape %.3f all %.3f; "
                        "against another caption: colour %.3f position %.3f shape %.3f all %.3f\n",
                        size, own.color, own.position, own.shape, own.all, other.color, other.position, other.shape,
                        other.all);
            CHECK(own.images == 200);
            CHECK(own.positionImages > 80);
            CHECK(own.positionImages < 160);
            CHECK(own.color >= 0.97);
            CHECK(own.position >= 0.97);
            CHECK(own.shape >= (size == 64 ? 0.9 : 0.75));
            CHECK(own.all >= (size == 64 ? 0.88 : 0.7));
            // Eight colours, five positions, six shapes: a wrong caption rarely fits.
            CHECK(other.color <= 0.4);
            CHECK(other.all <= 0.1);
        }
    }
}

TEST_CASE("Shapes adherence: colour, position and shape each fail alone", "[adherence]") {
    const std::uint64_t seed = 3;
    // A one-object scene: every caption states its position.
    data::ShapesScene scene;
    for (int i = 0; i < 50; ++i) {
        scene = data::makeShapesScene(seed, i, 64);
        if (scene.objects.size() == 1 && scene.objects[0].size == data::ShapeSize::Large) break;
    }
    REQUIRE(scene.objects.size() == 1);
    const auto target = targetOf(scene);
    CHECK(target.positionStated);
    const auto original = data::scoreShapesAdherence(data::renderShapesScene(scene, seed), target);
    CHECK(original.color);
    CHECK(original.position);
    CHECK(original.shape);
    CHECK(original.all);

    SECTION("another colour") {
        auto changed = scene;
        changed.objects[0].color = target.color == data::ShapeColor::Blue ? data::ShapeColor::Yellow : data::ShapeColor::Blue;
        const auto score = data::scoreShapesAdherence(data::renderShapesScene(changed, seed), target);
        CHECK_FALSE(score.color);
        CHECK_FALSE(score.all);
    }
    SECTION("another position") {
        auto changed = scene;
        const bool left = target.position == data::ShapePosition::Left;
        changed.objects[0].position = left ? data::ShapePosition::Right : data::ShapePosition::Left;
        changed.objects[0].centerX = (left ? 0.8 : 0.2) * 64;
        changed.objects[0].centerY = 0.5 * 64;
        const auto image = data::renderShapesScene(changed, seed);
        const auto score = data::scoreShapesAdherence(image, target);
        CHECK(score.color);
        CHECK(score.shape);
        CHECK_FALSE(score.position);
        CHECK_FALSE(score.all);
        CHECK(data::findShapesRegion(image, target.color).position == changed.objects[0].position);
    }
    SECTION("another shape") {
        for (const auto kind : data::allShapeKinds()) {
            if (kind == target.kind) continue;
            auto changed = scene;
            changed.objects[0].kind = kind;
            const auto image = data::renderShapesScene(changed, seed);
            const auto score = data::scoreShapesAdherence(image, target);
            INFO("drawn " << data::toString(kind) << ", caption says " << data::toString(target.kind));
            CHECK(score.color);
            CHECK(score.position);
            CHECK_FALSE(score.shape);
            CHECK(data::findShapesRegion(image, target.color).kind == kind);
        }
    }
    SECTION("no object at all") {
        data::Image flat;
        flat.width = 32;
        flat.height = 32;
        flat.channels = 3;
        flat.pixels.assign(32 * 32 * 3, 120);
        const auto score = data::scoreShapesAdherence(flat, target);
        CHECK_FALSE(score.color);
        CHECK_FALSE(score.all);
    }
    SECTION("a wash of the caption's colour over the whole image is no object") {
        data::Image wash;
        wash.width = 32;
        wash.height = 32;
        wash.channels = 3;
        const auto rgb = data::shapeColorRgb(target.color);
        for (int p = 0; p < 32 * 32; ++p) wash.pixels.insert(wash.pixels.end(), rgb.begin(), rgb.end());
        CHECK_FALSE(data::scoreShapesAdherence(wash, target).color);
    }
}

TEST_CASE("Shapes adherence: palette colours are told from muted backgrounds", "[adherence]") {
    for (const auto color : data::allShapeColors()) {
        const auto rgb = data::shapeColorRgb(color);
        for (const double background : {0.35, 0.5, 0.62}) {
            const auto found = data::classifyShapesPixel(rgb[0], rgb[1], rgb[2], background);
            INFO(data::toString(color) << " on background value " << background);
            REQUIRE(found.has_value());
            CHECK(*found == color);
        }
    }
    // Muted background colours (saturation <= 0.32) are background.
    CHECK_FALSE(data::classifyShapesPixel(128, 118, 100, 0.5).has_value());
    CHECK_FALSE(data::classifyShapesPixel(90, 100, 120, 0.45).has_value());
    CHECK(data::shapesTargetFromAttributes(nlohmann::json::object()) == std::nullopt);
    CHECK(data::shapesTargetFromAttributes({{"shape", "blob"}, {"color", "red"}, {"position", "left"}}) == std::nullopt);
}

TEST_CASE("Fine detail: zero when flat, edges only for a linear ramp, large for a checkerboard", "[adherence]") {
    data::Image image;
    image.width = 8;
    image.height = 5;
    image.channels = 3;
    image.pixels.assign(8 * 5 * 3, 77);
    CHECK(data::fineDetailRms(image) == 0.0);
    // value = 10 x: the blur keeps a linear ramp, except in the first and last columns, whose
    // replicated neighbours make it 10/3 off.
    for (int y = 0; y < 5; ++y)
        for (int x = 0; x < 8; ++x)
            for (int c = 0; c < 3; ++c) image.at(y, x, c) = static_cast<std::uint8_t>(10 * x);
    CHECK(data::fineDetailRms(image) == Approx(std::sqrt(2.0 * (100.0 / 9.0) / 8.0)));
    // A one-pixel checkerboard of 100 and 140: 160/9 away from the blur inside.
    image.width = image.height = 40;
    image.pixels.assign(40 * 40 * 3, 0);
    for (int y = 0; y < 40; ++y)
        for (int x = 0; x < 40; ++x)
            for (int c = 0; c < 3; ++c) image.at(y, x, c) = (x + y) % 2 ? 100 : 140;
    CHECK(data::fineDetailRms(image) > 0.9 * 160.0 / 9.0);
    CHECK(data::fineDetailRms(image) < 1.1 * 160.0 / 9.0);
    CHECK(data::fineDetailRms(data::Image{}) == 0.0);
}

TEST_CASE("Shapes adherence of a workspace's generated images, their real images and chance", "[adherence]") {
    // 40 real Shapes images at 32 px; the first caption of each has a noisy copy of its real image
    // as generator "noisy-copy". A grey square per caption is added as "builtin:flat".
    test::EvalWorld world(40);
    auto w = store::Workspace::open(world.ws);
    const auto datasetId = w.requireDataset("shapes").id;
    data::Image flat;
    flat.width = 32;
    flat.height = 32;
    flat.channels = 3;
    flat.pixels.assign(32 * 32 * 3, 110);
    {
        auto s = rawDb(w).prepare("SELECT caption_id FROM generations");
        std::vector<std::int64_t> captionIds;
        while (s.step()) captionIds.push_back(s.columnInt(0));
        REQUIRE(captionIds.size() == 40);
        for (const auto captionId : captionIds) {
            const std::string relative = "images/flat/" + std::to_string(captionId) + ".png";
            fs::create_directories((world.ws / relative).parent_path());
            data::saveImage(flat, world.ws / relative);
            store::ImageRecord record;
            record.datasetId = datasetId;
            record.path = relative;
            record.modality = "generated";
            record.split = "align";
            w.insertGeneration(w.insertImage(record), captionId, "builtin:flat", 0, "{}");
        }
    }

    data::ShapesAdherenceOptions options;
    options.dataset = "shapes";
    options.generator = "noisy-copy";
    const auto copies = data::measureShapesAdherence(w, options);
    std::printf("noisy copies: colour %.3f position %.3f shape %.3f all %.3f; real all %.3f; chance all %.3f\n",
                copies.generated.color, copies.generated.position, copies.generated.shape, copies.generated.all,
                copies.real.all, copies.chance.all);
    CHECK(copies.imageSize == 32);
    CHECK(copies.generated.images == 40);
    CHECK(copies.real.images == 40);
    CHECK(copies.real.color >= 0.95);
    CHECK(copies.generated.color >= 0.8);
    CHECK(copies.generated.all <= copies.real.all + 0.05);
    CHECK(copies.chance.all < copies.generated.all - 0.3);

    // The copies carry noise their real images do not.
    CHECK(copies.realFineDetail > 0.5);
    CHECK(copies.generatedFineDetail > copies.realFineDetail + 1.0);

    options.generator = "builtin:flat";
    const auto flats = data::measureShapesAdherence(w, options);
    CHECK(flats.generated.images == 40);
    CHECK(flats.generated.color == 0.0);
    CHECK(flats.generated.all == 0.0);
    CHECK(flats.real.color >= 0.95);
    CHECK(flats.generatedFineDetail == 0.0);
    CHECK(flats.realFineDetail == Approx(copies.realFineDetail));

    options.generator.clear();
    options.maxImages = 10;
    CHECK(data::measureShapesAdherence(w, options).generated.images == 10);
    const auto json = data::toJson(copies);
    CHECK(json["generated"]["images"] == 40);
    CHECK(json.contains("chance"));
    CHECK(json["fine_detail_rms"]["generated"].get<double>() == Approx(copies.generatedFineDetail));
    CHECK(json["fine_detail_rms"]["real"].get<double>() == Approx(copies.realFineDetail));

    options.generator = "external:none";
    CHECK_THROWS_AS(data::measureShapesAdherence(w, options), Error);
}

TEST_CASE("Shapes adherence: studio-style renders follow their captions as photos do", "[adherence]") {
    // The studio look (spotlight, drop shadow, gloss) must not hide what the caption names: the
    // measure reads studio images as well as photos of the same version 2 scenes.
    const std::uint64_t seed = 11;
    data::AdherenceTally photo;
    data::AdherenceTally studio;
    for (int i = 0; i < 200; ++i) {
        auto scene = data::makeShapesScene(seed, i, 64, 2);
        const auto target = targetOf(scene);
        const auto photoImage = data::resizeBicubicAntialias(data::renderShapesScene(scene, seed), 32, 32);
        scene.style = data::ShapesStyle::Studio;
        const auto studioImage = data::resizeBicubicAntialias(data::renderShapesScene(scene, seed), 32, 32);
        photo.add(data::scoreShapesAdherence(photoImage, target), target.positionStated);
        studio.add(data::scoreShapesAdherence(studioImage, target), target.positionStated);
    }
    const auto p = photo.rates();
    const auto s = studio.rates();
    std::printf("version 2 at 32 px, photo: colour %.3f position %.3f shape %.3f; studio: colour %.3f position %.3f "
                "shape %.3f\n", p.color, p.position, p.shape, s.color, s.position, s.shape);
    CHECK(s.color >= 0.97);
    CHECK(s.position >= 0.97);
    CHECK(s.shape >= p.shape - 0.05);
}
