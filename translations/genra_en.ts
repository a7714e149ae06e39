<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en" sourcelanguage="en">
<context>
    <name>CaptionBrowser</name>
    <message numerus="yes">
        <source>%n gen</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>Query failed: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Search captions…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>With or without generated images</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Only with generated images</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Only without generated images</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Id</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Caption</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Gen-real similarity, worst first</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Gen-real similarity, best first</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Sort:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Model:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Copy caption</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reveal file</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&lt;b&gt;Real image&lt;/b&gt;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&lt;b&gt;Generated images&lt;/b&gt;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>All datasets</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>All splits</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>All generators</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>(no model)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No caption selected.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No workspace open.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot read caption %1: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Caption %1 no longer exists.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Caption %1 · dataset %2 · split %3</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>(none)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Real image %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>real · image %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1×%2 px</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>status: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This caption has no real image.</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>&lt;b&gt;Generated images&lt;/b&gt; (%n)</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>none</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1, seed %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>seed %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>cos to real %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>cos to caption %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No generated images for this caption yet.</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>%n caption(s)</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>Clear</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Show every caption again</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>%n selected caption(s)</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
</context>
<context>
    <name>CaptionListModel</name>
    <message numerus="yes">
        <source>Caption %1 · split %2 · %n generated image(s)</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>(none)</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ComparisonModel</name>
    <message>
        <source>%1 · %2: %3</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 (baseline)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 — the baseline of the deltas</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>higher is better</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>lower is better</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 (%2)</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>CurvePlot</name>
    <message>
        <source>step</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 · %2: step %3, value %4</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 (%2 runs, min–max)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>step %1: %2</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>DatasetTableModel</name>
    <message>
        <source>(none)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Imported from %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>%n unreadable image(s)</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>Name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Kind</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Real images</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Generated</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Captions</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Splits</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>DatasetsPanel</name>
    <message>
        <source>Import…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Delete…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Delete dataset</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Delete dataset &quot;%1&quot; with its %2 image(s), %3 caption(s) and %4 generated image(s) from the workspace? Image files on disk are not touched.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No workspace open.</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>%n dataset(s) in %1</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
</context>
<context>
    <name>EmbeddingsPanel</name>
    <message>
        <source>Include caption embeddings</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Effective number of neighbours (shrunk automatically on small samples)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Compute t-SNE</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Model</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Dataset</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Captions</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Perplexity</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Iterations</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Seed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Left map</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Right map</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Join generated to real</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export figure…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 (%2%)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Done.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 (%2 points)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Computing…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export figure</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>PNG (*.png);;PDF (*.pdf);;SVG (*.svg)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Resolution (DPI)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot export</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Captions mapped (those with generated images first); each brings its real image and the images generated from it. Missing embeddings are computed first.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>CLIP models (plain or aligned): the image embeddings that are mapped</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>What the points&apos; colours show: real or generated, the image&apos;s split, one of its dataset attributes, or each generated image&apos;s cosine similarity to its real image</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pan</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Box select</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Lasso select</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>What a drag with the left button does; selected captions are listed in the caption browser</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Colour by</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Drag</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Real / generated</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Split</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cosine to paired image</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Attribute: %1</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>GenerationPanel</name>
    <message>
        <source>Captions</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Generator</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Dataset split</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Caption selected in the browser</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Browser search result</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Source:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Dataset:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Split:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>At most:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>every caption</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source> captions</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Generator:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Images per caption:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Seed:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Guidance:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Steps:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Generate</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Resume</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Start the last generation again; images already made are kept and skipped.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&lt;b&gt;Newest images&lt;/b&gt;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>(no generator: train one or add an external generator in Settings)</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>%1 (%n caption(s))</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>%1 (built-in diffusion)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 (external: %2)</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>%1 (%n image(s))</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>(none)</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>%n caption(s) selected in the Caption Browser.</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>The captions the Caption Browser lists now, in its order.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No Caption Browser to take a search result from.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Captions of the real images of this split.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No workspace is open.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose a generator (train one, or add an external one in Settings).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose a dataset.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The dataset has no real images to generate for.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No caption is selected in the Caption Browser.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The Caption Browser&apos;s search result is empty.</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>None of the %n chosen caption(s) belongs to a real image.</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>This panel has no job runner.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Generating for %1 / %2 with %3…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Done: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancelled. The images made so far are kept; Resume goes on from there.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Failed: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Not started: the command of %1 was not confirmed.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Run an external generator?</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The generator %1 runs this command from %2/generators.json:

%3

