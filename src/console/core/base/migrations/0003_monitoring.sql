-- 3: daily checks: stored check reports and system health samples (with down-sampling).
CREATE TABLE check_reports (
    id          INTEGER PRIMARY KEY,
    created_at  TEXT NOT NULL,
    user        TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('ok','warning','critical')),
    checks      TEXT NOT NULL,
    series      TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE system_samples (
    ts          REAL NOT NULL,
    resolution  INTEGER NOT NULL CHECK (resolution >= 0),
    cpu         REAL,
    memory      REAL,
    disk        REAL,
    service_cpu REAL,
    service_mb  REAL,
    p50_ms      REAL,
    p95_ms      REAL,
    p99_ms      REAL,
    request_rate REAL,
    error_rate  REAL,
    cache_hit_rate REAL,
    PRIMARY KEY (resolution, ts)
);
