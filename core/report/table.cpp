#include "core/report/table.h"

#include <cmath>
#include <cstdio>
#include <sstream>

#include "core/util/error.h"

namespace genra::report {

namespace {

std::string formatNumber(double value, int decimals) {
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, "%.*f", decimals, value);
    std::string s = buffer;
    if (s == "-0" || s.rfind("-0.", 0) == 0) {
        // "-0.0" reads as a regression that is not there.
        bool allZero = true;
        for (char ch : s.substr(1))
            if (ch != '0' && ch != '.') allZero = false;
        if (allZero) s = s.substr(1);
    }
    return s;
}

std::string csvField(const std::string& text) {
    if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
    std::string out = "\"";
    for (char ch : text) {
        if (ch == '"') out += '"';
        out += ch;
    }
    return out + "\"";
}

std::string markdownCell(const std::string& text) {
    std::string out;
    for (char ch : text) {
        if (ch == '|') out += '\\';
        out += ch;
    }
    return out;
}

bool hasGroups(const Table& table) {
    for (const auto& c : table.columns)
        if (!c.group.empty()) return true;
    return false;
}

// Runs of consecutive columns sharing a group: (first column, count, group).
struct Span {
    std::size_t first = 0;
    std::size_t count = 0;
    std::string group;
};

std::vector<Span> groupSpans(const Table& table) {
    std::vector<Span> spans;
    for (std::size_t i = 0; i < table.columns.size(); ++i) {
        if (!spans.empty() && spans.back().group == table.columns[i].group &&
            !table.columns[i].group.empty()) {
            ++spans.back().count;
        } else {
            spans.push_back({i, 1, table.columns[i].group});
        }
    }
    return spans;
}

}  // namespace

std::size_t Table::addColumn(Column column) {
    columns.push_back(std::move(column));
    for (auto& r : rows) r.values.resize(columns.size());
    return columns.size() - 1;
}

std::size_t Table::addRow(const std::string& label) {
    Row row;
    row.label = label;
    row.values.resize(columns.size());
    rows.push_back(std::move(row));
    return rows.size() - 1;
}

void Table::set(std::size_t row, std::size_t column, double value) {
    if (row >= rows.size() || column >= columns.size()) {
        throw Error("table cell (" + std::to_string(row) + ", " + std::to_string(column) +
                    ") is outside the " + std::to_string(rows.size()) + " x " +
                    std::to_string(columns.size()) + " table");
    }
    rows[row].values.resize(columns.size());
    rows[row].values[column] = value;
}

void Table::setSpread(std::size_t row, std::size_t column, double spread) {
    if (row >= rows.size() || column >= columns.size()) {
        throw Error("table cell (" + std::to_string(row) + ", " + std::to_string(column) +
                    ") is outside the " + std::to_string(rows.size()) + " x " +
                    std::to_string(columns.size()) + " table");
    }
    rows[row].spreads.resize(columns.size());
    rows[row].spreads[column] = spread;
}

void Table::setInterval(std::size_t row, std::size_t column, double low, double high) {
    if (row >= rows.size() || column >= columns.size()) {
        throw Error("table cell (" + std::to_string(row) + ", " + std::to_string(column) +
                    ") is outside the " + std::to_string(rows.size()) + " x " +
                    std::to_string(columns.size()) + " table");
    }
    rows[row].intervals.resize(columns.size());
    rows[row].intervals[column] = std::make_pair(low, high);
}

std::optional<std::size_t> Table::findColumn(const std::string& key) const {
    for (std::size_t i = 0; i < columns.size(); ++i)
        if (columns[i].key == key) return i;
    return std::nullopt;
}

std::vector<std::vector<bool>> Table::best() const {
    std::vector<std::vector<bool>> marks(rows.size(), std::vector<bool>(columns.size(), false));
    for (std::size_t c = 0; c < columns.size(); ++c) {
        if (columns[c].better == Better::Neither) continue;
        std::optional<double> bestValue;
        int present = 0;
        for (const auto& r : rows) {
            if (c >= r.values.size() || !r.values[c] || std::isnan(*r.values[c])) continue;
            ++present;
            // Compared as printed, so two cells that read the same are both bold.
            const double v = std::stod(formatNumber(*r.values[c], columns[c].decimals));
            if (!bestValue || (columns[c].better == Better::Higher ? v > *bestValue : v < *bestValue))
                bestValue = v;
        }
        if (present < 2) continue;
        for (std::size_t r = 0; r < rows.size(); ++r) {
            const auto& v = c < rows[r].values.size() ? rows[r].values[c] : std::nullopt;
            if (v && !std::isnan(*v) && std::stod(formatNumber(*v, columns[c].decimals)) == *bestValue)
                marks[r][c] = true;
        }
    }
    return marks;
}

