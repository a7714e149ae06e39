// The built-in "Shapes" benchmark: a procedural stand-in for a real photo dataset (COCO-like), so
// every part of the workbench (CLIP pre-training, the diffusion generator, alignment, retrieval,
// zero-shot classification, captioning) runs offline on a small CPU. Each image has five
// differently worded true captions and attributes for zero-shot classification, and belongs to one
// split (pretrain / align / test). Output is a folder that the ordinary Karpathy and COCO-captions
// importers read.
//
// Two versions of the benchmark (docs/shapes-v2.md):
//   1  one or two small shapes (enclosing radius 0.08-0.14 of the image side) on a textured,
//      shaded background; kept byte-identical for old experiments.
//   2  (the default) one large shape (enclosing radius 0.19-0.21 small, 0.28-0.30 large) against
//      its side of the frame or in the centre, on a plain, low-contrast background with flat paint
//      and anti-aliased edges: at the 32 px the models train at, enclosing circles are 12-19 px
//      across (v1: 5-9 px).
// Both use the same kinds, colours, sizes, positions, caption grammar and attribute keys.
//
// Everything is a pure function of (seed, image index): the same seed gives byte-identical PNGs
// and JSON on every run, whatever the thread count.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/data/image.h"
#include "core/data/importers.h"
#include "core/jobs/job.h"

