#include "core/data/shapes_adherence.h"

#include "core/data/preprocess.h"
#include "core/store/dataset_items.h"
#include "core/store/workspace.h"
#include "core/util/error.h"

#include <nlohmann/json.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <random>
#include <vector>

namespace genra::data {

namespace {

// A region smaller than a small star at 32 px or larger than about twice a large square is not one
// object of the caption (noise, or a wash of colour over the image).
constexpr double kMinRegionArea = 0.0025;
constexpr double kMaxRegionArea = 0.25;  // Shapes v2 objects cover up to 22 % of the image
// Images smaller than this are enlarged to it before measuring.
constexpr int kMeasureSize = 64;
// Rotations tried when matching outlines (objects are drawn within +-15 degrees).
constexpr std::array<double, 5> kRotationsDeg{-15.0, -7.5, 0.0, 7.5, 15.0};

struct Hsv {
    double hueDeg = 0.0;
    double saturation = 0.0;
    double value = 0.0;
};

Hsv toHsv(std::uint8_t r8, std::uint8_t g8, std::uint8_t b8) {
    const double r = r8 / 255.0;
    const double g = g8 / 255.0;
    const double b = b8 / 255.0;
    const double hi = std::max({r, g, b});
    const double lo = std::min({r, g, b});
    const double chroma = hi - lo;
    Hsv out;
    out.value = hi;
    out.saturation = hi > 0.0 ? chroma / hi : 0.0;
    if (chroma <= 0.0) return out;
    double h = 0.0;
    if (hi == r) h = std::fmod((g - b) / chroma + 6.0, 6.0);
    else if (hi == g) h = (b - r) / chroma + 2.0;
    else h = (r - g) / chroma + 4.0;
    out.hueDeg = h * 60.0;
    return out;
}

double hueDistance(double a, double b) {
    const double d = std::abs(a - b);
    return std::min(d, 360.0 - d);
}

// The saturated palette entries with their hues (white and black are told apart by brightness).
const std::vector<std::pair<ShapeColor, double>>& paletteHues() {
    static const std::vector<std::pair<ShapeColor, double>> hues = [] {
        std::vector<std::pair<ShapeColor, double>> out;
        for (const auto color : allShapeColors()) {
            if (color == ShapeColor::White || color == ShapeColor::Black) continue;
            const auto rgb = shapeColorRgb(color);
            out.emplace_back(color, toHsv(rgb[0], rgb[1], rgb[2]).hueDeg);
        }
        return out;
    }();
    return hues;
}

// Median brightness of the outermost ring of pixels: objects keep off the edges, so it is background.
double borderValue(const Image& image) {
    std::vector<double> values;
    const int w = image.width;
    const int h = image.height;
    auto push = [&](int y, int x) {
        values.push_back(toHsv(image.at(y, x, 0), image.at(y, x, 1), image.at(y, x, 2)).value);
    };
    for (int x = 0; x < w; ++x) {
        push(0, x);
        if (h > 1) push(h - 1, x);
    }
    for (int y = 1; y + 1 < h; ++y) {
        push(y, 0);
        if (w > 1) push(y, w - 1);
    }
    if (values.empty()) return 0.5;
    const auto middle = values.begin() + static_cast<std::ptrdiff_t>(values.size() / 2);
    std::nth_element(values.begin(), middle, values.end());
    return *middle;
}

// Area of each outline at enclosing radius 1, measured on a fine grid once.
double unitArea(ShapeKind kind) {
    static const std::map<ShapeKind, double> areas = [] {
        std::map<ShapeKind, double> out;
        constexpr int kGrid = 400;
        for (const auto k : allShapeKinds()) {
            int inside = 0;
            for (int y = 0; y < kGrid; ++y) {
                for (int x = 0; x < kGrid; ++x) {
                    const double px = -1.0 + (x + 0.5) * 2.0 / kGrid;
                    const double py = -1.0 + (y + 0.5) * 2.0 / kGrid;
                    if (shapeSignedDistance(k, 1.0, 0.0, px, py) < 0.0) ++inside;
                }
            }
            out[k] = 4.0 * inside / (static_cast<double>(kGrid) * kGrid);
        }
        return out;
    }();
    return areas.at(kind);
}

ShapePosition nearestAnchor(double x, double y) {
    // The layout's anchors (shapes.cpp): left/right/top/bottom 0.3 from the centre.
    const std::pair<ShapePosition, std::array<double, 2>> anchors[] = {
        {ShapePosition::Left, {0.2, 0.5}},   {ShapePosition::Right, {0.8, 0.5}}, {ShapePosition::Top, {0.5, 0.2}},
        {ShapePosition::Bottom, {0.5, 0.8}}, {ShapePosition::Center, {0.5, 0.5}}};
    ShapePosition best = ShapePosition::Center;
    double bestDistance = 1e9;
    for (const auto& [position, at] : anchors) {
        const double d = std::hypot(x - at[0], y - at[1]);
        if (d < bestDistance) {
            bestDistance = d;
            best = position;
        }
    }
    return best;
}

template <typename Enum>
std::optional<Enum> enumFromWord(const std::vector<Enum>& all, const std::string& word) {
    for (const auto value : all) {
        if (word == toString(value)) return value;
    }
    return std::nullopt;
}

}  // namespace

std::optional<ShapesTarget> shapesTargetFromAttributes(const nlohmann::json& attributes) {
    if (!attributes.is_object()) return std::nullopt;
    auto word = [&](const char* key) {
        return attributes.contains(key) && attributes[key].is_string() ? attributes[key].get<std::string>() : std::string();
    };
    const auto kind = enumFromWord(allShapeKinds(), word("shape"));
    const auto color = enumFromWord(allShapeColors(), word("color"));
    const auto position = enumFromWord(allShapePositions(), word("position"));
    if (!kind || !color || !position) return std::nullopt;
    ShapesTarget target;
    target.kind = *kind;
    target.color = *color;
    target.position = *position;
    // Every caption of a one-object scene names the position; two-object captions may give only a
    // relation between the objects, or none.
    const auto count = attributes.contains("count") && attributes["count"].is_number_integer() ? attributes["count"].get<int>() : 1;
    target.positionStated = count <= 1;
    return target;
}

std::optional<ShapeColor> classifyShapesPixel(std::uint8_t r, std::uint8_t g, std::uint8_t b, double backgroundValue) {
    const Hsv hsv = toHsv(r, g, b);
    // Backgrounds are muted (saturation <= 0.32) and mid-bright; shadows darken them by at most 0.4.
    if (hsv.value < std::min(0.22, 0.55 * backgroundValue)) return ShapeColor::Black;
    if (hsv.saturation >= 0.45 && hsv.value >= 0.25) {
        ShapeColor best = ShapeColor::Red;
        double bestDistance = 1e9;
        for (const auto& [color, hue] : paletteHues()) {
            const double d = hueDistance(hsv.hueDeg, hue);
            if (d < bestDistance) {
                bestDistance = d;
                best = color;
            }
        }
        return best;
    }
    if (hsv.saturation < 0.25 && hsv.value > std::max(0.68, backgroundValue + 0.15)) return ShapeColor::White;
    return std::nullopt;
}

ShapesRegion findShapesRegion(const Image& input, ShapeColor color) {
    if (input.channels != 3) throw Error("shapes adherence: expected an RGB image");
    // Small images are measured enlarged: their anti-aliased edges then still say where an outline
    // runs between pixels, which matters for telling shapes apart at 32 px.
    const Image image = input.width < kMeasureSize || input.height < kMeasureSize
                            ? resizeBicubicAntialias(input, std::max(input.width, kMeasureSize), std::max(input.height, kMeasureSize))
                            : input;
    const int w = image.width;
    const int h = image.height;
    const double background = borderValue(image);
    std::vector<std::uint8_t> mask(static_cast<std::size_t>(w) * h, 0);
    for (int y = 0; y < h; ++y) {
        for (int x = 0; x < w; ++x) {
            const auto c = classifyShapesPixel(image.at(y, x, 0), image.at(y, x, 1), image.at(y, x, 2), background);
            mask[static_cast<std::size_t>(y) * w + x] = c && *c == color ? 1 : 0;
        }
    }
    // Largest 8-connected component.
    std::vector<int> label(mask.size(), 0);
    std::vector<int> best;
    std::vector<int> stack;
    int next = 0;
    for (std::size_t start = 0; start < mask.size(); ++start) {
        if (!mask[start] || label[start]) continue;
        ++next;
        std::vector<int> members;
        stack.assign(1, static_cast<int>(start));
        label[start] = next;
        while (!stack.empty()) {
            const int at = stack.back();
            stack.pop_back();
            members.push_back(at);
            const int ax = at % w;
            const int ay = at / w;
            for (int dy = -1; dy <= 1; ++dy) {
                for (int dx = -1; dx <= 1; ++dx) {
                    const int nx = ax + dx;
                    const int ny = ay + dy;
                    if (nx < 0 || ny < 0 || nx >= w || ny >= h) continue;
                    const auto n = static_cast<std::size_t>(ny) * w + nx;
                    if (mask[n] && !label[n]) {
                        label[n] = next;
                        stack.push_back(static_cast<int>(n));
                    }
                }
            }
        }
        if (members.size() > best.size()) best = std::move(members);
    }
    ShapesRegion region;
    const double pixels = static_cast<double>(w) * h;
    region.areaFraction = static_cast<double>(best.size()) / pixels;
    if (best.empty()) return region;
    double sumX = 0.0;
    double sumY = 0.0;
    for (const int at : best) {
        sumX += at % w + 0.5;
        sumY += at / w + 0.5;
    }
    const double cx = sumX / static_cast<double>(best.size());
    const double cy = sumY / static_cast<double>(best.size());
    region.centerX = cx / w;
    region.centerY = cy / h;
    region.position = nearestAnchor(region.centerX, region.centerY);
    region.found = region.areaFraction >= kMinRegionArea && region.areaFraction <= kMaxRegionArea;

    // Outline: each shape with the region's area, centred on it, at a few rotations; the one that
    // overlaps the region best (intersection over union of pixels) names it.
    std::vector<std::uint8_t> inRegion(mask.size(), 0);
    for (const int at : best) inRegion[static_cast<std::size_t>(at)] = 1;
    const double area = static_cast<double>(best.size());
    for (const auto kind : allShapeKinds()) {
        const double radius = std::sqrt(area / unitArea(kind));
        const int x0 = std::max(0, static_cast<int>(std::floor(cx - radius - 1)));
        const int x1 = std::min(w - 1, static_cast<int>(std::ceil(cx + radius + 1)));
        const int y0 = std::max(0, static_cast<int>(std::floor(cy - radius - 1)));
        const int y1 = std::min(h - 1, static_cast<int>(std::ceil(cy + radius + 1)));
        for (const double rotation : kRotationsDeg) {
            double both = 0.0;
            double template_ = 0.0;
            for (int y = y0; y <= y1; ++y) {
                for (int x = x0; x <= x1; ++x) {
                    if (shapeSignedDistance(kind, radius, rotation, x + 0.5 - cx, y + 0.5 - cy) >= 0.0) continue;
                    template_ += 1.0;
                    both += inRegion[static_cast<std::size_t>(y) * w + x];
                }
            }
            const double overlap = both / std::max(1.0, template_ + area - both);
            if (overlap > region.shapeOverlap) {
                region.shapeOverlap = overlap;
                region.kind = kind;
            }
        }
    }
    return region;
}

ShapesAdherence scoreShapesAdherence(const Image& image, const ShapesTarget& target) {
    const ShapesRegion region = findShapesRegion(image, target.color);
    ShapesAdherence score;
    score.color = region.found;
    score.position = region.found && region.position == target.position;
    score.shape = region.found && region.kind == target.kind;
    score.all = score.color && score.shape && (!target.positionStated || score.position);
    return score;
}

void AdherenceTally::add(const ShapesAdherence& score, bool positionStated) {
    ++images_;
    color_ += score.color;
    shape_ += score.shape;
    all_ += score.all;
    if (positionStated) {
        ++positionImages_;
        position_ += score.position;
    }
}

AdherenceRates AdherenceTally::rates() const {
    AdherenceRates r;
    r.images = images_;
    r.positionImages = positionImages_;
    auto rate = [](std::int64_t hits, std::int64_t total) {
        return total > 0 ? static_cast<double>(hits) / static_cast<double>(total) : 0.0;
    };
    r.color = rate(color_, images_);
    r.shape = rate(shape_, images_);
    r.all = rate(all_, images_);
    r.position = rate(position_, positionImages_);
    return r;
}

double fineDetailRms(const Image& image) {
    if (image.empty() || image.width <= 0 || image.height <= 0) return 0.0;
    const cv::Mat view(image.height, image.width, CV_8UC(image.channels), const_cast<std::uint8_t*>(image.pixels.data()));
    cv::Mat values;
    view.convertTo(values, CV_64F);
    cv::Mat blurred;
    cv::blur(values, blurred, cv::Size(3, 3), cv::Point(-1, -1), cv::BORDER_REPLICATE);
    return cv::norm(values, blurred, cv::NORM_L2) / std::sqrt(static_cast<double>(values.total()) * image.channels);
}

ShapesAdherenceReport measureShapesAdherence(store::Workspace& ws, const ShapesAdherenceOptions& o) {
    const auto dataset = ws.requireDataset(o.dataset);
    struct Item {
        std::string path;
        std::int64_t realId = 0;
        std::string realPath;
        ShapesTarget target;
    };
    std::vector<Item> items;
    std::int64_t withoutAttributes = 0;
    for (const auto& link : store::generatedImageLinks(ws, dataset.id, o.split, o.generator)) {
        if (o.maxImages > 0 && static_cast<int>(items.size()) >= o.maxImages) break;
        const auto attributes = nlohmann::json::parse(link.realAttributesJson, nullptr, false);
        const auto target = shapesTargetFromAttributes(attributes);
        if (!target) {
            ++withoutAttributes;
            continue;
        }
        items.push_back({link.generatedPath, link.realImageId, link.realPath, *target});
    }
    if (items.empty()) {
        throw Error("dataset \"" + o.dataset + "\" has no generated images" +
                    (o.generator.empty() ? std::string() : " of " + o.generator) +
                    (o.split.empty() ? std::string() : " in split \"" + o.split + "\"") +
                    (withoutAttributes ? " made from captions of Shapes images (their real images carry no Shapes attributes)"
                                       : std::string()) +
                    " to measure");
    }

    ShapesAdherenceReport report;
    std::vector<Image> images;
    images.reserve(items.size());
    for (const auto& item : items) images.push_back(loadImage(ws.resolve(item.path)));
    report.imageSize = images.front().width;

    AdherenceTally generated;
    double generatedDetail = 0.0;
    for (std::size_t i = 0; i < items.size(); ++i) {
        generated.add(scoreShapesAdherence(images[i], items[i].target), items[i].target.positionStated);
        generatedDetail += std::pow(fineDetailRms(images[i]), 2);
    }
    report.generated = generated.rates();
    report.generatedFineDetail = std::sqrt(generatedDetail / static_cast<double>(images.size()));

    // Chance: each image against the caption of the next one in a seeded shuffle.
    std::vector<std::size_t> order(items.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::mt19937_64 rng(o.seed);
    for (std::size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[static_cast<std::size_t>(rng() % i)]);
    AdherenceTally chance;
    for (std::size_t j = 0; j < order.size(); ++j) {
        const auto& target = items[order[(j + 1) % order.size()]].target;
        chance.add(scoreShapesAdherence(images[order[j]], target), target.positionStated);
    }
    report.chance = chance.rates();

    // Ceiling: the real images the captions describe, at the generated images' size.
    AdherenceTally real;
    std::map<std::int64_t, bool> seen;
    double realDetail = 0.0;
    for (const auto& item : items) {
        if (!seen.emplace(item.realId, true).second) continue;
        Image image = loadImage(ws.resolve(item.realPath));
        if (image.width != report.imageSize || image.height != images.front().height) {
            image = resizeBicubicAntialias(image, report.imageSize, images.front().height);
        }
        real.add(scoreShapesAdherence(image, item.target), item.target.positionStated);
        realDetail += std::pow(fineDetailRms(image), 2);
    }
    report.real = real.rates();
    report.realFineDetail = std::sqrt(realDetail / static_cast<double>(std::max<std::size_t>(seen.size(), 1)));
    return report;
}

nlohmann::json toJson(const AdherenceRates& r) {
    return {{"images", r.images}, {"position_images", r.positionImages}, {"color", r.color},
            {"position", r.position}, {"shape", r.shape}, {"all", r.all}};
}

nlohmann::json toJson(const ShapesAdherenceReport& report) {
    return {{"image_size", report.imageSize},
            {"generated", toJson(report.generated)},
            {"real", toJson(report.real)},
            {"chance", toJson(report.chance)},
            {"fine_detail_rms", {{"generated", report.generatedFineDetail}, {"real", report.realFineDetail}}}};
}

}  // namespace genra::data
