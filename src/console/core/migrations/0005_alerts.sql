-- 5: alert rules' state, events, silences and notifications.
-- Placeholder until that work lands: keeps migration numbers stable while it is built.
SELECT 1;
