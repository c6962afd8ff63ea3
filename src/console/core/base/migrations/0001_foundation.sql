-- 1: foundation: users, audit, ingest batches and parts, jobs, datasets, models
CREATE TABLE users (
    name        TEXT PRIMARY KEY,
    role        TEXT NOT NULL CHECK (role IN ('viewer','operator','auditor','admin')),
    created_at  TEXT NOT NULL,
    created_by  TEXT NOT NULL
);
CREATE TABLE audit (
    seq         INTEGER PRIMARY KEY,
    ts          TEXT NOT NULL,
    user        TEXT NOT NULL,
    role        TEXT NOT NULL,
    action      TEXT NOT NULL,
    target      TEXT NOT NULL,
    outcome     TEXT NOT NULL CHECK (outcome IN ('ok','denied','refused')),
    details     TEXT NOT NULL,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL UNIQUE
);
CREATE TABLE batches (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('predictions','labels')),
    source      TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    rows        INTEGER NOT NULL,
    started_at  TEXT NOT NULL,
    finished_at TEXT NOT NULL,
    outcome     TEXT NOT NULL
                CHECK (outcome IN ('ok','refused','duplicate','cancelled','failed')),
    message     TEXT NOT NULL DEFAULT '',
    problems    TEXT NOT NULL DEFAULT '[]',
    user        TEXT NOT NULL,
    ts_min      TEXT,
    ts_max      TEXT
);
CREATE INDEX batches_sha ON batches (kind, sha256, outcome);
CREATE TABLE parts (
    id          INTEGER PRIMARY KEY,
    batch_id    INTEGER NOT NULL REFERENCES batches(id),
    kind        TEXT NOT NULL CHECK (kind IN ('predictions','labels')),
    day         TEXT NOT NULL,
    path        TEXT NOT NULL UNIQUE,
    rows        INTEGER NOT NULL,
    sha256      TEXT NOT NULL
);
CREATE INDEX parts_kind_day ON parts (kind, day);
CREATE TABLE jobs (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL,
    user        TEXT NOT NULL,
    params      TEXT NOT NULL DEFAULT '{}',
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    state       TEXT NOT NULL CHECK (state IN ('running','done','failed','cancelled')),
    message     TEXT NOT NULL DEFAULT ''
);
CREATE TABLE datasets (
    sha256      TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    path        TEXT NOT NULL,
    rows        INTEGER NOT NULL,
    columns     TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    parent      TEXT REFERENCES datasets(sha256),
    transform   TEXT NOT NULL DEFAULT ''
);
CREATE TABLE models (
    version     TEXT PRIMARY KEY,
    stage       TEXT NOT NULL CHECK (stage IN ('production','candidate','archived')),
    sha256      TEXT NOT NULL,
    path        TEXT NOT NULL,
    trusted     TEXT NOT NULL,
    threshold   REAL NOT NULL,
    features    TEXT NOT NULL,
    metrics     TEXT NOT NULL,
    dataset     TEXT REFERENCES datasets(sha256),
    notes       TEXT NOT NULL,
    author      TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE UNIQUE INDEX one_production ON models (stage) WHERE stage = 'production';
