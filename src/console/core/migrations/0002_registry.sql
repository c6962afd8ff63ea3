-- 2: the model registry, deployment history and the scoring service's prediction log.
-- Placeholder until that work lands: keeps migration numbers stable while it is built.
SELECT 1;
