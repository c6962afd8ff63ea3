-- 7: the scoring service: one row per run of `console serve` (where it listens, its process)
CREATE TABLE service_runs (
    id          INTEGER PRIMARY KEY,
    pid         INTEGER NOT NULL,
    proc_start  REAL NOT NULL,
    host        TEXT NOT NULL,
    port        INTEGER NOT NULL CHECK (port BETWEEN 1 AND 65535),
    url         TEXT NOT NULL,
    tls         INTEGER NOT NULL CHECK (tls IN (0, 1)),
    user        TEXT NOT NULL,
    started_at  TEXT NOT NULL,
    stopped_at  TEXT,
    model_version TEXT,
    requests    INTEGER NOT NULL DEFAULT 0,
    errors      INTEGER NOT NULL DEFAULT 0,
    logged_rows INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX service_runs_open ON service_runs (stopped_at);