namespace genra::data {

// The versions make-shapes can write, and the one it writes unless told otherwise.
constexpr int kShapesVersionMin = 1;
constexpr int kShapesVersionMax = 2;
constexpr int kShapesDefaultVersion = 2;

enum class ShapeKind { Circle = 1, Square, Triangle, Star, Hexagon, Cross };
enum class ShapeColor { Red = 1, Green, Blue, Yellow, Purple, Orange, White, Black };
enum class ShapeSize { Small = 1, Large };
enum class ShapePosition { Left = 1, Right, Top, Bottom, Center };

// How a version 2 scene is drawn. Photo is the benchmark's own look (the "real" images). Studio is a
// second, systematically different look for a generator's training set, as Stable Diffusion learnt
// from LAION rather than from COCO: a spotlit backdrop, a soft drop shadow, glossy paint and no
// sensor noise, on the same layouts and captions. A generator trained on studio images draws the
// caption in its own style, so its images form a modality of their own (docs/generator.md).
enum class ShapesStyle { Photo = 1, Studio };
const char* toString(ShapesStyle style);
// "photo" or "studio"; throws genra::Error naming the value otherwise.
ShapesStyle shapesStyleFromString(const std::string& name);

// The words used in captions and attributes ("circle", "red", "large", "left", ...).
const char* toString(ShapeKind kind);
const char* toString(ShapeColor color);
const char* toString(ShapeSize size);
const char* toString(ShapePosition position);

const std::vector<ShapeKind>& allShapeKinds();
const std::vector<ShapeColor>& allShapeColors();
const std::vector<ShapeSize>& allShapeSizes();
const std::vector<ShapePosition>& allShapePositions();

// Nominal sRGB colour of each palette entry (before lighting and per-image variation).
std::array<std::uint8_t, 3> shapeColorRgb(ShapeColor color);

// The class names of every attribute, for zero-shot classification:
// {"shape": [...], "color": [...], "size": [...], "position": [...]}.
std::map<std::string, std::vector<std::string>> shapesAttributeValues();

// One object of a scene. Geometry is in pixels of the rendered image.
struct ShapeObject {
    ShapeKind kind = ShapeKind::Circle;
    ShapeColor color = ShapeColor::Red;
    ShapeSize size = ShapeSize::Large;
    ShapePosition position = ShapePosition::Center;
    double centerX = 0.0;      // pixels
    double centerY = 0.0;      // pixels
    double radius = 0.0;       // radius of the circle that encloses the shape, pixels
    double rotationDeg = 0.0;  // within +-15
};

// Layout and captions of one image; objects[0] is the primary object (the one the top-level
// attributes describe). Objects never overlap and have distinct positions. Version 2 scenes hold
// exactly one object.
struct ShapesScene {
    int index = 0;
    int imageSize = 64;
    int version = 1;  // of the benchmark: how it is laid out and rendered
    ShapesStyle style = ShapesStyle::Photo;  // how a version 2 scene is drawn (version 1: photo only)
    std::vector<ShapeObject> objects;
    std::vector<std::string> captions;  // five, all different, all true
};

// The scene of image `index` for `seed` in benchmark `version` (layout and captions; no pixels).
// The version defaults to 1 here (unlike MakeShapesOptions) so that code written against
// version 1 scenes keeps getting them; throws genra::Error for a version other than 1 or 2.
ShapesScene makeShapesScene(std::uint64_t seed, int index, int imageSize, int version = 1);

// Renders a scene to an imageSize x imageSize RGB image in the style of scene.version and
// scene.style; deterministic for (seed, scene.index). Throws for a studio version 1 scene.
Image renderShapesScene(const ShapesScene& scene, std::uint64_t seed);

// Signed distance (negative inside, in the units of x and y) from (x, y) to a shape of `kind` centred at
// the origin with enclosing radius `radius`, rotated by `rotationDeg`, y down: the outline the
// renderer draws. For measuring images against what a caption says (shapes_adherence.h).
double shapeSignedDistance(ShapeKind kind, double radius, double rotationDeg, double x, double y);

// {"shape","color","size","position"} of the primary object, "count", and "objects" with every
// object's attributes plus its pixel geometry ("center" [x, y], "radius", "rotation"); from
// version 2 on also "shapes_version" (version 1 attributes have none, as they always had), and
// "shapes_style": "studio" for studio scenes (photo scenes have no such key).
nlohmann::json shapesAttributes(const ShapesScene& scene);

// Lower-case words of a caption, punctuation dropped: "a red circle, large" -> a red circle large.
std::vector<std::string> captionTokens(const std::string& caption);

// Split names in order and the default fractions.
inline const std::array<const char*, 3> kShapesSplits{"pretrain", "align", "test"};

// The split of every image: exact counts from the fractions (largest remainder), assigned by a
// shuffle seeded from `seed`. Fractions must be >= 0 and sum to 1 (within 1e-3).
std::vector<std::string> assignShapesSplits(int count, const std::array<double, 3>& fractions,
                                            std::uint64_t seed);

struct MakeShapesOptions {
    std::filesystem::path outDir;
    int count = 1000;
    std::uint64_t seed = 0;
    int imageSize = 64;
    std::array<double, 3> splitFractions{0.5, 0.3, 0.2};  // pretrain, align, test
    int threads = 0;                                      // 0 = every core
    int version = kShapesDefaultVersion;                  // of the benchmark, 1 or 2
    ShapesStyle style = ShapesStyle::Photo;               // studio needs version 2
    // Version 2 photo sets only: about this fraction of the pretrain split is drawn in the studio
    // style, each of its captions starting with a phrase that names the look ("a rendering of ...",
    // "a 3d render of ..."), as web captions name renders. A CLIP pre-trained on the split then tells
    // the looks apart, as CLIP tells photos from generated images; align and test stay photos. 0 (the
    // default) writes a pure photo set, byte-identical to earlier releases.
    double studioFraction = 0.0;
};

// Throws genra::Error naming the bad option.
void validate(const MakeShapesOptions& options);

// Options that import a folder written by MakeShapesJob (its Karpathy JSON, splits and
// attributes) into `workspace` as dataset `name`.
KarpathyImportOptions shapesImportOptions(const std::filesystem::path& workspace, const std::filesystem::path& shapesDir,
                                          const std::string& name = "shapes");

struct MakeShapesResult {
    int images = 0;
    std::map<std::string, int> splitCounts;
    std::filesystem::path karpathyJson;  // DIR/dataset_shapes.json
    std::filesystem::path cocoJson;      // DIR/captions_shapes.json
};

// Writes DIR/images/<split>/<id 6 digits>.png, DIR/dataset_shapes.json (Karpathy format, with
// per-image "attributes") and DIR/captions_shapes.json (COCO captions; annotation id == sentid).
// The JSON files are written last, so a cancelled or failed run leaves none. Version 2 and later
// record "shapes_version" at the Karpathy file's top level and in every image's attributes; a
// version 1 dataset is byte-identical to what make-shapes wrote before versions existed, so it
// has no such key (no key = version 1). A studio dataset also records "shapes_style": "studio"
// there, a mixed set "studio_fraction"; a photo dataset is byte-identical to what make-shapes wrote
// before styles existed.
class MakeShapesJob : public jobs::Job {
public:
    explicit MakeShapesJob(MakeShapesOptions options);
    std::string name() const override { return "make-shapes"; }
    bool run(jobs::JobContext& context) override;
    const MakeShapesResult& result() const { return result_; }

private:
    MakeShapesOptions options_;
    MakeShapesResult result_;
};

// Relative name of image `index` inside its split folder: "000123.png".
std::string shapesFileName(int index);

}  // namespace genra::data
