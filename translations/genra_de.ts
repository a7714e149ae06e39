<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="de_DE" sourcelanguage="en">
<context>
    <name>CaptionBrowser</name>
    <message numerus="yes">
        <source>%n gen</source>
        <translation>
            <numerusform>%n gen.</numerusform>
            <numerusform>%n gen.</numerusform>
        </translation>
    </message>
    <message>
        <source>Query failed: %1</source>
        <translation>Abfrage fehlgeschlagen: %1</translation>
    </message>
    <message>
        <source>Search captions…</source>
        <translation>Bildunterschriften durchsuchen…</translation>
    </message>
    <message>
        <source>With or without generated images</source>
        <translation>Mit oder ohne generierte Bilder</translation>
    </message>
    <message>
        <source>Only with generated images</source>
        <translation>Nur mit generierten Bildern</translation>
    </message>
    <message>
        <source>Only without generated images</source>
        <translation>Nur ohne generierte Bilder</translation>
    </message>
    <message>
        <source>Id</source>
        <translation>ID</translation>
    </message>
    <message>
        <source>Caption</source>
        <translation>Bildunterschrift</translation>
    </message>
    <message>
        <source>Gen-real similarity, worst first</source>
        <translation>Gen-Real-Ähnlichkeit, schlechteste zuerst</translation>
    </message>
    <message>
        <source>Gen-real similarity, best first</source>
        <translation>Gen-Real-Ähnlichkeit, beste zuerst</translation>
    </message>
    <message>
        <source>Sort:</source>
        <translation>Sortierung:</translation>
    </message>
    <message>
        <source>Model:</source>
        <translation>Modell:</translation>
    </message>
    <message>
        <source>Copy caption</source>
        <translation>Bildunterschrift kopieren</translation>
    </message>
    <message>
        <source>Reveal file</source>
        <translation>Datei anzeigen</translation>
    </message>
    <message>
        <source>&lt;b&gt;Real image&lt;/b&gt;</source>
        <translation>&lt;b&gt;Echtes Bild&lt;/b&gt;</translation>
    </message>
    <message>
        <source>&lt;b&gt;Generated images&lt;/b&gt;</source>
        <translation>&lt;b&gt;Generierte Bilder&lt;/b&gt;</translation>
    </message>
    <message>
        <source>All datasets</source>
        <translation>Alle Datensätze</translation>
    </message>
    <message>
        <source>All splits</source>
        <translation>Alle Teilmengen</translation>
    </message>
    <message>
        <source>All generators</source>
        <translation>Alle Generatoren</translation>
    </message>
    <message>
        <source>(no model)</source>
        <translation>(kein Modell)</translation>
    </message>
    <message>
        <source>No caption selected.</source>
        <translation>Keine Bildunterschrift ausgewählt.</translation>
    </message>
    <message>
        <source>No workspace open.</source>
        <translation>Kein Arbeitsbereich geöffnet.</translation>
    </message>
    <message>
        <source>Cannot read caption %1: %2</source>
        <translation>Bildunterschrift %1 kann nicht gelesen werden: %2</translation>
    </message>
    <message>
        <source>Caption %1 no longer exists.</source>
        <translation>Bildunterschrift %1 existiert nicht mehr.</translation>
    </message>
    <message>
        <source>Caption %1 · dataset %2 · split %3</source>
        <translation>Bildunterschrift %1 · Datensatz %2 · Teilmenge %3</translation>
    </message>
    <message>
        <source>(none)</source>
        <translation>(keine)</translation>
    </message>
    <message>
        <source>Real image %1</source>
        <translation>Echtes Bild %1</translation>
    </message>
    <message>
        <source>real · image %1</source>
        <translation>echt · Bild %1</translation>
    </message>
    <message>
        <source>%1×%2 px</source>
        <translation>%1×%2 px</translation>
    </message>
    <message>
        <source>status: %1</source>
        <translation>Status: %1</translation>
    </message>
    <message>
        <source>This caption has no real image.</source>
        <translation>Diese Bildunterschrift hat kein echtes Bild.</translation>
    </message>
    <message numerus="yes">
        <source>&lt;b&gt;Generated images&lt;/b&gt; (%n)</source>
        <translation>
            <numerusform>&lt;b&gt;Generierte Bilder&lt;/b&gt; (%n)</numerusform>
            <numerusform>&lt;b&gt;Generierte Bilder&lt;/b&gt; (%n)</numerusform>
        </translation>
    </message>
    <message>
        <source>none</source>
        <translation>keiner</translation>
    </message>
    <message>
        <source>%1, seed %2</source>
        <translation>%1, Seed %2</translation>
    </message>
    <message>
        <source>seed %1</source>
        <translation>Seed %1</translation>
    </message>
    <message>
        <source>cos to real %1</source>
        <translation>cos zum echten Bild %1</translation>
    </message>
    <message>
        <source>cos to caption %1</source>
        <translation>cos zur Bildunterschrift %1</translation>
    </message>
    <message>
        <source>No generated images for this caption yet.</source>
        <translation>Noch keine generierten Bilder zu dieser Bildunterschrift.</translation>
    </message>
    <message numerus="yes">
        <source>%n caption(s)</source>
        <translation>
            <numerusform>%n Bildunterschrift</numerusform>
            <numerusform>%n Bildunterschriften</numerusform>
        </translation>
    </message>
    <message>
        <source>Clear</source>
        <translation>Aufheben</translation>
    </message>
    <message>
        <source>Show every caption again</source>
        <translation>Wieder alle Bildunterschriften zeigen</translation>
    </message>
    <message numerus="yes">
        <source>%n selected caption(s)</source>
        <translation>
            <numerusform>%n ausgewählte Bildunterschrift</numerusform>
            <numerusform>%n ausgewählte Bildunterschriften</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>CaptionListModel</name>
    <message numerus="yes">
        <source>Caption %1 · split %2 · %n generated image(s)</source>
        <translation>
            <numerusform>Bildunterschrift %1 · Teilmenge %2 · %n generiertes Bild</numerusform>
            <numerusform>Bildunterschrift %1 · Teilmenge %2 · %n generierte Bilder</numerusform>
        </translation>
    </message>
    <message>
        <source>(none)</source>
        <translation>(keine)</translation>
    </message>
</context>
<context>
    <name>ComparisonModel</name>
    <message>
        <source>%1 · %2: %3</source>
        <translation>%1 · %2: %3</translation>
    </message>
    <message>
        <source>%1 (baseline)</source>
        <translation>%1 (Referenz)</translation>
    </message>
    <message>
        <source>%1 — the baseline of the deltas</source>
        <translation>%1 — die Referenz der Differenzen</translation>
    </message>
    <message>
        <source>higher is better</source>
        <translation>höher ist besser</translation>
    </message>
    <message>
        <source>lower is better</source>
        <translation>niedriger ist besser</translation>
    </message>
    <message>
        <source>%1 (%2)</source>
        <translation>%1 (%2)</translation>
    </message>
