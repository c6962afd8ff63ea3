-- 2: the model registry: model cards, golden sets and the deployment history.
ALTER TABLE models ADD COLUMN card TEXT NOT NULL DEFAULT '{}';
ALTER TABLE models ADD COLUMN golden_path TEXT;
ALTER TABLE models ADD COLUMN golden_sha256 TEXT;
ALTER TABLE models ADD COLUMN golden_rows INTEGER NOT NULL DEFAULT 0;
CREATE TABLE deployments (
    id           INTEGER PRIMARY KEY,
    kind         TEXT NOT NULL CHECK (kind IN ('promote','rollback')),
    from_version TEXT REFERENCES models(version),
    to_version   TEXT NOT NULL REFERENCES models(version),
    user         TEXT NOT NULL,
    reason       TEXT NOT NULL,
    started_at   TEXT NOT NULL,
    finished_at  TEXT NOT NULL,
    outcome      TEXT NOT NULL CHECK (outcome IN ('switched','refused','reverted')),
    checks       TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX deployments_to ON deployments (to_version, outcome);
-- A deployment record is history: it may be finished (switched -> reverted), never erased.
CREATE TRIGGER deployments_keep BEFORE DELETE ON deployments
BEGIN
    SELECT RAISE(ABORT, 'deployment history is append-only');
END;
-- A workspace that already had a production model starts its history with it.
INSERT INTO deployments (kind, from_version, to_version, user, reason, started_at, finished_at,
                         outcome)
SELECT 'promote', NULL, version, author, 'in production before the deployment history began',
       created_at, created_at, 'switched'
FROM models WHERE stage = 'production';
