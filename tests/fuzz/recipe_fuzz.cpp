// Fuzz target: the settings JSON a user passes with --recipe: the training recipe, the captioner
// recipe and the generator's training options, each read from the same bytes by its own loader
// (nesting limit, unknown keys, wrong types and ranges named by the schema).
#include <cstddef>
#include <cstdint>

#include "core/caption/caption_recipe.h"
#include "core/gen/generator_recipe.h"
#include "core/train/recipe.h"
#include "core/util/error.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto path = genra::fuzz::writeInput("recipe.json", data, size);
    try {
        const auto recipe = genra::train::loadRecipe(path.string());
        (void)genra::train::toJson(recipe).dump();
    } catch (const genra::Error&) {
    }
    try {
        const auto recipe = genra::caption::loadCaptionRecipe(path.string());
        (void)genra::caption::toJson(recipe).dump();
    } catch (const genra::Error&) {
    }
    try {
        const auto options = genra::gen::loadGeneratorRecipe(path);
        genra::gen::validate(options);
        (void)genra::gen::toJson(options).dump();
    } catch (const genra::Error&) {
    }
    return 0;
}
