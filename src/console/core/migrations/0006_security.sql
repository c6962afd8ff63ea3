-- 6: console accounts, audit checkpoints and credentials metadata.
-- Placeholder until that work lands: keeps migration numbers stable while it is built.
SELECT 1;
