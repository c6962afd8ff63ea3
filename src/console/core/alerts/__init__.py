"""Alerts: rules on the daily check report, a lifecycle per alert, notifications.

``engine.evaluate`` / ``engine.open_alerts`` are the entry points (see engine.py);
``rules`` reads ``[alerts]`` of console.toml; ``state`` is the pure state machine;
``planning`` decides transitions and notifications; ``notify`` delivers them;
``silences`` mutes matching alerts for a while.
"""
