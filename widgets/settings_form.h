// A form that builds itself from a settings table (core/util/settings_schema.h): one editor per
// field (a check box for a bool, a fixed combo box for an enum, an editable one for fields given
// suggestions, a line edit otherwise), with the help text, default, range and choices as its tool
// tip. It reads and writes the settings as JSON; validation is the struct's own parser, so the
// form and the command line reject the same values with the same messages. The training recipe
// form (training_form.h) is one; the captioner's and the generator's tables make others.
#pragma once

#include "core/util/settings_schema.h"

#include <nlohmann/json.hpp>

#include <QStringList>
#include <QWidget>

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace genra::widgets {

class SettingsForm : public QWidget {
    Q_OBJECT
public:
    struct Options {
        std::vector<util::FieldInfo> fields;
        // Parses a whole settings object as the core does, throwing genra::Error that names
        // `source` and the key (e.g. train::parseRecipe).
        std::function<void(const nlohmann::json& settings, const std::string& source)> check;
        std::string source = "settings";  // names the form in validate()'s messages
        QString objectNamePrefix = QStringLiteral("settings.");  // editors are named PREFIX + key
        std::vector<std::string> suggestionKeys;  // string fields shown as editable combo boxes
    };

    explicit SettingsForm(Options options, QWidget* parent = nullptr);

    // Every field's value, defaults included.
    nlohmann::json values() const;
    // Fills the editors; a key the table does not have is an error naming it (nothing changes).
    // Missing keys take their defaults.
    virtual void setValues(const nlohmann::json& settings);
    virtual void resetToDefaults();
    // Empty when the settings are valid, else the parser's message (it names the key).
    QString validate() const;

    // Settings files (JSON), checked by the parser before the form changes; errors (naming the
    // file) are thrown as genra::Error.
    void loadFile(const QString& path);
    void saveFile(const QString& path) const;

    // Values offered by a field listed in Options::suggestionKeys (still editable by hand).
    void setSuggestions(const std::string& key, const QStringList& values);

    // The editor of a field (tests and tooltips); nullptr for an unknown key.
    QWidget* editor(const std::string& key) const;
    const std::vector<util::FieldInfo>& fields() const { return options_.fields; }

Q_SIGNALS:
    void changed();

protected:
    void setValue(const std::string& key, const nlohmann::json& value);
    nlohmann::json value(const std::string& key) const;

private:
    Options options_;
    std::map<std::string, QWidget*> editors_;
};

}  // namespace genra::widgets