</context>
<context>
    <name>CurvePlot</name>
    <message>
        <source>step</source>
        <translation>Schritt</translation>
    </message>
    <message>
        <source>%1 · %2: step %3, value %4</source>
        <translation>%1 · %2: Schritt %3, Wert %4</translation>
    </message>
    <message>
        <source>%1 (%2 runs, min–max)</source>
        <translation>%1 (%2 Läufe, Min–Max)</translation>
    </message>
    <message>
        <source>step %1: %2</source>
        <translation>Schritt %1: %2</translation>
    </message>
</context>
<context>
    <name>DatasetTableModel</name>
    <message>
        <source>(none)</source>
        <translation>(keine)</translation>
    </message>
    <message>
        <source>Imported from %1</source>
        <translation>Importiert aus %1</translation>
    </message>
    <message numerus="yes">
        <source>%n unreadable image(s)</source>
        <translation>
            <numerusform>%n unlesbares Bild</numerusform>
            <numerusform>%n unlesbare Bilder</numerusform>
        </translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>Art</translation>
    </message>
    <message>
        <source>Real images</source>
        <translation>Echte Bilder</translation>
    </message>
    <message>
        <source>Generated</source>
        <translation>Generiert</translation>
    </message>
    <message>
        <source>Captions</source>
        <translation>Bildunterschriften</translation>
    </message>
    <message>
        <source>Splits</source>
        <translation>Teilmengen</translation>
    </message>
</context>
<context>
    <name>DatasetsPanel</name>
    <message>
        <source>Import…</source>
        <translation>Importieren…</translation>
    </message>
    <message>
        <source>Delete…</source>
        <translation>Löschen…</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>Aktualisieren</translation>
    </message>
    <message>
        <source>Delete dataset</source>
        <translation>Datensatz löschen</translation>
    </message>
    <message>
        <source>Delete dataset &quot;%1&quot; with its %2 image(s), %3 caption(s) and %4 generated image(s) from the workspace? Image files on disk are not touched.</source>
        <translation>Datensatz „%1“ mit %2 Bild(ern), %3 Bildunterschrift(en) und %4 generierten Bild(ern) aus dem Arbeitsbereich löschen? Bilddateien auf der Festplatte bleiben unberührt.</translation>
    </message>
    <message>
        <source>No workspace open.</source>
        <translation>Kein Arbeitsbereich geöffnet.</translation>
    </message>
    <message numerus="yes">
        <source>%n dataset(s) in %1</source>
        <translation>
            <numerusform>%n Datensatz in %1</numerusform>
            <numerusform>%n Datensätze in %1</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>EmbeddingsPanel</name>
    <message>
        <source>Include caption embeddings</source>
        <translation>Einbettungen der Bildunterschriften einbeziehen</translation>
    </message>
    <message>
        <source>Effective number of neighbours (shrunk automatically on small samples)</source>
        <translation>Effektive Anzahl der Nachbarn (bei kleinen Stichproben automatisch verkleinert)</translation>
    </message>
    <message>
        <source>Compute t-SNE</source>
        <translation>t-SNE berechnen</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>Modell</translation>
    </message>
    <message>
        <source>Dataset</source>
        <translation>Datensatz</translation>
    </message>
    <message>
        <source>Captions</source>
        <translation>Bildunterschriften</translation>
    </message>
    <message>
        <source>Perplexity</source>
        <translation>Perplexität</translation>
    </message>
    <message>
        <source>Iterations</source>
        <translation>Iterationen</translation>
    </message>
    <message>
        <source>Seed</source>
        <translation>Seed</translation>
    </message>
    <message>
        <source>Left map</source>
        <translation>Linke Karte</translation>
    </message>
    <message>
        <source>Right map</source>
        <translation>Rechte Karte</translation>
    </message>
    <message>
        <source>Join generated to real</source>
        <translation>Generierte mit echten verbinden</translation>
    </message>
    <message>
        <source>Export figure…</source>
        <translation>Abbildung exportieren…</translation>
    </message>
    <message>
        <source>%1 (%2%)</source>
        <translation>%1 (%2 %)</translation>
    </message>
    <message>
        <source>Done.</source>
        <translation>Fertig.</translation>
    </message>
    <message>
        <source>%1 (%2 points)</source>
        <translation>%1 (%2 Punkte)</translation>
    </message>
    <message>
        <source>Computing…</source>
        <translation>Berechne…</translation>
    </message>
    <message>
        <source>Export figure</source>
        <translation>Abbildung exportieren</translation>
    </message>
    <message>
        <source>PNG (*.png);;PDF (*.pdf);;SVG (*.svg)</source>
        <translation>PNG (*.png);;PDF (*.pdf);;SVG (*.svg)</translation>
    </message>
    <message>
        <source>Resolution (DPI)</source>
        <translation>Auflösung (DPI)</translation>
    </message>
    <message>
        <source>Cannot export</source>
        <translation>Export nicht möglich</translation>
    </message>
    <message>
        <source>Captions mapped (those with generated images first); each brings its real image and the images generated from it. Missing embeddings are computed first.</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>CLIP models (plain or aligned): the image embeddings that are mapped</source>
        <translation>CLIP-Modelle (einfach oder angeglichen): deren Bild-Einbettungen abgebildet werden</translation>
    </message>
    <message>
        <source>What the points&apos; colours show: real or generated, the image&apos;s split, one of its dataset attributes, or each generated image&apos;s cosine similarity to its real image</source>
        <translation>Was die Farben der Punkte zeigen: echt oder generiert, den Split des Bildes, eines seiner Datensatz-Attribute oder die Kosinus-Ähnlichkeit jedes generierten Bildes zu seinem echten Bild</translation>
    </message>
    <message>
        <source>Pan</source>
        <translation>Verschieben</translation>
    </message>
    <message>
        <source>Box select</source>
        <translation>Rechteck-Auswahl</translation>
    </message>
    <message>
        <source>Lasso select</source>
        <translation>Lasso-Auswahl</translation>
    </message>
    <message>
        <source>What a drag with the left button does; selected captions are listed in the caption browser</source>
        <translation>Was Ziehen mit der linken Maustaste tut; ausgewählte Bildunterschriften erscheinen im Bildunterschriften-Browser</translation>
    </message>
    <message>
        <source>Colour by</source>
        <translation>Färben nach</translation>
    </message>
    <message>
        <source>Drag</source>
        <translation>Ziehen</translation>
    </message>
    <message>
        <source>Real / generated</source>
        <translation>Echt / generiert</translation>
    </message>
    <message>
        <source>Split</source>
        <translation>Teilmenge</translation>
    </message>
    <message>
        <source>Cosine to paired image</source>
        <translation>Kosinus zum Partnerbild</translation>
    </message>
    <message>
        <source>Attribute: %1</source>
        <translation>Attribut: %1</translation>
    </message>
