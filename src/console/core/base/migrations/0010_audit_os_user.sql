-- 10: every audit entry records the operating-system user beside the console user
ALTER TABLE audit ADD COLUMN os_user TEXT NOT NULL DEFAULT '';
