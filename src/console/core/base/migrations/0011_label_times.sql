-- 11: whether a labels batch said when each label was confirmed (labelled_at given: 1)
-- or the time of ingest stood in for it (0); NULL for batches from before this column.
-- The label delay is reported only from labels whose time is known.
ALTER TABLE batches ADD COLUMN labelled_at_given INTEGER CHECK (labelled_at_given IN (0, 1));