</context>
<context>
    <name>GenerationPanel</name>
    <message>
        <source>Captions</source>
        <translation>Bildunterschriften</translation>
    </message>
    <message>
        <source>Generator</source>
        <translation>Generator</translation>
    </message>
    <message>
        <source>Dataset split</source>
        <translation>Datensatz-Split</translation>
    </message>
    <message>
        <source>Caption selected in the browser</source>
        <translation>Im Browser gewählte Bildunterschrift</translation>
    </message>
    <message>
        <source>Browser search result</source>
        <translation>Suchergebnis des Browsers</translation>
    </message>
    <message>
        <source>Source:</source>
        <translation>Quelle:</translation>
    </message>
    <message>
        <source>Dataset:</source>
        <translation>Datensatz:</translation>
    </message>
    <message>
        <source>Split:</source>
        <translation>Split:</translation>
    </message>
    <message>
        <source>At most:</source>
        <translation>Höchstens:</translation>
    </message>
    <message>
        <source>every caption</source>
        <translation>alle Bildunterschriften</translation>
    </message>
    <message>
        <source> captions</source>
        <translation> Bildunterschriften</translation>
    </message>
    <message>
        <source>Generator:</source>
        <translation>Generator:</translation>
    </message>
    <message>
        <source>Images per caption:</source>
        <translation>Bilder pro Bildunterschrift:</translation>
    </message>
    <message>
        <source>Seed:</source>
        <translation>Startwert (Seed):</translation>
    </message>
    <message>
        <source>Guidance:</source>
        <translation>Guidance:</translation>
    </message>
    <message>
        <source>Steps:</source>
        <translation>Schritte:</translation>
    </message>
    <message>
        <source>Generate</source>
        <translation>Generieren</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <source>Resume</source>
        <translation>Fortsetzen</translation>
    </message>
    <message>
        <source>Start the last generation again; images already made are kept and skipped.</source>
        <translation>Die letzte Generierung erneut starten; bereits erzeugte Bilder bleiben erhalten und werden übersprungen.</translation>
    </message>
    <message>
        <source>&lt;b&gt;Newest images&lt;/b&gt;</source>
        <translation>&lt;b&gt;Neueste Bilder&lt;/b&gt;</translation>
    </message>
    <message>
        <source>(no generator: train one or add an external generator in Settings)</source>
        <translation>(kein Generator: trainieren Sie einen oder fügen Sie in den Einstellungen einen externen hinzu)</translation>
    </message>
    <message numerus="yes">
        <source>%1 (%n caption(s))</source>
        <translation>
            <numerusform>%1 (%n Bildunterschrift)</numerusform>
            <numerusform>%1 (%n Bildunterschriften)</numerusform>
        </translation>
    </message>
    <message>
        <source>%1 (built-in diffusion)</source>
        <translation>%1 (eingebaute Diffusion)</translation>
    </message>
    <message>
        <source>%1 (external: %2)</source>
        <translation>%1 (extern: %2)</translation>
    </message>
    <message numerus="yes">
        <source>%1 (%n image(s))</source>
        <translation>
            <numerusform>%1 (%n Bild)</numerusform>
            <numerusform>%1 (%n Bilder)</numerusform>
        </translation>
    </message>
    <message>
        <source>(none)</source>
        <translation>(keiner)</translation>
    </message>
    <message numerus="yes">
        <source>%n caption(s) selected in the Caption Browser.</source>
        <translation>
            <numerusform>%n Bildunterschrift im Bildunterschriften-Browser gewählt.</numerusform>
            <numerusform>%n Bildunterschriften im Bildunterschriften-Browser gewählt.</numerusform>
        </translation>
    </message>
    <message>
        <source>The captions the Caption Browser lists now, in its order.</source>
        <translation>Die Bildunterschriften, die der Bildunterschriften-Browser gerade auflistet, in seiner Reihenfolge.</translation>
    </message>
    <message>
        <source>No Caption Browser to take a search result from.</source>
        <translation>Kein Bildunterschriften-Browser, aus dem ein Suchergebnis kommen könnte.</translation>
    </message>
    <message>
        <source>Captions of the real images of this split.</source>
        <translation>Bildunterschriften der echten Bilder dieses Splits.</translation>
    </message>
    <message>
        <source>No workspace is open.</source>
        <translation>Kein Arbeitsbereich geöffnet.</translation>
    </message>
    <message>
        <source>Choose a generator (train one, or add an external one in Settings).</source>
        <translation>Wählen Sie einen Generator (trainieren Sie einen oder fügen Sie in den Einstellungen einen externen hinzu).</translation>
    </message>
    <message>
        <source>Choose a dataset.</source>
        <translation>Wählen Sie einen Datensatz.</translation>
    </message>
    <message>
        <source>The dataset has no real images to generate for.</source>
        <translation>Der Datensatz hat keine echten Bilder, für die generiert werden könnte.</translation>
    </message>
    <message>
        <source>No caption is selected in the Caption Browser.</source>
        <translation>Im Bildunterschriften-Browser ist keine Bildunterschrift gewählt.</translation>
    </message>
    <message>
        <source>The Caption Browser&apos;s search result is empty.</source>
        <translation>Das Suchergebnis des Bildunterschriften-Browsers ist leer.</translation>
    </message>
    <message numerus="yes">
        <source>None of the %n chosen caption(s) belongs to a real image.</source>
        <translation>
            <numerusform>Die gewählte Bildunterschrift gehört zu keinem echten Bild.</numerusform>
            <numerusform>Keine der %n gewählten Bildunterschriften gehört zu einem echten Bild.</numerusform>
        </translation>
    </message>
    <message>
        <source>This panel has no job runner.</source>
        <translation>Dieses Fenster hat keine Auftragsverwaltung.</translation>
    </message>
    <message>
        <source>Generating for %1 / %2 with %3…</source>
        <translation>Generiere für %1 / %2 mit %3…</translation>
    </message>
    <message>
        <source>Done: %1</source>
        <translation>Fertig: %1</translation>
    </message>
    <message>
        <source>Cancelled. The images made so far are kept; Resume goes on from there.</source>
        <translation>Abgebrochen. Die bisher erzeugten Bilder bleiben erhalten; „Fortsetzen“ macht dort weiter.</translation>
    </message>
    <message>
        <source>Failed: %1</source>
        <translation>Fehlgeschlagen: %1</translation>
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
        <translation>dekodiere…</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>Öffnen</translation>
    </message>
    <message>
        <source>Copy path</source>
        <translation>Pfad kopieren</translation>
    </message>
    <message>
        <source>Reveal in file manager</source>
        <translation>Im Dateimanager anzeigen</translation>
    </message>
</context>
<context>
    <name>ImageViewer</name>
    <message>
        <source>Loading %1…</source>
        <translation>Lade %1…</translation>
    </message>
    <message>
        <source>%1 · %2×%3 px · wheel or +/- to zoom, drag to pan, 0 to fit</source>
        <translation>%1 · %2×%3 px · Mausrad oder +/- zum Zoomen, Ziehen zum Verschieben, 0 zum Einpassen</translation>
    </message>
