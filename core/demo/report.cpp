#include "core/demo/report.h"

#include "core/demo/figures.h"
#include "core/data/shapes_adherence.h"
#include "core/eval/workspace_eval.h"
#include "core/model/embed.h"
#include "core/model/model_store.h"
#include "core/report/table.h"
#include "core/store/workspace.h"
#include "core/util/error.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

namespace genra::demo {

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

const DemoMethod& method(const std::string& key) {
    for (const auto& m : demoMethods())
        if (m.key == key) return m;
    throw Error("demo report: unknown method " + key);
}

// The newest stored result of every (model, metric) on the demo's test split.
class Results {
public:
    explicit Results(store::Workspace& ws) {
        eval::EvalResultQuery q;
        q.dataset = kDemoDataset;
        q.split = std::string("test");
        for (auto& row : eval::queryEvalResults(ws, q)) rows_[{row.modelName, row.metric}] = row;
    }
    const eval::EvalResultRow* find(const std::string& model, const std::string& metric) const {
        auto it = rows_.find({model, metric});
        return it == rows_.end() ? nullptr : &it->second;
    }

private:
    std::map<std::pair<std::string, std::string>, eval::EvalResultRow> rows_;
};

struct MetricSpec {
    std::vector<std::string> keys;  // alternatives, first found wins (METEOR / METEOR_builtin)
    std::string label;
    std::string group;
    double scale = 1.0;             // caption metrics are fractions; the paper prints them x100
    int decimals = 1;
    report::Better better = report::Better::Higher;
};

struct RowSpec {
    std::string label;
    std::string methodKey;
    bool captioner = false;  // the values are the method's captioner's
};

struct BuiltTable {
    std::string id;
    std::string title;
    report::Table table;
    json entries = json::array();
};

BuiltTable buildTable(const Results& results, const std::string& id, const std::string& title,
                      const std::string& rowHeader, const std::vector<RowSpec>& rows, const std::vector<MetricSpec>& metrics) {
    BuiltTable out;
    out.id = id;
    out.title = title;
    out.table.title = title;
    out.table.rowHeader = rowHeader;
    for (const auto& m : metrics) out.table.addColumn({m.keys.front(), m.label, m.group, m.better, m.decimals});
    for (const auto& r : rows) {
        const auto& dm = method(r.methodKey);
        const std::string model = r.captioner ? demoCaptionerName(dm) : demoModelName(dm);
        const auto row = out.table.addRow(r.label);
        for (std::size_t c = 0; c < metrics.size(); ++c) {
            const eval::EvalResultRow* found = nullptr;
            for (const auto& key : metrics[c].keys)
                if (!found) found = results.find(model, key);
            if (!found) {
                throw Error("demo report: model \"" + model + "\" has no stored result \"" + metrics[c].keys.front() +
                            "\" on " + kDemoDataset + "/test");
            }
            const double shown = found->value * metrics[c].scale;
            out.table.set(row, c, shown);
            out.entries.push_back({{"table", id},
                                   {"row", r.label},
                                   {"method", r.methodKey},
                                   {"model", model},
                                   {"metric", found->metric},
                                   {"stored", found->value},
                                   {"scale", metrics[c].scale},
                                   {"decimals", metrics[c].decimals},
                                   {"shown", out.table.cellText(row, c)},
                                   {"result_id", found->id}});
        }
    }
    return out;
}

std::vector<MetricSpec> retrievalMetrics() {
    std::vector<MetricSpec> m;
    for (const char* dir : {"i2t", "t2i"})
        for (int k : {1, 5, 10})
            m.push_back({{std::string(dir) + "_R@" + std::to_string(k)}, "R@" + std::to_string(k),
                         std::string(dir) == "i2t" ? "Image-to-text" : "Text-to-image"});
    return m;
}

MetricSpec captionMetric(const std::vector<std::string>& keys, const std::string& label) {
    return {keys, label, "", 100.0, 2, report::Better::Higher};
}

double valueOf(const BuiltTable& t, const std::string& rowLabel, const std::string& metricKey) {
    for (std::size_t r = 0; r < t.table.rows.size(); ++r) {
        if (t.table.rows[r].label != rowLabel) continue;
        for (std::size_t c = 0; c < t.table.columns.size(); ++c)
            if (t.table.columns[c].key == metricKey && t.table.rows[r].values[c]) return *t.table.rows[r].values[c];
    }
    throw Error("demo report: no value for " + rowLabel + " / " + metricKey + " in " + t.id);
}

std::string fmt(double v, int decimals) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

// "A vs B on M: x vs y, higher (the paper: higher, p vs q)."
std::string direction(const BuiltTable& t, const std::string& a, const std::string& b, const std::string& metricKey,
                      const std::string& metricLabel, int decimals, double paperA, double paperB, bool lowerIsBetter = false) {
    const double x = valueOf(t, a, metricKey);
    const double y = valueOf(t, b, metricKey);
    auto word = [&](double u, double v) {
        const double eps = 0.5 * std::pow(10.0, -decimals);
        if (std::fabs(u - v) < eps) return std::string("the same");
        return std::string(u > v ? "higher" : "lower");
    };
    std::string s = "- " + a + " vs " + b + ", " + metricLabel + ": " + fmt(x, decimals) + " vs " + fmt(y, decimals) +
                    " — **" + word(x, y) + "**";
    if (std::isfinite(paperA)) {
        s += " (paper: " + word(paperA, paperB) + ", " + fmt(paperA, 2) + " vs " + fmt(paperB, 2) + ")";
        const bool agrees = word(x, y) == word(paperA, paperB);
        s += agrees ? "; same direction as the paper." : "; **not** the paper's direction.";
    } else {
        s += ".";
    }
    (void)lowerIsBetter;
    return s + "\n";
}

void writeText(const fs::path& file, const std::string& text) {
    fs::create_directories(file.parent_path());
    const fs::path tmp = file.string() + ".tmp";
    {
        std::ofstream out(tmp, std::ios::binary);
        out << text;
        if (!out) throw Error("cannot write " + file.string());
    }
    fs::rename(tmp, file);
}

fs::path resolve(const fs::path& workspace, const std::string& path) {
    const fs::path p(path);
    return p.is_absolute() ? p : workspace / p;
}

std::vector<float> blobVector(store::Statement& s, int column) {
    const auto blob = s.columnBlob(column);
    std::vector<float> v(blob.size() / sizeof(float));
    if (!v.empty()) std::memcpy(v.data(), blob.data(), v.size() * sizeof(float));
    return v;
}

// How well the generated images follow their captions (shapes_adherence.h), or nothing when it
// cannot be measured.
std::string adherenceLine(store::Workspace& ws) {
    data::ShapesAdherenceOptions options;
    options.dataset = kDemoDataset;
    options.generator = std::string("builtin:") + kDemoGenerator;
    try {
        const auto r = data::measureShapesAdherence(ws, options);
        char line[600];
        std::snprintf(line, sizeof line,
                      "- Caption adherence of the generated images (`genra shapes-adherence`: the caption's colour found, "
                      "at its position, with its shape; all three): %.0f%%, %.0f%%, %.0f%%, %.0f%%; their real images "
                      "%.0f%%, %.0f%%, %.0f%%, %.0f%%; chance %.0f%%, %.0f%%, %.0f%%, %.0f%%. Fine detail (RMS difference "
                      "from a 3x3 blur): %.1f grey levels generated, %.1f real.\n",
                      100 * r.generated.color, 100 * r.generated.position, 100 * r.generated.shape, 100 * r.generated.all,
                      100 * r.real.color, 100 * r.real.position, 100 * r.real.shape, 100 * r.real.all, 100 * r.chance.color,
                      100 * r.chance.position, 100 * r.chance.shape, 100 * r.chance.all, r.generatedFineDetail,
                      r.realFineDetail);
        return line;
    } catch (const Error&) {
        return {};
    }
}

std::optional<std::vector<float>> embedding(store::Workspace& ws, std::int64_t modelId, std::int64_t imageId,
                                            std::initializer_list<const char*> encoders) {
    auto s = ws.db().prepare("SELECT vector FROM embeddings WHERE model_id = ? AND item_kind = 'image' AND item_id = ? AND encoder = ?");
    for (const char* encoder : encoders) {
        s.reset();
        s.bind(1, modelId).bind(2, imageId).bind(3, std::string(encoder));
        if (s.step()) return blobVector(s, 0);
    }
    return std::nullopt;
}

double cosine(const std::vector<float>& a, const std::vector<float>& b) {
    double dot = 0, na = 0, nb = 0;
    for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) {
        dot += double(a[i]) * b[i];
        na += double(a[i]) * a[i];
        nb += double(b[i]) * b[i];
    }
    return na > 0 && nb > 0 ? dot / std::sqrt(na * nb) : 0.0;
}

