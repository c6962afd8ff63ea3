-- 4: drift analyses: data drift (univariate + multivariate, per window) and concept drift runs
CREATE TABLE drift_runs (
    id              INTEGER PRIMARY KEY,
    kind            TEXT NOT NULL CHECK (kind IN ('data','concept')),
    created_at      TEXT NOT NULL,
    user            TEXT NOT NULL,
    reference       TEXT NOT NULL DEFAULT '',
    current         TEXT NOT NULL DEFAULT '',
    n_reference     INTEGER NOT NULL DEFAULT 0,
    n_current       INTEGER NOT NULL DEFAULT 0,
    dataset_drift   INTEGER CHECK (dataset_drift IN (0, 1)),
    share_drifted   REAL,
    drifted_columns TEXT NOT NULL DEFAULT '[]',
    result          TEXT NOT NULL
);
CREATE INDEX drift_runs_kind ON drift_runs (kind, id);
