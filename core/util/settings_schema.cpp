#include "core/util/settings_schema.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <sstream>

namespace genra::util {

namespace {

using nlohmann::json;

std::string number(double x) {
    std::ostringstream out;
    out << x;
    return out.str();
}

bool isWholeNumber(const json& v) {
    return v.is_number_integer() || (v.is_number_float() && std::isfinite(v.get<double>()) &&
                                     std::floor(v.get<double>()) == v.get<double>());
}

bool hasType(const FieldInfo& f, const json& v) {
    switch (f.type) {
        case FieldType::String:
        case FieldType::Enum: return v.is_string();
        case FieldType::Int: return isWholeNumber(v);
        case FieldType::Number: return v.is_number();
        case FieldType::Bool: return v.is_boolean();
        case FieldType::StringList:
            return v.is_array() && std::all_of(v.begin(), v.end(), [](const json& item) { return item.is_string(); });
        case FieldType::IntList: return v.is_array() && std::all_of(v.begin(), v.end(), isWholeNumber);
    }
    return false;
}

bool inRange(const FieldInfo& f, double x) {
    if (f.minimum && !(f.minimumExclusive ? x > *f.minimum : x >= *f.minimum)) return false;
    if (f.maximum && !(f.maximumExclusive ? x < *f.maximum : x <= *f.maximum)) return false;
    return true;
}

std::string joined(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
    return out;
}

}  // namespace

const char* toString(FieldType type) {
    switch (type) {
        case FieldType::String: return "string";
        case FieldType::Int: return "int";
        case FieldType::Number: return "number";
        case FieldType::Bool: return "bool";
        case FieldType::StringList: return "string-list";
        case FieldType::IntList: return "int-list";
        case FieldType::Enum: return "enum";
    }
    return "unknown";
}

std::string FieldInfo::flagName() const {
    if (!flag.empty()) return flag;
    std::string name = "--" + key;
    std::replace(name.begin(), name.end(), '_', '-');
    return name;
}

std::string FieldInfo::intervalText() const {
    if (!hasRange()) return {};
    std::string out = minimum ? (minimumExclusive ? "(" : "[") + number(*minimum) : std::string("(-inf");
    out += ", ";
    out += maximum ? number(*maximum) + (maximumExclusive ? ")" : "]") : std::string("inf)");
    return out;
}

std::string FieldInfo::rangeText() const {
    std::string out;
    if (minimum && maximum && !minimumExclusive && !maximumExclusive) {
        out = number(*minimum) + " … " + number(*maximum);
    } else {
        if (minimum) out = (minimumExclusive ? "> " : "≥ ") + number(*minimum);
        if (maximum) out += (out.empty() ? "" : ", ") + std::string(maximumExclusive ? "< " : "≤ ") + number(*maximum);
    }
    for (const auto& c : choices) out += (out.empty() ? "" : ", ") + c;
    return out;
}

void failField(const std::string& source, const std::string& key, const std::string& what) {
    throw Error(source + ": key \"" + key + "\": " + what);
}

void checkFieldValue(const FieldInfo& f, const json& v, const std::string& source) {
    if (!hasType(f, v)) {
        const std::string expected = f.type == FieldType::Enum ? "string" : toString(f.type);
        failField(source, f.key, "expected a " + expected + ", got " + v.dump());
    }
    if (f.hasRange()) {
        std::vector<json> numbers;
        if (v.is_number()) numbers.push_back(v);
        if (f.type == FieldType::IntList) numbers.assign(v.begin(), v.end());
        for (const auto& x : numbers) {
            if (!inRange(f, x.get<double>())) failField(source, f.key, "value " + x.dump() + " is out of range " + f.intervalText());
        }
    }
    if (!f.choices.empty()) {
        std::vector<std::string> values;
        if (v.is_string()) values.push_back(v.get<std::string>());
        else values = v.get<std::vector<std::string>>();
        for (const auto& value : values) {
            if (std::find(f.choices.begin(), f.choices.end(), value) == f.choices.end()) {
                failField(source, f.key, "unknown value \"" + value + "\" (expected one of: " + joined(f.choices) + ")");
            }
        }
    }
}

json fieldValueFromText(const FieldInfo& f, const std::vector<std::string>& texts, const std::string& source) {
    const auto item = [&](const std::string& text, FieldType type) -> json {
        const auto bad = [&](const char* what) { return Error(source + ": \"" + text + "\" is not " + what); };
        if (type == FieldType::Int) {
            char* end = nullptr;
            errno = 0;
            const long long n = std::strtoll(text.c_str(), &end, 10);
            if (text.empty() || *end != '\0' || errno == ERANGE) throw bad("an integer");
            return static_cast<std::int64_t>(n);
        }
        if (type == FieldType::Number) {
            char* end = nullptr;
            const double x = std::strtod(text.c_str(), &end);
            if (text.empty() || *end != '\0' || !std::isfinite(x)) throw bad("a number");
            return x;
        }
        if (type == FieldType::Bool) {
            std::string lower = text;
            std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
            if (lower == "true" || lower == "1" || lower == "yes" || lower == "on") return true;
            if (lower == "false" || lower == "0" || lower == "no" || lower == "off") return false;
            throw bad("true or false");
        }
        return text;
    };
    if (f.type == FieldType::StringList || f.type == FieldType::IntList) {
        json list = json::array();
        for (const auto& text : texts) list.push_back(item(text, f.type == FieldType::IntList ? FieldType::Int : FieldType::String));
        return list;
    }
    if (texts.size() != 1) throw Error(source + ": expected one value, got " + std::to_string(texts.size()));
    return item(texts.front(), f.type);
}

std::string fieldValueText(const json& v) {
    if (v.is_string()) return v.get<std::string>();
    if (v.is_array()) {
        std::vector<std::string> items;
        for (const auto& item : v) items.push_back(fieldValueText(item));
        return joined(items);
    }
    return v.dump();
}

std::string fieldsMarkdown(const std::vector<FieldInfo>& fields) {
    std::ostringstream out;
    out << "| key | type | default | range / values | meaning |\n|---|---|---|---|---|\n";
    for (const auto& f : fields) {
        out << "| `" << f.key << "` | " << toString(f.type) << " | `" << f.defaultValue.dump() << "` | " << f.rangeText()
            << " | " << f.help << " |\n";
    }
    return out.str();
}

std::int64_t totalTrainingSteps(std::int64_t steps, std::int64_t epochs, std::int64_t stepsPerEpoch) {
    return steps > 0 ? steps : stepsPerEpoch * epochs;
}

}  // namespace genra::util
