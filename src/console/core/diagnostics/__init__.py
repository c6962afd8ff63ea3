"""Diagnostics: what the console needs on this machine and whether it has it."""
