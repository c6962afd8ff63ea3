-- 12: backups: one row per snapshot made (or attempt that failed) and its last verify.
-- The backup_age check reads the newest snapshot whose last verify passed; backup_failed
-- the newest failure.
CREATE TABLE backups (
    id              INTEGER PRIMARY KEY,
    repository      TEXT NOT NULL,                 -- the repository's id (config.json)
    location        TEXT NOT NULL,                 -- where it was reached
    snapshot        TEXT,                          -- NULL: an attempt that failed
    created_at      TEXT NOT NULL,
    created_by      TEXT NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('ok', 'failed', 'forgotten')),
    message         TEXT NOT NULL DEFAULT '',
    files           INTEGER NOT NULL DEFAULT 0,
    size_bytes      INTEGER NOT NULL DEFAULT 0,
    added_bytes     INTEGER NOT NULL DEFAULT 0,
    contents        TEXT NOT NULL DEFAULT '{}',    -- JSON: files and bytes per category
    schema_version  INTEGER,
    verified_at     TEXT,
    verify_result   TEXT CHECK (verify_result IN ('ok', 'failed')),
    verify_mode     TEXT CHECK (verify_mode IN ('full', 'quick')),
    verify_message  TEXT NOT NULL DEFAULT '',
    UNIQUE (repository, snapshot)
);
CREATE INDEX backups_created ON backups (created_at);
