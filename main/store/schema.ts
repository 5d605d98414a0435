// The project file's schema, as an ordered list of migrations. A project records the number of migrations applied
// in `PRAGMA user_version` and its identity in the `meta` table, so a file that is not a Cajal project, or one
// written by a newer Cajal, is recognised before anything is written to it.

import type { Db } from './project';

export const APP_ID = 'cajal-project';

/** SQL run in order; a function where a step depends on what the file holds. */
export type Migration = string | ((db: Db) => void);

export const migrations: Migration[] = [
  // 1: skeleton — models, stimuli, harvests with chunked activations, jobs.
  `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

  CREATE TABLE models (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    path TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    bytes INTEGER NOT NULL,
    inspection_json TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
  );
  CREATE UNIQUE INDEX models_sha_path ON models(sha256, path);

  CREATE TABLE stimulus_sets (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    spec_json TEXT NOT NULL,
    count INTEGER NOT NULL,
    item_shape_json TEXT NOT NULL,
    label_names_json TEXT,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
  );

  -- One row per stimulus: label and a small PNG thumbnail, so a project stays browsable when the source folder moves.
  CREATE TABLE stimulus_items (
    set_id INTEGER NOT NULL REFERENCES stimulus_sets(id) ON DELETE CASCADE,
    idx INTEGER NOT NULL,
    label INTEGER,
    name TEXT NOT NULL,
    thumbnail BLOB,
    PRIMARY KEY (set_id, idx)
  ) WITHOUT ROWID;

  CREATE TABLE jobs (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    params_json TEXT NOT NULL,
    status TEXT NOT NULL,
    progress REAL NOT NULL DEFAULT 0,
    message TEXT,
    error TEXT,
    result_json TEXT,
    checkpoint_json TEXT,
    -- The process running the job: a 'running' job whose process is gone was interrupted (killed, crashed).
    owner_pid INTEGER,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    started_at TEXT,
    finished_at TEXT
  );

  CREATE TABLE harvests (
    id INTEGER PRIMARY KEY,
    model_id INTEGER REFERENCES models(id),
    stimulus_set_id INTEGER REFERENCES stimulus_sets(id),
    job_id INTEGER REFERENCES jobs(id),
    source TEXT NOT NULL DEFAULT 'model',
    tensor TEXT NOT NULL,
    tensor_shape_json TEXT NOT NULL,
    positions TEXT NOT NULL,
    dim INTEGER NOT NULL,
    rows_per_item INTEGER NOT NULL,
    items_expected INTEGER NOT NULL,
    rows_expected INTEGER NOT NULL,
    rows_done INTEGER NOT NULL DEFAULT 0,
    chunk_rows INTEGER NOT NULL,
    status TEXT NOT NULL,
    params_json TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    finished_at TEXT
  );

  -- Activations as float32 row-major BLOBs of row_count × dim, appended chunk by chunk, each with its rows' metadata
  -- as an int32 BLOB of row_count × 4 (stimulus index, label or -1, position y or -1, position x or -1): one insert
  -- per chunk instead of one per row. A chunk is committed in one transaction with harvests.rows_done, which is what
  -- makes resuming exact.
  CREATE TABLE activation_chunks (
    harvest_id INTEGER NOT NULL REFERENCES harvests(id) ON DELETE CASCADE,
    chunk_index INTEGER NOT NULL,
    first_row INTEGER NOT NULL,
    row_count INTEGER NOT NULL,
    data BLOB NOT NULL,
    row_meta BLOB NOT NULL,
    PRIMARY KEY (harvest_id, chunk_index)
  ) WITHOUT ROWID;
  CREATE INDEX activation_chunks_first_row ON activation_chunks(harvest_id, first_row);

  CREATE TABLE unit_stats (
    harvest_id INTEGER NOT NULL REFERENCES harvests(id) ON DELETE CASCADE,
    unit INTEGER NOT NULL,
    mean REAL NOT NULL,
    std REAL NOT NULL,
    min REAL NOT NULL,
    max REAL NOT NULL,
    frac_active REAL NOT NULL,
    PRIMARY KEY (harvest_id, unit)
  ) WITHOUT ROWID;
  `,
  // 2: bases — fitted decompositions of a harvest, their weights, training checkpoints and quality metrics.
  `
  CREATE TABLE bases (
    id INTEGER PRIMARY KEY,
    harvest_id INTEGER NOT NULL REFERENCES harvests(id) ON DELETE CASCADE,
    job_id INTEGER REFERENCES jobs(id),
    method TEXT NOT NULL,
    name TEXT NOT NULL,
    params_json TEXT NOT NULL,
    seed INTEGER NOT NULL,
    n_features INTEGER NOT NULL,
    dim INTEGER NOT NULL,
    status TEXT NOT NULL,
    quality_json TEXT,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    finished_at TEXT
  );
  CREATE TABLE basis_tensors (
    basis_id INTEGER NOT NULL REFERENCES bases(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    shape_json TEXT NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (basis_id, name)
  ) WITHOUT ROWID;
  CREATE TABLE training_log (
    basis_id INTEGER NOT NULL REFERENCES bases(id) ON DELETE CASCADE,
    step INTEGER NOT NULL,
    metrics_json TEXT NOT NULL,
    PRIMARY KEY (basis_id, step)
  ) WITHOUT ROWID;
  `,
  // 3: features — per-feature statistics of a basis over its harvest (summary, extreme and band examples, histogram),
  // interpretability metrics with their runs (parameters, seeds, null statistics) and pinned collections.
  `
  CREATE TABLE feature_runs (
    basis_id INTEGER PRIMARY KEY REFERENCES bases(id) ON DELETE CASCADE,
    job_id INTEGER REFERENCES jobs(id),
    top_k INTEGER NOT NULL,
    bands INTEGER NOT NULL,
    bins INTEGER NOT NULL,
    seed INTEGER NOT NULL,
    rows INTEGER NOT NULL,
    params_json TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
  );
  CREATE TABLE feature_stats (
    basis_id INTEGER NOT NULL REFERENCES bases(id) ON DELETE CASCADE,
    feature INTEGER NOT NULL,
    density REAL NOT NULL,
    mean REAL NOT NULL,
    min REAL NOT NULL,
    max REAL NOT NULL,
    PRIMARY KEY (basis_id, feature)
  ) WITHOUT ROWID;
  -- Examples as BLOBs per feature: rows int32 and activations float32, best first; bands: per band its count of rows
  -- in the interval (int32) and up to band_size reservoir-sampled rows (-1 pads an unfilled slot).
  CREATE TABLE feature_examples (
    basis_id INTEGER NOT NULL REFERENCES bases(id) ON DELETE CASCADE,
    feature INTEGER NOT NULL,
    top_rows BLOB NOT NULL,
    top_acts BLOB NOT NULL,
    bottom_rows BLOB NOT NULL,
    bottom_acts BLOB NOT NULL,
    band_lo REAL NOT NULL,
    band_hi REAL NOT NULL,
    band_counts BLOB NOT NULL,
    band_rows BLOB NOT NULL,
    band_acts BLOB NOT NULL,
    PRIMARY KEY (basis_id, feature)
  ) WITHOUT ROWID;
  CREATE TABLE feature_histograms (
    basis_id INTEGER NOT NULL REFERENCES bases(id) ON DELETE CASCADE,
    feature INTEGER NOT NULL,
    lo REAL NOT NULL,
    hi REAL NOT NULL,
    counts BLOB NOT NULL,
    PRIMARY KEY (basis_id, feature)
  ) WITHOUT ROWID;
  CREATE TABLE metric_runs (
    id INTEGER PRIMARY KEY,
    basis_id INTEGER NOT NULL REFERENCES bases(id) ON DELETE CASCADE,
    job_id INTEGER REFERENCES jobs(id),
    metrics_json TEXT NOT NULL,
    params_json TEXT NOT NULL,
    -- Per metric: the random-basis null { basisId, mean, sd, n }.
    null_json TEXT,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
  );
  CREATE TABLE feature_metrics (
    basis_id INTEGER NOT NULL REFERENCES bases(id) ON DELETE CASCADE,
    feature INTEGER NOT NULL,
    metric TEXT NOT NULL,
    value REAL,
    run_id INTEGER NOT NULL REFERENCES metric_runs(id) ON DELETE CASCADE,
    PRIMARY KEY (basis_id, metric, feature)
  ) WITHOUT ROWID;
  CREATE TABLE collections (
    name TEXT NOT NULL,
    basis_id INTEGER NOT NULL REFERENCES bases(id) ON DELETE CASCADE,
    feature INTEGER NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    PRIMARY KEY (name, basis_id, feature)
  ) WITHOUT ROWID;
  `,
  // 4: reports — titled documents of ordered sections. A section keeps a snapshot of what was sent (a comparison, a
  // collection with its thumbnails) and the parameters that made it, and no foreign key to bases or harvests: a
  // report reads the same after the project changes or the bases it describes are deleted.
  `
  CREATE TABLE reports (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
  );
  CREATE TABLE report_sections (
    id INTEGER PRIMARY KEY,
    report_id INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    params_json TEXT NOT NULL,
    snapshot_json TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
  );
  CREATE INDEX report_sections_order ON report_sections(report_id, position);
  `,
  // migration: revcorr
  // 5 (revcorr, #11): reverse-correlation runs over a harvest's units or a basis's features, one result row per unit
  // (filter and z map as float32 blobs, the rest as JSON), and the accumulator state a killed run resumes from.
  `
  CREATE TABLE revcorr_runs (
    id INTEGER PRIMARY KEY,
    job_id INTEGER REFERENCES jobs(id) ON DELETE SET NULL,
    harvest_id INTEGER NOT NULL REFERENCES harvests(id) ON DELETE CASCADE,
    basis_id INTEGER REFERENCES bases(id) ON DELETE CASCADE,
    estimator TEXT NOT NULL,
    units_json TEXT NOT NULL,
    params_json TEXT NOT NULL,
    item_shape_json TEXT NOT NULL,
    status TEXT NOT NULL,
    summary_json TEXT,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    finished_at TEXT
  );
  CREATE TABLE revcorr_results (
    run_id INTEGER NOT NULL REFERENCES revcorr_runs(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    unit INTEGER NOT NULL,
    name TEXT NOT NULL,
    filter BLOB NOT NULL,
    z BLOB,
    detail_json TEXT NOT NULL,
    PRIMARY KEY (run_id, position)
  ) WITHOUT ROWID;
  CREATE TABLE revcorr_checkpoints (
    run_id INTEGER NOT NULL REFERENCES revcorr_runs(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (run_id, name)
  ) WITHOUT ROWID;
  `,
  // migration: shapley — MSA coalition values cached per game (a game = its full definition as canonical JSON), so
  // each distinct coalition is evaluated once, a cancelled run resumes and a larger sample reuses them.
  `
  CREATE TABLE shapley_games (
    id INTEGER PRIMARY KEY,
    definition TEXT NOT NULL UNIQUE,
    players INTEGER NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
  );
  CREATE TABLE shapley_coalitions (
    game_id INTEGER NOT NULL REFERENCES shapley_games(id) ON DELETE CASCADE,
    coalition TEXT NOT NULL,
    value REAL NOT NULL,
    PRIMARY KEY (game_id, coalition)
  ) WITHOUT ROWID;
  `,
  // migration: lesions (#10) — ablation sweeps, MSA runs and loss-recovered runs over a harvest's layer (a basis's
  // features or the layer's units), with the full parameters; one result row per lesion, written as each group of
  // lesions is evaluated, so a killed sweep resumes where it stopped.
  `
  CREATE TABLE lesion_runs (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    job_id INTEGER REFERENCES jobs(id) ON DELETE SET NULL,
    harvest_id INTEGER NOT NULL REFERENCES harvests(id) ON DELETE CASCADE,
    basis_id INTEGER REFERENCES bases(id) ON DELETE CASCADE,
    params_json TEXT NOT NULL,
    elements_json TEXT NOT NULL,
    status TEXT NOT NULL,
    summary_json TEXT,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
    finished_at TEXT
  );
  CREATE TABLE lesion_results (
    run_id INTEGER NOT NULL REFERENCES lesion_runs(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    element INTEGER NOT NULL,
    name TEXT NOT NULL,
    alpha REAL,
    effects_json TEXT NOT NULL,
    PRIMARY KEY (run_id, position)
  ) WITHOUT ROWID;
  `,
  // migration: recordings
  // recordings (#11 item 4): a recorded experiment — its cells are the units of an imported harvest (spike counts per
  // frame as rows, so bases, features and metrics read them as they read units) and its frames are kept here as
  // float32 chunks (channel-first, one frame a row) so the lab can replay the stimulus for reverse correlation.
  `
  CREATE TABLE recordings (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    harvest_id INTEGER NOT NULL UNIQUE REFERENCES harvests(id) ON DELETE CASCADE,
    frame_shape_json TEXT NOT NULL,
    frame_rate REAL NOT NULL,
    start_time REAL NOT NULL,
    frames INTEGER NOT NULL,
    cells INTEGER NOT NULL,
    source_json TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
  );
  CREATE TABLE recording_frames (
    recording_id INTEGER NOT NULL REFERENCES recordings(id) ON DELETE CASCADE,
    first_frame INTEGER NOT NULL,
    frame_count INTEGER NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (recording_id, first_frame)
  ) WITHOUT ROWID;
  `,
  // migration: w18 (#18) — one feature's unit direction and encoder column, readable alone (store/feature-columns.ts)
  `
  CREATE TABLE feature_vectors (
    basis_id INTEGER NOT NULL REFERENCES bases(id) ON DELETE CASCADE,
    feature INTEGER NOT NULL,
    direction BLOB NOT NULL,
    encoder BLOB,
    PRIMARY KEY (basis_id, feature)
  ) WITHOUT ROWID;
  `,
  // migration: tca
  // tca (#15): the best CP fit of each rank of a rank sweep (a tca-sweep job), float32 factors, for the TCA panel.
  `
  CREATE TABLE tca_sweep_factors (
    job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    rank INTEGER NOT NULL,
    dim INTEGER NOT NULL,
    positions INTEGER NOT NULL,
    stimuli INTEGER NOT NULL,
    weights BLOB NOT NULL,
    units BLOB NOT NULL,
    position_factors BLOB NOT NULL,
    stimulus_factors BLOB NOT NULL,
    error REAL NOT NULL,
    PRIMARY KEY (job_id, rank)
  ) WITHOUT ROWID;
  `,
  // migration: h18imp (#18 item 4) — basis tensors stored in blocks of leading-axis rows (store/basis-blocks.ts)
  `
  CREATE TABLE basis_tensor_blocks (
    basis_id INTEGER NOT NULL REFERENCES bases(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    block INTEGER NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (basis_id, name, block)
  ) WITHOUT ROWID;
  `,
  // migration: scale (#18) — the Features panel's columns stored whole, one float64 BLOB each (store/scale.ts)
  `
  CREATE TABLE feature_column_blocks (
    basis_id INTEGER NOT NULL REFERENCES bases(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (basis_id, name)
  ) WITHOUT ROWID;
  -- A copy of each chunk's row metadata apart from its activations: activation_chunks stores row_meta after the data
  -- BLOB, so reading it walked every overflow page of the chunk's activations (store/scale.ts says more).
  CREATE TABLE activation_row_meta (
    harvest_id INTEGER NOT NULL REFERENCES harvests(id) ON DELETE CASCADE,
    chunk_index INTEGER NOT NULL,
    first_row INTEGER NOT NULL,
    row_count INTEGER NOT NULL,
    row_meta BLOB NOT NULL,
    PRIMARY KEY (harvest_id, chunk_index)
  ) WITHOUT ROWID;
  CREATE INDEX activation_row_meta_first_row ON activation_row_meta(harvest_id, first_row);
  `,
  // migration: h14write (#14) — activation chunks move from a WITHOUT ROWID table to a rowid table with the same
  // columns and the same unique key. A WITHOUT ROWID table stores each row, megabyte BLOB included, as the key of an
  // index b-tree, and SQLite compares a key that overflows its page by reading the whole cell: every insert or lookup
  // of a chunk read a few other chunks in full (bench harvest-write, 100 MB of 4 MB chunks: 21.7 → 12.1 ms of commit
  // CPU per 10 MB). Only a project with no chunks yet is rebuilt: rebuilding one that holds activations would copy
  // every chunk inside the opening transaction — a multi-GB project would open for minutes with no progress and
  // need its size again in free disk — while both tables answer the same SQL, so such a project keeps its table.
  (db) => {
    if (db.prepare('SELECT 1 FROM activation_chunks LIMIT 1').get()) return;
    db.exec(`
    DROP TABLE activation_chunks;
    CREATE TABLE activation_chunks (
      harvest_id INTEGER NOT NULL REFERENCES harvests(id) ON DELETE CASCADE,
      chunk_index INTEGER NOT NULL,
      first_row INTEGER NOT NULL,
      row_count INTEGER NOT NULL,
      data BLOB NOT NULL,
      row_meta BLOB NOT NULL,
      UNIQUE (harvest_id, chunk_index)
    );
    CREATE INDEX activation_chunks_first_row ON activation_chunks(harvest_id, first_row);
    `);
  },
  // migration: h14meta (#14) — a chunk's row metadata may be stored in the regular encoding (store/row-meta.ts), which
  // a Cajal before this version would misread; the tables and the stored BLOBs do not change, so nothing runs but the
  // version, which makes such a Cajal refuse the project in one sentence instead.
  '-- h14meta: row metadata BLOBs per row or regular (store/row-meta.ts)',
];

export const SCHEMA_VERSION = migrations.length;
