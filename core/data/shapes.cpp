#include "core/data/shapes.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <exception>
#include <fstream>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "core/util/threads.h"
#include "core/util/random.h"

namespace fs = std::filesystem;

namespace genra::data {

namespace {

constexpr double kPi = 3.14159265358979323846;

// ---------------------------------------------------------------------------------------------
// Random numbers. std::mt19937_64's output is fixed by the standard, but std:: distributions are
// not (libstdc++ and libc++ differ), so every distribution here is written out.

using util::splitMix64;

// Independent streams per purpose, so changing how captions are drawn never changes pixels.
enum class Stream : std::uint64_t { Layout = 1, Render = 2, Splits = 3, Style = 4 };

class Rng {
public:
    Rng(std::uint64_t seed, Stream stream, std::uint64_t index)
        : engine_(splitMix64(splitMix64(seed) ^
                             splitMix64(static_cast<std::uint64_t>(stream) * 0x100000001ull) ^
                             splitMix64(index + 0x51ED270B27ull))) {}

    // [0, 1) with 53 random bits.
    double uniform() { return static_cast<double>(engine_() >> 11) * (1.0 / 9007199254740992.0); }
    double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
    // [0, n); the modulo bias is below 2^-40 for any n the maker uses.
    int below(int n) { return static_cast<int>(engine_() % static_cast<std::uint64_t>(n)); }
    bool chance(double p) { return uniform() < p; }
    // Standard normal by Box-Muller (both values used).
    double normal() {
        if (hasSpare_) {
            hasSpare_ = false;
            return spare_;
        }
        double u1 = uniform();
        while (u1 <= 1e-300) u1 = uniform();
        const double u2 = uniform();
        const double radius = std::sqrt(-2.0 * std::log(u1));
        spare_ = radius * std::sin(2.0 * kPi * u2);
        hasSpare_ = true;
        return radius * std::cos(2.0 * kPi * u2);
    }
    template <class T>
    const T& pick(const std::vector<T>& items) {
        return items[static_cast<std::size_t>(below(static_cast<int>(items.size())))];
    }

private:
    std::mt19937_64 engine_;
    bool hasSpare_ = false;
    double spare_ = 0.0;
};

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

// ---------------------------------------------------------------------------------------------
// Rendering. Shapes are signed distance functions (negative inside), so edges are anti-aliased
// analytically and shadows are soft for free. Coordinates in image-side units, y down.

double clamp01(double v) {
    return v < 0.0 ? 0.0 : (v > 1.0 ? 1.0 : v);
}

double smoothstep(double edge0, double edge1, double x) {
    const double t = clamp01((x - edge0) / (edge1 - edge0));
    return t * t * (3.0 - 2.0 * t);
}

double length(double x, double y) {
    return std::sqrt(x * x + y * y);
}

double sdBox(double px, double py, double bx, double by) {
    const double qx = std::abs(px) - bx;
    const double qy = std::abs(py) - by;
    return length(std::max(qx, 0.0), std::max(qy, 0.0)) + std::min(std::max(qx, qy), 0.0);
}

// Equilateral triangle, apex up (y up), centroid at the origin; halfSide = half the side length.
double sdTriangle(double px, double py, double halfSide) {
    const double k = std::sqrt(3.0);
    px = std::abs(px) - halfSide;
    py = py + halfSide / k;
    if (px + k * py > 0.0) {
        const double nx = (px - k * py) / 2.0;
        const double ny = (-k * px - py) / 2.0;
        px = nx;
        py = ny;
    }
    px -= std::clamp(px, -2.0 * halfSide, 0.0);
    return -length(px, py) * (py < 0.0 ? -1.0 : 1.0);
}

// Regular hexagon, flat top and bottom; inRadius = distance from the centre to an edge.
double sdHexagon(double px, double py, double inRadius) {
    const double kx = -0.866025404;
    const double ky = 0.5;
    const double kz = 0.577350269;
    px = std::abs(px);
    py = std::abs(py);
    const double d = 2.0 * std::min(kx * px + ky * py, 0.0);
    px -= d * kx;
    py -= d * ky;
    px -= std::clamp(px, -kz * inRadius, kz * inRadius);
    py -= inRadius;
    return length(px, py) * (py < 0.0 ? -1.0 : 1.0);
}

// Five-pointed star, a point up (y up); outer = tip radius, innerFactor sets the waist.
double sdStar5(double px, double py, double outer, double innerFactor) {
    const double k1x = 0.809016994375;
    const double k1y = -0.587785252292;
    const double k2x = -k1x;
    const double k2y = k1y;
    px = std::abs(px);
    double d = 2.0 * std::max(k1x * px + k1y * py, 0.0);
    px -= d * k1x;
    py -= d * k1y;
    d = 2.0 * std::max(k2x * px + k2y * py, 0.0);
    px -= d * k2x;
    py -= d * k2y;
    px = std::abs(px);
    py -= outer;
    const double bax = innerFactor * (-k1y);
    const double bay = innerFactor * k1x - 1.0;
    const double h = std::clamp((px * bax + py * bay) / (bax * bax + bay * bay), 0.0, outer);
    const double sign = (py * bax - px * bay) < 0.0 ? -1.0 : 1.0;
    return length(px - bax * h, py - bay * h) * sign;
}

// Signed distance from (x, y) to the object; every shape fits inside the enclosing radius.
double objectDistance(const ShapeObject& object, double x, double y, double scale) {
    const double r = object.radius / scale;
    const double angle = object.rotationDeg * kPi / 180.0;
    const double c = std::cos(angle);
    const double s = std::sin(angle);
    const double dx = x - object.centerX / scale;
    const double dy = y - object.centerY / scale;
    // Into the object's frame, y up (so triangles and stars point up before rotation).
    const double px = c * dx + s * dy;
    const double py = -(-s * dx + c * dy);
    switch (object.kind) {
        case ShapeKind::Circle:
            return length(px, py) - 0.88 * r;
        case ShapeKind::Square:
            return sdBox(px, py, 0.66 * r, 0.66 * r);
        case ShapeKind::Triangle:
            return sdTriangle(px, py, 0.5 * std::sqrt(3.0) * r);
        case ShapeKind::Star:
            return sdStar5(px, py, r, 0.5);
        case ShapeKind::Hexagon:
            return sdHexagon(px, py, 0.92 * r * 0.866025404);
        case ShapeKind::Cross:
            return std::min(sdBox(px, py, 0.88 * r, 0.3 * r), sdBox(px, py, 0.3 * r, 0.88 * r));
    }
    return 1.0;
}

// Smooth value noise on a (cells + 1)^2 lattice of random values in [-1, 1].
class ValueNoise {
public:
    ValueNoise(Rng& rng, int cells)
        : cells_(cells), values_(static_cast<std::size_t>((cells + 1) * (cells + 1))) {
        for (auto& v : values_) v = rng.uniform(-1.0, 1.0);
    }
    double at(double x, double y) const {
        const double fx = clamp01(x) * cells_;
        const double fy = clamp01(y) * cells_;
        const int ix = std::min(static_cast<int>(fx), cells_ - 1);
        const int iy = std::min(static_cast<int>(fy), cells_ - 1);
        const double tx = smoothstep(0.0, 1.0, fx - ix);
        const double ty = smoothstep(0.0, 1.0, fy - iy);
        const double a = value(ix, iy) + (value(ix + 1, iy) - value(ix, iy)) * tx;
        const double b = value(ix, iy + 1) + (value(ix + 1, iy + 1) - value(ix, iy + 1)) * tx;
        return a + (b - a) * ty;
    }

private:
    double value(int x, int y) const { return values_[static_cast<std::size_t>(y * (cells_ + 1) + x)]; }
    int cells_;
    std::vector<double> values_;
};

std::array<double, 3> hsvToRgb(double h, double s, double v) {
    h = (h - std::floor(h)) * 6.0;
    const int sector = std::min(static_cast<int>(h), 5);
    const double f = h - sector;
    const double p = v * (1.0 - s);
    const double q = v * (1.0 - s * f);
    const double t = v * (1.0 - s * (1.0 - f));
    switch (sector) {
        case 0:
            return {v, t, p};
        case 1:
            return {q, v, p};
        case 2:
            return {p, v, t};
        case 3:
            return {p, q, v};
        case 4:
            return {t, p, v};
        default:
            return {v, p, q};
    }
}

double round2(double v) {
    return std::round(v * 100.0) / 100.0;
}

void writeTextFile(const fs::path& path, const std::string& text) { util::writeFileAtomically(path, text); }

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

void checkVersion(int version) {
    if (version < kShapesVersionMin || version > kShapesVersionMax) {
        throw Error("Shapes version must be 1 or 2 (got " + std::to_string(version) + ")");
    }
}

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

// Version 2 style: a plain, low-contrast background (a muted colour, a faint gradient and faint
// smooth noise), flat paint with a mild shading towards one light, no shadow, anti-aliased edges,
// a little pixel noise. The outline is the strongest edge in the image.
Image renderV2(const ShapesScene& scene, std::uint64_t seed) {
    Rng rng(seed, Stream::Render, static_cast<std::uint64_t>(scene.index));
    const int n = scene.imageSize;
    const double scale = n;

    // Mid lightness and low saturation: never read as white, black or a palette hue.
    const auto base = hsvToRgb(rng.uniform(), rng.uniform(0.05, 0.25), rng.uniform(0.42, 0.60));
    const double gradientAngle = rng.uniform(0.0, 2.0 * kPi);
    const double gradientStrength = rng.uniform(0.01, 0.04);
    const ValueNoise coarse(rng, 3);
    const double coarseAmount = rng.uniform(0.0, 0.025);
    const double lightAngle = rng.uniform(0.0, 2.0 * kPi);
    const double lightX = std::cos(lightAngle);
    const double lightY = std::sin(lightAngle);

    std::vector<std::array<double, 3>> paints;
    std::vector<double> shadings;
    for (const auto& object : scene.objects) {
        const auto nominal = shapeColorRgb(object.color);
        const double brightness = rng.uniform(0.94, 1.05);
        std::array<double, 3> rgb{};
        for (std::size_t c = 0; c < 3; ++c)
            rgb[c] = clamp01((nominal[c] / 255.0 + rng.uniform(-0.02, 0.02)) * brightness);
        paints.push_back(rgb);
        shadings.push_back(rng.uniform(0.04, 0.10));
    }
    const double noiseSigma = rng.uniform(0.002, 0.007);

    Image image;
    image.width = n;
    image.height = n;
    image.channels = 3;
    image.pixels.resize(static_cast<std::size_t>(n) * n * 3);
    const double gx = std::cos(gradientAngle);
    const double gy = std::sin(gradientAngle);
    const double pixel = 1.0 / scale;
    for (int yi = 0; yi < n; ++yi) {
        for (int xi = 0; xi < n; ++xi) {
            const double x = (xi + 0.5) / scale;
            const double y = (yi + 0.5) / scale;
            const double light =
                1.0 + gradientStrength * ((x - 0.5) * gx + (y - 0.5) * gy) * 2.0 + coarseAmount * coarse.at(x, y);
            std::array<double, 3> rgb{base[0] * light, base[1] * light, base[2] * light};
            for (std::size_t i = 0; i < scene.objects.size(); ++i) {
                const auto& object = scene.objects[i];
                const double d = objectDistance(object, x, y, scale);
                const double coverage = clamp01(0.5 - d / pixel);
                if (coverage <= 0.0) continue;
                const double r = object.radius / scale;
                const double t = std::clamp(
                    ((x - object.centerX / scale) * lightX + (y - object.centerY / scale) * lightY) / r, -1.0, 1.0);
                for (std::size_t c = 0; c < 3; ++c) {
                    const double surface = paints[i][c] * (1.0 + shadings[i] * t);
                    rgb[c] = rgb[c] * (1.0 - coverage) + surface * coverage;
                }
            }
            for (std::size_t c = 0; c < 3; ++c) {
                const double v = clamp01(rgb[c] + noiseSigma * rng.normal());
                image.at(yi, xi, static_cast<int>(c)) = static_cast<std::uint8_t>(std::lround(v * 255.0));
            }
        }
    }
    return image;
}

// The paint of one object in the lit styles: colour, shading towards the light, specular highlight.
struct Paint {
    std::array<double, 3> rgb{};
    double shading = 0.2;
    double highlight = 0.1;
};

// Studio style (version 2 layouts): the look of a generator's training set rather than of the
// benchmark's photos. A backdrop lit by one soft spotlight above the centre (bright there, falling
// off towards the corners), a soft shadow cast down and away from the light, glossy paint (stronger
// shading and a specular highlight), anti-aliased edges and no sensor noise. Everything that names
// the object (its colour, outline, size and position) is as in the photo style.
Image renderV2Studio(const ShapesScene& scene, std::uint64_t seed) {
    Rng rng(seed, Stream::Render, static_cast<std::uint64_t>(scene.index));
    const int n = scene.imageSize;
    const double pixel = 1.0 / n;

    const auto backdrop = hsvToRgb(rng.uniform(), rng.uniform(0.10, 0.30), rng.uniform(0.46, 0.58));
    const double spotX = 0.5 + rng.uniform(-0.08, 0.08);
    const double spotY = 0.30 + rng.uniform(-0.06, 0.06);
    const double spotGain = rng.uniform(0.22, 0.32);   // backdrop 1 + gain at the spot ...
    const double spotWidth = rng.uniform(0.28, 0.36);  // ... falling off as a Gaussian of this width
    const double shadowStrength = rng.uniform(0.35, 0.50);
    const double shadowDrop = rng.uniform(0.035, 0.050);  // image sides, downwards
    const double shadowBlur = 0.04;

    std::vector<Paint> glosses;
    for (const auto& object : scene.objects) {
        Paint gloss;
        const auto nominal = shapeColorRgb(object.color);
        const double brightness = rng.uniform(0.96, 1.04);
        for (std::size_t c = 0; c < 3; ++c) gloss.rgb[c] = clamp01(nominal[c] / 255.0 * brightness);
        gloss.shading = rng.uniform(0.16, 0.26);
        gloss.highlight = rng.uniform(0.14, 0.22);
        glosses.push_back(gloss);
    }

    Image image;
    image.width = n;
    image.height = n;
    image.channels = 3;
    image.pixels.resize(static_cast<std::size_t>(n) * n * 3);
    for (int yi = 0; yi < n; ++yi) {
        for (int xi = 0; xi < n; ++xi) {
            const double x = (xi + 0.5) * pixel;
            const double y = (yi + 0.5) * pixel;
            const double spot2 = ((x - spotX) * (x - spotX) + (y - spotY) * (y - spotY)) / (spotWidth * spotWidth);
            double lit = 1.0 - 0.5 * spotGain + 1.5 * spotGain * std::exp(-0.5 * spot2);
            std::array<double, 3> rgb{};
            for (std::size_t i = 0; i < scene.objects.size(); ++i) {
                const double d = objectDistance(scene.objects[i], x - shadowDrop * 0.4, y - shadowDrop, n);
                lit *= 1.0 - shadowStrength * (1.0 - smoothstep(-shadowBlur, shadowBlur, d));
            }
            for (std::size_t c = 0; c < 3; ++c) rgb[c] = backdrop[c] * lit;
            for (std::size_t i = 0; i < scene.objects.size(); ++i) {
                const auto& object = scene.objects[i];
                const double coverage = clamp01(0.5 - objectDistance(object, x, y, n) / pixel);
                if (coverage <= 0.0) continue;
                // Towards the spotlight is lighter; the highlight sits on the side facing it.
                const double r = object.radius * pixel;
                const double dx = spotX - object.centerX * pixel;
                const double dy = spotY - object.centerY * pixel;
                const double dl = std::max(1e-6, std::hypot(dx, dy));
                const double facing = std::clamp(
                    ((x - object.centerX * pixel) * dx / dl + (y - object.centerY * pixel) * dy / dl) / r, -1.0, 1.0);
                const double specular = glosses[i].highlight * std::pow(std::max(facing, 0.0), 3.0);
                for (std::size_t c = 0; c < 3; ++c) {
                    const double surface = glosses[i].rgb[c] * (1.0 + glosses[i].shading * facing) + specular;
                    rgb[c] = rgb[c] * (1.0 - coverage) + clamp01(surface) * coverage;
                }
            }
            for (std::size_t c = 0; c < 3; ++c) {
                image.at(yi, xi, static_cast<int>(c)) =
                    static_cast<std::uint8_t>(std::lround(clamp01(rgb[c]) * 255.0));
            }
        }
    }
    return image;
}

// Version 1 style: textured, shaded background, lit objects with soft drop shadows.
Image renderV1(const ShapesScene& scene, std::uint64_t seed) {
    Rng rng(seed, Stream::Render, static_cast<std::uint64_t>(scene.index));
    const int n = scene.imageSize;
    const double scale = n;

    // Background: a muted base colour (mid lightness, low saturation, so white, black and every
    // hue stand out), a broad gradient, two octaves of smooth noise, sometimes soft stripes.
    const auto base = hsvToRgb(rng.uniform(), rng.uniform(0.08, 0.32), rng.uniform(0.40, 0.62));
    const double gradientAngle = rng.uniform(0.0, 2.0 * kPi);
    const double gradientStrength = rng.uniform(0.03, 0.10);
    const ValueNoise coarse(rng, 3);
    const ValueNoise fine(rng, 8);
    const ValueNoise tintR(rng, 2);
    const ValueNoise tintG(rng, 2);
    const ValueNoise tintB(rng, 2);
    const double coarseAmount = rng.uniform(0.04, 0.09);
    const double fineAmount = rng.uniform(0.01, 0.035);
    const bool stripes = rng.chance(0.45);
    const double stripeAngle = rng.uniform(0.0, kPi);
    const double stripePeriod = rng.uniform(0.10, 0.28);
    const double stripePhase = rng.uniform(0.0, 2.0 * kPi);
    const double stripeAmount = rng.uniform(0.02, 0.045);
    const double vignette = rng.uniform(0.05, 0.18);

    // One light for the scene: highlights face it, shadows fall away from it.
    const double lightAngle = rng.uniform(0.0, 2.0 * kPi);
    const double lightX = std::cos(lightAngle);
    const double lightY = std::sin(lightAngle);
    const double shadowStrength = rng.uniform(0.2, 0.4);
    const double shadowOffset = rng.uniform(0.015, 0.03);
    const double shadowBlur = 0.025;

    std::vector<Paint> paints;
    for (const auto& object : scene.objects) {
        Paint paint;
        const auto nominal = shapeColorRgb(object.color);
        const double brightness = rng.uniform(0.92, 1.06);
        for (int c = 0; c < 3; ++c) {
            paint.rgb[static_cast<std::size_t>(c)] = clamp01(
                (nominal[static_cast<std::size_t>(c)] / 255.0 + rng.uniform(-0.025, 0.025)) * brightness);
        }
        paint.shading = rng.uniform(0.14, 0.24);
        paint.highlight = rng.uniform(0.05, 0.14);
        paints.push_back(paint);
    }
    const double noiseSigma = rng.uniform(0.006, 0.016);

    Image image;
    image.width = n;
    image.height = n;
    image.channels = 3;
    image.pixels.resize(static_cast<std::size_t>(n) * n * 3);
    const double gx = std::cos(gradientAngle);
    const double gy = std::sin(gradientAngle);
    const double sx = std::cos(stripeAngle);
    const double sy = std::sin(stripeAngle);
    const double pixel = 1.0 / scale;
    for (int yi = 0; yi < n; ++yi) {
        for (int xi = 0; xi < n; ++xi) {
            const double x = (xi + 0.5) / scale;
            const double y = (yi + 0.5) / scale;
            double light = 1.0 + gradientStrength * ((x - 0.5) * gx + (y - 0.5) * gy) * 2.0 +
                           coarseAmount * coarse.at(x, y) + fineAmount * fine.at(x, y);
            if (stripes) {
                light += stripeAmount * std::sin(2.0 * kPi * (x * sx + y * sy) / stripePeriod + stripePhase);
            }
            light *= 1.0 - vignette * ((x - 0.5) * (x - 0.5) + (y - 0.5) * (y - 0.5)) * 2.0;
            std::array<double, 3> rgb{base[0] * (light + 0.03 * tintR.at(x, y)),
                                      base[1] * (light + 0.03 * tintG.at(x, y)),
                                      base[2] * (light + 0.03 * tintB.at(x, y))};
            // Soft drop shadows first, so neither object is darkened by the other's shadow.
            for (const auto& object : scene.objects) {
                const double d =
                    objectDistance(object, x + lightX * shadowOffset, y + lightY * shadowOffset, scale);
                const double shade = shadowStrength * (1.0 - smoothstep(-shadowBlur, shadowBlur, d));
                for (auto& v : rgb) v *= 1.0 - shade;
            }
            for (std::size_t i = 0; i < scene.objects.size(); ++i) {
                const auto& object = scene.objects[i];
                const double d = objectDistance(object, x, y, scale);
                const double coverage = clamp01(0.5 - d / pixel);
                if (coverage <= 0.0) continue;
                const auto& paint = paints[i];
                const double r = object.radius / scale;
                const double t = std::clamp(
                    ((x - object.centerX / scale) * lightX + (y - object.centerY / scale) * lightY) / r, -1.0,
                    1.0);
                const double rim = 1.0 - 0.18 * smoothstep(-0.025, 0.0, d);
                const double spec = paint.highlight * std::pow(std::max(t, 0.0), 2.0);
                for (std::size_t c = 0; c < 3; ++c) {
                    const double surface = paint.rgb[c] * (1.0 + paint.shading * t) * rim + spec;
                    rgb[c] = rgb[c] * (1.0 - coverage) + surface * coverage;
                }
            }
            for (std::size_t c = 0; c < 3; ++c) {
                const double v = clamp01(rgb[c] + noiseSigma * rng.normal());
                image.at(yi, xi, static_cast<int>(c)) = static_cast<std::uint8_t>(std::lround(v * 255.0));
            }
        }
    }
    return image;
}

}  // namespace

ShapesScene makeShapesScene(std::uint64_t seed, int index, int imageSize, int version) {
    checkVersion(version);
    return version == 1 ? makeSceneV1(seed, index, imageSize) : makeSceneV2(seed, index, imageSize);
}

Image renderShapesScene(const ShapesScene& scene, std::uint64_t seed) {
    checkVersion(scene.version);
    if (scene.style == ShapesStyle::Studio) {
        if (scene.version == 1) throw Error("the Shapes studio style needs version 2 scenes");
        return renderV2Studio(scene, seed);
    }
    return scene.version == 1 ? renderV1(scene, seed) : renderV2(scene, seed);
}

double shapeSignedDistance(ShapeKind kind, double radius, double rotationDeg, double x, double y) {
    ShapeObject object;
    object.kind = kind;
    object.radius = radius;
    object.rotationDeg = rotationDeg;
    return objectDistance(object, x, y, 1.0);
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

std::string shapesFileName(int index) {
    char name[32];
    std::snprintf(name, sizeof name, "%06d.png", index);
    return name;
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

// ---------------------------------------------------------------------------------------------
// The job.

void validate(const MakeShapesOptions& options) {
    if (options.outDir.empty()) throw Error("make-shapes: no output folder given");
    if (options.count < 1)
        throw Error("make-shapes: --count must be at least 1 (got " + std::to_string(options.count) + ")");
    if (options.imageSize < 32 || options.imageSize > 1024) {
        throw Error("make-shapes: --size must be between 32 and 1024 pixels (got " +
                    std::to_string(options.imageSize) + ")");
    }
    if (options.version < kShapesVersionMin || options.version > kShapesVersionMax) {
        throw Error("make-shapes: --version must be 1 or 2 (got " + std::to_string(options.version) + ")");
    }
    if (options.style == ShapesStyle::Studio && options.version < 2)
        throw Error("make-shapes: --style studio needs --version 2 (version 1 has the photo style only)");
    if (!(options.studioFraction >= 0.0 && options.studioFraction <= 1.0))
        throw Error("make-shapes: --studio-fraction must lie in [0, 1] (got " + std::to_string(options.studioFraction) + ")");
    if (options.studioFraction > 0.0 && (options.version < 2 || options.style != ShapesStyle::Photo))
        throw Error("make-shapes: --studio-fraction mixes studio images into a version 2 photo set (use --version 2 "
                    "and no --style studio)");
    double sum = 0.0;
    for (double f : options.splitFractions) {
        if (!(f >= 0.0) || !std::isfinite(f))
            throw Error("make-shapes: split fractions must be finite and >= 0");
        sum += f;
    }
    if (std::abs(sum - 1.0) > 1e-3) {
        throw Error("make-shapes: split fractions must sum to 1 (got " + std::to_string(sum) + ")");
    }
}

MakeShapesJob::MakeShapesJob(MakeShapesOptions options) : options_(std::move(options)) {}

bool MakeShapesJob::run(jobs::JobContext& context) {
    validate(options_);
    const fs::path outDir = options_.outDir;
    for (const char* split : kShapesSplits) {
        const fs::path folder = outDir / "images" / split;
        std::error_code ec;
        fs::create_directories(folder, ec);
        if (ec || !fs::is_directory(folder)) {
            throw Error("cannot create output folder " + folder.string() + ": " +
                        (ec ? ec.message() : std::string("not a folder")));
        }
    }
    if (fs::exists(outDir / "dataset_shapes.json")) {
        context.log(jobs::LogLevel::Warning, "overwriting the Shapes dataset in " + outDir.string());
    }

    const int count = options_.count;
    const int size = options_.imageSize;
    context.progress(0.0, "laying out scenes");
    std::vector<ShapesScene> scenes;
    scenes.reserve(static_cast<std::size_t>(count));
    for (int i = 0; i < count; ++i) {
        scenes.push_back(makeShapesScene(options_.seed, i, size, options_.version));
        scenes.back().style = options_.style;
        if (i % 1024 == 0) context.checkCancelled();
    }
    const auto splits = assignShapesSplits(count, options_.splitFractions, options_.seed);
    for (int i = 0; i < count; ++i) {
        auto& scene = scenes[static_cast<std::size_t>(i)];
        if (splits[static_cast<std::size_t>(i)] != kShapesSplits[0] ||
            !drawnInStudio(options_.seed, i, options_.studioFraction))
            continue;
        scene.style = ShapesStyle::Studio;
        nameStudioStyle(scene, options_.seed);
    }

    // Render and write in parallel; each image depends only on (seed, index), so the thread count
    // never changes a byte.
    const int threads =
        std::max(1, std::min(options_.threads > 0 ? options_.threads : hardwareThreads(), count));
    std::atomic<int> next{0};
    std::atomic<int> done{0};
    std::atomic<bool> stop{false};
    std::mutex mutex;
    std::condition_variable wake;
    std::exception_ptr failure;
    auto worker = [&] {
        while (!stop.load()) {
            const int i = next.fetch_add(1);
            if (i >= count) break;
            try {
                const auto& scene = scenes[static_cast<std::size_t>(i)];
                const Image image = renderShapesScene(scene, options_.seed);
                saveImage(image, outDir / "images" / splits[static_cast<std::size_t>(i)] / shapesFileName(i));
            } catch (...) {
                std::lock_guard<std::mutex> lock(mutex);
                if (!failure) failure = std::current_exception();
                stop.store(true);
            }
            done.fetch_add(1);
            wake.notify_one();
        }
    };
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) pool.emplace_back(worker);
    {
        std::unique_lock<std::mutex> lock(mutex);
        while (!stop.load() && done.load() < count) {
            wake.wait_for(lock, std::chrono::milliseconds(100));
            lock.unlock();
            const int finished = done.load();
            context.progress(0.98 * finished / count,
                             "rendering " + std::to_string(finished) + "/" + std::to_string(count));
            if (context.cancelled()) stop.store(true);
            lock.lock();
        }
    }
    stop.store(true);
    for (auto& thread : pool) thread.join();
    if (failure) std::rethrow_exception(failure);
    context.checkCancelled();

    context.progress(0.98, "writing captions");
    nlohmann::json karpathyImages = nlohmann::json::array();
    nlohmann::json cocoImages = nlohmann::json::array();
    nlohmann::json cocoAnnotations = nlohmann::json::array();
    result_ = MakeShapesResult{};
    std::int64_t sentid = 0;
    for (int i = 0; i < count; ++i) {
        const auto& scene = scenes[static_cast<std::size_t>(i)];
        const std::string& split = splits[static_cast<std::size_t>(i)];
        const std::string fileName = shapesFileName(i);
        nlohmann::json sentences = nlohmann::json::array();
        nlohmann::json sentids = nlohmann::json::array();
        for (const auto& caption : scene.captions) {
            sentences.push_back(
                {{"raw", caption}, {"tokens", captionTokens(caption)}, {"imgid", i}, {"sentid", sentid}});
            sentids.push_back(sentid);
            cocoAnnotations.push_back({{"id", sentid}, {"image_id", i}, {"caption", caption}});
            ++sentid;
        }
        karpathyImages.push_back({{"imgid", i},
                                  {"filepath", "images/" + split},
                                  {"filename", fileName},
                                  {"split", split},
                                  {"sentences", sentences},
                                  {"sentids", sentids},
                                  {"attributes", shapesAttributes(scene)}});
        cocoImages.push_back({{"id", i},
                              {"file_name", "images/" + split + "/" + fileName},
                              {"width", size},
                              {"height", size}});
        ++result_.splitCounts[split];
    }
    nlohmann::json attributeValues = nlohmann::json::object();
    for (const auto& [name, values] : shapesAttributeValues()) attributeValues[name] = values;
    nlohmann::json karpathy{{"dataset", "shapes"},
                            {"seed", options_.seed},
                            {"image_size", size},
                            {"attribute_values", attributeValues},
                            {"images", karpathyImages}};
    // Version 1 files stay byte-identical to those written before versions existed.
    if (options_.version >= 2) karpathy["shapes_version"] = options_.version;
    if (options_.style != ShapesStyle::Photo) karpathy["shapes_style"] = toString(options_.style);
    if (options_.studioFraction > 0.0) karpathy["studio_fraction"] = options_.studioFraction;
    const nlohmann::json coco{{"info",
                               {{"description", "GenRA Workbench Shapes benchmark (procedural)"},
                                {"version", std::to_string(options_.version)},
                                {"seed", options_.seed},
                                {"count", count},
                                {"image_size", size}}},
                              {"images", cocoImages},
                              {"annotations", cocoAnnotations}};
    result_.images = count;
    result_.karpathyJson = outDir / "dataset_shapes.json";
    result_.cocoJson = outDir / "captions_shapes.json";
    writeTextFile(result_.karpathyJson, karpathy.dump() + "\n");
    writeTextFile(result_.cocoJson, coco.dump() + "\n");
    context.progress(1.0, "wrote " + std::to_string(count) + " images");
    return true;
}

KarpathyImportOptions shapesImportOptions(const std::filesystem::path& workspace, const std::filesystem::path& shapesDir,
                                          const std::string& name) {
    KarpathyImportOptions o;
    o.workspace = workspace;
    o.name = name;
    o.jsonFile = shapesDir / "dataset_shapes.json";
    o.imageRoot = shapesDir;
    return o;
}

}  // namespace genra::data
