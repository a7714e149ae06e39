// Result tables laid out like a paper's: one row per method or model, one column per metric,
// optional group headers over runs of columns ("Image-to-text" over R@1 R@5 R@10), the best value
// of each column found by its direction (higher or lower is better), and optional deltas against a
// baseline row. Writers render CSV (RFC 4180), GitHub Markdown, and LaTeX with booktabs (\toprule,
// \cmidrule under group headers, \textbf for the best value, specials escaped).
//
// The CLI (`genra export table`), the demo report and the GUI results panel share this model:
//   report::Table t;
//   t.rowHeader = "Method";
//   const auto r1 = t.addColumn({"i2t_R@1", "R@1", "Image-to-text", report::Better::Higher, 1});
//   const auto row = t.addRow("CLIP");
//   t.set(row, r1, 52.4);
//   std::cout << report::toLatex(t);
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace genra::report {

enum class Better { Higher = 1, Lower, Neither };

struct Column {
    std::string key;    // metric name, e.g. "i2t_R@1"
    std::string label;  // header text, e.g. "R@1"
    std::string group;  // spanning header over consecutive columns of the same group; may be empty
    Better better = Better::Higher;
    int decimals = 1;
};

struct Row {
    std::string label;
    std::vector<std::optional<double>> values;  // one per column; empty = not measured
    // Optional spread of each value (e.g. the std over seeds), printed as "52.4 ± 1.3".
    std::vector<std::optional<double>> spreads;
    // Optional 95 % interval of the difference against the baseline row (paired bootstrap),
    // printed inside the delta: "52.4 (+1.3 [-0.5, +3.1])".
    std::vector<std::optional<std::pair<double, double>>> intervals;
};

class Table {
public:
    std::string title;  // LaTeX \caption when not empty; a heading line in Markdown
    std::string rowHeader = "Method";
    std::vector<Column> columns;
    std::vector<Row> rows;
    // When set, non-baseline cells also show "(+d)" against this row's value of the column.
    std::optional<std::size_t> baselineRow;

    std::size_t addColumn(Column column);  // returns its index; rows grow an empty cell
    std::size_t addRow(const std::string& label);
    void set(std::size_t row, std::size_t column, double value);
    // The cell's spread (std over seeds); shown after the value with the column's decimals.
    void setSpread(std::size_t row, std::size_t column, double spread);
    // The interval of the cell's difference against the baseline row; shown with the delta.
    void setInterval(std::size_t row, std::size_t column, double low, double high);
    // Index of the column with this key, if any.
    std::optional<std::size_t> findColumn(const std::string& key) const;

    // best()[row][column]: the cell holds the column's best value (every tied cell is marked).
    // A column with Better::Neither, or with fewer than two values, marks nothing.
    std::vector<std::vector<bool>> best() const;

    // The text of a cell as the writers print it ("52.4", "52.4 ± 0.8", "52.4 (+1.3)", "" when
    // empty); LaTeX prints the ± as $\pm$.
    std::string cellText(std::size_t row, std::size_t column) const;
};

// Direction and decimals for the metric names EvaluateJob stores (core/eval/workspace_eval.h):
// distances are lower-is-better, the real-vs-generated probe accuracy too (50% = indistinguishable
// is the goal); percentages get one decimal, the rest three.
Column metricColumn(const std::string& metric);

std::string toCsv(const Table& table);
std::string toMarkdown(const Table& table);
std::string toLatex(const Table& table);

// Escapes & % $ # _ { } ~ ^ \ for LaTeX text.
std::string latexEscape(const std::string& text);

enum class TableFormat { Csv = 1, Markdown, Latex };
// "csv", "markdown" (also "md"), "latex" (also "tex"); throws genra::Error otherwise.
TableFormat parseTableFormat(const std::string& name);
std::string writeTable(const Table& table, TableFormat format);

}  // namespace genra::report
