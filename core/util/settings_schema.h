// One table of field descriptors per settings struct (the training recipe, the captioner recipe,
// the built-in generator's training options): each field's JSON key, type, default, range or
// choices, help text, command-line flag, and the struct member it reads and writes. The table
// drives parsing (unknown keys, wrong types and out-of-range values are errors naming the source
// and the key), JSON output, the Markdown reference (`--doc`), command-line flags (app/cli
// schema_options.h) and the generic GUI form (widgets/settings_form.h), so a key is written once.
//
// Training length, for every struct with both `steps` and `epochs`: steps > 0 overrides epochs;
// with steps 0 the run lasts `epochs` passes (totalTrainingSteps). Each struct's parse resolves a
// recipe to that form, so a parsed recipe never has both above 0.
#pragma once

#include "core/util/error.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace genra::util {

enum class FieldType { String = 1, Int, Number, Bool, StringList, IntList, Enum };

// "string", "int", "number", "bool", "string-list", "int-list", "enum" (the reference's words).
const char* toString(FieldType type);

// Everything a parser, a reference, a flag or a form needs to know about one field.
struct FieldInfo {
    std::string key;  // JSON key
    FieldType type = FieldType::String;
    nlohmann::json defaultValue;       // the member's value in a default-constructed struct
    std::string help;
    std::vector<std::string> choices;  // Enum: every value; StringList: every allowed item (empty: any)
    std::optional<double> minimum;
    std::optional<double> maximum;
    bool minimumExclusive = false;
    bool maximumExclusive = false;
    std::string flag;                  // command-line flag; empty: "--" + key with '-' for '_'
    bool hasFlag = true;

    std::string flagName() const;
    bool hasRange() const { return minimum.has_value() || maximum.has_value(); }
    // "[1, 4096]", "(0, 1)", "[0, inf)"; empty without a range.
    std::string intervalText() const;
    // The reference's range / values column: "1 … 4096", "> 0", "≥ 0", or the choices.
    std::string rangeText() const;
};

// Throws genra::Error "SOURCE: key \"KEY\": WHAT" (the form every schema error takes).
[[noreturn]] void failField(const std::string& source, const std::string& key, const std::string& what);

// Checks a JSON value against a field's type, range and choices; throws (failField) if it does not fit.
void checkFieldValue(const FieldInfo& field, const nlohmann::json& value, const std::string& source);

// Converts command-line text to the field's JSON value (lists: one text per item; bool: true,
// false, 1, 0, yes, no, on, off). Throws genra::Error naming `source` when a text does not parse.
nlohmann::json fieldValueFromText(const FieldInfo& field, const std::vector<std::string>& texts,
                                  const std::string& source);

// A value as a person types it: strings bare, lists comma-separated, numbers as JSON writes them.
std::string fieldValueText(const nlohmann::json& value);

// Markdown table of the fields: key, type, default, range / values, meaning.
std::string fieldsMarkdown(const std::vector<FieldInfo>& fields);

// Steps > 0 overrides epochs; with steps 0, epochs passes of stepsPerEpoch steps each.
std::int64_t totalTrainingSteps(std::int64_t steps, std::int64_t epochs, std::int64_t stepsPerEpoch);

// The table of one struct S, built once (typically a function-local static) by add() calls.
template <typename S>
class SettingsSchema {
public:
    // Chains what one field has besides its key, member and help.
    class FieldRef {
    public:
        FieldRef(SettingsSchema* schema, std::size_t index) : schema_(schema), index_(index) {}
        FieldRef& range(double lo, double hi) {
            info().minimum = lo;
            info().maximum = hi;
            return *this;
        }
        FieldRef& atLeast(double lo) {
            info().minimum = lo;
            return *this;
        }
        FieldRef& above(double lo) {
            info().minimum = lo;
            info().minimumExclusive = true;
            return *this;
        }
        FieldRef& below(double hi) {
            info().maximum = hi;
            info().maximumExclusive = true;
            return *this;
        }
        // A string becomes an enum; a string list's items must be among them.
        FieldRef& choices(std::vector<std::string> values) {
            if (info().type == FieldType::String) info().type = FieldType::Enum;
            info().choices = std::move(values);
            return *this;
        }
        FieldRef& flag(std::string name) {
            info().flag = std::move(name);
            return *this;
        }
        FieldRef& noFlag() {
            info().hasFlag = false;
            return *this;
        }

