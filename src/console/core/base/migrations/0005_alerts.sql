-- 5: alerts: one row per rule with its lifecycle state, every event, silences, notifications.
CREATE TABLE alerts (
    rule TEXT PRIMARY KEY,
    metric TEXT NOT NULL,
    severity TEXT NOT NULL CHECK (severity IN ('critical', 'warning')),
    state TEXT NOT NULL CHECK (state IN ('inactive', 'pending', 'firing', 'resolved', 'no_data')),
    episode INTEGER NOT NULL DEFAULT 0,
    since TEXT NOT NULL,
    pending_since TEXT,
    fired_at TEXT,
    resolved_at TEXT,
    evaluated_at TEXT,
    report_at TEXT,
    value REAL,
    threshold REAL,
    n INTEGER,
    window TEXT NOT NULL DEFAULT '',
    explanation TEXT NOT NULL DEFAULT '',
    acked_by TEXT,
    acked_at TEXT,
    ack_note TEXT,
    escalation_level INTEGER NOT NULL DEFAULT -1,
    reminders INTEGER NOT NULL DEFAULT 0,
    last_notified_at TEXT,
    flapping INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE alert_events (
    id INTEGER PRIMARY KEY,
    rule TEXT NOT NULL,
    episode INTEGER NOT NULL,
    at TEXT NOT NULL,
    kind TEXT NOT NULL,
    from_state TEXT NOT NULL,
    to_state TEXT NOT NULL,
    severity TEXT NOT NULL,
    metric TEXT NOT NULL,
    value REAL,
    user TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX alert_events_rule ON alert_events (rule, id);
CREATE INDEX alert_events_at ON alert_events (at);

CREATE TABLE alert_samples (
    rule TEXT NOT NULL,
    at TEXT NOT NULL,
    value REAL,
    status TEXT NOT NULL,
    PRIMARY KEY (rule, at)
);

CREATE TABLE alert_silences (
    id INTEGER PRIMARY KEY,
    matcher TEXT NOT NULL,
    starts_at TEXT NOT NULL,
    until TEXT NOT NULL,
    reason TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    ended_at TEXT,
    ended_by TEXT
);

CREATE TABLE alert_notifications (
    id INTEGER PRIMARY KEY,
    dedup_key TEXT NOT NULL UNIQUE,
    rule TEXT NOT NULL,
    episode INTEGER NOT NULL,
    kind TEXT NOT NULL,
    level INTEGER NOT NULL,
    channel TEXT NOT NULL,
    target TEXT NOT NULL DEFAULT '',
    severity TEXT NOT NULL,
    message TEXT NOT NULL,
    created_at TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('queued', 'sent', 'delivered', 'failed', 'expired')),
    error TEXT NOT NULL DEFAULT '',
    sent_at TEXT
);
CREATE INDEX alert_notifications_status ON alert_notifications (status, channel);
