"""Models: the registry of versions and cards, checked deploy and rollback with their
deploy checks, safe model import, and training (the demo model's recipe)."""