    private:
        FieldInfo& info() { return schema_->infos_[index_]; }
        SettingsSchema* schema_;
        std::size_t index_;
    };

    // `docCommand` is named by the unknown-key error ("genra recipe --doc").
    explicit SettingsSchema(std::string docCommand) : docCommand_(std::move(docCommand)) {}
    SettingsSchema(const SettingsSchema&) = delete;
    SettingsSchema& operator=(const SettingsSchema&) = delete;

    // A member of type std::string, bool, an integer, a floating-point number, or a vector of
    // strings or integers; its type, default and JSON conversion follow from the member.
    template <typename T>
    FieldRef add(std::string key, T S::*member, std::string help) {
        Accessor a;
        a.set = [member](S& s, const nlohmann::json& v) { s.*member = convert<T>(v); };
        a.get = [member](const S& s) { return nlohmann::json(s.*member); };
        return push(std::move(key), fieldType<T>(), std::move(help), std::move(a));
    }

    // An enum member spelt by the given names in JSON.
    template <typename E>
    FieldRef addEnum(std::string key, E S::*member, std::vector<std::pair<std::string, E>> names, std::string help) {
        Accessor a;
        a.set = [member, names](S& s, const nlohmann::json& v) {
            for (const auto& [name, value] : names)
                if (name == v.template get<std::string>()) s.*member = value;
        };
        a.get = [member, names](const S& s) {
            for (const auto& [name, value] : names)
                if (value == s.*member) return nlohmann::json(name);
            return nlohmann::json("unknown");
        };
        std::vector<std::string> choices;
        for (const auto& item : names) choices.push_back(item.first);
        FieldRef ref = push(std::move(key), FieldType::Enum, std::move(help), std::move(a));
        ref.choices(std::move(choices));
        return ref;
    }

    const std::vector<FieldInfo>& fields() const { return infos_; }
    const FieldInfo* find(const std::string& key) const {
        for (const auto& f : infos_)
            if (f.key == key) return &f;
        return nullptr;
    }

    // Applies every key of `json` (an object) to `s`: unknown keys (except "_comment"-style keys
    // starting with '_'), wrong types and out-of-range values throw genra::Error naming `source`
    // and the key. Keys the JSON leaves out keep their value in `s`.
    void read(S& s, const nlohmann::json& json, const std::string& source) const {
        if (!json.is_object()) throw Error(source + ": expected a JSON object, got " + json.type_name());
        for (auto it = json.begin(); it != json.end(); ++it) {
            if (!find(it.key())) {
                if (!it.key().empty() && it.key()[0] == '_') continue;
                throw Error(source + ": unknown key \"" + it.key() + "\" (see `" + docCommand_ +
                            "` for the accepted keys)");
            }
            set(s, it.key(), it.value(), source);
        }
    }
    S parse(const nlohmann::json& json, const std::string& source) const {
        S s;
        read(s, json, source);
        return s;
    }
    // One field, checked as read() checks it (command-line flags, forms).
    void set(S& s, const std::string& key, const nlohmann::json& value, const std::string& source) const {
        const std::size_t i = indexOf(key);
        if (i == infos_.size()) failField(source, key, "unknown key");
        checkFieldValue(infos_[i], value, source);
        try {
            access_[i].set(s, value);
        } catch (const Error& e) {
            failField(source, key, e.what());
        }
    }
    nlohmann::json get(const S& s, const std::string& key) const {
        const std::size_t i = indexOf(key);
        return i == infos_.size() ? nlohmann::json() : access_[i].get(s);
    }
    // Every field's value, in table order.
    nlohmann::json toJson(const S& s) const {
        nlohmann::json out = nlohmann::json::object();
        for (std::size_t i = 0; i < infos_.size(); ++i) out[infos_[i].key] = access_[i].get(s);
        return out;
    }
    // Checks the values of a struct built in code against the ranges and choices. Its messages
    // also name the field in words ("SOURCE: edge weight: key \"edge_weight\": ..."), as such a
    // struct comes from flags or a form rather than from a file's keys.
    void check(const S& s, const std::string& source) const {
        for (std::size_t i = 0; i < infos_.size(); ++i) {
            std::string words = infos_[i].key;
            for (char& ch : words) ch = ch == '_' ? ' ' : ch;
            checkFieldValue(infos_[i], access_[i].get(s), source + ": " + words);
        }
    }
    std::string markdown() const { return fieldsMarkdown(infos_); }

private:
    struct Accessor {
        std::function<void(S&, const nlohmann::json&)> set;
        std::function<nlohmann::json(const S&)> get;
    };

