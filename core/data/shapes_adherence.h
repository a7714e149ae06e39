// Caption adherence of images of the built-in Shapes benchmark, measured without a neural net. The
// Shapes renderer knows what every caption means (the colour, shape and position of the object it
// describes, stored as the real image's attributes), so an image made from a caption can be checked
// directly: is there a region of the caption's colour of a plausible size, does its centre sit at
// the caption's position, and does its outline match the caption's shape better than the others?
// Scoring real images gives the ceiling of the measure, scoring images against another image's
// caption gives chance.
#pragma once

#include "core/data/image.h"
#include "core/data/shapes.h"

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace genra::store {
class Workspace;
}

namespace genra::data {

// What a caption asks of the object it describes (the scene's primary object).
struct ShapesTarget {
    ShapeKind kind = ShapeKind::Circle;
    ShapeColor color = ShapeColor::Red;
    ShapePosition position = ShapePosition::Center;
    bool positionStated = true;  // false when other objects share the scene (captions may give only relations)
};

// The target of a Shapes image's attributes (shapesAttributes' format); nullopt when they are not
// Shapes attributes.
std::optional<ShapesTarget> shapesTargetFromAttributes(const nlohmann::json& attributes);

// The palette colour an RGB pixel shows, or nullopt for background. `backgroundValue` is the
// image's typical background brightness (HSV value in [0, 1]), which separates white and black
// objects from bright and dark backgrounds and from shadows.
std::optional<ShapeColor> classifyShapesPixel(std::uint8_t r, std::uint8_t g, std::uint8_t b, double backgroundValue);

// The largest connected region of one colour, in image-side units (0..1, y down).
struct ShapesRegion {
    bool found = false;         // a region whose area is plausible for one object
    double areaFraction = 0.0;  // of the image
    double centerX = 0.0;
    double centerY = 0.0;
    ShapePosition position = ShapePosition::Center;  // nearest layout anchor to the centre
    ShapeKind kind = ShapeKind::Circle;              // the outline that overlaps the region best
    double shapeOverlap = 0.0;                       // that outline's intersection over union
};
ShapesRegion findShapesRegion(const Image& image, ShapeColor color);

struct ShapesAdherence {
    bool color = false;     // a region of the caption's colour exists
    bool position = false;  // ... centred at the caption's position
    bool shape = false;     // ... shaped like the caption's shape
    bool all = false;       // all three (position only where the caption states it)
};
ShapesAdherence scoreShapesAdherence(const Image& image, const ShapesTarget& target);

// Fractions of images that follow their caption.
struct AdherenceRates {
    std::int64_t images = 0;
    std::int64_t positionImages = 0;  // images whose caption states the position
    double color = 0.0;
    double position = 0.0;
    double shape = 0.0;
    double all = 0.0;
};

// Sums scores into rates.
class AdherenceTally {
public:
    void add(const ShapesAdherence& score, bool positionStated);
    AdherenceRates rates() const;

private:
    std::int64_t images_ = 0;
    std::int64_t positionImages_ = 0;
    std::int64_t color_ = 0;
    std::int64_t position_ = 0;
    std::int64_t shape_ = 0;
    std::int64_t all_ = 0;
};

struct ShapesAdherenceOptions {
    std::string dataset;
    std::string split;      // empty: every split
    std::string generator;  // as recorded ("builtin:NAME", "external:NAME"); empty: every generator
    int maxImages = 0;      // 0: all (the first N generated images by id otherwise)
    std::uint64_t seed = 0; // which wrong caption each image is paired with for the chance level
};

struct ShapesAdherenceReport {
    AdherenceRates generated;  // generated images against their own captions
    AdherenceRates real;       // the real images of those captions, at the generated images' size
    AdherenceRates chance;     // generated images against another image's caption
    int imageSize = 0;         // of the generated images (the first one's width)
    // fineDetailRms over the generated images and over their real images (at the same size): a
    // generator whose samples keep speckle that the real images do not have scores well above them.
    double generatedFineDetail = 0.0;
    double realFineDetail = 0.0;
};

// The root mean square, over pixels and channels, of an image's difference from its 3x3 box blur
// (edges replicated), in grey levels: the energy of its finest detail, noise included. 0 for a
// flat image.
double fineDetailRms(const Image& image);

// Measures a workspace's generated images of a Shapes dataset against the captions they were made
// from. Throws genra::Error when there are none or the dataset has no Shapes attributes.
ShapesAdherenceReport measureShapesAdherence(store::Workspace& workspace, const ShapesAdherenceOptions& options);

nlohmann::json toJson(const AdherenceRates& rates);
nlohmann::json toJson(const ShapesAdherenceReport& report);

}  // namespace genra::data
