"""Drift analysis: data drift per feature and jointly, concept drift, segments.

Qt-free. Entry points: :func:`console.core.drift.report.run_drift` (data drift job),
:func:`console.core.drift.concept_run.run_concept` (concept drift job),
:func:`console.core.drift.segments.segment_performance`, and the summaries other
parts read (:mod:`console.core.drift.summary`).
"""
