#include "core/demo/report.h"

#include "core/demo/figures.h"
#include "core/data/shapes_adherence.h"
#include "core/eval/statistics.h"
#include "core/eval/workspace_eval.h"
#include "core/model/embed.h"
#include "core/model/model_store.h"
#include "core/report/table.h"
#include "core/store/artifacts.h"
#include "core/store/embeddings.h"
#include "core/store/eval_results.h"
#include "core/store/generations.h"
#include "core/store/projections.h"
#include "core/store/runs.h"
#include "core/store/workspace.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <tuple>

namespace genra::demo {

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

const DemoMethod& method(const std::string& key) {
    for (const auto& m : demoMethods())
        if (m.key == key) return m;
    throw Error("demo report: unknown method " + key);
}

// The newest stored result of every (model, metric, generator) on the demo's test split; the
// generator is the one a similarity or generated-image result was measured on ("" for the rest).
class Results {
public:
    explicit Results(store::Workspace& ws) {
        eval::EvalResultQuery q;
        q.dataset = kDemoDataset;
        q.split = std::string("test");
        q.latestOnly = false;
        for (auto& row : eval::queryEvalResults(ws, q)) {
            std::string generator;
            if (row.details.is_object() && row.details.contains("generator") && row.details["generator"].is_string())
                generator = row.details["generator"].get<std::string>();
            rows_[{row.modelName, row.metric, generator}] = row;  // ids ascend: the newest wins
        }
    }
    // The result measured on `generator`; results that carry no generator (retrieval, zero-shot on
    // real images, captioning) are found whatever generator is asked for.
    const store::EvalResultRecord* find(const std::string& model, const std::string& metric, const std::string& generator = {}) const {
        auto it = rows_.find({model, metric, generator});
        if (it == rows_.end() && !generator.empty()) it = rows_.find({model, metric, std::string()});
        return it == rows_.end() ? nullptr : &it->second;
    }

private:
    std::map<std::tuple<std::string, std::string, std::string>, store::EvalResultRecord> rows_;
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
    RowSpec(std::string label_, std::string methodKey_, bool captioner_ = false, std::string generator_ = {})
        : label(std::move(label_)), methodKey(std::move(methodKey_)), captioner(captioner_), generator(std::move(generator_)) {}
    std::string label;
    std::string methodKey;
    bool captioner = false;  // the values are the method's captioner's
    std::string generator;   // similarity: measured on this generator's images (default: the method's)
};

// The seed indices a row's numbers come from: every seed for trained methods (captioners: the
// captioned seeds), seed 0 only for the untrained base's own results.
std::vector<int> seedsOf(const DemoPlan& plan, const DemoMethod& m, bool captioner) {
    const int n = captioner ? plan.captionSeeds : (m.trained ? plan.seeds : 1);
    std::vector<int> out;
    for (int i = 0; i < std::max(1, n); ++i) out.push_back(i);
    return out;
}

std::string modelOf(const DemoMethod& m, bool captioner, int seed) {
    return captioner ? demoCaptionerName(m, seed) : demoModelName(m, seed);
}

struct BuiltTable {
    std::string id;
    std::string title;
    report::Table table;
    json entries = json::array();
};

BuiltTable buildTable(const Results& results, const DemoPlan& plan, const std::string& id, const std::string& title,
                      const std::string& rowHeader, const std::vector<RowSpec>& rows, const std::vector<MetricSpec>& metrics) {
    BuiltTable out;
    out.id = id;
    out.title = title;
    out.table.title = title;
    out.table.rowHeader = rowHeader;
    for (const auto& m : metrics) out.table.addColumn({m.keys.front(), m.label, m.group, m.better, m.decimals});
    for (const auto& r : rows) {
        const auto& dm = method(r.methodKey);
        const std::string generator = r.generator.empty() ? demoGeneratorOf(dm) : r.generator;
        const auto seeds = seedsOf(plan, dm, r.captioner);
        const auto row = out.table.addRow(r.label);
        for (std::size_t c = 0; c < metrics.size(); ++c) {
            std::vector<double> values;
            json ids = json::array();
            std::string metricFound;
            for (int seed : seeds) {
                const std::string model = modelOf(dm, r.captioner, seed);
                const store::EvalResultRecord* found = nullptr;
                for (const auto& key : metrics[c].keys)
                    if (!found) found = results.find(model, key, generator);
                if (!found) {
                    throw Error("demo report: model \"" + model + "\" has no stored result \"" + metrics[c].keys.front() +
                                "\" on " + kDemoDataset + "/test");
                }
                values.push_back(found->value * metrics[c].scale);
                ids.push_back(found->id);
                metricFound = found->metric;
            }
            const auto stats = eval::meanStd(values);
            out.table.set(row, c, stats.mean);
            if (stats.n > 1) out.table.setSpread(row, c, stats.std);
            out.entries.push_back({{"table", id},
                                   {"row", r.label},
                                   {"method", r.methodKey},
                                   {"model", modelOf(dm, r.captioner, 0)},
                                   {"metric", metricFound},
                                   {"stored", stats.mean / metrics[c].scale},
                                   {"scale", metrics[c].scale},
                                   {"decimals", metrics[c].decimals},
                                   {"shown", out.table.cellText(row, c)},
                                   {"seeds", stats.n},
                                   {"std", stats.std},
                                   {"values", values},
                                   {"result_id", ids.front()},
                                   {"result_ids", ids}});
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

std::string fmt(double v, int decimals) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

// One stated effect: a method against a baseline on one metric, the paper's direction, and the
// paper's own two numbers when it prints them.
struct EffectSpec {
    EffectSpec(std::string table_, std::string metric_, std::string label_, std::string methodKey_, std::string baselineKey_,
               bool captioner_, eval::Direction paper_, double paperMethod_ = std::nan(""), double paperBaseline_ = std::nan(""),
               double scale_ = 1.0, int decimals_ = 1, std::string generator_ = {})
        : table(std::move(table_)), metric(std::move(metric_)), label(std::move(label_)), methodKey(std::move(methodKey_)),
          baselineKey(std::move(baselineKey_)), captioner(captioner_), paper(paper_), paperMethod(paperMethod_),
          paperBaseline(paperBaseline_), scale(scale_), decimals(decimals_), generator(std::move(generator_)) {}
    std::string table;
    std::string metric;      // stored metric name
    std::string label;       // how the line names it
    std::string methodKey;
    std::string baselineKey;
    bool captioner = false;
    eval::Direction paper = eval::Direction::Higher;
    double paperMethod = std::nan("");
    double paperBaseline = std::nan("");
    double scale = 1.0;      // caption metrics are shown x100
    int decimals = 1;
    std::string generator;   // default: the method's
};

// Per-item values of a stored result (details.per_item), keyed by item id.
std::map<std::int64_t, double> perItemValues(const store::EvalResultRecord& row, double scale) {
    std::map<std::int64_t, double> out;
    const auto& d = row.details;
    if (!d.is_object() || !d.contains("per_item")) {
        throw Error("demo report: result " + std::to_string(row.id) + " (" + row.modelName + ", " + row.metric +
                    ") has no per-item values; delete it or run `genra demo` again to re-evaluate");
    }
    const auto& ids = d["per_item"]["ids"];
    const auto& values = d["per_item"]["values"];
    for (std::size_t i = 0; i < ids.size() && i < values.size(); ++i) out[ids[i].get<std::int64_t>()] = values[i].get<double>() * scale;
    return out;
}

struct Effect {
    explicit Effect(EffectSpec spec_) : spec(std::move(spec_)) {}
    EffectSpec spec;
    double mean = 0.0;
    double baselineMean = 0.0;
    eval::DiffInterval interval;
    eval::Verdict verdict = eval::Verdict::Inconclusive;
    int seeds = 0;
};

Effect measureEffect(const Results& results, const DemoPlan& plan, const EffectSpec& e) {
    Effect out(e);
    const auto& m = method(e.methodKey);
    const auto& b = method(e.baselineKey);
    const std::string generator = e.generator.empty() ? demoGeneratorOf(m) : e.generator;
    const auto seeds = seedsOf(plan, m, e.captioner);
    std::vector<std::vector<double>> a;
    std::vector<std::vector<double>> z;
    std::vector<double> means;
    std::vector<double> baselineMeans;
    for (int seed : seeds) {
        const auto baseSeeds = seedsOf(plan, b, e.captioner);
        const int bs = std::find(baseSeeds.begin(), baseSeeds.end(), seed) != baseSeeds.end() ? seed : 0;
        const auto ma = modelOf(m, e.captioner, seed);
        const auto mb = modelOf(b, e.captioner, bs);
        const auto* ra = results.find(ma, e.metric, generator);
        const auto* rb = results.find(mb, e.metric, generator);
        if (!ra || !rb) {
            throw Error("demo report: no stored \"" + e.metric + "\" for " + (ra ? mb : ma) + " on " + kDemoDataset + "/test");
        }
        means.push_back(ra->value * e.scale);
        baselineMeans.push_back(rb->value * e.scale);
        const auto va = perItemValues(*ra, e.scale);
        const auto vb = perItemValues(*rb, e.scale);
        std::vector<double> xa;
        std::vector<double> xb;
        for (const auto& [id, v] : va) {
            auto it = vb.find(id);
            if (it == vb.end()) continue;
            xa.push_back(v);
            xb.push_back(it->second);
        }
        if (xa.empty()) throw Error("demo report: " + ma + " and " + mb + " share no test item for " + e.metric);
        a.push_back(std::move(xa));
        z.push_back(std::move(xb));
    }
    out.mean = eval::meanStd(means).mean;
    out.baselineMean = eval::meanStd(baselineMeans).mean;
    out.interval = eval::pairedBootstrap(a, z, 2000, 0, 0.95);
    out.verdict = eval::verdictFor(out.interval, e.paper);
    out.seeds = static_cast<int>(seeds.size());
    return out;
}

std::string signedText(double v, int decimals) {
    const std::string t = fmt(v, decimals);
    return t[0] == '-' ? t : "+" + t;
}

// "- GenRA vs No fine-tuning, i2t R@1: 31.0 vs 30.5 (3 seeds); difference +0.5, 95% CI [-1.2, +2.3]:
//   **inconclusive** (paper: higher, 56.80 vs 51.80)."
std::string effectLine(const Effect& f, const std::string& methodLabel, const std::string& baselineLabel) {
    const auto& e = f.spec;
    const int d = e.decimals;
    std::string s = "- " + methodLabel + " vs " + baselineLabel + ", " + e.label + ": " + fmt(f.mean, d) + " vs " +
                    fmt(f.baselineMean, d) + " (" + std::to_string(f.seeds) + (f.seeds == 1 ? " seed" : " seeds") + ", " +
                    std::to_string(f.interval.items) + " paired test items); difference " + signedText(f.interval.diff, d) +
                    ", 95% CI [" + signedText(f.interval.low, d) + ", " + signedText(f.interval.high, d) + "]: **";
    switch (f.verdict) {
        case eval::Verdict::Paper: s += "the paper's direction"; break;
        case eval::Verdict::Opposite: s += "opposite to the paper"; break;
        case eval::Verdict::Inconclusive: s += "inconclusive (the interval includes 0)"; break;
    }
    s += "** (paper: " + std::string(eval::toString(e.paper));
    if (std::isfinite(e.paperMethod)) s += ", " + fmt(e.paperMethod, 2) + " vs " + fmt(e.paperBaseline, 2);
    return s + ").\n";
}

void writeText(const fs::path& file, const std::string& text) {
    fs::create_directories(file.parent_path());
    util::writeFileAtomically(file, text);
}

fs::path resolve(const fs::path& workspace, const std::string& path) {
    const fs::path p(path);
    return p.is_absolute() ? p : workspace / p;
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

// The demo's generator as the report describes it: the shipped checkpoint (a bundle, with its own
// text tower) or one the demo trained.
struct GeneratorFacts {
    bool shipped = false;
    std::int64_t steps = 0;
    std::int64_t channels = 0;
    std::string bundle;        // shipped: the folder it was imported from
    json adherenceCheck;       // shipped: its recorded fixed-caption adherence
    json provenance;
    bool studio = false;       // shipped: trained on a studio-style set (its provenance says so)
};

GeneratorFacts generatorFacts(store::Workspace& ws, const DemoPlan& p) {
    GeneratorFacts f;
    f.steps = p.generatorSteps;
    f.channels = p.generatorChannels;
    const auto record = model::findModel(ws, kDemoGenerator);
    if (!record) return f;
    const json& c = record->config;
    f.shipped = c.contains("text_clip");
    f.steps = c.value("trained_steps", f.steps);
    if (c.contains("unet")) f.channels = c["unet"].value("base_channels", f.channels);
    f.provenance = c.value("provenance", json::object());
    f.bundle = f.provenance.value("imported_from", std::string());
    f.adherenceCheck = c.value("adherence_check", json::object());
    f.studio = f.provenance.value("dataset", std::string()).find("studio") != std::string::npos;
    return f;
}

// The demo's f_r as the report describes it: the shipped CLIP (a bundle) or one pre-trained in the demo.
std::string clipLine(store::Workspace& ws, const DemoPlan& p) {
    std::ostringstream md;
    const auto record = model::findModel(ws, kDemoClip);
    const json clip = record ? record->config.value("clip", json::object()) : json::object();
    const json vision = clip.value("vision_cfg", json::object());
    const json text = clip.value("text_cfg", json::object());
    md << "- `f_r`: a tiny CLIP (ViT " << vision.value("layers", 0) << " layers × " << vision.value("width", 0)
       << (vision.value("stem", std::string()) == "conv" ? " on a convolutional stem" : "") << ", "
       << vision.value("image_size", 0) << " px in " << vision.value("patch_size", 0) << "-px tokens; text "
       << text.value("layers", 0) << " layers × " << text.value("width", 0) << "; embedding " << clip.value("embed_dim", 0) << ") ";
    const bool shipped = record && record->config.contains("bundle");
    if (shipped) {
        const json prov = record->config.value("provenance", json::object());
        md << "**the shipped checkpoint** (`" << prov.value("imported_from", std::string()) << "`): pre-trained "
           << prov.value("steps", std::string("?")) << " steps by `scripts/train-demo-clip` from its committed recipe on "
           << prov.value("dataset", std::string("a Shapes set of its own")) << " (none of the demo's test images), as the "
           << "paper's `f_r` is a CLIP pre-trained on web data (`genra demo --train-clip` pre-trains one in the demo instead, "
           << p.pretrainSteps << " steps on the pre-training split below)";
    } else {
        md << "pre-trained for " << p.pretrainSteps << " steps on the pre-training split with a " << p.vocabMerges
           << "-merge BPE vocabulary learned from its captions";
    }
    if (p.studioFraction > 0.0) {
        md << "; about " << std::lround(100 * p.studioFraction) << " % of " << (shipped ? "its pre-training images are" : "that split is")
           << " drawn in the studio style with captions that name it (\"a rendering of …\"), as CLIP's web data holds "
           << "renders named as such, so `f_r` can tell the generator's look from photos";
    }
    md << ".\n";
    return md.str();
}

std::string generatorLine(const GeneratorFacts& g) {
    std::ostringstream md;
    md << "- Generated modality: the built-in text-conditional diffusion U-Net (" << g.channels << " base channels, 32 px), ";
    if (g.shipped) {
        md << "**the shipped checkpoint** (`" << g.bundle << "`): trained " << g.steps
           << " steps by `scripts/train-demo-generator` from its committed recipe on a Shapes v2 set of its own (none of "
           << "the demo's images; "
           << (g.studio ? "studio style, so its images carry that look" : "photo style") << "), conditioned on its own frozen "
           << "tiny-CLIP text tower";
        if (g.adherenceCheck.contains("rates")) {
            const auto& r = g.adherenceCheck["rates"];
            char buf[200];
            std::snprintf(buf, sizeof buf, "; recorded adherence on its %d fixed captions: colour %.0f%%, position %.0f%%, shape %.0f%%",
                          g.adherenceCheck.value("captions", 0), 100 * r.value("color", 0.0), 100 * r.value("position", 0.0),
                          100 * r.value("shape", 0.0));
            md << buf;
        }
        md << " (`genra demo --train-generator` trains one in the demo instead); DDIM ";
    } else {
        md << "**trained in this demo** (`--train-generator`) " << g.steps
           << " steps on a studio-style Shapes set of its own (`" << kDemoStudioDataset
           << "`), conditioned on `f_r`'s frozen text tower; DDIM ";
    }
    return md.str();
}

std::optional<std::vector<float>> embedding(store::Workspace& ws, std::int64_t modelId, std::int64_t imageId,
                                            std::initializer_list<const char*> encoders) {
    for (const char* encoder : encoders) {
        if (auto v = store::findEmbedding(ws, {modelId, "image", encoder}, imageId)) return v;
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
    std::vector<double> out;
    const auto dataset = ws.findDataset(kDemoDataset);
    if (!dataset) return out;
    for (const auto& [genId, realId] : store::generatedPairs(ws, dataset->id, "test", kDemoGeneratorKey)) {
        auto g = embedding(ws, model.id, genId, {model::kEncoderGeneratedImage, model::kEncoderRealImage});
        auto r = embedding(ws, model.id, realId, {model::kEncoderRealImage});
        if (g && r) out.push_back(cosine(*g, *r));
    }
    return out;
}

void lossFigure(store::Workspace& ws, const fs::path& file) {
    std::vector<Series> series;
    std::size_t colour = 0;
    for (const auto& m : demoMethods()) {
        if (!m.trained || !m.captioned) continue;  // the main methods; the scaling series would crowd it
        Series line;
        line.label = m.label;
        line.color = seriesColor(colour++);
        for (const auto& [step, value] : store::runMetricSeries(ws, demoModelName(m), "loss")) {
            line.x.push_back(static_cast<double>(step));
            line.y.push_back(value);
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
    std::vector<ScatterPoint> points;
    std::map<std::int64_t, std::int64_t> indexOfImage;
    std::vector<std::int64_t> realOf;
    int real = 0, generated = 0;
    const auto projectionId = store::findProjection(ws, projection);
    for (const auto& item : projectionId ? store::projectionPoints(ws, *projectionId) : std::vector<store::ProjectedItem>{}) {
        if (item.itemKind != "image" || item.modality.empty()) continue;  // captions, deleted images
        ScatterPoint p;
        p.x = item.x;
        p.y = item.y;
        const bool isGenerated = item.modality == "generated";
        p.group = isGenerated ? 1 : 0;
        (isGenerated ? generated : real) += 1;
        indexOfImage[item.itemId] = static_cast<std::int64_t>(points.size());
        realOf.push_back(isGenerated && item.sourceRealImageId != 0 ? item.sourceRealImageId : -1);
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
    std::vector<GalleryRow> gallery;
    const auto dataset = ws.findDataset(kDemoDataset);
    const auto captions = dataset ? store::captionsWithGenerations(ws, dataset->id, "align", kDemoGeneratorKey, rows)
                                  : std::vector<store::CaptionedImage>{};
    for (const auto& c : captions) {
        GalleryRow row{c.text, resolve(workspace, c.imagePath), {}};
        for (const auto& path : store::generatedPathsOfCaption(ws, c.captionId, kDemoGeneratorKey))
            row.generated.push_back(resolve(workspace, path));
        gallery.push_back(std::move(row));
    }
    writeGallery(file, gallery, 96);
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

    const auto& plan = options.plan;
    const std::vector<RowSpec> main = {{"No fine-tuning", "base"},
                                       {"Generated as real (one encoder)", "gen-as-real"},
                                       {"Gen+real mixing (one encoder)", "naive"},
                                       {"LoRA w/o alignment", "lora-noalign"},
                                       {"GenRA (ours, App. A reading)", "genra"},
                                       {"GenRA, Algorithm 1 reading", "genra-alg1"},
                                       {"Fine-tuning on real", "real-ft"},
                                       {"Full fine-tuning + align", "full-ft"}};
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
    // The gap: Eq. 1's own pair (f_r on real, f_g on generated), the measures a ranking loss can
    // move, then the set-level measures and the raw cosine of the method's own pair (kept, labelled).
    const std::vector<MetricSpec> gap = {
        {{"eq1_paired_cosine_mean"}, "paired cos", "Eq. 1 pair", 1.0, 3, report::Better::Higher},
        {{"eq1_unmatched_cosine_mean"}, "unmatched cos", "Eq. 1 pair", 1.0, 3, report::Better::Neither},
        {{"eq1_margin"}, "margin", "Eq. 1 pair", 1.0, 3, report::Better::Higher},
        {{"eq1_centred_cosine_mean"}, "centred cos", "Eq. 1 pair", 1.0, 3, report::Better::Higher},
        {{"eq1_gen2real_R@1"}, "gen→real R@1", "Eq. 1 pair", 1.0, 1, report::Better::Higher},
        {{"eq1_gen2real_R@5"}, "gen→real R@5", "Eq. 1 pair", 1.0, 1, report::Better::Higher},
        {{"eq1_align_loss"}, "held-out Eq. 1 loss", "Eq. 1 pair", 1.0, 3, report::Better::Lower},
        {{"paired_cosine_mean"}, "paired cos (raw)", "Method's own pair", 1.0, 3, report::Better::Neither},
        {{"margin"}, "margin", "Method's own pair", 1.0, 3, report::Better::Higher},
        {{"gen2real_R@1"}, "gen→real R@1", "Method's own pair", 1.0, 1, report::Better::Higher},
        {{"probe_accuracy"}, "real/gen probe %", "Method's own pair", 1.0, 1, report::Better::Neither},
        {{"frechet_distance"}, "Fréchet", "Method's own pair", 1.0, 3, report::Better::Lower}};

    std::vector<BuiltTable> built;
    built.push_back(buildTable(results, plan, "table2_retrieval", "Zero-shot retrieval on the Shapes test split (cf. paper Table 2)",
                               "Method", main, retrievalMetrics()));
    built.push_back(buildTable(results, plan, "table4_zeroshot", "Zero-shot classification of Shapes attributes (cf. paper Table 4)",
                               "Method", main, zeroshot));
    built.push_back(buildTable(results, plan, "table6_alignment", "Ablation of the alignment loss on captioning (cf. paper Table 6)",
                               "Alignment", captioned({{"without (LoRA, no L_align)", "lora-noalign"}, {"with (GenRA)", "genra"}}),
                               captionAll));
    built.push_back(buildTable(results, plan, "table7_scaling", "Scaling the generated data: images per caption (cf. paper Table 7)",
                               "Generated per caption",
                               {{std::to_string(plan.scaling[0]), "genra-s1"},
                                {std::to_string(plan.scaling[1]), "genra-s2"},
                                {std::to_string(plan.scaling[2]), "genra"}},
                               retrievalMetrics()));
    built.push_back(buildTable(results, plan, "table11_real", "Fine-tuning data: none, generated, real (cf. paper Table 11)",
                               "Dual proj. / Align / Data",
                               captioned({{"no / no / none", "base"}, {"no / no / generated (as real)", "gen-as-real"},
                                          {"no / no / generated + real (mixing)", "naive"},
                                          {"yes / yes / generated (GenRA)", "genra"}, {"no / no / real", "real-ft"}}),
                               captionShort));
    built.push_back(buildTable(results, plan, "table12_rank", "LoRA rank and full fine-tuning (cf. paper Table 12)", "Method",
                               captioned({{"LoRA (rank=2)", "genra-r2"}, {"LoRA (rank=4)", "genra"}, {"LoRA (rank=6)", "genra-r6"},
                                          {"Full fine-tuning", "full-ft"}}),
                               captionShort));
    std::vector<RowSpec> gapRows = main;
    gapRows.push_back({"GenRA + gen. image-text loss (§3.1)", "genra-wgen"});
    built.push_back(buildTable(results, plan, "table13_similarity",
                               "The real-generated gap on held-out test pairs (cf. paper Table 13)", "Method", gapRows, gap));
    built.push_back(buildTable(results, plan, "table13_control",
                               "The same measures on the builtin:shift positive control (real images under a fixed appearance "
                               "change; a control, not a generator)",
                               "Method",
                               {{"No fine-tuning", "base", false, kDemoControlKey},
                                {"LoRA w/o alignment", "lora-noalign-shift"},
                                {"GenRA (ours)", "genra-shift"}},
                               gap));

    std::map<std::string, std::string> paper;
    paper["table2_retrieval"] =
        "Paper (COCO 5k, ViT CLIP): CLIP 51.8 / 76.8 / 84.3 | 32.7 / 57.7 / 68.2; CLIP + GenRA 56.8 / 80.1 / 87.2 | 37.5 / 62.7 / 73.2.";
    paper["table4_zeroshot"] = "Paper (eight benchmarks, top-1): GenRA above CLIP on all eight, e.g. ImageNet 75.54 → 77.68, DTD 55.20 → 65.26.";
    paper["table6_alignment"] = "Paper (COCO, ClipCap): without 36.15 B@4, 30.32 METEOR, 115.35 CIDEr, 55.12 ROUGE-L; with 38.12, 31.67, 119.53, 56.27.";
    paper["table7_scaling"] = "Paper (Flickr30k, trained on COCO / CC3M / CC12M): i2t R@1 47.1 / 48.6 / 50.9, t2i R@1 30.2 / 32.6 / 34.9.";
    paper["table11_real"] = "Paper (B@4 / CIDEr): none 32.15 / 108.35; generated 36.15 / 115.35; GenRA 38.12 / 119.53; real 38.24 / 119.78.";
    paper["table12_rank"] = "Paper (B@4 / CIDEr): rank 2 36.85 / 117.62; rank 4 38.12 / 119.53; rank 6 37.96 / 119.12; full 37.50 / 118.95.";
    paper["table13_similarity"] =
        "Paper (COCO, cosine of paired real and generated embeddings): without alignment 0.52, with 0.89. "
        "Measures, on every generated test image and the real test images: *paired cos*, the cosine of a generated image "
        "with its own real image; *unmatched cos*, its mean cosine with the other real images; *margin* = paired − "
        "unmatched; *centred cos*, the paired cosine after subtracting each modality's mean embedding; *gen→real R@K*, "
        "the share of generated images whose real image is among the K nearest real images; *held-out Eq. 1 loss*, Eq. 1 "
        "with every real test image as a negative (τ = 0.07; chance is ln N). The *Eq. 1 pair* is what the loss optimises: "
        "the frozen f_r on real images against the method's generated-image encoder. The *method's own pair* is the "
        "method's real-image encoder against its generated-image encoder; its raw paired cosine also rises when a "
        "method pulls all embeddings together (collapse), which Eq. 1, a ranking loss, does not reward: read the margin "
        "and retrieval. The probe is a logistic regression telling real from generated embeddings (50 % = no gap).";
    paper["table13_control"] =
        "A positive control: the \"generated\" image is the caption's own real image under a fixed hue, contrast, blur and "
        "noise change (`genra generate --generator builtin:shift`), so the pairing Eq. 1 needs is certainly there. "
        "If alignment helps here but not with the diffusion generator, the generator is what limits the demo.";

    const auto H = eval::Direction::Higher;
    const auto L = eval::Direction::Lower;
    const double nan = std::nan("");
    const std::string kMost = std::to_string(plan.scaling[2]);
    const std::string kFewest = std::to_string(plan.scaling[0]);
    std::vector<std::pair<EffectSpec, std::pair<std::string, std::string>>> specs = {
        {{"table2_retrieval", "i2t_R@1", "i2t R@1", "genra", "base", false, H, 56.8, 51.8}, {"GenRA", "No fine-tuning"}},
        {{"table2_retrieval", "t2i_R@1", "t2i R@1", "genra", "base", false, H, 37.5, 32.7}, {"GenRA", "No fine-tuning"}},
        {{"table2_retrieval", "i2t_R@1", "i2t R@1", "genra", "gen-as-real", false, H}, {"GenRA", "Generated as real"}},
        {{"table4_zeroshot", "zeroshot_shape_top1", "shape top-1", "genra", "base", false, H, 77.68, 75.54}, {"GenRA", "No fine-tuning"}},
        {{"table4_zeroshot", "zeroshot_color_top1", "colour top-1", "genra", "base", false, H}, {"GenRA", "No fine-tuning"}},
        {{"table6_alignment", "Bleu_4", "B@4 (sentence-level)", "genra", "lora-noalign", true, H, 38.12, 36.15, 100.0, 2},
         {"with (GenRA)", "without (LoRA, no L_align)"}},
        {{"table6_alignment", "CIDEr", "CIDEr", "genra", "lora-noalign", true, H, 119.53, 115.35, 100.0, 2},
         {"with (GenRA)", "without (LoRA, no L_align)"}},
        {{"table7_scaling", "i2t_R@1", "i2t R@1", "genra", "genra-s1", false, H, 50.9, 47.1}, {kMost + " per caption", kFewest}},
        {{"table7_scaling", "t2i_R@1", "t2i R@1", "genra", "genra-s1", false, H, 34.9, 30.2}, {kMost + " per caption", kFewest}},
        {{"table11_real", "CIDEr", "CIDEr", "genra", "gen-as-real", true, H, 119.53, 115.35, 100.0, 2}, {"GenRA", "generated as real"}},
        {{"table11_real", "CIDEr", "CIDEr", "real-ft", "genra", true, H, 119.78, 119.53, 100.0, 2}, {"real", "GenRA"}},
        {{"table12_rank", "CIDEr", "CIDEr", "genra", "full-ft", true, H, 119.53, 118.95, 100.0, 2}, {"LoRA (rank=4)", "Full fine-tuning"}},
        {{"table12_rank", "CIDEr", "CIDEr", "genra", "genra-r2", true, H, 119.53, 117.62, 100.0, 2}, {"LoRA (rank=4)", "LoRA (rank=2)"}},
        {{"table13_similarity", "eq1_paired_cosine_mean", "paired cosine (Eq. 1 pair)", "genra", "base", false, H, 0.89, 0.52, 1.0, 3},
         {"GenRA", "No fine-tuning"}},
        {{"table13_similarity", "eq1_gen2real_R@1", "gen→real R@1 (Eq. 1 pair)", "genra", "base", false, H}, {"GenRA", "No fine-tuning"}},
        {{"table13_similarity", "eq1_margin", "margin (Eq. 1 pair)", "genra", "base", false, H, nan, nan, 1.0, 3},
         {"GenRA", "No fine-tuning"}},
        {{"table13_similarity", "eq1_gen2real_R@1", "gen→real R@1 (Eq. 1 pair)", "genra", "lora-noalign", false, H},
         {"GenRA", "LoRA w/o alignment"}},
        {{"table13_similarity", "eq1_margin", "margin (Eq. 1 pair)", "genra", "lora-noalign", false, H, nan, nan, 1.0, 3},
         {"GenRA", "LoRA w/o alignment"}},
        {{"table13_control", "eq1_gen2real_R@1", "gen→real R@1 (Eq. 1 pair)", "genra-shift", "base", false, H, nan, nan, 1.0, 1,
          kDemoControlKey},
         {"GenRA (control)", "No fine-tuning (control)"}},
        {{"table13_control", "eq1_margin", "margin (Eq. 1 pair)", "genra-shift", "base", false, H, nan, nan, 1.0, 3, kDemoControlKey},
         {"GenRA (control)", "No fine-tuning (control)"}},
        {{"table13_control", "eq1_gen2real_R@1", "gen→real R@1 (Eq. 1 pair)", "genra-shift", "lora-noalign-shift", false, H, nan,
          nan, 1.0, 1, kDemoControlKey},
         {"GenRA (control)", "LoRA w/o alignment (control)"}},
        {{"table13_control", "eq1_margin", "margin (Eq. 1 pair)", "genra-shift", "lora-noalign-shift", false, H, nan, nan, 1.0, 3,
          kDemoControlKey},
         {"GenRA (control)", "LoRA w/o alignment (control)"}},
    };
    (void)L;
    std::map<std::string, std::string> effectText;
    json effectsJson = json::array();
    int towardsPaper = 0;
    int opposite = 0;
    int inconclusive = 0;
    for (const auto& [spec, labels] : specs) {
        const auto f = measureEffect(results, plan, spec);
        effectText[spec.table] += effectLine(f, labels.first, labels.second);
        (f.verdict == eval::Verdict::Paper ? towardsPaper : f.verdict == eval::Verdict::Opposite ? opposite : inconclusive) += 1;
        effectsJson.push_back({{"table", spec.table},
                               {"metric", spec.metric},
                               {"method", spec.methodKey},
                               {"baseline", spec.baselineKey},
                               {"captioner", spec.captioner},
                               {"generator", spec.generator.empty() ? demoGeneratorOf(method(spec.methodKey)) : spec.generator},
                               {"mean", f.mean},
                               {"baseline_mean", f.baselineMean},
                               {"diff", f.interval.diff},
                               {"ci_low", f.interval.low},
                               {"ci_high", f.interval.high},
                               {"items", f.interval.items},
                               {"seeds", f.seeds},
                               {"paper_direction", eval::toString(spec.paper)},
                               {"verdict", eval::toString(f.verdict)}});
    }

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
    std::map<std::string, std::int64_t> realSplits;
    std::int64_t genAlign = 0;
    std::int64_t genTest = 0;
    for (const auto& d : ws.listDatasets()) {
        if (d.info.name != kDemoDataset) continue;
        realSplits = d.splits;
        genAlign = store::countGeneratedImages(ws, d.info.id, "align", kDemoGeneratorKey);
        genTest = store::countGeneratedImages(ws, d.info.id, "test", kDemoGeneratorKey);
    }
    const auto realPretrain = realSplits["pretrain"];
    const auto realAlign = realSplits["align"];
    const auto realTest = realSplits["test"];

    std::ostringstream md;
    const auto& p = options.plan;
    md << "# GenRA on Shapes — the paper's experiment, reproduced in miniature\n\n"
       << "Written by `genra demo" << (p.quick ? " --quick" : "") << "` from the results stored in this workspace "
       << "(`workspace.sqlite`, table `eval_results`; every number below is listed with its result id in `exports/report.json`). "
       << "Shapes is a procedural stand-in for COCO, so absolute numbers are not comparable with the paper's; what can be "
       << "compared is the direction of each effect, stated after each table whichever way it goes. Tables show the mean "
       << "± the standard deviation over seeds; each stated effect carries a 95 % confidence interval of the difference "
       << "(paired bootstrap over the test items, 2,000 resamples, pooled over seeds) and one verdict: the paper's "
       << "direction, opposite to it, or inconclusive when the interval includes 0.\n\n"
       << "**Verdicts:** " << towardsPaper << " of " << specs.size() << " stated effects go the paper's way, " << opposite
       << " the opposite way, " << inconclusive << " are inconclusive.\n\n";
    const GeneratorFacts genFacts = generatorFacts(ws, p);
    md << "## Setup\n\n"
       << "- Real images: " << realPretrain << " pre-training, " << realAlign << " alignment, " << realTest << " test ("
       << p.imageSize << " px, five captions each).\n"
       << clipLine(ws, p)
       << generatorLine(genFacts) << p.samplingSteps << " steps: " << genAlign << " images for the alignment captions (" << alignPerCaption(p)
       << " per caption), " << genTest << " for the test images, guidance " << p.samplingGuidance << ".\n"
       << adherenceLine(ws)
       << "- Every compared method: " << p.methodSteps << " steps, batch " << p.methodBatch << ", AdamW lr " << p.methodLearningRate
       << ", cosine annealing with warm restarts (" << p.methodCycles << " cycles after a " << std::max(1, p.methodSteps / 10)
       << "-step warm-up); each trained " << p.seeds << (p.seeds == 1 ? " time" : " times") << " (seeds " << p.seed << "–"
       << p.seed + static_cast<std::uint64_t>(p.seeds) - 1 << "); `f_r`, the generator and the generated images are shared "
       << "by all seeds. GenRA (App. A reading, the default): LoRA rank 4 on q/k/v/out; Proj for Gen trained by Eq. 1 "
       << "(τ = 0.07) against the frozen `f_r`; Proj for Real on the LoRA backbone trained by the real image–caption CLIP "
       << "loss; real images at inference through the LoRA backbone and Proj for Real. The Algorithm 1 reading trains "
       << "only Eq. 1 and serves real images with the frozen `f_r`. LoRA w/o alignment is the same as GenRA with the "
       << "generated image–caption loss in place of Eq. 1. Generated as real: one encoder fine-tuned on generated images "
       << "only; gen+real mixing: one encoder on both (Table 8, row 2).\n"
       << "- Captioners: ClipCap-style (MLP mapper, 2-layer GPT-2-architecture decoder) trained on the alignment split's "
       << "generated images through each method's `f_g`, evaluated on the real test images through its inference encoder; "
       << "beam search 5. Caption metrics are ×100 as in the paper; METEOR* is the built-in approximation unless a METEOR jar "
       << "is configured. Captioners were trained for " << p.captionSeeds << (p.captionSeeds == 1 ? " seed" : " seeds")
       << "; B@4's interval is on sentence-level BLEU-4 per image (the table shows corpus BLEU-4).\n\n";
    for (const auto& t : built) {
        md << "## " << t.title << "\n\n";
        auto table = t.table;
        table.title.clear();
        md << report::toMarkdown(table) << "\n";
        md << paper[t.id] << "\n\n" << effectText[t.id] << "\n";
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
                          {"effects", effectsJson},
                          {"seeds", p.seeds},
                          {"generator", {{"source", genFacts.shipped ? "shipped" : "trained"},
                                         {"steps", genFacts.steps},
                                         {"bundle", genFacts.bundle},
                                         {"adherence_check", genFacts.adherenceCheck}}},
                          {"f_r", [&] {
                               const auto record = model::findModel(ws, kDemoClip);
                               const bool shipped = record && record->config.contains("bundle");
                               return json{{"source", shipped ? "shipped" : "trained"},
                                           {"provenance", record ? record->config.value("provenance", json::object()) : json::object()}};
                           }()},
                          {"caption_seeds", p.captionSeeds},
                          {"figures", {lossPng.string(), tsneBase.string(), tsneGenra.string(), histPng.string(), galleryPng.string()}},
                          {"paired_cosine", {{"without", cosBase.size()}, {"with", cosGenra.size()}}}};
    writeText(exports / "report.json", summary.dump(2));
    writeText(exports / "report.md", md.str());

    std::vector<store::NewArtifact> artifacts{{"report", (exports / "report.md").string(), "genra demo report"}};
    for (const auto& t : built) artifacts.push_back({"table", (tables / (t.id + ".tex")).string(), t.title});
    for (const auto& f : {lossPng, tsneBase, tsneGenra, histPng, galleryPng})
        artifacts.push_back({"figure", f.string(), f.stem().string()});
    store::recordArtifacts(ws, artifacts);
}

}  // namespace genra::demo
