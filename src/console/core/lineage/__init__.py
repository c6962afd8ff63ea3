"""Lineage and the incident timeline: queries over what is already recorded.

The audit log, the derivation records, the registry, the dataset versions and the
deployment history answer "what was live, trained on what, made from which files",
"what changed before this alert" and "what happened when"; nothing here keeps a log of
its own.
"""
