-- 16: records the scoring service answered but did not log, because their id was
-- already stored or already waiting to be stored: one row per flush of the prediction
-- log that met any, with how many and the first ids. The unlogged_records check reads
-- the last 24 hours.
CREATE TABLE service_unlogged (
    id          INTEGER PRIMARY KEY,
    at          TEXT NOT NULL,                 -- when the flush recorded them (UTC)
    source      TEXT NOT NULL,                 -- service:<port>
    reason      TEXT NOT NULL,                 -- 'duplicate id'
    records     INTEGER NOT NULL CHECK (records > 0),
    first_ids   TEXT NOT NULL DEFAULT '[]'     -- JSON: at most 10 record ids
);
CREATE INDEX service_unlogged_at ON service_unlogged (at);
