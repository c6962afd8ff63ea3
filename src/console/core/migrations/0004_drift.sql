-- 4: drift analyses and their results.
-- Placeholder until that work lands: keeps migration numbers stable while it is built.
SELECT 1;