</context>
<context>
    <name>ImportDialog</name>
    <message>
        <source>Delimited text (*.csv *.tsv *.tab *.txt);;All files (*)</source>
        <translation>Text mit Trennzeichen (*.csv *.tsv *.tab *.txt);;Alle Dateien (*)</translation>
    </message>
    <message>
        <source>Manifest (*.tsv *.csv);;All files (*)</source>
        <translation>Manifest (*.tsv *.csv);;Alle Dateien (*)</translation>
    </message>
    <message>
        <source>JSON (*.json);;All files (*)</source>
        <translation>JSON (*.json);;Alle Dateien (*)</translation>
    </message>
    <message>
        <source>Choose the input file</source>
        <translation>Eingabedatei wählen</translation>
    </message>
    <message>
        <source>Choose the image folder</source>
        <translation>Bildordner wählen</translation>
    </message>
    <message>
        <source>Import Dataset</source>
        <translation>Datensatz importieren</translation>
    </message>
    <message>
        <source>Format:</source>
        <translation>Format:</translation>
    </message>
    <message>
        <source>COCO captions JSON</source>
        <translation>COCO-Bildunterschriften (JSON)</translation>
    </message>
    <message>
        <source>Karpathy split JSON (COCO, Flickr30k, Shapes)</source>
        <translation>Karpathy-Aufteilung (JSON: COCO, Flickr30k, Shapes)</translation>
    </message>
    <message>
        <source>CSV/TSV of image paths and captions</source>
        <translation>CSV/TSV mit Bildpfaden und Bildunterschriften</translation>
    </message>
    <message>
        <source>Folder of generated images</source>
        <translation>Ordner mit generierten Bildern</translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation>Durchsuchen…</translation>
    </message>
    <message>
        <source>Dataset:</source>
        <translation>Datensatz:</translation>
    </message>
    <message>
        <source>name (default: the file&apos;s name)</source>
        <translation>Name (Standard: Name der Datei)</translation>
    </message>
    <message>
        <source>Split:</source>
        <translation>Teilmenge:</translation>
    </message>
    <message>
        <source>default: from the file name (COCO) or &quot;train&quot; (CSV)</source>
        <translation>Standard: aus dem Dateinamen (COCO) oder „train“ (CSV)</translation>
    </message>
    <message>
        <source>Image path column:</source>
        <translation>Spalte mit Bildpfad:</translation>
    </message>
    <message>
        <source>auto-detect (image, filepath, path, file_name, filename)</source>
        <translation>automatisch (image, filepath, path, file_name, filename)</translation>
    </message>
    <message>
        <source>Caption column:</source>
        <translation>Spalte mit Bildunterschrift:</translation>
    </message>
    <message>
        <source>auto-detect (caption, text)</source>
        <translation>automatisch (caption, text)</translation>
    </message>
    <message>
        <source>Delimiter:</source>
        <translation>Trennzeichen:</translation>
    </message>
    <message>
        <source>by extension: tab for .tsv, comma otherwise</source>
        <translation>nach Endung: Tabulator für .tsv, sonst Komma</translation>
    </message>
    <message>
        <source>First row is a header</source>
        <translation>Erste Zeile ist eine Kopfzeile</translation>
    </message>
    <message>
        <source>Generator name:</source>
        <translation>Name des Generators:</translation>
    </message>
    <message>
        <source>Preview of the first rows:</source>
        <translation>Vorschau der ersten Zeilen:</translation>
    </message>
    <message>
        <source>Import</source>
        <translation>Importieren</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Schließen</translation>
    </message>
    <message>
        <source>Captions JSON:</source>
        <translation>Bildunterschriften (JSON):</translation>
    </message>
    <message>
        <source>Karpathy JSON:</source>
        <translation>Karpathy-JSON:</translation>
    </message>
    <message>
        <source>CSV/TSV file:</source>
        <translation>CSV/TSV-Datei:</translation>
    </message>
    <message>
        <source>Manifest (optional):</source>
        <translation>Manifest (optional):</translation>
    </message>
    <message>
        <source>Generated images root:</source>
        <translation>Wurzelordner der generierten Bilder:</translation>
    </message>
    <message>
        <source>Images folder:</source>
        <translation>Bildordner:</translation>
    </message>
    <message>
        <source>Cannot read %1: %2</source>
        <translation>%1 kann nicht gelesen werden: %2</translation>
    </message>
    <message>
        <source>column %1</source>
        <translation>Spalte %1</translation>
    </message>
    <message>
        <source>The preview stopped: %1</source>
        <translation>Die Vorschau brach ab: %1</translation>
    </message>
    <message>
        <source>Choose the folder of generated images.</source>
        <translation>Wählen Sie den Ordner mit den generierten Bildern.</translation>
    </message>
    <message>
        <source>Choose the input file and the images folder.</source>
        <translation>Wählen Sie die Eingabedatei und den Bildordner.</translation>
    </message>
    <message>
        <source>Generated images join a dataset already in the workspace; import one first.</source>
        <translation>Generierte Bilder gehören zu einem Datensatz im Arbeitsbereich; importieren Sie zuerst einen.</translation>
    </message>
    <message>
        <source>Importing… (progress in the Jobs panel)</source>
        <translation>Importiere… (Fortschritt im Aufträge-Fenster)</translation>
    </message>
    <message>
        <source>Cancelled. What was imported so far is kept; import again to resume.</source>
        <translation>Abgebrochen. Das bisher Importierte bleibt erhalten; erneut importieren, um fortzusetzen.</translation>
    </message>
    <message>
        <source>The import failed: %1</source>
        <translation>Der Import ist fehlgeschlagen: %1</translation>
    </message>
    <message>
        <source>Nothing was written to the workspace.</source>
        <translation>In den Arbeitsbereich wurde nichts geschrieben.</translation>
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
        <translation>Breche ab…</translation>
    </message>
    <message>
        <source>warning: %1</source>
        <translation>Warnung: %1</translation>
    </message>
    <message>
        <source>error: %1</source>
        <translation>Fehler: %1</translation>
    </message>
    <message>
        <source>queued</source>
        <translation>wartend</translation>
    </message>
    <message>
        <source>running</source>
        <translation>läuft</translation>
    </message>
    <message>
        <source>done</source>
        <translation>fertig</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>fehlgeschlagen</translation>
    </message>
    <message>
        <source>cancelled</source>
        <translation>abgebrochen</translation>
    </message>
    <message>
        <source>%1:%2</source>
        <translation>%1:%2</translation>
    </message>
    <message>
        <source>Job</source>
        <translation>Auftrag</translation>
    </message>
    <message>
        <source>State</source>
        <translation>Zustand</translation>
    </message>
    <message>
        <source>Progress</source>
        <translation>Fortschritt</translation>
    </message>
    <message>
        <source>Time left</source>
        <translation>Restzeit</translation>
    </message>
    <message>
        <source>Message</source>
        <translation>Meldung</translation>
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
        <translation>Wählen Sie einen Auftrag, um sein Protokoll zu sehen.</translation>
    </message>
    <message>
        <source>Cancel job</source>
        <translation>Auftrag abbrechen</translation>
    </message>
    <message>
        <source>error: %1</source>
        <translation>Fehler: %1</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Caption Browser</source>
        <translation>Bildunterschriften-Browser</translation>
    </message>
    <message>
        <source>Datasets</source>
        <translation>Datensätze</translation>
    </message>
    <message>
        <source>Jobs</source>
        <translation>Aufträge</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>&amp;Datei</translation>
    </message>
    <message>
        <source>&amp;New Workspace…</source>
        <translation>&amp;Neuer Arbeitsbereich…</translation>
    </message>
    <message>
        <source>&amp;Open Workspace…</source>
        <translation>Arbeitsbereich ö&amp;ffnen…</translation>
    </message>
    <message>
        <source>Open &amp;Recent</source>
        <translation>&amp;Zuletzt geöffnet</translation>
    </message>
    <message>
        <source>&amp;Import Dataset…</source>
        <translation>Datensatz &amp;importieren…</translation>
    </message>
    <message>
        <source>&amp;Settings…</source>
        <translation>&amp;Einstellungen…</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>&amp;Beenden</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>&amp;Hilfe</translation>
    </message>
    <message>
        <source>&amp;About GenRA Workbench</source>
        <translation>Ü&amp;ber GenRA Workbench</translation>
    </message>
    <message>
        <source>About &amp;Qt</source>
        <translation>Über &amp;Qt</translation>
    </message>
    <message>
        <source>%1 — GenRA Workbench</source>
        <translation>%1 — GenRA Workbench</translation>
    </message>
    <message>
        <source>Workspace: %1</source>
        <translation>Arbeitsbereich: %1</translation>
    </message>
    <message>
        <source>GenRA Workbench</source>
        <translation>GenRA Workbench</translation>
    </message>
    <message>
        <source>No workspace open — File ▸ Open Workspace</source>
        <translation>Kein Arbeitsbereich geöffnet — Datei ▸ Arbeitsbereich öffnen</translation>
    </message>
    <message numerus="yes">
        <source>%n job(s) running</source>
        <translation>
            <numerusform>%n Auftrag läuft</numerusform>
            <numerusform>%n Aufträge laufen</numerusform>
        </translation>
    </message>
    <message>
        <source>No jobs running</source>
        <translation>Keine laufenden Aufträge</translation>
    </message>
    <message>
        <source>Cannot open workspace</source>
        <translation>Arbeitsbereich kann nicht geöffnet werden</translation>
    </message>
    <message>
        <source>Folder for the new workspace</source>
        <translation>Ordner für den neuen Arbeitsbereich</translation>
    </message>
    <message>
        <source>Open workspace folder</source>
        <translation>Arbeitsbereichsordner öffnen</translation>
    </message>
    <message>
        <source>(none)</source>
        <translation>(keine)</translation>
    </message>
    <message>
        <source>Import Dataset</source>
        <translation>Datensatz importieren</translation>
    </message>
    <message>
        <source>Open or create a workspace first.</source>
        <translation>Öffnen oder erstellen Sie zuerst einen Arbeitsbereich.</translation>
    </message>
    <message>
        <source>About GenRA Workbench</source>
        <translation>Über GenRA Workbench</translation>
    </message>
    <message>
        <source>&lt;h3&gt;GenRA Workbench %1&lt;/h3&gt;&lt;p&gt;Generate, align and evaluate generated images as a modality of their own (Generated-Real Alignment).&lt;/p&gt;&lt;p&gt;Built with Qt %2.&lt;/p&gt;</source>
        <translation>&lt;h3&gt;GenRA Workbench %1&lt;/h3&gt;&lt;p&gt;Generierte Bilder als eigene Modalität erzeugen, ausrichten und bewerten (Generated-Real Alignment).&lt;/p&gt;&lt;p&gt;Erstellt mit Qt %2.&lt;/p&gt;</translation>
    </message>
    <message>
        <source>Jobs are running</source>
        <translation>Aufträge laufen</translation>
    </message>
    <message numerus="yes">
        <source>%n job(s) still running. Cancel them and quit? Their work so far is kept and they can be resumed.</source>
        <translation>
            <numerusform>%n Auftrag läuft noch. Abbrechen und beenden? Das bisher Erledigte bleibt erhalten und kann fortgesetzt werden.</numerusform>
            <numerusform>%n Aufträge laufen noch. Abbrechen und beenden? Das bisher Erledigte bleibt erhalten und kann fortgesetzt werden.</numerusform>
        </translation>
    </message>
    <message>
        <source>Generation</source>
        <translation>Generierung</translation>
    </message>
    <message>
        <source>Training</source>
        <translation>Training</translation>
    </message>
    <message>
        <source>Embeddings</source>
        <translation>Einbettungen</translation>
    </message>
    <message>
        <source>Similarity</source>
        <translation>Ähnlichkeit</translation>
    </message>
    <message>
        <source>Results</source>
        <translation>Ergebnisse</translation>
    </message>
    <message>
        <source>Report</source>
        <translation>Bericht</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>&amp;Ansicht</translation>
    </message>
    <message>
        <source>Reset Layout</source>
        <translation>Anordnung zurücksetzen</translation>
    </message>
