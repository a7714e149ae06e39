#include "widgets/training_form.h"

#include "core/train/recipe.h"

#include <QComboBox>

namespace genra::widgets {

namespace {

SettingsForm::Options recipeFormOptions() {
    SettingsForm::Options o;
    o.fields = train::recipeFields();
    o.check = [](const nlohmann::json& recipe, const std::string& source) { train::parseRecipe(recipe, source); };
    o.source = "recipe";
    o.objectNamePrefix = QStringLiteral("recipe.");
    o.suggestionKeys = {"base_model", "dataset"};
    return o;
}

}  // namespace

RecipeForm::RecipeForm(QWidget* parent) : SettingsForm(recipeFormOptions(), parent) {
    // w_gen, w_real and inference_encoder default by method and reading (core/train/recipe.h):
    // choosing either sets them to what that method's recipe would use.
    for (const char* key : {"method", "reading"}) {
        if (auto* combo = qobject_cast<QComboBox*>(editor(key)))
            connect(combo, &QComboBox::textActivated, this, [this] { applyMethodDefaults(); });
    }
    resetToDefaults();
}

void RecipeForm::resetToDefaults() {
    SettingsForm::resetToDefaults();
    applyMethodDefaults();
}

void RecipeForm::setValues(const nlohmann::json& recipe) {
    // A valid recipe shows as the trainer resolves it: keys it leaves out that default by other
    // keys (the loss weights by method and reading, steps by epochs) get that default.
    nlohmann::json resolved;
    try {
        resolved = train::toJson(train::parseRecipe(recipe, "recipe"));
    } catch (const std::exception&) {
        // Shown as it is; validate() names what is wrong.
        SettingsForm::setValues(recipe);
        applyMethodDefaults(recipe);
        return;
    }
    SettingsForm::setValues(resolved);
}

void RecipeForm::applyMethodDefaults(const nlohmann::json& keep) {
    const nlohmann::json minimal = {{"method", value("method")}, {"reading", value("reading")}, {"dataset", "d"},
                                    {"base_model", "m"}};
    try {
        const auto resolved = train::toJson(train::parseRecipe(minimal, "recipe"));
        for (const char* key : {"w_gen", "w_real", "inference_encoder"})
            if (!keep.contains(key)) setValue(key, resolved.at(key));
    } catch (const std::exception&) {
        // A combination the recipe refuses (e.g. lora-gen under algorithm-1): validate() names it.
    }
}

}  // namespace genra::widgets
