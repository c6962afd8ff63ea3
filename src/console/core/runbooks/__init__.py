"""Runbooks: the operations guide's procedures as checklists whose steps run checks.

Runbooks are Markdown (see :mod:`console.core.runbooks.format`); the defaults ship in
``resources/runbooks``, the workspace keeps versioned copies an admin edits, and every
run is recorded step by step (who, when, result) and can be resumed.
"""
