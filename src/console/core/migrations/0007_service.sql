-- 7: the scoring service: its runs and state.
-- Placeholder until that work lands: keeps migration numbers stable while it is built.
SELECT 1;