// Paired cosine of every generated test image with the real image of its caption, under a model.
std::vector<double> pairedCosines(store::Workspace& ws, const std::string& modelName) {
    const auto model = model::requireModel(ws, modelName);
    auto s = ws.db().prepare(
        "SELECT g.image_id, c.image_id FROM generations g JOIN captions c ON c.id = g.caption_id "
        "JOIN images gi ON gi.id = g.image_id JOIN datasets d ON d.id = gi.dataset_id "
        "WHERE d.name = ? AND gi.split = 'test' ORDER BY g.image_id");
    s.bind(1, std::string(kDemoDataset));
    std::vector<std::pair<std::int64_t, std::int64_t>> pairs;
    while (s.step()) pairs.emplace_back(s.columnInt(0), s.columnInt(1));
    std::vector<double> out;
    for (const auto& [genId, realId] : pairs) {
        auto g = embedding(ws, model.id, genId, {model::kEncoderGeneratedImage, model::kEncoderRealImage});
        auto r = embedding(ws, model.id, realId, {model::kEncoderRealImage});
        if (g && r) out.push_back(cosine(*g, *r));
    }
    return out;
}

void lossFigure(store::Workspace& ws, const fs::path& file) {
    std::vector<Series> series;
    std::size_t colour = 0;
    auto s = ws.db().prepare(
        "SELECT m.step, m.value FROM metrics m JOIN runs r ON r.id = m.run_id WHERE r.name = ? AND m.name = 'loss' ORDER BY m.step");
    for (const auto& m : demoMethods()) {
        if (!m.trained || !m.captioned) continue;  // the main methods; the scaling series would crowd it
        Series line;
        line.label = m.label;
        line.color = seriesColor(colour++);
        s.reset();
        s.bind(1, demoModelName(m));
        while (s.step()) {
            line.x.push_back(static_cast<double>(s.columnInt(0)));
            line.y.push_back(s.columnDouble(1));
        }
        if (!line.x.empty()) series.push_back(std::move(line));
    }
    LinePlotOptions o;
    o.title = "Training loss of the compared methods (same budget)";
    o.xLabel = "step";
    o.yLabel = "loss";
    o.smoothing = 0.6;
    writeLinePlot(file, series, o);
}

