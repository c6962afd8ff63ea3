-- 17: rows per model version in each predictions part, recorded at ingest (JSON, e.g.
-- {"1.0.0": 3912, "1.1.0": 88}; {} when the rows do not say). Which version scored a
-- day's evidence is then one indexed query, not a read of every part file of the day.
-- NULL: a part ingested before this column existed (read from the file when asked).
ALTER TABLE parts ADD COLUMN versions TEXT;