std::string Table::cellText(std::size_t row, std::size_t column) const {
    const auto& values = rows.at(row).values;
    if (column >= values.size() || !values[column] || std::isnan(*values[column])) return "";
    const int decimals = columns.at(column).decimals;
    std::string text = formatNumber(*values[column], decimals);
    const auto& spreads = rows.at(row).spreads;
    if (column < spreads.size() && spreads[column] && std::isfinite(*spreads[column]))
        text += " ± " + formatNumber(*spreads[column], decimals);
    if (baselineRow && *baselineRow != row && *baselineRow < rows.size()) {
        const auto& base = rows[*baselineRow].values;
        if (column < base.size() && base[column] && !std::isnan(*base[column])) {
            auto signedNumber = [&](double v) {
                const std::string t = formatNumber(v, decimals);
                return t[0] == '-' ? t : "+" + t;
            };
            text += " (" + signedNumber(*values[column] - *base[column]);
            const auto& intervals = rows.at(row).intervals;
            if (column < intervals.size() && intervals[column]) {
                text += " [" + signedNumber(intervals[column]->first) + ", " + signedNumber(intervals[column]->second) + "]";
            }
            text += ")";
        }
    }
    return text;
}

Column metricColumn(const std::string& metric) {
    Column c;
    c.key = metric;
    c.label = metric;
    auto endsWith = [&](const std::string& suffix) {
        return metric.size() >= suffix.size() &&
               metric.compare(metric.size() - suffix.size(), suffix.size(), suffix) == 0;
    };
    if (metric.rfind("i2t_", 0) == 0 || metric.rfind("t2i_", 0) == 0) {
        c.group = metric[0] == 'i' ? "Image-to-text" : "Text-to-image";
        c.label = metric.substr(4);
    } else if (metric.rfind("zeroshot_", 0) == 0) {
        const bool gen = metric.rfind("zeroshot_gen_", 0) == 0;
        auto rest = metric.substr(gen ? 13 : 9);
        for (const auto& [suffix, label] : {std::pair<std::string, std::string>{"_top1", "top-1"},
                                            {"_top5", "top-5"},
                                            {"_mean_per_class", "mean/class"}}) {
            if (endsWith(suffix)) {
                c.group = std::string(gen ? "Zero-shot (generated) " : "Zero-shot ") +
                          rest.substr(0, rest.size() - suffix.size());
                c.label = label;
            }
        }
    } else if (metric.rfind("eq1_", 0) == 0 || metric == "unmatched_cosine_mean" || metric == "margin" ||
               metric == "centred_cosine_mean" || metric.rfind("gen2real_", 0) == 0 || metric == "align_loss") {
        // The gap measures Eq. 1 can move (core/eval/similarity.h PairGap), for the method's own pair
        // or, prefixed eq1_, for the pair Eq. 1 optimises (f_r on real, f_g on generated).
        const bool eq1 = metric.rfind("eq1_", 0) == 0;
        const std::string rest = eq1 ? metric.substr(4) : metric;
        c.group = eq1 ? "Gap (Eq. 1 pair)" : "Gap (own pair)";
        c.label = rest == "paired_cosine_mean"      ? "paired cos"
                  : rest == "unmatched_cosine_mean" ? "unmatched cos"
                  : rest == "margin"                ? "margin"
                  : rest == "centred_cosine_mean"   ? "centred cos"
                  : rest == "align_loss"            ? "Eq. 1 loss"
                  : rest.rfind("gen2real_", 0) == 0 ? "gen→real " + rest.substr(9)
                                                    : rest;
        if (rest == "align_loss") c.better = Better::Lower;
        if (rest == "unmatched_cosine_mean") c.better = Better::Neither;
    } else if (metric == "paired_cosine_mean" || metric == "paired_cosine_std" ||
               metric == "centroid_distance" || metric == "centroid_cosine" || metric == "probe_accuracy" ||
               metric == "frechet_distance") {
        c.group = "Similarity";
        c.label = metric == "paired_cosine_mean"  ? "paired cos"
                  : metric == "paired_cosine_std" ? "paired cos std"
                  : metric == "centroid_distance" ? "centroid dist"
                  : metric == "centroid_cosine"   ? "centroid cos"
                  : metric == "probe_accuracy"    ? "probe acc"
                                                  : "Frechet";
    }
    const bool percent = metric.find("R@") != std::string::npos || endsWith("_top1") || endsWith("_top5") ||
                         endsWith("_mean_per_class") || metric == "probe_accuracy";
    c.decimals = percent ? 1 : 3;
    if (metric == "centroid_distance" || metric == "frechet_distance" || metric == "probe_accuracy") {
        c.better = Better::Lower;
    } else if (metric == "paired_cosine_std") {
        c.better = Better::Neither;
    }
    return c;
}

