-- 13: lineage and versions: derivation records, config versions, versioned documents
-- (runbooks, recovery contacts) and runbook runs recorded step by step.
CREATE TABLE derivations (
    id           INTEGER PRIMARY KEY,
    kind         TEXT NOT NULL,
    output_kind  TEXT NOT NULL CHECK (output_kind IN ('dataset','model')),
    output       TEXT NOT NULL,
    inputs       TEXT NOT NULL DEFAULT '[]',
    parameters   TEXT NOT NULL DEFAULT '{}',
    code_version TEXT NOT NULL,
    user         TEXT NOT NULL,
    created_at   TEXT NOT NULL
);
CREATE INDEX derivations_output ON derivations (output_kind, output);
CREATE TABLE derivation_inputs (
    derivation_id INTEGER NOT NULL REFERENCES derivations(id),
    kind          TEXT NOT NULL CHECK (kind IN ('file','dataset','model','log')),
    ref           TEXT NOT NULL,
    sha256        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX derivation_inputs_ref ON derivation_inputs (kind, ref);
CREATE TABLE config_versions (
    version    INTEGER PRIMARY KEY,
    sha256     TEXT NOT NULL,
    text       TEXT NOT NULL,
    user       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    reason     TEXT NOT NULL DEFAULT '',
    source     TEXT NOT NULL CHECK (source IN ('initial','console','outside','revert'))
);
CREATE TABLE documents (
    name       TEXT NOT NULL,
    version    INTEGER NOT NULL,
    kind       TEXT NOT NULL,
    sha256     TEXT NOT NULL,
    text       TEXT NOT NULL,
    user       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    reason     TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (name, version)
);
CREATE TABLE runbook_runs (
    id          INTEGER PRIMARY KEY,
    runbook     TEXT NOT NULL,
    doc_version INTEGER NOT NULL,
    user        TEXT NOT NULL,
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    state       TEXT NOT NULL CHECK (state IN ('open','done','abandoned')),
    context     TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE runbook_steps (
    id       INTEGER PRIMARY KEY,
    run_id   INTEGER NOT NULL REFERENCES runbook_runs(id),
    step     INTEGER NOT NULL,
    status   TEXT NOT NULL CHECK (status IN ('ok','problem','done','skipped','opened','failed')),
    result   TEXT NOT NULL DEFAULT '',
    user     TEXT NOT NULL,
    ts       TEXT NOT NULL
);
CREATE INDEX runbook_steps_run ON runbook_steps (run_id, step);
