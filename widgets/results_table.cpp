#include "widgets/results_table.h"

#include "core/store/workspace.h"

#include <QFont>

#include <algorithm>
#include <cmath>
#include <map>

namespace genra::widgets {

namespace {

QString text(store::Statement& s, int column) { return QString::fromStdString(s.columnText(column)); }

QString fixed(double v, int precision) { return QString::number(v, 'f', precision); }

QString signedFixed(double v, int precision) {
    return (v >= 0 ? QStringLiteral("+") : QString()) + QString::number(v, 'f', precision);
}

std::optional<double> deltaOf(const ComparisonTable& t, int row, int column) {
    if (t.baselineRow < 0 || row == t.baselineRow) return std::nullopt;
    const auto& v = t.values[static_cast<std::size_t>(row)][static_cast<std::size_t>(column)];
    const auto& b = t.values[static_cast<std::size_t>(t.baselineRow)][static_cast<std::size_t>(column)];
    if (!v || !b) return std::nullopt;
    return *v - *b;
}

QString csvField(const QString& s) {
    if (!s.contains(QLatin1Char(',')) && !s.contains(QLatin1Char('"')) && !s.contains(QLatin1Char('\n'))) return s;
    QString quoted = s;
    quoted.replace(QStringLiteral("\""), QStringLiteral("\"\""));
    return QStringLiteral("\"") + quoted + QStringLiteral("\"");
}

QString latexEscape(const QString& s) {
    QString out;
    for (const QChar c : s) {
        switch (c.unicode()) {
            case '\\': out += QStringLiteral("\\textbackslash{}"); break;
            case '&': case '%': case '$': case '#': case '_': case '{': case '}':
                out += QLatin1Char('\\');
                out += c;
                break;
            case '~': out += QStringLiteral("\\textasciitilde{}"); break;
            case '^': out += QStringLiteral("\\textasciicircum{}"); break;
            default: out += c;
        }
    }
    return out;
}

QString markdownEscape(const QString& s) {
    QString out = s;
    out.replace(QStringLiteral("|"), QStringLiteral("\\|"));
    return out;
}

}  // namespace

std::vector<EvalRow> loadEvalResults(store::Workspace& workspace) {
    // The run is the evaluation's own, else the run that trained the model; the method is the kind
    // of the run that trained the model (empty for imported models).
    auto s = workspace.db().prepare(
        "SELECT e.id, COALESCE(r.name, mr.name, ''), COALESCE(m.name, ''), COALESCE(mr.kind, ''), "
        "COALESCE(d.name, ''), e.split, e.task, e.metric, e.value, e.created_at "
        "FROM eval_results e LEFT JOIN runs r ON r.id = e.run_id LEFT JOIN models m ON m.id = e.model_id "
        "LEFT JOIN runs mr ON mr.id = m.run_id LEFT JOIN datasets d ON d.id = e.dataset_id ORDER BY e.id");
    std::vector<EvalRow> rows;
    while (s.step()) {
        EvalRow r;
        r.id = s.columnInt(0);
        r.run = text(s, 1);
        r.model = text(s, 2);
        r.method = text(s, 3);
        r.dataset = text(s, 4);
        r.split = text(s, 5);
        r.task = text(s, 6);
        r.metric = text(s, 7);
        r.value = s.columnDouble(8);
        r.date = text(s, 9);
        rows.push_back(std::move(r));
    }
    return rows;
}

bool higherIsBetter(const QString& metric) {
    const QString m = metric.toLower();
    for (const char* lower : {"distance", "loss", "frechet", "fid", "kl", "error", "perplexity", "probe"}) {
        if (m.contains(QLatin1String(lower))) return false;
    }
    return true;
}

ComparisonTable composeComparison(const std::vector<EvalRow>& rows, const QString& baselineModel) {
    ComparisonTable t;
    QStringList tasks;
    for (const auto& r : rows)
        if (!tasks.contains(r.task)) tasks << r.task;
    const bool qualify = tasks.size() > 1;
    std::map<std::pair<int, int>, std::pair<qint64, double>> cells;  // (row, column) -> newest (id, value)
    QStringList models;
    for (const auto& r : rows) {
        const QString column = qualify ? r.task + QLatin1Char('/') + r.metric : r.metric;
        if (!models.contains(r.model)) {
            models << r.model;
            t.rows << (r.method.isEmpty() || r.method == r.model ? r.model : r.model + QStringLiteral(" (") + r.method + QLatin1Char(')'));
        }
        if (!t.columns.contains(column)) t.columns << column;
        const auto key = std::make_pair(static_cast<int>(models.indexOf(r.model)), static_cast<int>(t.columns.indexOf(column)));
        const auto it = cells.find(key);
        if (it == cells.end() || it->second.first < r.id) cells[key] = {r.id, r.value};
    }
    t.values.assign(static_cast<std::size_t>(t.rows.size()),
                    std::vector<std::optional<double>>(static_cast<std::size_t>(t.columns.size())));
    for (const auto& [key, cell] : cells) t.values[static_cast<std::size_t>(key.first)][static_cast<std::size_t>(key.second)] = cell.second;
    for (int c = 0; c < t.columns.size(); ++c) {
        const bool higher = higherIsBetter(t.columns[c].section(QLatin1Char('/'), -1));
        int best = -1;
        for (int r = 0; r < t.rows.size(); ++r) {
            const auto& v = t.values[static_cast<std::size_t>(r)][static_cast<std::size_t>(c)];
            if (!v || !std::isfinite(*v)) continue;
            const auto& b = best < 0 ? std::optional<double>() : t.values[static_cast<std::size_t>(best)][static_cast<std::size_t>(c)];
            if (best < 0 || (higher ? *v > *b : *v < *b)) best = r;
        }
        t.bestRow.push_back(best);
    }
    t.baselineRow = baselineModel.isEmpty() ? -1 : static_cast<int>(models.indexOf(baselineModel));
    return t;
}

QString toCsv(const ComparisonTable& t, int precision) {
    Q_UNUSED(precision);  // CSV keeps every digit: it is for further processing
    QStringList header{QStringLiteral("method")};
    for (const auto& c : t.columns) {
        header << csvField(c);
        if (t.baselineRow >= 0) header << csvField(c + QStringLiteral(" delta"));
    }
    QString out = header.join(QLatin1Char(',')) + QLatin1Char('\n');
    for (int r = 0; r < t.rows.size(); ++r) {
        QStringList line{csvField(t.rows[r])};
        for (int c = 0; c < t.columns.size(); ++c) {
            const auto& v = t.values[static_cast<std::size_t>(r)][static_cast<std::size_t>(c)];
            line << (v ? QString::number(*v, 'g', 15) : QString());
            if (t.baselineRow >= 0) {
                const auto d = deltaOf(t, r, c);
                line << (d ? QString::number(*d, 'g', 15) : QString());
            }
        }
        out += line.join(QLatin1Char(',')) + QLatin1Char('\n');
    }
    return out;
}

QString toMarkdown(const ComparisonTable& t, int precision) {
    QStringList header{QStringLiteral("Method")};
    QStringList rule{QStringLiteral("---")};
    for (const auto& c : t.columns) {
        header << markdownEscape(c);
        rule << QStringLiteral("---:");
    }
    QString out = QStringLiteral("| ") + header.join(QStringLiteral(" | ")) + QStringLiteral(" |\n| ") +
                  rule.join(QStringLiteral(" | ")) + QStringLiteral(" |\n");
    for (int r = 0; r < t.rows.size(); ++r) {
        QStringList line{markdownEscape(t.rows[r])};
        for (int c = 0; c < t.columns.size(); ++c) {
            const auto& v = t.values[static_cast<std::size_t>(r)][static_cast<std::size_t>(c)];
            QString cell = v ? fixed(*v, precision) : QStringLiteral("–");
            if (v && t.bestRow[static_cast<std::size_t>(c)] == r) cell = QStringLiteral("**") + cell + QStringLiteral("**");
            if (const auto d = deltaOf(t, r, c)) cell += QStringLiteral(" (") + signedFixed(*d, precision) + QLatin1Char(')');
            line << cell;
        }
        out += QStringLiteral("| ") + line.join(QStringLiteral(" | ")) + QStringLiteral(" |\n");
    }
    return out;
}

QString toLatex(const ComparisonTable& t, int precision, const QString& caption) {
    QString out = QStringLiteral("\\begin{table}[t]\n\\centering\n");
    if (!caption.isEmpty()) out += QStringLiteral("\\caption{") + latexEscape(caption) + QStringLiteral("}\n");
    out += QStringLiteral("\\begin{tabular}{l") + QString(t.columns.size(), QLatin1Char('r')) + QStringLiteral("}\n\\toprule\n");
    QStringList header{QStringLiteral("Method")};
    for (const auto& c : t.columns) header << latexEscape(c);
    out += header.join(QStringLiteral(" & ")) + QStringLiteral(" \\\\\n\\midrule\n");
    for (int r = 0; r < t.rows.size(); ++r) {
        QStringList line{latexEscape(t.rows[r])};
        for (int c = 0; c < t.columns.size(); ++c) {
            const auto& v = t.values[static_cast<std::size_t>(r)][static_cast<std::size_t>(c)];
            QString cell = v ? fixed(*v, precision) : QStringLiteral("--");
            if (v && t.bestRow[static_cast<std::size_t>(c)] == r) cell = QStringLiteral("\\textbf{") + cell + QLatin1Char('}');
            if (const auto d = deltaOf(t, r, c)) cell += QStringLiteral(" {\\scriptsize(") + signedFixed(*d, precision) + QStringLiteral(")}");
            line << cell;
        }
        out += line.join(QStringLiteral(" & ")) + QStringLiteral(" \\\\\n");
    }
    out += QStringLiteral("\\bottomrule\n\\end{tabular}\n\\end{table}\n");
    return out;
}

QString toHtml(const ComparisonTable& t, int precision) {
    QString out = QStringLiteral("<table border=\"1\" cellspacing=\"0\" cellpadding=\"4\"><tr><th>%1</th>")
                      .arg(ResultsTableModel::tr("Method"));
    for (const auto& c : t.columns) out += QStringLiteral("<th>") + c.toHtmlEscaped() + QStringLiteral("</th>");
    out += QStringLiteral("</tr>");
    for (int r = 0; r < t.rows.size(); ++r) {
        out += QStringLiteral("<tr><td>") + t.rows[r].toHtmlEscaped() + QStringLiteral("</td>");
        for (int c = 0; c < t.columns.size(); ++c) {
            const auto& v = t.values[static_cast<std::size_t>(r)][static_cast<std::size_t>(c)];
            QString cell = v ? fixed(*v, precision) : QStringLiteral("–");
            if (v && t.bestRow[static_cast<std::size_t>(c)] == r) cell = QStringLiteral("<b>") + cell + QStringLiteral("</b>");
            if (const auto d = deltaOf(t, r, c)) cell += QStringLiteral(" <small>(") + signedFixed(*d, precision) + QStringLiteral(")</small>");
            out += QStringLiteral("<td align=\"right\">") + cell + QStringLiteral("</td>");
        }
        out += QStringLiteral("</tr>");
    }
    return out + QStringLiteral("</table>");
}

ResultsTableModel::ResultsTableModel(QObject* parent) : QAbstractTableModel(parent) {}

void ResultsTableModel::setRows(std::vector<EvalRow> rows) {
    beginResetModel();
    rows_ = std::move(rows);
    endResetModel();
}

int ResultsTableModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(rows_.size());
}

int ResultsTableModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant ResultsTableModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid()) return {};
    const auto& r = rows_.at(static_cast<std::size_t>(index.row()));
    if (role == Qt::TextAlignmentRole && index.column() == Value) return int(Qt::AlignRight | Qt::AlignVCenter);
    if (role != Qt::DisplayRole && role != Qt::EditRole && role != Qt::UserRole) return {};
    switch (index.column()) {
        case Run: return r.run;
        case Model: return r.model;
        case Method: return r.method;
        case Dataset: return r.dataset;
        case Split: return r.split;
        case Task: return r.task;
        case Metric: return r.metric;
        // Sorting uses the number, display a rounded text.
        case Value: return role == Qt::DisplayRole ? QVariant(QString::number(r.value, 'f', 4)) : QVariant(r.value);
        case Date: return r.date;
        default: return {};
    }
}

QVariant ResultsTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    switch (section) {
        case Run: return tr("Run");
        case Model: return tr("Model");
        case Method: return tr("Method");
        case Dataset: return tr("Dataset");
        case Split: return tr("Split");
        case Task: return tr("Task");
        case Metric: return tr("Metric");
        case Value: return tr("Value");
        case Date: return tr("Date");
        default: return {};
    }
}

}  // namespace genra::widgets
