#include "widgets/settings_form.h"

#include "core/util/error.h"
#include "core/util/json_limits.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFile>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QSaveFile>

#include <algorithm>
#include <cmath>

namespace genra::widgets {

namespace {

QString fromStd(const std::string& s) { return QString::fromStdString(s); }

QString numberText(const nlohmann::json& v) {
    if (v.is_number_integer()) return QString::number(v.get<std::int64_t>());
    if (v.is_number()) return QString::number(v.get<double>(), 'g', 12);
    return v.is_string() ? fromStd(v.get<std::string>()) : fromStd(v.dump());
}

QString listText(const nlohmann::json& v) {
    QStringList items;
    if (v.is_array())
        for (const auto& item : v) items << numberText(item);
    return items.join(QStringLiteral(", "));
}

// A number typed into a line edit; the text itself when it is not one, so the parser names the key.
nlohmann::json numberFromText(const QString& text, util::FieldType type) {
    bool ok = false;
    if (type == util::FieldType::Int || type == util::FieldType::IntList) {
        const qlonglong n = text.toLongLong(&ok);
        if (ok) return static_cast<std::int64_t>(n);
    } else {
        const double x = text.toDouble(&ok);
        if (ok && std::isfinite(x)) return x;
    }
    return text.toStdString();
}

}  // namespace

SettingsForm::SettingsForm(Options options, QWidget* parent) : QWidget(parent), options_(std::move(options)) {
    auto* form = new QFormLayout(this);
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    const auto& suggested = options_.suggestionKeys;
    for (const auto& f : options_.fields) {
        QWidget* editor = nullptr;
        if (f.type == util::FieldType::Bool) {
            auto* box = new QCheckBox(this);
            connect(box, &QCheckBox::toggled, this, &SettingsForm::changed);
            editor = box;
        } else if (f.type == util::FieldType::Enum) {
            auto* combo = new QComboBox(this);
            for (const auto& c : f.choices) combo->addItem(fromStd(c));
            connect(combo, &QComboBox::currentTextChanged, this, &SettingsForm::changed);
            editor = combo;
        } else if (std::find(suggested.begin(), suggested.end(), f.key) != suggested.end()) {
            auto* combo = new QComboBox(this);
            combo->setEditable(true);
            combo->setInsertPolicy(QComboBox::NoInsert);
            connect(combo, &QComboBox::currentTextChanged, this, &SettingsForm::changed);
            editor = combo;
        } else {
            auto* line = new QLineEdit(this);
            if (f.type == util::FieldType::StringList || f.type == util::FieldType::IntList)
                line->setPlaceholderText(tr("comma-separated"));
            connect(line, &QLineEdit::textChanged, this, &SettingsForm::changed);
            editor = line;
        }
        QString tip = fromStd(f.help);
        tip += QStringLiteral("\n") + tr("Default: %1").arg(fromStd(f.defaultValue.dump()));
        if (f.hasRange()) tip += QStringLiteral("\n") + tr("Range: %1").arg(fromStd(f.intervalText()));
        if (!f.choices.empty()) {
            QStringList choices;
            for (const auto& c : f.choices) choices << fromStd(c);
            tip += QStringLiteral("\n") + tr("Choices: %1").arg(choices.join(QStringLiteral(", ")));
        }
        editor->setToolTip(tip);
        editor->setObjectName(options_.objectNamePrefix + fromStd(f.key));
        auto* label = new QLabel(fromStd(f.key), this);
        label->setToolTip(tip);
        form->addRow(label, editor);
        editors_[f.key] = editor;
    }
    SettingsForm::resetToDefaults();
}

QWidget* SettingsForm::editor(const std::string& key) const {
    const auto it = editors_.find(key);
    return it == editors_.end() ? nullptr : it->second;
}

void SettingsForm::resetToDefaults() {
    for (const auto& f : options_.fields) setValue(f.key, f.defaultValue);
}

void SettingsForm::setValue(const std::string& key, const nlohmann::json& v) {
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

nlohmann::json SettingsForm::value(const std::string& key) const {
    const auto field = std::find_if(options_.fields.begin(), options_.fields.end(),
                                    [&](const util::FieldInfo& f) { return f.key == key; });
    QWidget* w = editor(key);
    if (field == options_.fields.end() || !w) return nullptr;
    if (auto* box = qobject_cast<QCheckBox*>(w)) return box->isChecked();
    if (auto* combo = qobject_cast<QComboBox*>(w)) return combo->currentText().trimmed().toStdString();
    const QString text = qobject_cast<QLineEdit*>(w)->text().trimmed();
    switch (field->type) {
        case util::FieldType::StringList:
        case util::FieldType::IntList: {
            nlohmann::json list = nlohmann::json::array();
            for (const auto& item : text.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
                const QString trimmed = item.trimmed();
                if (trimmed.isEmpty()) continue;
                if (field->type == util::FieldType::IntList) list.push_back(numberFromText(trimmed, field->type));
                else list.push_back(trimmed.toStdString());
            }
            return list;
        }
        case util::FieldType::Int:
        case util::FieldType::Number: return numberFromText(text, field->type);
        default: return text.toStdString();
    }
}

nlohmann::json SettingsForm::values() const {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& f : options_.fields) out[f.key] = value(f.key);
    return out;
}

void SettingsForm::setValues(const nlohmann::json& settings) {
    if (!settings.is_object()) throw Error(options_.source + ": expected a JSON object");
    for (const auto& [key, v] : settings.items()) {
        if (!editor(key)) throw Error(options_.source + ": unknown key \"" + key + "\"");
    }
    for (const auto& f : options_.fields) setValue(f.key, settings.contains(f.key) ? settings.at(f.key) : f.defaultValue);
}

QString SettingsForm::validate() const {
    try {
        if (options_.check) options_.check(values(), options_.source);
    } catch (const std::exception& e) {
        return fromStd(e.what());
    }
    return {};
}

void SettingsForm::loadFile(const QString& path) {
    const std::string name = path.toStdString();
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) throw Error(name + ": cannot open the file");
    const QByteArray bytes = file.readAll();
    nlohmann::json json;
    try {
        // The depth limit and number range of every file from outside (util::parseUntrustedJson).
        json = util::parseUntrustedJson(std::string_view(bytes.constData(), static_cast<std::size_t>(bytes.size())),
                                        name);
    } catch (const nlohmann::json::parse_error& e) {
        throw ParseError(name, "byte " + std::to_string(e.byte), "invalid JSON");
    }
    // Validate before touching the form, so a bad file loses nothing already entered.
    if (options_.check) options_.check(json, name);
    const auto previous = values();
    try {
        setValues(json);
    } catch (const Error& e) {
        setValues(previous);
        throw Error(name + ": " + e.what());
    }
}

void SettingsForm::saveFile(const QString& path) const {
    QSaveFile file(path);
    const std::string text = values().dump(2) + "\n";
    if (!file.open(QIODevice::WriteOnly) || file.write(text.data(), static_cast<qint64>(text.size())) < 0 ||
        !file.commit()) {
        throw Error(path.toStdString() + ": cannot write the file");
    }
}

void SettingsForm::setSuggestions(const std::string& key, const QStringList& values) {
    auto* combo = qobject_cast<QComboBox*>(editor(key));
    if (!combo || !combo->isEditable()) return;
    const QString text = combo->currentText();
    combo->clear();
    combo->addItems(values);
    combo->setEditText(text);
}

}  // namespace genra::widgets