std::string toCsv(const Table& table) {
    std::ostringstream out;
    if (hasGroups(table)) {
        for (const auto& c : table.columns) out << "," << csvField(c.group);
        out << "\r\n";
    }
    out << csvField(table.rowHeader);
    for (const auto& c : table.columns) out << "," << csvField(c.label);
    out << "\r\n";
    for (std::size_t r = 0; r < table.rows.size(); ++r) {
        out << csvField(table.rows[r].label);
        for (std::size_t c = 0; c < table.columns.size(); ++c) out << "," << csvField(table.cellText(r, c));
        out << "\r\n";
    }
    return out.str();
}

std::string toMarkdown(const Table& table) {
    std::ostringstream out;
    if (!table.title.empty()) out << "**" << markdownCell(table.title) << "**\n\n";
    const auto marks = table.best();
    out << "| " << markdownCell(table.rowHeader);
    for (const auto& c : table.columns) {
        out << " | " << markdownCell(c.group.empty() ? c.label : c.group + " " + c.label);
    }
    out << " |\n| ---";
    for (std::size_t c = 0; c < table.columns.size(); ++c) out << " | ---:";
    out << " |\n";
    for (std::size_t r = 0; r < table.rows.size(); ++r) {
        out << "| " << markdownCell(table.rows[r].label);
        for (std::size_t c = 0; c < table.columns.size(); ++c) {
            const auto text = markdownCell(table.cellText(r, c));
            out << " | " << (marks[r][c] ? "**" + text + "**" : text);
        }
        out << " |\n";
    }
    return out.str();
}

std::string latexEscape(const std::string& text) {
    std::string out;
    for (char ch : text) {
        switch (ch) {
            case '&':
            case '%':
            case '$':
            case '#':
            case '_':
            case '{':
            case '}':
                out += '\\';
                out += ch;
                break;
            case '~':
                out += "\\textasciitilde{}";
                break;
            case '^':
                out += "\\textasciicircum{}";
                break;
            case '\\':
                out += "\\textbackslash{}";
                break;
            default:
                out += ch;
        }
    }
    return out;
}

std::string toLatex(const Table& table) {
    std::ostringstream out;
    const auto marks = table.best();
    out << "% needs \\usepackage{booktabs}\n\\begin{table}[t]\n\\centering\n";
    if (!table.title.empty()) out << "\\caption{" << latexEscape(table.title) << "}\n";
    out << "\\begin{tabular}{l" << std::string(table.columns.size(), 'c') << "}\n\\toprule\n";
    if (hasGroups(table)) {
        std::string rules;
        for (const auto& span : groupSpans(table)) {
            out << " & ";
            if (span.group.empty()) continue;
            out << "\\multicolumn{" << span.count << "}{c}{" << latexEscape(span.group) << "}";
            rules += "\\cmidrule(lr){" + std::to_string(span.first + 2) + "-" +
                     std::to_string(span.first + span.count + 1) + "}";
        }
        out << " \\\\\n";
        if (!rules.empty()) out << rules << "\n";
    }
    out << latexEscape(table.rowHeader);
    for (const auto& c : table.columns) out << " & " << latexEscape(c.label);
    out << " \\\\\n\\midrule\n";
    for (std::size_t r = 0; r < table.rows.size(); ++r) {
        out << latexEscape(table.rows[r].label);
        for (std::size_t c = 0; c < table.columns.size(); ++c) {
            auto text = latexEscape(table.cellText(r, c));
            if (const auto at = text.find(" ± "); at != std::string::npos) text.replace(at, 4, " $\\pm$ ");
            out << " & " << (marks[r][c] ? "\\textbf{" + text + "}" : text);
        }
        out << " \\\\\n";
    }
    out << "\\bottomrule\n\\end{tabular}\n\\end{table}\n";
    return out.str();
}

TableFormat parseTableFormat(const std::string& name) {
    if (name == "csv") return TableFormat::Csv;
    if (name == "markdown" || name == "md") return TableFormat::Markdown;
    if (name == "latex" || name == "tex") return TableFormat::Latex;
    throw Error("unknown table format \"" + name + "\" (expected csv, markdown or latex)");
}

std::string writeTable(const Table& table, TableFormat format) {
    switch (format) {
        case TableFormat::Csv:
            return toCsv(table);
        case TableFormat::Markdown:
            return toMarkdown(table);
        case TableFormat::Latex:
            return toLatex(table);
    }
    return {};
}

}  // namespace genra::report
