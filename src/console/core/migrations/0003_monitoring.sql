-- 3: daily checks, their reports and system health samples.
-- Placeholder until that work lands: keeps migration numbers stable while it is built.
SELECT 1;
