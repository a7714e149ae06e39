// Command-line flags generated from a settings table (core/util/settings_schema.h): one option per
// field with its flag name, help text and default; the value is checked by the table (type, range,
// choices) and written to the struct as the option is parsed, so a bad value is a usage error
// (exit code 2) naming the flag.
#pragma once

#include "core/util/error.h"
#include "core/util/settings_schema.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

namespace genra::cli {

namespace detail {

inline std::string typeName(const util::FieldInfo& f) {
    switch (f.type) {
        case util::FieldType::Int: return "INT";
        case util::FieldType::Number: return "NUMBER";
        case util::FieldType::Bool: return "BOOL";
        case util::FieldType::IntList: return "INT ...";
        case util::FieldType::StringList: return "TEXT ...";
        case util::FieldType::Enum: {
            std::string out;
            for (const auto& c : f.choices) out += (out.empty() ? "" : "|") + c;
            return out;
        }
        case util::FieldType::String: break;
    }
    return "TEXT";
}

}  // namespace detail

// Adds a flag for every field of `schema` that has one, writing into *target.
template <typename S>
void addSchemaOptions(CLI::App* cmd, const util::SettingsSchema<S>& schema, std::shared_ptr<S> target) {
    for (const auto& field : schema.fields()) {
        if (!field.hasFlag) continue;
        const std::string flag = field.flagName();
        const bool list = field.type == util::FieldType::IntList || field.type == util::FieldType::StringList;
        auto apply = [&schema, target, field, flag](std::vector<std::string> texts) {
            // A list flag given without values is the empty list.
            texts.erase(std::remove(texts.begin(), texts.end(), std::string()), texts.end());
            try {
                schema.set(*target, field.key, util::fieldValueFromText(field, texts, flag), flag);
            } catch (const Error& e) {
                throw CLI::ValidationError(flag, e.what());
            }
        };
        const std::string defaultText = util::fieldValueText(field.defaultValue);
        CLI::Option* option = nullptr;
        if (list) {
            // No default_str here: CLI11 would take it as the values of a list flag given without any.
            option = cmd->add_option_function<std::vector<std::string>>(
                              flag, apply, field.help + " (default: " + (defaultText.empty() ? "none" : defaultText) + ")")
                         ->expected(0, 64);
        } else {
            option = cmd->add_option_function<std::string>(
                flag, [apply](const std::string& text) { apply({text}); }, field.help);
            option->default_str(defaultText);
        }
        option->type_name(detail::typeName(field));
    }
}

}  // namespace genra::cli
