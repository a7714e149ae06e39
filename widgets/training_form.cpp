#include "widgets/training_form.h"

#include "core/train/recipe.h"
#include "core/util/error.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFile>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QSaveFile>

#include <cmath>

namespace genra::widgets {

namespace {

QString fromStd(const std::string& s) { return QString::fromStdString(s); }

QString listText(const nlohmann::json& v) {
    QStringList items;
    if (v.is_array())
        for (const auto& item : v) items << fromStd(item.is_string() ? item.get<std::string>() : item.dump());
    return items.join(QStringLiteral(", "));
}

QString numberText(const nlohmann::json& v) {
    if (v.is_number_integer()) return QString::number(v.get<std::int64_t>());
    if (v.is_number()) return QString::number(v.get<double>(), 'g', 12);
    return v.is_string() ? fromStd(v.get<std::string>()) : fromStd(v.dump());
}

bool isComboKey(const std::string& key) { return key == "base_model" || key == "dataset"; }

}  // namespace

RecipeForm::RecipeForm(QWidget* parent) : QWidget(parent) {
    auto* form = new QFormLayout(this);
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    for (const auto& f : train::recipeFields()) {
        QWidget* editor = nullptr;
        if (f.type == "bool") {
            auto* box = new QCheckBox(this);
            connect(box, &QCheckBox::toggled, this, &RecipeForm::changed);
            editor = box;
        } else if (f.type == "enum") {
            auto* combo = new QComboBox(this);
            for (const auto& c : f.choices) combo->addItem(fromStd(c));
            connect(combo, &QComboBox::currentTextChanged, this, &RecipeForm::changed);
            editor = combo;
        } else if (isComboKey(f.key)) {
            auto* combo = new QComboBox(this);
            combo->setEditable(true);
            combo->setInsertPolicy(QComboBox::NoInsert);
            connect(combo, &QComboBox::currentTextChanged, this, &RecipeForm::changed);
            editor = combo;
        } else {
            auto* line = new QLineEdit(this);
            if (f.type == "string-list") line->setPlaceholderText(tr("comma-separated"));
            connect(line, &QLineEdit::textChanged, this, &RecipeForm::changed);
            editor = line;
        }
        QString tip = fromStd(f.help);
        tip += QStringLiteral("\n") + tr("Default: %1").arg(fromStd(f.defaultValue.dump()));
        if (f.hasRange) tip += QStringLiteral("\n") + tr("Range: %1 … %2").arg(f.minimum).arg(f.maximum);
        if (!f.choices.empty()) {
            QStringList choices;
            for (const auto& c : f.choices) choices << fromStd(c);
            tip += QStringLiteral("\n") + tr("Choices: %1").arg(choices.join(QStringLiteral(", ")));
        }
        editor->setToolTip(tip);
        editor->setObjectName(QStringLiteral("recipe.") + fromStd(f.key));
        auto* label = new QLabel(fromStd(f.key), this);
        label->setToolTip(tip);
        form->addRow(label, editor);
        editors_[f.key] = editor;
    }
    // w_gen, w_real and inference_encoder default by method and reading (core/train/recipe.h):
    // choosing either sets them to what that method's recipe would use.
    for (const char* key : {"method", "reading"}) {
        if (auto* combo = qobject_cast<QComboBox*>(editor(key)))
            connect(combo, &QComboBox::textActivated, this, [this] { applyMethodDefaults(); });
    }
    resetToDefaults();
}

QWidget* RecipeForm::editor(const std::string& key) const {
    const auto it = editors_.find(key);
    return it == editors_.end() ? nullptr : it->second;
}

void RecipeForm::resetToDefaults() {
    for (const auto& f : train::recipeFields()) setValue(f.key, f.defaultValue);
    applyMethodDefaults();
}

void RecipeForm::applyMethodDefaults() {
    nlohmann::json minimal = {{"method", value("method")}, {"reading", value("reading")}, {"dataset", "d"},
                              {"base_model", "m"}};
    try {
        const auto resolved = train::toJson(train::parseRecipe(minimal, "recipe"));
        for (const char* key : {"w_gen", "w_real", "inference_encoder"}) setValue(key, resolved.at(key));
    } catch (const std::exception&) {
        // A combination the recipe refuses (e.g. lora-gen under algorithm-1): validate() names it.
    }
}

void RecipeForm::setValue(const std::string& key, const nlohmann::json& v) {
    QWidget* w = editor(key);
    if (auto* box = qobject_cast<QCheckBox*>(w)) {
        box->setChecked(v.is_boolean() && v.get<bool>());
    } else if (auto* combo = qobject_cast<QComboBox*>(w)) {
        const QString text = v.is_string() ? fromStd(v.get<std::string>()) : QString();
        if (combo->isEditable()) combo->setEditText(text);
        else combo->setCurrentIndex(std::max(0, combo->findText(text)));
    } else if (auto* line = qobject_cast<QLineEdit*>(w)) {
        line->setText(v.is_array() ? listText(v) : numberText(v));
    }
}

nlohmann::json RecipeForm::value(const std::string& key) const {
    const train::RecipeField* field = nullptr;
    for (const auto& f : train::recipeFields())
        if (f.key == key) field = &f;
    QWidget* w = editor(key);
    if (!field || !w) return nullptr;
    if (auto* box = qobject_cast<QCheckBox*>(w)) return box->isChecked();
    if (auto* combo = qobject_cast<QComboBox*>(w)) return combo->currentText().trimmed().toStdString();
    const QString text = qobject_cast<QLineEdit*>(w)->text().trimmed();
    if (field->type == "string-list") {
        nlohmann::json list = nlohmann::json::array();
        for (const auto& item : text.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
            if (!item.trimmed().isEmpty()) list.push_back(item.trimmed().toStdString());
        }
        return list;
    }
    if (field->type == "int") {
        bool ok = false;
        const qlonglong n = text.toLongLong(&ok);
        if (ok) return static_cast<std::int64_t>(n);
        return text.toStdString();  // parseRecipe reports it by key
    }
    if (field->type == "number") {
        bool ok = false;
        const double x = text.toDouble(&ok);
        if (ok && std::isfinite(x)) return x;
        return text.toStdString();
    }
    return text.toStdString();
}

nlohmann::json RecipeForm::recipeJson() const {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& f : train::recipeFields()) out[f.key] = value(f.key);
    return out;
}

