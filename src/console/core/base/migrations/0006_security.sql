-- 6: security: workspace id and settings, console accounts, signed audit checkpoints, credential metadata
CREATE TABLE security_settings (
    key         TEXT PRIMARY KEY,
    value       TEXT NOT NULL
);
INSERT INTO security_settings (key, value) VALUES ('workspace_id', lower(hex(randomblob(16))));
INSERT INTO security_settings (key, value) VALUES ('accounts_enabled', '0');
INSERT INTO security_settings (key, value) VALUES ('checkpoint_every', '20');
INSERT INTO security_settings (key, value)
    SELECT 'checkpoints_from', CAST(COALESCE(MAX(seq), 0) AS TEXT) FROM audit;
INSERT INTO security_settings (key, value) VALUES ('require_encryption', '0');
CREATE TABLE accounts (
    name        TEXT PRIMARY KEY,
    salt        TEXT NOT NULL,
    hash        TEXT NOT NULL,
    params      TEXT NOT NULL,
    changed_at  TEXT NOT NULL,
    changed_by  TEXT NOT NULL
);
CREATE TABLE audit_checkpoints (
    seq         INTEGER PRIMARY KEY,
    hash        TEXT NOT NULL,
    ts          TEXT NOT NULL,
    signature   TEXT
);
CREATE TABLE credentials (
    name        TEXT PRIMARY KEY,
    set_at      TEXT NOT NULL,
    set_by      TEXT NOT NULL
);
