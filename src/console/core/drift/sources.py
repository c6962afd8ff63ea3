"""Where the two sides of a drift analysis come from.

A side is named by a spec string:

* ``production`` - the production model's training dataset (reference only)
* ``dataset:VERSION`` - a stored dataset version (SHA-256 or a unique prefix, or a name:
  its newest version)
* ``window:START..END`` - prediction-log days START to END (UTC, inclusive, YYYY-MM-DD)
* ``last:N`` - the last N days of the prediction log
* any other text - a CSV or Parquet FILE with the feature columns
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from console.core.base.errors import BadInput
from console.core.base.files import sha256_file
from console.core.data import datasets, store
from console.core.models import registry

if TYPE_CHECKING:
    import pandas as pd

    from console.core.base.workspace import Workspace

WINDOW = re.compile(r"^window:(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$")
LAST = re.compile(r"^last:(\d+)d?$")


@dataclass(frozen=True)
class Side:
    spec: str  # as the operator wrote it
    key: str  # what identifies its content (cache key)
    label: str  # for people
    dataset: str | None = None
    path: Path | None = None
    start: dt.date | None = None
    end: dt.date | None = None


def feature_kinds(ws: Workspace) -> dict[str, str]:
    return dict(ws.config.data_schema.features)


def log_days(ws: Workspace) -> list[dt.date]:
    rows = ws.conn.execute(
        "SELECT DISTINCT day FROM parts WHERE kind = 'predictions' ORDER BY day"
    ).fetchall()
    return [dt.date.fromisoformat(r["day"]) for r in rows]


def resolve(ws: Workspace, spec: str, *, reference: bool) -> Side:
    """Check a spec and say what it names; BadInput names the spec and what is wrong."""
    what = "--reference" if reference else "--current"
    text = spec.strip()
    if text == "production":
        if not reference:
            raise BadInput(f"{what} production: only a reference can be the training data")
        model = registry.production(ws)
        if model is None or model.dataset is None:
            raise BadInput(f"{what} production: no production model with a training dataset")
        return _dataset_side(ws, f"dataset:{model.dataset}", model.dataset, what)
    if text.startswith("dataset:"):
        return _dataset_side(ws, text, text.removeprefix("dataset:"), what)
    if match := WINDOW.match(text):
        try:
            start, end = (dt.date.fromisoformat(g) for g in match.groups())
        except ValueError as exc:
            raise BadInput(f"{what} {text}: {exc}") from None
        if end < start:
            raise BadInput(f"{what} {text}: the window ends before it starts")
        return _window_side(ws, text, start, end)
    if match := LAST.match(text):
        days = log_days(ws)
        n = int(match.group(1))
        if n < 1:
            raise BadInput(f"{what} {text}: N must be at least 1")
        if not days:
            raise BadInput(f"{what} {text}: the prediction log is empty")
        start, end = days[max(len(days) - n, 0)], days[-1]
        return _window_side(ws, text, start, end)
    if text.startswith("window:"):
        raise BadInput(f"{what} {text}: write a window as window:YYYY-MM-DD..YYYY-MM-DD")
    path = Path(text).expanduser()
    if path.suffix.lower() not in (".csv", ".parquet", ".pq"):
        raise BadInput(
            f"{what} {text}: not a dataset:VERSION, window:START..END, last:N or a "
            ".csv/.parquet file"
        )
    if not path.is_file():
        raise BadInput(f"{what} {path}: file not found")
    return Side(text, f"file:{sha256_file(path)}", path.name, path=path)


def _window_side(ws: Workspace, text: str, start: dt.date, end: dt.date) -> Side:
    """A window's key names the parts in it: a late file for an old day is new content."""
    row = ws.conn.execute(
        "SELECT COUNT(*) AS n, COALESCE(MAX(id), 0) AS last FROM parts"
        " WHERE kind = 'predictions' AND day >= ? AND day <= ?",
        (start.isoformat(), end.isoformat()),
    ).fetchone()
    key = f"window:{start}..{end}:parts={row['n']}:{row['last']}"
    return Side(text, key, f"days {start} to {end}", start=start, end=end)


def _dataset_side(ws: Workspace, spec: str, ref: str, what: str) -> Side:
    versions = datasets.list_versions(ws)
    exact = [v for v in versions if v.sha256 == ref]
    matches = exact or [v for v in versions if v.sha256.startswith(ref) and len(ref) >= 6]
    if not matches:
        matches = [v for v in versions if v.name == ref][:1]  # newest of that name
    if len(matches) != 1:
        problem = "is not a stored dataset version" if not matches else "is ambiguous"
        raise BadInput(f"{what} {spec}: {ref!r} {problem} (see 'console datasets')")
    version = matches[0]
    return Side(
        spec, f"dataset:{version.sha256}", f"dataset {version.name} ({version.sha256[:12]})",
        dataset=version.sha256,
    )  # fmt: skip


def load(ws: Workspace, side: Side, columns: list[str]) -> pd.DataFrame:
    """The side's rows (only ``columns`` it has, plus the timestamp for windows)."""
    if side.dataset is not None:
        frame = datasets.load(ws, side.dataset)
        return frame[[c for c in columns if c in frame.columns]]
    if side.path is not None:
        return read_file(side.path, columns)
    stamp = ws.config.data_schema.timestamp
    table = store.read(ws, "predictions", [stamp, *columns], start=side.start, end=side.end)
    window: pd.DataFrame = table.to_pandas()
    return window


def read_file(path: Path, columns: list[str]) -> pd.DataFrame:
    import pandas as pd
    import pyarrow.parquet as pq

    try:
        if path.suffix.lower() == ".csv":
            head = pd.read_csv(path, nrows=0)
            wanted = [c for c in columns if c in head.columns]
            return pd.read_csv(path, usecols=wanted, low_memory=False)
        names = pq.read_schema(path).names
        frame: pd.DataFrame = pq.read_table(
            path, columns=[c for c in columns if c in names]
        ).to_pandas()
        return frame
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise BadInput(f"{path}: cannot read: {first}") from None