void RecipeForm::setRecipeJson(const nlohmann::json& recipe) {
    if (!recipe.is_object()) throw Error("recipe: expected a JSON object");
    for (const auto& [key, v] : recipe.items()) {
        if (!editor(key)) throw Error("recipe: unknown key \"" + key + "\"");
    }
    for (const auto& f : train::recipeFields()) setValue(f.key, recipe.contains(f.key) ? recipe.at(f.key) : f.defaultValue);
    // Keys the recipe leaves out that default by method and reading get that default, as
    // parseRecipe gives them.
    nlohmann::json minimal = {{"method", value("method")}, {"reading", value("reading")}, {"dataset", "d"}, {"base_model", "m"}};
    try {
        const auto resolved = train::toJson(train::parseRecipe(minimal, "recipe"));
        for (const char* key : {"w_gen", "w_real", "inference_encoder"})
            if (!recipe.contains(key)) setValue(key, resolved.at(key));
    } catch (const std::exception&) {
        // validate() names what is wrong with the method and reading.
    }
}

QString RecipeForm::validate() const {
    try {
        train::parseRecipe(recipeJson(), "recipe");
    } catch (const std::exception& e) {
        return fromStd(e.what());
    }
    return {};
}

void RecipeForm::loadFile(const QString& path) {
    const std::string name = path.toStdString();
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) throw Error(name + ": cannot open the recipe file");
    const QByteArray bytes = file.readAll();
    nlohmann::json json;
    try {
        json = nlohmann::json::parse(bytes.constData(), bytes.constData() + bytes.size());
    } catch (const nlohmann::json::parse_error& e) {
        throw ParseError(name, "byte " + std::to_string(e.byte), "invalid JSON");
    }
    // Validate before touching the form, so a bad file loses nothing already entered.
    train::parseRecipe(json, name);
    const auto previous = recipeJson();
    try {
        setRecipeJson(json);
    } catch (const Error& e) {
        setRecipeJson(previous);
        throw Error(name + ": " + e.what());
    }
}

void RecipeForm::saveFile(const QString& path) const {
    QSaveFile file(path);
    const std::string text = recipeJson().dump(2) + "\n";
    if (!file.open(QIODevice::WriteOnly) || file.write(text.data(), static_cast<qint64>(text.size())) < 0 ||
        !file.commit()) {
        throw Error(path.toStdString() + ": cannot write the recipe file");
    }
}

void RecipeForm::setModelChoices(const QStringList& models) {
    auto* combo = qobject_cast<QComboBox*>(editor("base_model"));
    const QString text = combo->currentText();
    combo->clear();
    combo->addItems(models);
    combo->setEditText(text);
}

void RecipeForm::setDatasetChoices(const QStringList& datasets) {
    auto* combo = qobject_cast<QComboBox*>(editor("dataset"));
    const QString text = combo->currentText();
    combo->clear();
    combo->addItems(datasets);
    combo->setEditText(text);
}

}  // namespace genra::widgets