// Returns the point counts (real, generated).
std::pair<int, int> tsneFigure(store::Workspace& ws, const std::string& projection, const std::string& title, const fs::path& file) {
    auto s = ws.db().prepare(
        "SELECT pp.item_id, pp.x, pp.y, i.modality, "
        "       (SELECT c.image_id FROM generations g JOIN captions c ON c.id = g.caption_id WHERE g.image_id = i.id) "
        "FROM projection_points pp JOIN projections p ON p.id = pp.projection_id JOIN images i ON i.id = pp.item_id "
        "WHERE p.name = ? AND pp.item_kind = 'image' ORDER BY pp.item_id");
    s.bind(1, projection);
    std::vector<ScatterPoint> points;
    std::map<std::int64_t, std::int64_t> indexOfImage;
    std::vector<std::int64_t> realOf;
    int real = 0, generated = 0;
    while (s.step()) {
        ScatterPoint p;
        p.x = s.columnDouble(1);
        p.y = s.columnDouble(2);
        const bool isGenerated = s.columnText(3) == "generated";
        p.group = isGenerated ? 1 : 0;
        (isGenerated ? generated : real) += 1;
        indexOfImage[s.columnInt(0)] = static_cast<std::int64_t>(points.size());
        realOf.push_back(isGenerated && !s.isNull(4) ? s.columnInt(4) : -1);
        points.push_back(p);
    }
    if (points.empty()) throw Error("demo report: projection \"" + projection + "\" has no points");
    for (std::size_t i = 0; i < points.size(); ++i) {
        auto it = indexOfImage.find(realOf[i]);
        if (it != indexOfImage.end()) points[i].link = it->second;
    }
    ScatterPlotOptions o;
    o.title = title;
    o.groupLabels = {"real", "generated"};
    o.groupColors = {kRealBlue, kGeneratedRed};
    o.drawLinks = true;
    writeScatterPlot(file, points, o);
    return {real, generated};
}