    template <typename T>
    struct IsIntegerList : std::false_type {};
    template <typename N>
    struct IsIntegerList<std::vector<N>> : std::bool_constant<std::is_integral_v<N> && !std::is_same_v<N, bool>> {};

    template <typename T>
    static constexpr FieldType fieldType() {
        if constexpr (std::is_same_v<T, std::string>) return FieldType::String;
        else if constexpr (std::is_same_v<T, bool>) return FieldType::Bool;
        else if constexpr (std::is_integral_v<T>) return FieldType::Int;
        else if constexpr (std::is_floating_point_v<T>) return FieldType::Number;
        else if constexpr (std::is_same_v<T, std::vector<std::string>>) return FieldType::StringList;
        else {
            static_assert(IsIntegerList<T>::value,
                          "a settings field is a string, bool, integer, number or a list of strings or integers");
            return FieldType::IntList;
        }
    }

    // checkFieldValue has made sure the value is a whole number; this makes sure N holds it.
    template <typename N>
    static N integer(const nlohmann::json& v) {
        const auto tooBig = [&] { return Error("value " + v.dump() + " does not fit the field"); };
        if (v.is_number_unsigned()) {
            const auto u = v.get<std::uint64_t>();
            if (u > static_cast<std::uint64_t>(std::numeric_limits<N>::max())) throw tooBig();
            return static_cast<N>(u);
        }
        if (v.is_number_integer()) {
            const auto n = v.get<std::int64_t>();
            if (n < static_cast<std::int64_t>(std::numeric_limits<N>::lowest()) ||
                (n > 0 && static_cast<std::uint64_t>(n) > static_cast<std::uint64_t>(std::numeric_limits<N>::max()))) {
                throw tooBig();
            }
            return static_cast<N>(n);
        }
        const double x = v.get<double>();
        if (!(x >= static_cast<double>(std::numeric_limits<N>::lowest()) && x <= static_cast<double>(std::numeric_limits<N>::max()))) {
            throw tooBig();
        }
        return static_cast<N>(x);
    }

    template <typename T>
    static T convert(const nlohmann::json& v) {
        if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
            return integer<T>(v);
        } else if constexpr (IsIntegerList<T>::value) {
            T out;
            for (const auto& item : v) out.push_back(integer<typename T::value_type>(item));
            return out;
        } else {
            return v.get<T>();
        }
    }

    FieldRef push(std::string key, FieldType type, std::string help, Accessor a) {
        FieldInfo info;
        info.key = std::move(key);
        info.type = type;
        info.help = std::move(help);
        info.defaultValue = a.get(S{});
        infos_.push_back(std::move(info));
        access_.push_back(std::move(a));
        return FieldRef(this, infos_.size() - 1);
    }

    std::size_t indexOf(const std::string& key) const {
        std::size_t i = 0;
        while (i < infos_.size() && infos_[i].key != key) ++i;
        return i;
    }

    std::string docCommand_;
    std::vector<FieldInfo> infos_;
    std::vector<Accessor> access_;
};

}  // namespace genra::util
