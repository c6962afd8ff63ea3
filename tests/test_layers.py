"""Architecture rules: the core never imports Qt; packaging lists every package."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = ("PySide6", "shiboken6", "pyqtgraph", "superqt", "qtawesome", "console.gui")


def test_import_linter_contracts_hold() -> None:
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert exe, "import-linter is a test dependency"
    done = subprocess.run([exe], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    count = len(config["tool"]["importlinter"]["contracts"])
    assert f"Contracts: {count} kept, 0 broken" in done.stdout


def test_core_source_names_no_qt_module() -> None:
    """A second, dependency-free check of the same rule, on the source text."""
    offenders = []
    for path in (ROOT / "src" / "console" / "core").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.startswith(FORBIDDEN)]
    assert offenders == []


def test_importing_core_loads_no_qt() -> None:
    code = (
        "import sys, console.core.base.workspace, console.core.data.ingest, "
        "console.core.demo.build, console.cli; print(sorted(m for m in sys.modules "
        "if m.split('.')[0] in ('PySide6', 'pyqtgraph', 'superqt', 'sklearn')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"  # and scikit-learn stays lazy for a fast start


def test_every_package_is_listed_for_installation() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    listed = set(config["tool"]["setuptools"]["packages"])
    found = {
        ".".join(p.parent.relative_to(ROOT / "src").parts)
        for p in (ROOT / "src" / "console").rglob("__init__.py")
    }
    assert found <= listed


def test_sql_lives_only_in_the_core() -> None:
    """The GUI and the CLI call core functions; they never run SQL themselves."""
    offenders = []
    for folder in ("gui", "commands"):
        for path in (ROOT / "src" / "console" / folder).rglob("*.py"):
            for number, line in enumerate(path.read_text().splitlines(), start=1):
                if ".execute(" in line or "executemany(" in line:
                    offenders.append(f"{path.relative_to(ROOT)}:{number}")
    assert offenders == []