A workspace&apos;s generators.json can run any program with your rights. Run it only if you trust whoever wrote the workspace.</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>Generating for %n dataset split(s) with %1…</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
</context>
<context>
    <name>ImageTile</name>
    <message>
        <source>decoding…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Copy path</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reveal in file manager</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ImageViewer</name>
    <message>
        <source>Loading %1…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 · %2×%3 px · wheel or +/- to zoom, drag to pan, 0 to fit</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ImportDialog</name>
    <message>
        <source>Delimited text (*.csv *.tsv *.tab *.txt);;All files (*)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Manifest (*.tsv *.csv);;All files (*)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>JSON (*.json);;All files (*)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose the input file</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose the image folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Import Dataset</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Format:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>COCO captions JSON</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Karpathy split JSON (COCO, Flickr30k, Shapes)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>CSV/TSV of image paths and captions</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Folder of generated images</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Dataset:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>name (default: the file&apos;s name)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Split:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>default: from the file name (COCO) or &quot;train&quot; (CSV)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Image path column:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>auto-detect (image, filepath, path, file_name, filename)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Caption column:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>auto-detect (caption, text)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Delimiter:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>by extension: tab for .tsv, comma otherwise</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>First row is a header</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Generator name:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Preview of the first rows:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Import</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Close</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Captions JSON:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Karpathy JSON:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>CSV/TSV file:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Manifest (optional):</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Generated images root:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Images folder:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot read %1: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>column %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The preview stopped: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose the folder of generated images.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choose the input file and the images folder.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Generated images join a dataset already in the workspace; import one first.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Importing… (progress in the Jobs panel)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancelled. What was imported so far is kept; import again to resume.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The import failed: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Nothing was written to the workspace.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Allow image paths outside the image folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Absolute paths and paths with ../ in the input are refused unless this is checked: a file from elsewhere could otherwise make the import read any file.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>JobManager</name>
    <message>
        <source>Cancelling…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>warning: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>error: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>queued</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>running</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>done</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>failed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>cancelled</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1:%2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Job</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>State</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Progress</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Time left</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Message</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancelled before it started</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>JobsPanel</name>
    <message>
        <source>Select a job to see its log.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancel job</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>error: %1</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Caption Browser</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Datasets</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Jobs</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;New Workspace…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Open Workspace…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open &amp;Recent</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Import Dataset…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Settings…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;About GenRA Workbench</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>About &amp;Qt</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 — GenRA Workbench</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Workspace: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>GenRA Workbench</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No workspace open — File ▸ Open Workspace</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>%n job(s) running</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>No jobs running</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot open workspace</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Folder for the new workspace</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open workspace folder</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>(none)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Import Dataset</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open or create a workspace first.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>About GenRA Workbench</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&lt;h3&gt;GenRA Workbench %1&lt;/h3&gt;&lt;p&gt;Generate, align and evaluate generated images as a modality of their own (Generated-Real Alignment).&lt;/p&gt;&lt;p&gt;Built with Qt %2.&lt;/p&gt;</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Jobs are running</source>
        <translation type="unfinished"></translation>
    </message>
    <message numerus="yes">
        <source>%n job(s) still running. Cancel them and quit? Their work so far is kept and they can be resumed.</source>
        <translation type="unfinished">
            <numerusform></numerusform>
            <numerusform></numerusform>
        </translation>
    </message>
    <message>
        <source>Generation</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Training</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Embeddings</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Similarity</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Results</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Report</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Reset Layout</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ReportView</name>
    <message>
        <source>Reload</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Read exports/report.md again</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>No workspace open.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Missing figures: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>This workspace has no report yet (%1); `genra demo` writes one.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ResultsPanel</name>
    <message>
        <source>Filter (run, model, method, dataset, metric…)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Select the results to compare; with no selection every shown row is compared</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Baseline</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Deltas in the comparison are against this model</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>CSV</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Markdown</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>LaTeX</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Copy</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Run</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>(none)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export table</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>CSV (*.csv);;Markdown (*.md);;LaTeX (*.tex)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot export</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Evaluate</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>retrieval</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>zero-shot</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>similarity</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Embeds what the model has not embedded yet, measures, and stores the results</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot evaluate</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>captions</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Captions: a trained captioner captions the split&apos;s real images; BLEU, METEOR, ROUGE-L, CIDEr and SPICE against their reference captions</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Captioner&apos;s default</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Greedy</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Beam search</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Beams kept while decoding</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Decoding</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Beam size</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Benchmark</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Model</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Dataset</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Split</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Finished; the results are in the table.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cancelled.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Failed: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>(every split)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Evaluating %1 (%2) on %3…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>METEOR: no METEOR 1.5 jar is set in Settings (Caption metrics), so METEOR_builtin, an approximation not comparable to published METEOR scores, is reported instead.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>SPICE: skipped, no SPICE 1.0 jar is set in Settings (Caption metrics).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Evaluating the captions of %1 on %2, split %3…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Stored results</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Models as columns, metrics as rows; the best value of each metric in bold</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ResultsTableModel</name>
    <message>
        <source>Method</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Run</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Model</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Dataset</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Split</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Task</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Metric</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Value</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Date</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ScatterPlot</name>
    <message>
        <source>generated → real</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>real</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>generated</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>caption</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>real image</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>generated image</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>points</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>none</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>other</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>no pair</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>split: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>mean cosine to its generated images: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>cosine to its real image: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>cosine to paired image, %1 to %2</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <source>Settings</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Computation and display</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Device:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>CPU threads:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>every core (%1)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Thumbnail cache:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Language:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>External generators (open a workspace to edit them)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>External generators of this workspace</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Name</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Command</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Timeout (s)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Add</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Remove</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Caption metrics (Java)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>METEOR jar:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>SPICE jar:</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>External generator in row %1 needs a name, a command and a positive timeout.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>SettingsForm</name>
    <message>
        <source>comma-separated</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Default: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Range: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Choices: %1</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>SimilarityPanel</name>
    <message>
        <source>A second model to compare (e.g. with alignment); optional</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Measure</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Model</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Compare with</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Dataset</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Worst pairs</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Worst-aligned captions of the first model; double-click to open them in the browser</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>cosine(real, generated)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>pairs</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>generated image (pair)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>real image (pair)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>(none)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>cosine mean ± std</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>centroid distance</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>centroid cosine</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>linear probe accuracy</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Fréchet distance</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1: %2 ± %3</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>First pairs</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Worst-aligned pairs</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Captions selected in the browser</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Which real–generated pairs of the first model the heat-map shows</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Pairs in the heat-map (at most)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Heat-map</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Heat-map: select captions in the caption browser (Ctrl- or Shift-click).</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Heat-map: the captions selected in the browser have no embedded pairs under %1.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Measure only the images of this generator (a workspace may hold a diffusion model&apos;s images and the builtin:shift control&apos;s)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Generator</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>(every generator)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>unmatched cosine</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>margin (matched − unmatched)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>centred cosine</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>gen→real R@1 / R@5 %</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>held-out Eq. 1 loss</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Eq. 1 pair (f_r real): cosine / margin / R@1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>n/a¹</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>¹ no base model embeddings</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>cosine</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>ThumbnailCache</name>
    <message>
        <source>file not found: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>cannot decode %1: %2</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>TrainingPanel</name>
    <message>
        <source>Load…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Validate</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Start</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Stop</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Write a checkpoint, then stop; the run can be resumed</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Resume</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Continue the selected interrupted, cancelled or failed run from its last checkpoint</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Runs</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tick runs to overlay their curves; select one to see its status and log</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Metrics</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Smoothing</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Exponential moving average weight, as TensorBoard&apos;s smoothing</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Log scale</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>The recipe is valid.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Open a workspace first.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>A run is already training; stop it first.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Training %1…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Stopping %1: writing a checkpoint…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1 left</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Run %1 finished.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Run %1 stopped; its checkpoint is kept and it can be resumed.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Run %1 failed: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Run %1 (%2): %3, step %4 of %5</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Error: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Last good checkpoint: %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Load recipe</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Recipes (*.json)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Loaded %1</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot load the recipe</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save recipe</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot save the recipe</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>%1: %2, %3, step %4 of %5</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Show or hide the recipe form and its buttons</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tick seeds</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Tick every run of the selected run&apos;s method (its name without -seedN) and untick the others</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Group seeds (mean, min–max band)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Runs named alike but for a -seedN suffix are drawn as one curve, their mean, with a band from the lowest to the highest run at each step</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>▸ Show recipe</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>▾ Hide recipe</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Processes</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Data-parallel processes for Start and Resume. Above 1 the run goes to `genra train --nproc N` (c10d Gloo): each process trains on batch_size / N of every batch, so batch_size must be a multiple of N. Up to the number of cores.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>batch_size %1 does not split evenly across %2 processes; choose a multiple of %2.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot start a run on %1 processes: the genra program was not found (looked for %2). Set GENRA_CLI to its path, or start the run with 1 process.</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>genra::widgets</name>
    <message>
        <source>%1: %2</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>size and DPI must be positive</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>unknown figure format &quot;%1&quot; (use .png, .pdf or .svg)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>cannot write the file</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>cannot write the PNG file</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export figure…</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Export figure</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>PNG (*.png);;PDF (*.pdf);;SVG (*.svg)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Resolution (DPI)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Cannot export</source>
        <translation type="unfinished"></translation>
    </message>
</context>
<context>
    <name>main</name>
    <message>
        <source>GenRA Workbench</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Workspace folder to open</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Panel to raise</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Save a screenshot of the window to FILE</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Select KEY=VALUE in the raised panel (e.g. caption=42)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Quit after the screenshot</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>CPU threads</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Window size, e.g. 1920x1080 (default: the saved or 1280x800)</source>
        <translation type="unfinished"></translation>
    </message>
</context>
</TS>