</context>
<context>
    <name>ReportView</name>
    <message>
        <source>Reload</source>
        <translation>Neu laden</translation>
    </message>
    <message>
        <source>Read exports/report.md again</source>
        <translation>exports/report.md erneut lesen</translation>
    </message>
    <message>
        <source>No workspace open.</source>
        <translation type="unfinished">Kein Arbeitsbereich geöffnet.</translation>
    </message>
    <message>
        <source>Missing figures: %1</source>
        <translation>Fehlende Abbildungen: %1</translation>
    </message>
    <message>
        <source>This workspace has no report yet (%1); `genra demo` writes one.</source>
        <translation>Dieser Arbeitsbereich hat noch keinen Bericht (%1); `genra demo` schreibt einen.</translation>
    </message>
</context>
<context>
    <name>ResultsPanel</name>
    <message>
        <source>Filter (run, model, method, dataset, metric…)</source>
        <translation>Filter (Lauf, Modell, Methode, Datensatz, Metrik…)</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>Aktualisieren</translation>
    </message>
    <message>
        <source>Select the results to compare; with no selection every shown row is compared</source>
        <translation>Wählen Sie die zu vergleichenden Ergebnisse; ohne Auswahl werden alle angezeigten Zeilen verglichen</translation>
    </message>
    <message>
        <source>Baseline</source>
        <translation>Referenz</translation>
    </message>
    <message>
        <source>Deltas in the comparison are against this model</source>
        <translation>Differenzen im Vergleich beziehen sich auf dieses Modell</translation>
    </message>
    <message>
        <source>Export…</source>
        <translation>Exportieren…</translation>
    </message>
    <message>
        <source>CSV</source>
        <translation>CSV</translation>
    </message>
    <message>
        <source>Markdown</source>
        <translation>Markdown</translation>
    </message>
    <message>
        <source>LaTeX</source>
        <translation>LaTeX</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>Kopieren</translation>
    </message>
    <message>
        <source>Run</source>
        <translation>Ausführen</translation>
    </message>
    <message>
        <source>(none)</source>
        <translation>(keine)</translation>
    </message>
    <message>
        <source>Export table</source>
        <translation>Tabelle exportieren</translation>
    </message>
    <message>
        <source>CSV (*.csv);;Markdown (*.md);;LaTeX (*.tex)</source>
        <translation>CSV (*.csv);;Markdown (*.md);;LaTeX (*.tex)</translation>
    </message>
    <message>
        <source>Cannot export</source>
        <translation>Export nicht möglich</translation>
    </message>
    <message>
        <source>Evaluate</source>
        <translation>Auswerten</translation>
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
        <translation>Bildunterschriften</translation>
    </message>
    <message>
        <source>Captions: a trained captioner captions the split&apos;s real images; BLEU, METEOR, ROUGE-L, CIDEr and SPICE against their reference captions</source>
        <translation>Bildunterschriften: ein trainiertes Beschriftungsmodell beschriftet die echten Bilder der Teilmenge; BLEU, METEOR, ROUGE-L, CIDEr und SPICE gegen ihre Referenz-Bildunterschriften</translation>
    </message>
    <message>
        <source>Captioner&apos;s default</source>
        <translation>Vorgabe des Beschriftungsmodells</translation>
    </message>
    <message>
        <source>Greedy</source>
        <translation>Gierig (greedy)</translation>
    </message>
    <message>
        <source>Beam search</source>
        <translation>Strahlsuche (beam search)</translation>
    </message>
    <message>
        <source>Beams kept while decoding</source>
        <translation>Beim Dekodieren behaltene Strahlen</translation>
    </message>
    <message>
        <source>Decoding</source>
        <translation>Dekodierung</translation>
    </message>
    <message>
        <source>Beam size</source>
        <translation>Strahlbreite</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Abbrechen</translation>
    </message>
    <message>
        <source>Benchmark</source>
        <translation>Benchmark</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>Modell</translation>
    </message>
    <message>
        <source>Dataset</source>
        <translation>Datensatz</translation>
    </message>
    <message>
        <source>Split</source>
        <translation>Teilmenge</translation>
    </message>
    <message>
        <source>Finished; the results are in the table.</source>
        <translation>Fertig; die Ergebnisse stehen in der Tabelle.</translation>
    </message>
    <message>
        <source>Cancelled.</source>
        <translation>Abgebrochen.</translation>
    </message>
    <message>
        <source>Failed: %1</source>
        <translation>Fehlgeschlagen: %1</translation>
    </message>
    <message>
        <source>(every split)</source>
        <translation>(alle Teilmengen)</translation>
    </message>
    <message>
        <source>Evaluating %1 (%2) on %3…</source>
        <translation>Bewerte %1 (%2) auf %3…</translation>
    </message>
    <message>
        <source>METEOR: no METEOR 1.5 jar is set in Settings (Caption metrics), so METEOR_builtin, an approximation not comparable to published METEOR scores, is reported instead.</source>
        <translation>METEOR: In den Einstellungen (Metriken für Bildunterschriften) ist kein METEOR-1.5-Jar gesetzt; stattdessen wird METEOR_builtin berichtet, eine Näherung, die mit veröffentlichten METEOR-Werten nicht vergleichbar ist.</translation>
    </message>
    <message>
        <source>SPICE: skipped, no SPICE 1.0 jar is set in Settings (Caption metrics).</source>
        <translation>SPICE: übersprungen, in den Einstellungen (Metriken für Bildunterschriften) ist kein SPICE-1.0-Jar gesetzt.</translation>
    </message>
    <message>
        <source>Evaluating the captions of %1 on %2, split %3…</source>
        <translation>Bewerte die Bildunterschriften von %1 auf %2, Teilmenge %3…</translation>
    </message>
    <message>
        <source>Stored results</source>
        <translation>Gespeicherte Ergebnisse</translation>
    </message>
    <message>
        <source>Models as columns, metrics as rows; the best value of each metric in bold</source>
        <translation>Modelle als Spalten, Metriken als Zeilen; der beste Wert jeder Metrik fett</translation>
    </message>
