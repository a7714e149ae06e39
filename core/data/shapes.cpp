// The built-in Shapes benchmark: vocabulary, scene layout, captions, attributes, splits and the
// studio share of mixed sets. Rendering is in shapes_render.cpp, make-shapes in shapes_job.cpp.
#include "core/data/shapes.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <set>

#include "core/data/shapes_internal.h"
#include "core/util/error.h"

namespace genra::data {

using namespace shapes_detail;

namespace {

// ---------------------------------------------------------------------------------------------
// Layout, in units of the image side (0..1, y down).

constexpr double kSmallRadiusMin = 0.080;
constexpr double kSmallRadiusMax = 0.090;
constexpr double kLargeRadiusMin = 0.130;
constexpr double kLargeRadiusMax = 0.140;
constexpr double kJitter = 0.04;
constexpr double kMinGap = 0.015;  // between the enclosing circles of two objects
constexpr double kBorder = 0.015;  // between an enclosing circle and the image edge
constexpr double kTwoObjectChance = 0.4;
// The anchors are 0.3 apart at the closest, so two large objects (2 x 0.14 + gap 0.015) always fit
// at zero jitter: the retry loop below can always fall back to the anchors.
static_assert(2 * kLargeRadiusMax + kMinGap <= 0.3,
              "two large objects must fit between neighbouring anchors");

struct Point {
    double x = 0.0;
    double y = 0.0;
};

Point anchorOf(ShapePosition position) {
    switch (position) {
        case ShapePosition::Left:
            return {0.2, 0.5};
        case ShapePosition::Right:
            return {0.8, 0.5};
        case ShapePosition::Top:
            return {0.5, 0.2};
        case ShapePosition::Bottom:
            return {0.5, 0.8};
        case ShapePosition::Center:
            return {0.5, 0.5};
    }
    return {0.5, 0.5};
}

// Version 2: one object, large against the frame, so that at the 32 px the models train at its
// enclosing circle is 12-19 px across (v1's are 5-9 px). The two sizes are clearly apart
// (radius ratio >= 1.33).
constexpr double kV2SmallRadiusMin = 0.19;
constexpr double kV2SmallRadiusMax = 0.21;
constexpr double kV2LargeRadiusMin = 0.28;
constexpr double kV2LargeRadiusMax = 0.30;
// Left/right/top/bottom objects sit against their side of the frame: the gap between the
// enclosing circle and that side is drawn from [min, max], so the object never leaves the frame
// and small objects move further from the centre than large ones.
constexpr double kV2EdgeGapMin = 0.02;
constexpr double kV2EdgeGapMax = 0.045;
// Jitter across the side (and along both axes for the centre).
constexpr double kV2Jitter = 0.03;
// Every off-centre object stays nearer its v1 anchor (0.2 from the side) than the centre, so
// anchor-based position measures (shapes_adherence.cpp) read v2 positions the same way.
static_assert(kV2EdgeGapMax + kV2LargeRadiusMax < 0.35, "a large side object must stay on its side");
static_assert(kV2LargeRadiusMax + kV2Jitter < 0.5 - kV2EdgeGapMin, "a centred object must stay in the frame");

// ---------------------------------------------------------------------------------------------
// Captions.

const std::vector<std::string>& sizeWords(ShapeSize size) {
    static const std::vector<std::string> small{"small", "little"};
    static const std::vector<std::string> large{"large", "big"};
    return size == ShapeSize::Small ? small : large;
}

const std::vector<std::string>& positionPhrases(ShapePosition position) {
    static const std::vector<std::string> left{"on the left", "at the left side", "on the left side"};
    static const std::vector<std::string> right{"on the right", "at the right side", "on the right side"};
    static const std::vector<std::string> top{"at the top", "near the top", "at the top of the image"};
    static const std::vector<std::string> bottom{"at the bottom", "near the bottom",
                                                 "at the bottom of the image"};
    static const std::vector<std::string> center{"in the center", "in the middle", "at the center"};
    switch (position) {
        case ShapePosition::Left:
            return left;
        case ShapePosition::Right:
            return right;
        case ShapePosition::Top:
            return top;
        case ShapePosition::Bottom:
            return bottom;
        case ShapePosition::Center:
            return center;
    }
    return center;
}

const std::vector<std::string>& imageWords() {
    static const std::vector<std::string> words{"a photo of", "an image of", "a picture of"};
    return words;
}

enum class Relation { LeftOf = 1, RightOf, Above, Below };

Relation inverse(Relation relation) {
    switch (relation) {
        case Relation::LeftOf:
            return Relation::RightOf;
        case Relation::RightOf:
            return Relation::LeftOf;
        case Relation::Above:
            return Relation::Below;
        case Relation::Below:
            return Relation::Above;
    }
    return relation;
}

const std::vector<std::string>& relationPhrases(Relation relation) {
    static const std::vector<std::string> leftOf{"to the left of", "left of"};
    static const std::vector<std::string> rightOf{"to the right of", "right of"};
    static const std::vector<std::string> above{"above", "over"};
    static const std::vector<std::string> below{"below", "under"};
    switch (relation) {
        case Relation::LeftOf:
            return leftOf;
        case Relation::RightOf:
            return rightOf;
        case Relation::Above:
            return above;
        case Relation::Below:
            return below;
    }
    return above;
}

// Every relation of `a` to `b` that is clearly true from their centres (a clear offset along the
// axis: anchors differ by >= 0.3 along some axis and jitter moves each by at most 0.04).
std::vector<Relation> trueRelations(const ShapeObject& a, const ShapeObject& b, int imageSize) {
    const double dx = (a.centerX - b.centerX) / imageSize;
    const double dy = (a.centerY - b.centerY) / imageSize;
    std::vector<Relation> relations;
    if (std::abs(dx) >= 0.15) relations.push_back(dx < 0 ? Relation::LeftOf : Relation::RightOf);
    if (std::abs(dy) >= 0.15) relations.push_back(dy < 0 ? Relation::Above : Relation::Below);
    return relations;
}

// Single-object templates: {s} size (a synonym), {S} size (the attribute word), {c} colour, {k} shape, {p}
// position, {img} "a photo of"...
const std::vector<std::string>& singleTemplates() {
    static const std::vector<std::string> templates{
        "a {s} {c} {k} {p}",       "a {c} {k}, {S}, {p}",        "there is a {s} {c} {k} {p}",
        "{img} a {s} {c} {k} {p}", "{p} there is a {s} {c} {k}", "a {s} {k} in {c} {p}",
        "the {c} {k} {p} is {s}",  "a single {s} {c} {k} {p}",
    };
    return templates;
}

// Two-object templates: A is the primary object, B the other; {rel} is A's relation to B and
// {inv} B's relation to A. Every template names A's colour and shape.
const std::vector<std::string>& pairTemplates() {
    static const std::vector<std::string> templates{
        "a {sA} {cA} {kA} {rel} a {sB} {cB} {kB}",
        "a {cA} {kA} {rel} a {cB} {kB}",
        "a {sB} {cB} {kB} {inv} a {sA} {cA} {kA}",
        "a {sA} {cA} {kA} {pA} and a {sB} {cB} {kB} {pB}",
        "two shapes: a {cA} {kA} {pA} and a {cB} {kB} {pB}",
        "{img} a {sA} {cA} {kA} and a {sB} {cB} {kB}",
        "there is a {cA} {kA} {rel} a {sB} {cB} {kB}",
        "the {cA} {kA} is {rel} the {cB} {kB}",
    };
    return templates;
}

std::string replaceAll(std::string text, const std::string& key, const std::string& value) {
    std::size_t at = 0;
    while ((at = text.find(key, at)) != std::string::npos) {
        text.replace(at, key.size(), value);
        at += value.size();
    }
    return text;
}

// "a orange" -> "an orange", "a image" -> "an image".
std::string fixArticles(const std::string& text) {
    std::string out;
    std::size_t start = 0;
    while (start <= text.size()) {
        std::size_t end = text.find(' ', start);
        if (end == std::string::npos) end = text.size();
        std::string word = text.substr(start, end - start);
        if (word == "a" && end < text.size() &&
            std::string("aeiou").find(text[end + 1]) != std::string::npos) {
            word = "an";
        }
        if (!out.empty()) out += ' ';
        out += word;
        start = end + 1;
    }
    return out;
}

std::string fillTemplate(const std::string& pattern, Rng& rng, const std::vector<ShapeObject>& objects,
                         int imageSize) {
    std::string text = pattern;
    text = replaceAll(text, "{img}", rng.pick(imageWords()));
    const char* suffixes[] = {"A", "B"};
    for (std::size_t i = 0; i < objects.size(); ++i) {
        const auto& object = objects[i];
        const std::string suffix = objects.size() == 1 ? "" : suffixes[i];
        text = replaceAll(text, "{s" + suffix + "}", rng.pick(sizeWords(object.size)));
        text = replaceAll(text, "{S" + suffix + "}", toString(object.size));
        text = replaceAll(text, "{c" + suffix + "}", toString(object.color));
        text = replaceAll(text, "{k" + suffix + "}", toString(object.kind));
        text = replaceAll(text, "{p" + suffix + "}", rng.pick(positionPhrases(object.position)));
    }
    if (objects.size() == 2) {
        const auto relations = trueRelations(objects[0], objects[1], imageSize);
        const Relation relation = rng.pick(relations);
        text = replaceAll(text, "{rel}", rng.pick(relationPhrases(relation)));
        text = replaceAll(text, "{inv}", rng.pick(relationPhrases(inverse(relation))));
    }
    return fixArticles(text);
}

std::vector<std::string> makeCaptions(Rng& rng, const std::vector<ShapeObject>& objects, int imageSize) {
    const auto& templates = objects.size() == 1 ? singleTemplates() : pairTemplates();
    std::vector<int> order(templates.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int>(i);
    for (int i = static_cast<int>(order.size()) - 1; i > 0; --i) std::swap(order[i], order[rng.below(i + 1)]);
    std::vector<std::string> captions;
    std::set<std::string> seen;
    // Distinct templates give distinct sentences; walking the whole shuffled list (and then
    // redrawing synonyms) guards the rule "five different captions" should a template ever repeat.
    for (int round = 0; captions.size() < 5 && round < 8; ++round) {
        for (int t : order) {
            if (captions.size() >= 5) break;
            auto caption = fillTemplate(templates[static_cast<std::size_t>(t)], rng, objects, imageSize);
            if (seen.insert(caption).second) captions.push_back(std::move(caption));
        }
    }
    return captions;
}

double round2(double v) {
    return std::round(v * 100.0) / 100.0;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Vocabulary.

const char* toString(ShapeKind kind) {
    switch (kind) {
        case ShapeKind::Circle:
            return "circle";
        case ShapeKind::Square:
            return "square";
        case ShapeKind::Triangle:
            return "triangle";
        case ShapeKind::Star:
            return "star";
        case ShapeKind::Hexagon:
            return "hexagon";
        case ShapeKind::Cross:
            return "cross";
    }
    return "?";
}

const char* toString(ShapeColor color) {
    switch (color) {
        case ShapeColor::Red:
            return "red";
        case ShapeColor::Green:
            return "green";
        case ShapeColor::Blue:
            return "blue";
        case ShapeColor::Yellow:
            return "yellow";
        case ShapeColor::Purple:
            return "purple";
        case ShapeColor::Orange:
            return "orange";
        case ShapeColor::White:
            return "white";
        case ShapeColor::Black:
            return "black";
    }
    return "?";
}

const char* toString(ShapeSize size) {
    return size == ShapeSize::Small ? "small" : "large";
}

const char* toString(ShapePosition position) {
    switch (position) {
        case ShapePosition::Left:
            return "left";
        case ShapePosition::Right:
            return "right";
        case ShapePosition::Top:
            return "top";
        case ShapePosition::Bottom:
            return "bottom";
        case ShapePosition::Center:
            return "center";
    }
    return "?";
}

const char* toString(ShapesStyle style) {
    return style == ShapesStyle::Studio ? "studio" : "photo";
}

ShapesStyle shapesStyleFromString(const std::string& name) {
    if (name == "photo") return ShapesStyle::Photo;
    if (name == "studio") return ShapesStyle::Studio;
    throw Error("unknown Shapes style '" + name + "' (photo or studio)");
}

const std::vector<ShapeKind>& allShapeKinds() {
    static const std::vector<ShapeKind> all{ShapeKind::Circle, ShapeKind::Square,  ShapeKind::Triangle,
                                            ShapeKind::Star,   ShapeKind::Hexagon, ShapeKind::Cross};
    return all;
}

const std::vector<ShapeColor>& allShapeColors() {
    static const std::vector<ShapeColor> all{ShapeColor::Red,    ShapeColor::Green,  ShapeColor::Blue,
                                             ShapeColor::Yellow, ShapeColor::Purple, ShapeColor::Orange,
                                             ShapeColor::White,  ShapeColor::Black};
    return all;
}

const std::vector<ShapeSize>& allShapeSizes() {
    static const std::vector<ShapeSize> all{ShapeSize::Small, ShapeSize::Large};
    return all;
}

const std::vector<ShapePosition>& allShapePositions() {
    static const std::vector<ShapePosition> all{ShapePosition::Left, ShapePosition::Right, ShapePosition::Top,
                                                ShapePosition::Bottom, ShapePosition::Center};
    return all;
}

std::array<std::uint8_t, 3> shapeColorRgb(ShapeColor color) {
    // Saturated and far apart in hue or lightness, so they stay distinct at 64 px under lighting.
    switch (color) {
        case ShapeColor::Red:
            return {205, 35, 35};
        case ShapeColor::Green:
            return {35, 165, 55};
        case ShapeColor::Blue:
            return {35, 75, 215};
        case ShapeColor::Yellow:
            return {240, 210, 35};
        case ShapeColor::Purple:
            return {140, 50, 175};
        case ShapeColor::Orange:
            return {245, 125, 20};
        case ShapeColor::White:
            return {245, 245, 240};
        case ShapeColor::Black:
            return {22, 22, 26};
    }
    return {128, 128, 128};
}

std::map<std::string, std::vector<std::string>> shapesAttributeValues() {
    std::map<std::string, std::vector<std::string>> values;
    for (auto k : allShapeKinds()) values["shape"].push_back(toString(k));
    for (auto c : allShapeColors()) values["color"].push_back(toString(c));
    for (auto s : allShapeSizes()) values["size"].push_back(toString(s));
    for (auto p : allShapePositions()) values["position"].push_back(toString(p));
    return values;
}

// ---------------------------------------------------------------------------------------------
// Scenes.

namespace {


// Version 1: one or two small objects at jittered anchors. Unchanged since before versions
// existed: the same seed gives the same scenes, pixels and JSON.
ShapesScene makeSceneV1(std::uint64_t seed, int index, int imageSize) {
    Rng rng(seed, Stream::Layout, static_cast<std::uint64_t>(index));
    ShapesScene scene;
    scene.index = index;
    scene.imageSize = imageSize;
    scene.version = 1;

    const int count = rng.chance(kTwoObjectChance) ? 2 : 1;
    std::vector<ShapePosition> freePositions = allShapePositions();
    for (int i = 0; i < count; ++i) {
        ShapeObject object;
        // The second object differs in shape or colour, so every caption names it unambiguously.
        do {
            object.kind = rng.pick(allShapeKinds());
            object.color = rng.pick(allShapeColors());
        } while (i == 1 && object.kind == scene.objects[0].kind && object.color == scene.objects[0].color);
        object.size = rng.pick(allShapeSizes());
        const int slot = rng.below(static_cast<int>(freePositions.size()));
        object.position = freePositions[static_cast<std::size_t>(slot)];
        freePositions.erase(freePositions.begin() + slot);
        object.radius = object.size == ShapeSize::Small ? rng.uniform(kSmallRadiusMin, kSmallRadiusMax)
                                                        : rng.uniform(kLargeRadiusMin, kLargeRadiusMax);
        object.rotationDeg = rng.uniform(-15.0, 15.0);
        scene.objects.push_back(object);
    }

    // Jitter the objects off their anchors; retry until they keep apart, else sit on the anchors.
    std::vector<Point> centers(scene.objects.size());
    for (int attempt = 0; attempt <= 32; ++attempt) {
        const double jitter = attempt < 32 ? kJitter : 0.0;
        for (std::size_t i = 0; i < scene.objects.size(); ++i) {
            const auto& object = scene.objects[i];
            const Point anchor = anchorOf(object.position);
            const double lo = object.radius + kBorder;
            const double hi = 1.0 - object.radius - kBorder;
            centers[i].x = std::clamp(anchor.x + rng.uniform(-jitter, jitter), lo, hi);
            centers[i].y = std::clamp(anchor.y + rng.uniform(-jitter, jitter), lo, hi);
        }
        if (centers.size() < 2) break;
        const double distance = length(centers[0].x - centers[1].x, centers[0].y - centers[1].y);
        if (distance >= scene.objects[0].radius + scene.objects[1].radius + kMinGap) break;
    }
    for (std::size_t i = 0; i < scene.objects.size(); ++i) {
        auto& object = scene.objects[i];
        object.centerX = centers[i].x * imageSize;
        object.centerY = centers[i].y * imageSize;
        object.radius *= imageSize;
    }

    scene.captions = makeCaptions(rng, scene.objects, imageSize);
    return scene;
}

// Version 2: one large object against its side of the frame or in the centre.
ShapesScene makeSceneV2(std::uint64_t seed, int index, int imageSize) {
    Rng rng(seed, Stream::Layout, static_cast<std::uint64_t>(index));
    ShapesScene scene;
    scene.index = index;
    scene.imageSize = imageSize;
    scene.version = 2;

    ShapeObject object;
    object.kind = rng.pick(allShapeKinds());
    object.color = rng.pick(allShapeColors());
    object.size = rng.pick(allShapeSizes());
    object.position = rng.pick(allShapePositions());
    const double radius = object.size == ShapeSize::Small ? rng.uniform(kV2SmallRadiusMin, kV2SmallRadiusMax)
                                                          : rng.uniform(kV2LargeRadiusMin, kV2LargeRadiusMax);
    object.rotationDeg = rng.uniform(-15.0, 15.0);
    const double offCentre = 0.5 - radius - rng.uniform(kV2EdgeGapMin, kV2EdgeGapMax);
    const double across = rng.uniform(-kV2Jitter, kV2Jitter);
    Point center{0.5, 0.5};
    switch (object.position) {
        case ShapePosition::Left:
            center = {0.5 - offCentre, 0.5 + across};
            break;
        case ShapePosition::Right:
            center = {0.5 + offCentre, 0.5 + across};
            break;
        case ShapePosition::Top:
            center = {0.5 + across, 0.5 - offCentre};
            break;
        case ShapePosition::Bottom:
            center = {0.5 + across, 0.5 + offCentre};
            break;
        case ShapePosition::Center:
            center = {0.5 + across, 0.5 + rng.uniform(-kV2Jitter, kV2Jitter)};
            break;
    }
    object.centerX = center.x * imageSize;
    object.centerY = center.y * imageSize;
    object.radius = radius * imageSize;
    scene.objects.push_back(object);

    scene.captions = makeCaptions(rng, scene.objects, imageSize);
    return scene;
}

}  // namespace

ShapesScene makeShapesScene(std::uint64_t seed, int index, int imageSize, int version) {
    checkVersion(version);
    return version == 1 ? makeSceneV1(seed, index, imageSize) : makeSceneV2(seed, index, imageSize);
}

nlohmann::json shapesAttributes(const ShapesScene& scene) {
    nlohmann::json objects = nlohmann::json::array();
    for (const auto& object : scene.objects) {
        objects.push_back({{"shape", toString(object.kind)},
                           {"color", toString(object.color)},
                           {"size", toString(object.size)},
                           {"position", toString(object.position)},
                           {"center", {round2(object.centerX), round2(object.centerY)}},
                           {"radius", round2(object.radius)},
                           {"rotation", round2(object.rotationDeg)}});
    }
    const auto& primary = scene.objects.at(0);
    nlohmann::json attributes{{"shape", toString(primary.kind)},
                              {"color", toString(primary.color)},
                              {"size", toString(primary.size)},
                              {"position", toString(primary.position)},
                              {"count", static_cast<int>(scene.objects.size())},
                              {"objects", objects}};
    // Version 1 attributes stay exactly as they were (no key = version 1).
    if (scene.version >= 2) attributes["shapes_version"] = scene.version;
    if (scene.style != ShapesStyle::Photo) attributes["shapes_style"] = toString(scene.style);
    return attributes;
}

std::vector<std::string> captionTokens(const std::string& caption) {
    std::vector<std::string> tokens;
    std::string word;
    for (char ch : caption) {
        const auto u = static_cast<unsigned char>(ch);
        if (std::isalnum(u)) {
            word += static_cast<char>(std::tolower(u));
        } else if (!word.empty()) {
            tokens.push_back(word);
            word.clear();
        }
    }
    if (!word.empty()) tokens.push_back(word);
    return tokens;
}

// ---------------------------------------------------------------------------------------------
// Splits.

std::vector<std::string> assignShapesSplits(int count, const std::array<double, 3>& fractions,
                                            std::uint64_t seed) {
    double sum = 0.0;
    for (double f : fractions) {
        if (!(f >= 0.0) || !std::isfinite(f)) throw Error("split fractions must be finite and >= 0");
        sum += f;
    }
    if (std::abs(sum - 1.0) > 1e-3) {
        throw Error("split fractions must sum to 1 (pretrain + align + test = " + std::to_string(sum) + ")");
    }
    // Largest remainder: exact counts that add up to `count`; ties go to the earlier split.
    std::array<int, 3> counts{};
    std::array<double, 3> remainders{};
    int assigned = 0;
    for (std::size_t i = 0; i < 3; ++i) {
        const double exact = fractions[i] / sum * count;
        counts[i] = static_cast<int>(std::floor(exact));
        remainders[i] = exact - counts[i];
        assigned += counts[i];
    }
    while (assigned < count) {
        std::size_t best = 0;
        for (std::size_t i = 1; i < 3; ++i) {
            if (remainders[i] > remainders[best]) best = i;
        }
        ++counts[best];
        remainders[best] = -1.0;
        ++assigned;
    }
    std::vector<std::string> splits;
    splits.reserve(static_cast<std::size_t>(count));
    for (std::size_t i = 0; i < 3; ++i)
        splits.insert(splits.end(), static_cast<std::size_t>(counts[i]), kShapesSplits[i]);
    Rng rng(seed, Stream::Splits, 0);
    for (int i = count - 1; i > 0; --i)
        std::swap(splits[static_cast<std::size_t>(i)], splits[static_cast<std::size_t>(rng.below(i + 1))]);
    return splits;
}

// ---------------------------------------------------------------------------------------------
// Mixed styles: studio images among the pretraining photos, named in their captions as web captions
// name renders, so a CLIP trained on the split learns the look (and can tell it from photos).

namespace shapes_detail {

const std::array<const char*, 4> kStudioPhrases{"a rendering of ", "a 3d render of ", "a studio render of ",
                                                "a rendered image of "};

// Which pretrain images a mixed set draws in the studio style: a draw per image from its own stream,
// so the photos keep their bytes and captions.
bool drawnInStudio(std::uint64_t seed, int index, double fraction) {
    if (fraction <= 0.0) return false;
    Rng rng(seed, Stream::Style, static_cast<std::uint64_t>(index));
    return rng.chance(fraction);
}

void nameStudioStyle(ShapesScene& scene, std::uint64_t seed) {
    Rng rng(seed, Stream::Style, static_cast<std::uint64_t>(scene.index) + 0x9E3779B97F4A7C15ull);
    for (auto& caption : scene.captions) caption = kStudioPhrases[static_cast<std::size_t>(rng.below(4))] + caption;
}

}  // namespace shapes_detail

}  // namespace genra::data
