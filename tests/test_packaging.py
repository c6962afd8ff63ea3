"""Installation facts: every module the console imports at run time is a declared
runtime dependency, so an offline wheelhouse built from pyproject has all it needs."""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _declared_runtime() -> set[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    names = set()
    for requirement in config["project"]["dependencies"]:
        name = re.split(r"[\s<>=!~\[;]", requirement, maxsplit=1)[0]
        names.add(re.sub(r"[-_.]+", "-", name).lower())
    return names


def _imported_top_level() -> dict[str, str]:
    """Top-level module -> a file importing it, for every import under src/console."""
    found: dict[str, str] = {}
    for path in (ROOT / "src" / "console").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                modules = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                modules = [node.module]
            else:
                continue
            for module in modules:
                found.setdefault(module.split(".")[0], str(path.relative_to(ROOT)))
    return found


def test_every_third_party_import_is_a_declared_runtime_dependency() -> None:
    declared = _declared_runtime()
    providers = importlib.metadata.packages_distributions()
    missing = []
    for module, where in sorted(_imported_top_level().items()):
        if module in sys.stdlib_module_names or module in {"console", "__future__"}:
            continue
        if module in {"msvcrt", "winreg", "_winapi"}:  # Windows-only standard modules
            continue
        dists = {re.sub(r"[-_.]+", "-", d).lower() for d in providers.get(module, [module])}
        if not dists & declared:
            missing.append(f"{module} (imported by {where}; from {', '.join(sorted(dists))})")
    assert missing == [], "imported at run time but not in [project] dependencies"