</context>
<context>
    <name>ResultsTableModel</name>
    <message>
        <source>Method</source>
        <translation>Methode</translation>
    </message>
    <message>
        <source>Run</source>
        <translation>Lauf</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>Modell</translation>
    </message>
    <message>
        <source>Dataset</source>
        <translation>Datensatz</translation>
    </message>
    <message>
        <source>Split</source>
        <translation>Teilmenge</translation>
    </message>
    <message>
        <source>Task</source>
        <translation>Aufgabe</translation>
    </message>
    <message>
        <source>Metric</source>
        <translation>Metrik</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>Wert</translation>
    </message>
    <message>
        <source>Date</source>
        <translation>Datum</translation>
    </message>
</context>
<context>
    <name>ScatterPlot</name>
    <message>
        <source>generated → real</source>
        <translation>generiert → echt</translation>
    </message>
    <message>
        <source>real</source>
        <translation>echt</translation>
    </message>
    <message>
        <source>generated</source>
        <translation>generiert</translation>
    </message>
    <message>
        <source>caption</source>
        <translation>Bildunterschrift</translation>
    </message>
    <message>
        <source>real image</source>
        <translation>echtes Bild</translation>
    </message>
    <message>
        <source>generated image</source>
        <translation>generiertes Bild</translation>
    </message>
    <message>
        <source>points</source>
        <translation>Punkte</translation>
    </message>
    <message>
        <source>none</source>
        <translation>keiner</translation>
    </message>
    <message>
        <source>other</source>
        <translation>andere</translation>
    </message>
    <message>
        <source>no pair</source>
        <translation>kein Paar</translation>
    </message>
    <message>
        <source>split: %1</source>
        <translation>Teilmenge: %1</translation>
    </message>
    <message>
        <source>mean cosine to its generated images: %1</source>
        <translation>mittlerer Kosinus zu seinen generierten Bildern: %1</translation>
    </message>
    <message>
        <source>cosine to its real image: %1</source>
        <translation>Kosinus zu seinem echten Bild: %1</translation>
    </message>
    <message>
        <source>cosine to paired image, %1 to %2</source>
        <translation>Kosinus zum Bildpaar, %1 bis %2</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <source>Settings</source>
        <translation>Einstellungen</translation>
    </message>
    <message>
        <source>Computation and display</source>
        <translation>Berechnung und Anzeige</translation>
    </message>
    <message>
        <source>Device:</source>
        <translation>Gerät:</translation>
    </message>
    <message>
        <source>CPU threads:</source>
        <translation>CPU-Threads:</translation>
    </message>
    <message>
        <source>every core (%1)</source>
        <translation>alle Kerne (%1)</translation>
    </message>
    <message>
        <source>Thumbnail cache:</source>
        <translation>Vorschaubild-Cache:</translation>
    </message>
    <message>
        <source>Language:</source>
        <translation>Sprache:</translation>
    </message>
    <message>
        <source>External generators (open a workspace to edit them)</source>
        <translation>Externe Generatoren (zum Bearbeiten einen Arbeitsbereich öffnen)</translation>
    </message>
    <message>
        <source>External generators of this workspace</source>
        <translation>Externe Generatoren dieses Arbeitsbereichs</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Name</translation>
    </message>
    <message>
        <source>Command</source>
        <translation>Befehl</translation>
    </message>
    <message>
        <source>Timeout (s)</source>
        <translation>Zeitlimit (s)</translation>
    </message>
    <message>
        <source>Add</source>
        <translation>Hinzufügen</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>Entfernen</translation>
    </message>
    <message>
        <source>Caption metrics (Java)</source>
        <translation>Bildunterschrift-Metriken (Java)</translation>
    </message>
    <message>
        <source>METEOR jar:</source>
        <translation>METEOR-JAR:</translation>
    </message>
    <message>
        <source>SPICE jar:</source>
        <translation>SPICE-JAR:</translation>
    </message>
    <message>
        <source>External generator in row %1 needs a name, a command and a positive timeout.</source>
        <translation>Der externe Generator in Zeile %1 braucht einen Namen, einen Befehl und ein positives Zeitlimit.</translation>
    </message>