void galleryFigure(store::Workspace& ws, const fs::path& workspace, int rows, const fs::path& file) {
    auto s = ws.db().prepare(
        "SELECT c.id, c.text, ri.path FROM captions c JOIN images ri ON ri.id = c.image_id JOIN datasets d ON d.id = c.dataset_id "
        "WHERE d.name = ? AND ri.split = 'align' AND EXISTS (SELECT 1 FROM generations g WHERE g.caption_id = c.id) "
        "ORDER BY c.id LIMIT ?");
    s.bind(1, std::string(kDemoDataset)).bind(2, static_cast<std::int64_t>(rows));
    std::vector<GalleryRow> gallery;
    std::vector<std::int64_t> ids;
    while (s.step()) {
        ids.push_back(s.columnInt(0));
        gallery.push_back({s.columnText(1), resolve(workspace, s.columnText(2)), {}});
    }
    auto g = ws.db().prepare(
        "SELECT i.path FROM generations g JOIN images i ON i.id = g.image_id WHERE g.caption_id = ? ORDER BY i.path");
    for (std::size_t r = 0; r < ids.size(); ++r) {
        g.reset();
        g.bind(1, ids[r]);
        while (g.step()) gallery[r].generated.push_back(resolve(workspace, g.columnText(0)));
    }
    writeGallery(file, gallery, 96);
}

std::int64_t count(store::Workspace& ws, const std::string& sql) {
    auto s = ws.db().prepare(sql);
    s.bind(1, std::string(kDemoDataset));
    return s.step() ? s.columnInt(0) : 0;
}

void addArtifact(store::Workspace& ws, const std::string& kind, const fs::path& path, const std::string& description) {
    auto del = ws.db().prepare("DELETE FROM artifacts WHERE path = ?");
    del.bind(1, path.string());
    del.run();
    auto s = ws.db().prepare("INSERT INTO artifacts(kind, path, description) VALUES(?, ?, ?)");
    s.bind(1, kind).bind(2, path.string()).bind(3, description);
    s.run();
}

}  // namespace

