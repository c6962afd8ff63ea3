-- 14: maintenance: job runs with trigger, holder, live progress, cancel request and report;
-- the state of each schedule (the due time it last ran for)
ALTER TABLE jobs ADD COLUMN trigger TEXT NOT NULL DEFAULT 'manual';
ALTER TABLE jobs ADD COLUMN pid INTEGER;
ALTER TABLE jobs ADD COLUMN host TEXT NOT NULL DEFAULT '';
ALTER TABLE jobs ADD COLUMN progress REAL NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN progress_message TEXT NOT NULL DEFAULT '';
ALTER TABLE jobs ADD COLUMN cancel_requested INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN report TEXT;
ALTER TABLE jobs ADD COLUMN report_html TEXT;
CREATE INDEX jobs_kind ON jobs (kind, id);
CREATE TABLE schedule_state (
    name        TEXT PRIMARY KEY,
    expr        TEXT NOT NULL,
    since       TEXT NOT NULL,
    last_due    TEXT,
    last_run    INTEGER
);
