// The recipe form: one editor per field of core/train's recipe table (type, default, range and
// help text as a tooltip), so every hyper-parameter the trainer knows appears here without being
// listed twice. Reads and writes recipe JSON; validation is the trainer's own parseRecipe.
#pragma once

#include <nlohmann/json.hpp>

#include <QStringList>
#include <QWidget>

#include <map>
#include <string>

namespace genra::widgets {

class RecipeForm : public QWidget {
    Q_OBJECT
public:
    explicit RecipeForm(QWidget* parent = nullptr);

    // The recipe as JSON (every field, defaults included).
    nlohmann::json recipeJson() const;
    // Fills the editors; keys the form does not know are an error naming the key (nothing changes).
    // Missing keys take their defaults.
    void setRecipeJson(const nlohmann::json& recipe);
    void resetToDefaults();
    // Empty when the recipe is valid, else the trainer's message (it names the key).
    QString validate() const;

    // Recipe files (JSON); errors (naming the file) are thrown as genra::Error.
    void loadFile(const QString& path);
    void saveFile(const QString& path) const;

    // Choices offered for the base model and dataset fields (still editable by hand).
    void setModelChoices(const QStringList& models);
    void setDatasetChoices(const QStringList& datasets);

    // The editor of a field (tests and tooltips); nullptr for an unknown key.
    QWidget* editor(const std::string& key) const;

Q_SIGNALS:
    void changed();

private:
    void setValue(const std::string& key, const nlohmann::json& value);
    void applyMethodDefaults();
    nlohmann::json value(const std::string& key) const;
    std::map<std::string, QWidget*> editors_;
};

}  // namespace genra::widgets