void writeReport(const ReportOptions& options) {
    const fs::path ws_path = options.workspace;
    auto ws = store::Workspace::open(ws_path);
    const fs::path exports = ws_path / "exports";
    const fs::path tables = exports / "tables";
    const fs::path figures = exports / "figures";
    fs::create_directories(tables);
    fs::create_directories(figures);
    Results results(ws);

    const std::vector<RowSpec> main = {{"No fine-tuning", "base"},         {"Naive mixing (gen as real)", "naive"},
                                       {"LoRA w/o alignment", "lora-noalign"}, {"GenRA (ours)", "genra"},
                                       {"Fine-tuning on real", "real-ft"},     {"Full fine-tuning + align", "full-ft"}};
    auto captioned = [](std::vector<RowSpec> rows) {
        for (auto& r : rows) r.captioner = true;
        return rows;
    };
    const std::vector<MetricSpec> captionAll = {captionMetric({"Bleu_4"}, "B@4"), captionMetric({"METEOR", "METEOR_builtin"}, "METEOR*"),
                                                captionMetric({"CIDEr"}, "CIDEr"), captionMetric({"ROUGE_L"}, "ROUGE-L")};
    const std::vector<MetricSpec> captionShort = {captionMetric({"Bleu_4"}, "B@4"), captionMetric({"CIDEr"}, "CIDEr")};
    std::vector<MetricSpec> zeroshot;
    for (const char* a : {"shape", "color", "size", "position"})
        zeroshot.push_back({{std::string("zeroshot_") + a + "_top1"}, a, "Zero-shot top-1", 1.0, 1});
    const std::vector<MetricSpec> similarity = {
        {{"paired_cosine_mean"}, "paired cosine", "", 1.0, 3, report::Better::Higher},
        {{"paired_cosine_std"}, "std", "", 1.0, 3, report::Better::Neither},
        {{"centroid_distance"}, "centroid distance", "", 1.0, 3, report::Better::Lower},
        {{"probe_accuracy"}, "real/gen probe acc. %", "", 1.0, 1, report::Better::Lower},
        {{"frechet_distance"}, "Frechet distance", "", 1.0, 3, report::Better::Lower}};

    std::vector<BuiltTable> built;
    built.push_back(buildTable(results, "table2_retrieval", "Zero-shot retrieval on the Shapes test split (cf. paper Table 2)",
                               "Method", main, retrievalMetrics()));
    built.push_back(buildTable(results, "table4_zeroshot", "Zero-shot classification of Shapes attributes (cf. paper Table 4)",
                               "Method", main, zeroshot));
    built.push_back(buildTable(results, "table6_alignment", "Ablation of the alignment loss on captioning (cf. paper Table 6)",
                               "Alignment", captioned({{"without (LoRA, no L_align)", "lora-noalign"}, {"with (GenRA)", "genra"}}),
                               captionAll));
    built.push_back(buildTable(results, "table7_scaling", "Scaling the generated data: images per caption (cf. paper Table 7)",
                               "Generated per caption",
                               {{std::to_string(options.plan.scaling[0]), "genra-s1"},
                                {std::to_string(options.plan.scaling[1]), "genra-s2"},
                                {std::to_string(options.plan.scaling[2]), "genra"}},
                               retrievalMetrics()));
    built.push_back(buildTable(results, "table11_real", "Fine-tuning data: none, generated, real (cf. paper Table 11)",
                               "Dual proj. / Align / Data",
                               captioned({{"no / no / none", "base"}, {"no / no / generated (naive)", "naive"},
                                          {"yes / yes / generated (GenRA)", "genra"}, {"no / no / real", "real-ft"}}),
                               captionShort));
    built.push_back(buildTable(results, "table12_rank", "LoRA rank and full fine-tuning (cf. paper Table 12)", "Method",
                               captioned({{"LoRA (rank=2)", "genra-r2"}, {"LoRA (rank=4)", "genra"}, {"LoRA (rank=6)", "genra-r6"},
                                          {"Full fine-tuning", "full-ft"}}),
                               captionShort));
    built.push_back(buildTable(results, "table13_similarity", "Paired real-generated similarity and the modality gap (cf. paper Table 13)",
                               "Method", main, similarity));

    const double nan = std::nan("");
    std::map<std::string, std::string> paper;
    paper["table2_retrieval"] =
        "Paper (COCO 5k, ViT CLIP): CLIP 51.8 / 76.8 / 84.3 | 32.7 / 57.7 / 68.2; CLIP + GenRA 56.8 / 80.1 / 87.2 | 37.5 / 62.7 / 73.2.";
    paper["table4_zeroshot"] = "Paper (eight benchmarks, top-1): GenRA above CLIP on all eight, e.g. ImageNet 75.54 → 77.68, DTD 55.20 → 65.26.";
    paper["table6_alignment"] = "Paper (COCO, ClipCap): without 36.15 B@4, 30.32 METEOR, 115.35 CIDEr, 55.12 ROUGE-L; with 38.12, 31.67, 119.53, 56.27.";
    paper["table7_scaling"] = "Paper (Flickr30k, trained on COCO / CC3M / CC12M): i2t R@1 47.1 / 48.6 / 50.9, t2i R@1 30.2 / 32.6 / 34.9.";
    paper["table11_real"] = "Paper (B@4 / CIDEr): none 32.15 / 108.35; generated 36.15 / 115.35; GenRA 38.12 / 119.53; real 38.24 / 119.78.";
    paper["table12_rank"] = "Paper (B@4 / CIDEr): rank 2 36.85 / 117.62; rank 4 38.12 / 119.53; rank 6 37.96 / 119.12; full 37.50 / 118.95.";
    paper["table13_similarity"] = "Paper (COCO, cosine of paired real and generated embeddings): without alignment 0.52, with 0.89.";

    auto find = [&](const std::string& id) -> const BuiltTable& {
        for (const auto& t : built)
            if (t.id == id) return t;
        throw Error("demo report: no table " + id);
    };
    std::map<std::string, std::string> effects;
    effects["table2_retrieval"] = direction(find("table2_retrieval"), "GenRA (ours)", "No fine-tuning", "i2t_R@1", "i2t R@1", 1, 56.8, 51.8) +
                                  direction(find("table2_retrieval"), "GenRA (ours)", "No fine-tuning", "t2i_R@1", "t2i R@1", 1, 37.5, 32.7) +
                                  direction(find("table2_retrieval"), "GenRA (ours)", "Naive mixing (gen as real)", "i2t_R@1", "i2t R@1", 1, nan, nan);
    effects["table4_zeroshot"] = direction(find("table4_zeroshot"), "GenRA (ours)", "No fine-tuning", "zeroshot_shape_top1", "shape top-1", 1, 77.68, 75.54) +
                                 direction(find("table4_zeroshot"), "GenRA (ours)", "No fine-tuning", "zeroshot_color_top1", "colour top-1", 1, nan, nan);
    effects["table6_alignment"] = direction(find("table6_alignment"), "with (GenRA)", "without (LoRA, no L_align)", "Bleu_4", "B@4", 2, 38.12, 36.15) +
                                  direction(find("table6_alignment"), "with (GenRA)", "without (LoRA, no L_align)", "CIDEr", "CIDEr", 2, 119.53, 115.35);
    const std::string kMost = std::to_string(options.plan.scaling[2]);
    const std::string kFewest = std::to_string(options.plan.scaling[0]);
    effects["table7_scaling"] = direction(find("table7_scaling"), kMost, kFewest, "i2t_R@1", "i2t R@1", 1, 50.9, 47.1) +
                                direction(find("table7_scaling"), kMost, kFewest, "t2i_R@1", "t2i R@1", 1, 34.9, 30.2);
    effects["table11_real"] = direction(find("table11_real"), "yes / yes / generated (GenRA)", "no / no / generated (naive)", "Bleu_4", "B@4", 2, 38.12, 36.15) +
                              direction(find("table11_real"), "no / no / real", "yes / yes / generated (GenRA)", "Bleu_4", "B@4", 2, 38.24, 38.12);
    effects["table12_rank"] = direction(find("table12_rank"), "LoRA (rank=4)", "Full fine-tuning", "Bleu_4", "B@4", 2, 38.12, 37.50) +
                              direction(find("table12_rank"), "LoRA (rank=4)", "LoRA (rank=2)", "Bleu_4", "B@4", 2, 38.12, 36.85);
    effects["table13_similarity"] = direction(find("table13_similarity"), "GenRA (ours)", "No fine-tuning", "paired_cosine_mean", "paired cosine", 3, 0.89, 0.52);

    // Figures.
    const fs::path lossPng = figures / "loss_curves.png";
    lossFigure(ws, lossPng);
    const fs::path tsneBase = figures / "tsne_without_alignment.png";
    const fs::path tsneGenra = figures / "tsne_with_alignment.png";
    const auto baseCounts = tsneFigure(ws, demoProjectionName(method("base")), "Without alignment (f_r on both)", tsneBase);
    tsneFigure(ws, demoProjectionName(method("genra")), "With GenRA alignment (f_g on generated)", tsneGenra);
    const fs::path histPng = figures / "similarity_histogram.png";
    const auto cosBase = pairedCosines(ws, demoModelName(method("base")));
    const auto cosGenra = pairedCosines(ws, demoModelName(method("genra")));
    {
        Series a{"without alignment", {}, cosBase, kRealBlue};
        Series b{"with GenRA", {}, cosGenra, kGeneratedRed};
        HistogramOptions o;
        o.title = "Cosine similarity of paired real and generated test images";
        o.xLabel = "cosine(f(real), f(generated))";
        writeHistogram(histPng, {a, b}, o);
    }
    const fs::path galleryPng = figures / "gallery.png";
    galleryFigure(ws, ws_path, options.plan.galleryRows, galleryPng);

    // Setup facts.
    const auto realPretrain = count(ws, "SELECT COUNT(*) FROM images i JOIN datasets d ON d.id = i.dataset_id WHERE d.name = ? AND i.modality = 'real' AND i.split = 'pretrain'");
    const auto realAlign = count(ws, "SELECT COUNT(*) FROM images i JOIN datasets d ON d.id = i.dataset_id WHERE d.name = ? AND i.modality = 'real' AND i.split = 'align'");
    const auto realTest = count(ws, "SELECT COUNT(*) FROM images i JOIN datasets d ON d.id = i.dataset_id WHERE d.name = ? AND i.modality = 'real' AND i.split = 'test'");
    const auto genAlign = count(ws, "SELECT COUNT(*) FROM images i JOIN datasets d ON d.id = i.dataset_id WHERE d.name = ? AND i.modality = 'generated' AND i.split = 'align'");
    const auto genTest = count(ws, "SELECT COUNT(*) FROM images i JOIN datasets d ON d.id = i.dataset_id WHERE d.name = ? AND i.modality = 'generated' AND i.split = 'test'");

    std::ostringstream md;
    const auto& p = options.plan;
    md << "# GenRA on Shapes — the paper's experiment, reproduced in miniature\n\n"
       << "Written by `genra demo" << (p.quick ? " --quick" : "") << "` from the results stored in this workspace "
       << "(`workspace.sqlite`, table `eval_results`; every number below is listed with its result id in `exports/report.json`). "
       << "Shapes is a procedural stand-in for COCO, so absolute numbers are not comparable with the paper's; what can be "
       << "compared is the direction of each effect, stated after each table whichever way it goes.\n\n";
    md << "## Setup\n\n"
       << "- Real images: " << realPretrain << " pre-training, " << realAlign << " alignment, " << realTest << " test ("
       << p.imageSize << " px, five captions each).\n"
       << "- `f_r`: a tiny CLIP (ViT 2 layers × 64 on a convolutional stem, text 2 layers × 64, embedding 64) pre-trained for " << p.pretrainSteps
       << " steps on the pre-training split with a " << p.vocabMerges << "-merge BPE vocabulary learned from its captions.\n"
       << "- Generated modality: the built-in text-conditional diffusion U-Net (" << p.generatorChannels << " base channels, 32 px), "
       << "trained " << p.generatorSteps << " steps on the pre-training split, conditioned on `f_r`'s frozen text tower; DDIM "
       << p.samplingSteps << " steps: " << genAlign << " images for the alignment captions (" << alignPerCaption(p)
       << " per caption), " << genTest << " for the test images, guidance " << p.samplingGuidance << ".\n"
       << adherenceLine(ws)
       << "- Every compared method: " << p.methodSteps << " steps, batch " << p.methodBatch << ", AdamW lr " << p.methodLearningRate
       << ", same seed. GenRA: LoRA rank 4 on q/k/v/out, own projection, Eq. 1 alignment loss (τ = 0.07).\n"
       << "- Captioners: ClipCap-style (MLP mapper, 2-layer GPT-2-architecture decoder) trained on the alignment split's "
       << "generated images through each method's `f_g`, evaluated on the real test images through its inference encoder; "
       << "beam search 5. Caption metrics are ×100 as in the paper; METEOR* is the built-in approximation unless a METEOR jar "
       << "is configured.\n\n";
    for (const auto& t : built) {
        md << "## " << t.title << "\n\n";
        auto table = t.table;
        table.title.clear();
        md << report::toMarkdown(table) << "\n";
        md << paper[t.id] << "\n\n" << effects[t.id] << "\n";
        md << "(`exports/tables/" << t.id << ".csv`, `.tex`)\n\n";
        writeText(tables / (t.id + ".csv"), report::toCsv(t.table));
        writeText(tables / (t.id + ".tex"), report::toLatex(t.table));
        writeText(tables / (t.id + ".md"), report::toMarkdown(t.table));
    }
    md << "## Figures\n\n"
       << "Loss curves of the compared methods (EMA-smoothed):\n\n![loss curves](figures/loss_curves.png)\n\n"
       << "t-SNE of real (blue) and generated (red) test embeddings, grey lines joining each generated image to its real one "
       << "(cf. paper Figure 3); " << baseCounts.first << " real and " << baseCounts.second << " generated points:\n\n"
       << "![without alignment](figures/tsne_without_alignment.png) ![with alignment](figures/tsne_with_alignment.png)\n\n"
       << "Paired cosine similarity between generated test images and their real image (" << cosBase.size() << " pairs):\n\n"
       << "![similarity histogram](figures/similarity_histogram.png)\n\n"
       << "Captions with their real image and generated images (cf. paper Figure 2):\n\n![gallery](figures/gallery.png)\n\n";
    md << "## Time\n\n| Stage | Seconds | |\n| --- | --- | --- |\n";
    double total = 0;
    for (const auto& t : options.timings) {
        total += t.seconds;
        md << "| " << t.stage << " | " << fmt(t.seconds, 1) << " | " << (t.cached ? "cached" : "") << " |\n";
    }
    md << "| total | " << fmt(total, 1) << " | |\n\n";

    json entries = json::array();
    for (const auto& t : built)
        for (const auto& e : t.entries) entries.push_back(e);
    const json summary = {{"quick", p.quick},
                          {"tables", [&] {
                               json ids = json::array();
                               for (const auto& t : built) ids.push_back(t.id);
                               return ids;
                           }()},
                          {"entries", entries},
                          {"figures", {lossPng.string(), tsneBase.string(), tsneGenra.string(), histPng.string(), galleryPng.string()}},
                          {"paired_cosine", {{"without", cosBase.size()}, {"with", cosGenra.size()}}}};
    writeText(exports / "report.json", summary.dump(2));
    writeText(exports / "report.md", md.str());

    store::Transaction tx(ws.db());
    addArtifact(ws, "report", exports / "report.md", "genra demo report");
    for (const auto& t : built) addArtifact(ws, "table", tables / (t.id + ".tex"), t.title);
    for (const auto& f : {lossPng, tsneBase, tsneGenra, histPng, galleryPng}) addArtifact(ws, "figure", f, f.stem().string());
    tx.commit();
}

}  // namespace genra::demo