</context>
<context>
    <name>SettingsForm</name>
    <message>
        <source>comma-separated</source>
        <translation>durch Kommas getrennt</translation>
    </message>
    <message>
        <source>Default: %1</source>
        <translation>Standard: %1</translation>
    </message>
    <message>
        <source>Range: %1</source>
        <translation>Bereich: %1</translation>
    </message>
    <message>
        <source>Choices: %1</source>
        <translation>Auswahl: %1</translation>
    </message>
</context>
<context>
    <name>SimilarityPanel</name>
    <message>
        <source>A second model to compare (e.g. with alignment); optional</source>
        <translation>Ein zweites Modell zum Vergleich (z. B. mit Ausrichtung); optional</translation>
    </message>
    <message>
        <source>Measure</source>
        <translation>Messen</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>Modell</translation>
    </message>
    <message>
        <source>Compare with</source>
        <translation>Vergleichen mit</translation>
    </message>
    <message>
        <source>Dataset</source>
        <translation>Datensatz</translation>
    </message>
    <message>
        <source>Worst pairs</source>
        <translation>Schlechteste Paare</translation>
    </message>
    <message>
        <source>Worst-aligned captions of the first model; double-click to open them in the browser</source>
        <translation>Am schlechtesten ausgerichtete Bildunterschriften des ersten Modells; Doppelklick öffnet sie im Browser</translation>
    </message>
    <message>
        <source>cosine(real, generated)</source>
        <translation>Kosinus(echt, generiert)</translation>
    </message>
    <message>
        <source>pairs</source>
        <translation>Paare</translation>
    </message>
    <message>
        <source>generated image (pair)</source>
        <translation>generiertes Bild (Paar)</translation>
    </message>
    <message>
        <source>real image (pair)</source>
        <translation>echtes Bild (Paar)</translation>
    </message>
    <message>
        <source>(none)</source>
        <translation>(keine)</translation>
    </message>
    <message>
        <source>cosine mean ± std</source>
        <translation>Kosinus Mittel ± Std.-Abw.</translation>
    </message>
    <message>
        <source>centroid distance</source>
        <translation>Schwerpunktabstand</translation>
    </message>
    <message>
        <source>centroid cosine</source>
        <translation>Schwerpunkt-Kosinus</translation>
    </message>
    <message>
        <source>linear probe accuracy</source>
        <translation>Genauigkeit des linearen Tests</translation>
    </message>
    <message>
        <source>Fréchet distance</source>
        <translation>Fréchet-Abstand</translation>
    </message>
    <message>
        <source>%1: %2 ± %3</source>
        <translation>%1: %2 ± %3</translation>
    </message>
    <message>
        <source>First pairs</source>
        <translation>Erste Paare</translation>
    </message>
    <message>
        <source>Worst-aligned pairs</source>
        <translation>Am schlechtesten angeglichene Paare</translation>
    </message>
    <message>
        <source>Captions selected in the browser</source>
        <translation>Im Browser ausgewählte Bildunterschriften</translation>
    </message>
    <message>
        <source>Which real–generated pairs of the first model the heat-map shows</source>
        <translation>Welche Paare aus echtem und generiertem Bild des ersten Modells die Heatmap zeigt</translation>
    </message>
    <message>
        <source>Pairs in the heat-map (at most)</source>
        <translation>Paare in der Heatmap (höchstens)</translation>
    </message>
    <message>
        <source>Heat-map</source>
        <translation>Heatmap</translation>
    </message>
    <message>
        <source>Heat-map: select captions in the caption browser (Ctrl- or Shift-click).</source>
        <translation>Heatmap: Wählen Sie Bildunterschriften im Bildunterschriften-Browser aus (Strg- oder Umschalt-Klick).</translation>
    </message>
    <message>
        <source>Heat-map: the captions selected in the browser have no embedded pairs under %1.</source>
        <translation>Heatmap: Die im Browser ausgewählten Bildunterschriften haben unter %1 keine eingebetteten Paare.</translation>
    </message>
    <message>
        <source>Measure only the images of this generator (a workspace may hold a diffusion model&apos;s images and the builtin:shift control&apos;s)</source>
        <translation type="unfinished"></translation>
    </message>
    <message>
        <source>Generator</source>
        <translation type="unfinished">Generator</translation>
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
        <translation>k. A.¹</translation>
    </message>
    <message>
        <source>¹ no base model embeddings</source>
        <translation>¹ keine Einbettungen des Basismodells</translation>
    </message>
    <message>
        <source>cosine</source>
        <translation>Kosinus</translation>
    </message>
</context>
<context>
    <name>ThumbnailCache</name>
    <message>
        <source>file not found: %1</source>
        <translation>Datei nicht gefunden: %1</translation>
    </message>
    <message>
        <source>cannot decode %1: %2</source>
        <translation>%1 kann nicht dekodiert werden: %2</translation>
    </message>
