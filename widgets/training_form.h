// The recipe form: the generic settings form (settings_form.h) built from core/train's recipe
// table, so every hyper-parameter the trainer knows appears here without being listed twice.
// Validation is the trainer's own parseRecipe; w_gen, w_real and inference_encoder follow the
// method and reading as parseRecipe defaults them.
#pragma once

#include "widgets/settings_form.h"

namespace genra::widgets {

class RecipeForm : public SettingsForm {
    Q_OBJECT
public:
    explicit RecipeForm(QWidget* parent = nullptr);

    // The recipe as JSON (every field, defaults included).
    nlohmann::json recipeJson() const { return values(); }
    // Fills the editors; keys the form does not know are an error naming the key (nothing changes).
    // Missing keys take their defaults (those that default by method and reading, as parseRecipe).
    void setRecipeJson(const nlohmann::json& recipe) { setValues(recipe); }
    void setValues(const nlohmann::json& recipe) override;
    void resetToDefaults() override;

    // Choices offered for the base model and dataset fields (still editable by hand).
    void setModelChoices(const QStringList& models) { setSuggestions("base_model", models); }
    void setDatasetChoices(const QStringList& datasets) { setSuggestions("dataset", datasets); }

private:
    // Sets the method- and reading-dependent keys to parseRecipe's defaults, except those in `keep`.
    void applyMethodDefaults(const nlohmann::json& keep = nlohmann::json::object());
};

}  // namespace genra::widgets
