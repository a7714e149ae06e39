#include "core/store/schema.h"

#include "core/store/sqlite.h"
#include "core/util/error.h"

namespace genra::store {

namespace {

// Version 1: every fact ARCHITECTURE.md's "The workspace" lists.
const char* kSchemaV1 = R"SQL(
CREATE TABLE datasets (
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL UNIQUE,
  kind        TEXT NOT NULL,              -- coco | karpathy | csv | shapes | ...
  source      TEXT NOT NULL DEFAULT '',   -- file it was imported from
  image_root  TEXT NOT NULL DEFAULT '',
  meta        TEXT NOT NULL DEFAULT '{}', -- JSON
  created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);

CREATE TABLE images (
  id          INTEGER PRIMARY KEY,
  dataset_id  INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
  path        TEXT NOT NULL,              -- absolute, or relative to the workspace folder
  modality    TEXT NOT NULL CHECK (modality IN ('real','generated')),
  split       TEXT NOT NULL DEFAULT '',
  width       INTEGER,
  height      INTEGER,
  sha256      TEXT,
  status      TEXT NOT NULL DEFAULT 'ok' CHECK (status IN ('ok','missing','corrupt')),
  error       TEXT,
  source_key  TEXT NOT NULL DEFAULT '',   -- id in the source (COCO image id, filename, ...)
  attributes  TEXT NOT NULL DEFAULT '{}', -- JSON, e.g. the Shapes attributes
  UNIQUE (dataset_id, path)
);
CREATE INDEX images_dataset_split ON images(dataset_id, modality, split);
CREATE INDEX images_source_key ON images(dataset_id, source_key);

CREATE TABLE captions (
  id          INTEGER PRIMARY KEY,
  dataset_id  INTEGER NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
  image_id    INTEGER REFERENCES images(id) ON DELETE CASCADE,
  text        TEXT NOT NULL,
  source_key  TEXT NOT NULL DEFAULT '',   -- COCO annotation id, Karpathy sentid, CSV row, ...
  ord         INTEGER NOT NULL DEFAULT 0  -- position among the image's captions
);
CREATE INDEX captions_dataset ON captions(dataset_id, source_key);
CREATE INDEX captions_image ON captions(image_id);

-- Which caption each generated image was made from, and how.
CREATE TABLE generations (
  image_id    INTEGER PRIMARY KEY REFERENCES images(id) ON DELETE CASCADE,
  caption_id  INTEGER NOT NULL REFERENCES captions(id) ON DELETE CASCADE,
  generator   TEXT NOT NULL,
  seed        INTEGER,
  params      TEXT NOT NULL DEFAULT '{}',
  created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX generations_caption ON generations(caption_id);

CREATE TABLE models (
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL UNIQUE,
  kind        TEXT NOT NULL,              -- clip | lora | captioner | generator
  path        TEXT NOT NULL DEFAULT '',
  config      TEXT NOT NULL DEFAULT '{}',
  base_model_id INTEGER REFERENCES models(id) ON DELETE SET NULL,
  run_id      INTEGER REFERENCES runs(id) ON DELETE SET NULL,
  created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);

CREATE TABLE runs (
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL,
  kind        TEXT NOT NULL,              -- import | pretrain | genra | ... | generate | eval
  recipe      TEXT NOT NULL DEFAULT '{}',
  status      TEXT NOT NULL DEFAULT 'pending'
              CHECK (status IN ('pending','running','finished','failed','cancelled')),
  device      TEXT NOT NULL DEFAULT '',
  started_at  TEXT,
  finished_at TEXT,
  error       TEXT,
  checkpoint  TEXT,
  created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);

CREATE TABLE metrics (
  run_id      INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  name        TEXT NOT NULL,
  step        INTEGER NOT NULL,
  value       REAL NOT NULL,
  PRIMARY KEY (run_id, name, step)
) WITHOUT ROWID;

CREATE TABLE eval_results (
  id          INTEGER PRIMARY KEY,
  run_id      INTEGER REFERENCES runs(id) ON DELETE SET NULL,
  model_id    INTEGER REFERENCES models(id) ON DELETE CASCADE,
  task        TEXT NOT NULL,              -- retrieval | zeroshot | caption | similarity
  dataset_id  INTEGER REFERENCES datasets(id) ON DELETE CASCADE,
  split       TEXT NOT NULL DEFAULT '',
  metric      TEXT NOT NULL,
  value       REAL NOT NULL,
  details     TEXT NOT NULL DEFAULT '{}',
  created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX eval_results_model ON eval_results(model_id, task);

CREATE TABLE embeddings (
  model_id    INTEGER NOT NULL REFERENCES models(id) ON DELETE CASCADE,
  item_kind   TEXT NOT NULL CHECK (item_kind IN ('image','caption')),
  item_id     INTEGER NOT NULL,
  encoder     TEXT NOT NULL DEFAULT '',   -- which tower / projection produced it
  dim         INTEGER NOT NULL,
  vector      BLOB NOT NULL,              -- dim little-endian float32
  PRIMARY KEY (model_id, item_kind, item_id, encoder)
) WITHOUT ROWID;

CREATE TABLE projections (
  id          INTEGER PRIMARY KEY,
  name        TEXT NOT NULL,
  method      TEXT NOT NULL DEFAULT 'tsne',
  model_id    INTEGER REFERENCES models(id) ON DELETE CASCADE,
  params      TEXT NOT NULL DEFAULT '{}',
  created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);

CREATE TABLE projection_points (
  projection_id INTEGER NOT NULL REFERENCES projections(id) ON DELETE CASCADE,
  item_kind   TEXT NOT NULL,
  item_id     INTEGER NOT NULL,
  x           REAL NOT NULL,
  y           REAL NOT NULL,
  PRIMARY KEY (projection_id, item_kind, item_id)
) WITHOUT ROWID;

CREATE TABLE artifacts (
  id          INTEGER PRIMARY KEY,
  kind        TEXT NOT NULL,              -- figure | table | report | checkpoint | ...
  path        TEXT NOT NULL,
  run_id      INTEGER REFERENCES runs(id) ON DELETE SET NULL,
  description TEXT NOT NULL DEFAULT '',
  created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
)SQL";

// Version 2: what a run needs to be resumed and to be recognised as interrupted when its process
// died: the process and host that own it, a heartbeat, and how far it got.
const char* kSchemaV2 = R"SQL(
ALTER TABLE runs ADD COLUMN pid INTEGER;
ALTER TABLE runs ADD COLUMN host TEXT NOT NULL DEFAULT '';
ALTER TABLE runs ADD COLUMN heartbeat_at TEXT;
ALTER TABLE runs ADD COLUMN step INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN total_steps INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN model_id INTEGER REFERENCES models(id) ON DELETE SET NULL;
CREATE UNIQUE INDEX runs_name ON runs(name);
)SQL";

}  // namespace

const std::vector<std::string>& schemaMigrations() {
    static const std::vector<std::string> migrations = {kSchemaV1, kSchemaV2};
    return migrations;
}

int currentSchemaVersion() { return static_cast<int>(schemaMigrations().size()); }

void migrate(Db& db) {
    const int have = db.userVersion();
    const int want = currentSchemaVersion();
    if (have > want) {
        throw Error(db.path() + ": workspace schema version " + std::to_string(have) +
                    " is newer than this GenRA Workbench understands (version " +
                    std::to_string(want) + "); open it with a newer release");
    }
    const auto& steps = schemaMigrations();
    for (int version = have; version < want; ++version) {
        Transaction tx(db);
        db.exec(steps[static_cast<std::size_t>(version)]);
        db.setUserVersion(version + 1);
        tx.commit();
    }
}

}  // namespace genra::store
