-- 9: the pre-verification cache: a model version that passed every deployment check, keyed
-- by what could change its result (artifact bytes, file, golden set, library versions), so
-- a later switch only re-checks what can have changed. A cache: deleting rows is safe.
CREATE TABLE verified_artifacts (
    version       TEXT PRIMARY KEY REFERENCES models(version),
    sha256        TEXT NOT NULL,
    size          INTEGER NOT NULL,
    mtime_ns      INTEGER NOT NULL,
    golden_sha256 TEXT,
    libraries     TEXT NOT NULL,
    trusted       TEXT NOT NULL,
    fitted        TEXT,
    checks        TEXT NOT NULL,
    verified_at   TEXT NOT NULL
);