</context>
<context>
    <name>TrainingPanel</name>
    <message>
        <source>Load…</source>
        <translation>Laden…</translation>
    </message>
    <message>
        <source>Save…</source>
        <translation>Speichern…</translation>
    </message>
    <message>
        <source>Validate</source>
        <translation>Prüfen</translation>
    </message>
    <message>
        <source>Start</source>
        <translation>Starten</translation>
    </message>
    <message>
        <source>Stop</source>
        <translation>Anhalten</translation>
    </message>
    <message>
        <source>Write a checkpoint, then stop; the run can be resumed</source>
        <translation>Einen Checkpoint schreiben, dann anhalten; der Lauf kann fortgesetzt werden</translation>
    </message>
    <message>
        <source>Resume</source>
        <translation>Fortsetzen</translation>
    </message>
    <message>
        <source>Continue the selected interrupted, cancelled or failed run from its last checkpoint</source>
        <translation>Den ausgewählten unterbrochenen, abgebrochenen oder fehlgeschlagenen Lauf ab seinem letzten Checkpoint fortsetzen</translation>
    </message>
    <message>
        <source>Runs</source>
        <translation>Läufe</translation>
    </message>
    <message>
        <source>Tick runs to overlay their curves; select one to see its status and log</source>
        <translation>Läufe ankreuzen, um ihre Kurven zu überlagern; einen auswählen, um Status und Protokoll zu sehen</translation>
    </message>
    <message>
        <source>Metrics</source>
        <translation>Metriken</translation>
    </message>
    <message>
        <source>Smoothing</source>
        <translation>Glättung</translation>
    </message>
    <message>
        <source>Exponential moving average weight, as TensorBoard&apos;s smoothing</source>
        <translation>Gewicht des exponentiellen gleitenden Mittels, wie die Glättung in TensorBoard</translation>
    </message>
    <message>
        <source>Log scale</source>
        <translation>Logarithmische Skala</translation>
    </message>
    <message>
        <source>The recipe is valid.</source>
        <translation>Das Rezept ist gültig.</translation>
    </message>
    <message>
        <source>Open a workspace first.</source>
        <translation>Öffnen Sie zuerst einen Arbeitsbereich.</translation>
    </message>
    <message>
        <source>A run is already training; stop it first.</source>
        <translation>Ein Lauf trainiert bereits; halten Sie ihn zuerst an.</translation>
    </message>
    <message>
        <source>Training %1…</source>
        <translation>Trainiere %1…</translation>
    </message>
    <message>
        <source>Stopping %1: writing a checkpoint…</source>
        <translation>Halte %1 an: schreibe einen Checkpoint…</translation>
    </message>
    <message>
        <source>%1 left</source>
        <translation>noch %1</translation>
    </message>
    <message>
        <source>Run %1 finished.</source>
        <translation>Lauf %1 ist fertig.</translation>
    </message>
    <message>
        <source>Run %1 stopped; its checkpoint is kept and it can be resumed.</source>
        <translation>Lauf %1 angehalten; sein Checkpoint bleibt erhalten und er kann fortgesetzt werden.</translation>
    </message>
    <message>
        <source>Run %1 failed: %2</source>
        <translation>Lauf %1 fehlgeschlagen: %2</translation>
    </message>
    <message>
        <source>Run %1 (%2): %3, step %4 of %5</source>
        <translation>Lauf %1 (%2): %3, Schritt %4 von %5</translation>
    </message>
    <message>
        <source>Error: %1</source>
        <translation>Fehler: %1</translation>
    </message>
    <message>
        <source>Last good checkpoint: %1</source>
        <translation>Letzter guter Checkpoint: %1</translation>
    </message>
    <message>
        <source>Load recipe</source>
        <translation>Rezept laden</translation>
    </message>
    <message>
        <source>Recipes (*.json)</source>
        <translation>Rezepte (*.json)</translation>
    </message>
    <message>
        <source>Loaded %1</source>
        <translation>%1 geladen</translation>
    </message>
    <message>
        <source>Cannot load the recipe</source>
        <translation>Das Rezept kann nicht geladen werden</translation>
    </message>
    <message>
        <source>Save recipe</source>
        <translation>Rezept speichern</translation>
    </message>
    <message>
        <source>Cannot save the recipe</source>
        <translation>Das Rezept kann nicht gespeichert werden</translation>
    </message>
    <message>
        <source>%1: %2, %3, step %4 of %5</source>
        <translation>%1: %2, %3, Schritt %4 von %5</translation>
    </message>
    <message>
        <source>Show or hide the recipe form and its buttons</source>
        <translation>Rezeptformular und seine Schaltflächen zeigen oder verbergen</translation>
    </message>
    <message>
        <source>Tick seeds</source>
        <translation>Seeds ankreuzen</translation>
    </message>
    <message>
        <source>Tick every run of the selected run&apos;s method (its name without -seedN) and untick the others</source>
        <translation>Alle Läufe der Methode des gewählten Laufs ankreuzen (sein Name ohne -seedN), die anderen abwählen</translation>
    </message>
    <message>
        <source>Group seeds (mean, min–max band)</source>
        <translation>Seeds gruppieren (Mittel, Min–Max-Band)</translation>
    </message>
    <message>
        <source>Runs named alike but for a -seedN suffix are drawn as one curve, their mean, with a band from the lowest to the highest run at each step</source>
        <translation>Läufe, deren Namen sich nur durch ein -seedN-Suffix unterscheiden, werden als eine Kurve gezeichnet, ihr Mittel, mit einem Band vom niedrigsten bis zum höchsten Lauf bei jedem Schritt</translation>
    </message>
    <message>
        <source>▸ Show recipe</source>
        <translation>▸ Rezept zeigen</translation>
    </message>
    <message>
        <source>▾ Hide recipe</source>
        <translation>▾ Rezept verbergen</translation>
    </message>
    <message>
        <source>Processes</source>
        <translation>Prozesse</translation>
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
        <translation>%1: %2</translation>
    </message>
    <message>
        <source>size and DPI must be positive</source>
        <translation>Größe und DPI müssen positiv sein</translation>
    </message>
    <message>
        <source>unknown figure format &quot;%1&quot; (use .png, .pdf or .svg)</source>
        <translation>unbekanntes Abbildungsformat „%1“ (.png, .pdf oder .svg verwenden)</translation>
    </message>
    <message>
        <source>cannot write the file</source>
        <translation>die Datei kann nicht geschrieben werden</translation>
    </message>
    <message>
        <source>cannot write the PNG file</source>
        <translation>die PNG-Datei kann nicht geschrieben werden</translation>
    </message>
    <message>
        <source>Export figure…</source>
        <translation type="unfinished">Abbildung exportieren…</translation>
    </message>
    <message>
        <source>Export figure</source>
        <translation type="unfinished">Abbildung exportieren</translation>
    </message>
    <message>
        <source>PNG (*.png);;PDF (*.pdf);;SVG (*.svg)</source>
        <translation type="unfinished">PNG (*.png);;PDF (*.pdf);;SVG (*.svg)</translation>
    </message>
    <message>
        <source>Resolution (DPI)</source>
        <translation type="unfinished">Auflösung (DPI)</translation>
    </message>
    <message>
        <source>Cannot export</source>
        <translation type="unfinished">Export nicht möglich</translation>
    </message>
</context>
<context>
    <name>main</name>
    <message>
        <source>GenRA Workbench</source>
        <translation>GenRA Workbench</translation>
    </message>
    <message>
        <source>Workspace folder to open</source>
        <translation>Zu öffnender Arbeitsbereichsordner</translation>
    </message>
    <message>
        <source>Panel to raise</source>
        <translation>Anzuzeigendes Fenster</translation>
    </message>
    <message>
        <source>Save a screenshot of the window to FILE</source>
        <translation>Ein Bildschirmfoto des Fensters in DATEI speichern</translation>
    </message>
    <message>
        <source>Select KEY=VALUE in the raised panel (e.g. caption=42)</source>
        <translation>SCHLÜSSEL=WERT im angezeigten Fenster auswählen (z. B. caption=42)</translation>
    </message>
    <message>
        <source>Quit after the screenshot</source>
        <translation>Nach dem Bildschirmfoto beenden</translation>
    </message>
    <message>
        <source>CPU threads</source>
        <translation>CPU-Threads</translation>
    </message>
    <message>
        <source>Window size, e.g. 1920x1080 (default: the saved or 1280x800)</source>
        <translation>Fenstergröße, z. B. 1920x1080 (sonst die gespeicherte oder 1280x800)</translation>
    </message>
</context>
</TS>
