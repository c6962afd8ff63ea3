"""Maintenance: schedules, recorded job runs, the per-job lock (Qt-free)."""
