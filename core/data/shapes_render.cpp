// Rendering of the built-in Shapes benchmark: signed-distance outlines and the three looks
// (version 2 photo and studio, version 1). Layout and captions are in shapes.cpp.
#include "core/data/shapes.h"

#include <algorithm>
#include <array>
#include <cmath>

#include "core/data/shapes_internal.h"
#include "core/util/error.h"

namespace genra::data {

using namespace shapes_detail;

namespace {

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

// A colour of random hue, saturation in [sLo, sHi) and value in [vLo, vHi). The draws are made one
// by one, value first: written as hsvToRgb(rng.uniform(), rng.uniform(...), rng.uniform(...)) their
// order was the compiler's (a call's arguments are evaluated in an unspecified order; g++ goes last
// to first, clang first to last), so a clang build drew other colours from the same seed than the
// g++ builds every release was made with. Value first keeps g++'s output.
std::array<double, 3> randomHsvColour(Rng& rng, double sLo, double sHi, double vLo, double vHi) {
    const double v = rng.uniform(vLo, vHi);
    const double s = rng.uniform(sLo, sHi);
    const double h = rng.uniform();
    return hsvToRgb(h, s, v);
}

// An n x n RGB image, every byte 0, for a renderer to fill.
Image blankRgb(int n) {
    Image image;
    image.width = n;
    image.height = n;
    image.channels = 3;
    image.pixels.resize(static_cast<std::size_t>(n) * n * 3);
    return image;
}

// Version 2 style: a plain, low-contrast background (a muted colour, a faint gradient and faint
// smooth noise), flat paint with a mild shading towards one light, no shadow, anti-aliased edges,
// a little pixel noise. The outline is the strongest edge in the image.
Image renderV2(const ShapesScene& scene, std::uint64_t seed) {
    Rng rng(seed, Stream::Render, static_cast<std::uint64_t>(scene.index));
    const int n = scene.imageSize;
    const double scale = n;

    // Mid lightness and low saturation: never read as white, black or a palette hue.
    const auto base = randomHsvColour(rng, 0.05, 0.25, 0.42, 0.60);
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

    Image image = blankRgb(n);
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

    const auto backdrop = randomHsvColour(rng, 0.10, 0.30, 0.46, 0.58);
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

    Image image = blankRgb(n);
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
    const auto base = randomHsvColour(rng, 0.08, 0.32, 0.40, 0.62);
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

    Image image = blankRgb(n);
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

}  // namespace genra::data
