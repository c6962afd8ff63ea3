"""Where the two sides of a drift analysis come from.

A side is named by a spec string:

* ``production`` - the production model's training dataset (reference only)
* ``dataset:VERSION`` - a stored dataset version (SHA-256 or a unique prefix, or a name:
  its newest version)
* ``window:START..END`` - prediction-log days START to END (UTC, inclusive, YYYY-MM-DD);
  ``window:DAY`` is that one day
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

WINDOW = re.compile(r"^window:(\d{4}-\d{2}-\d{2})(?:\.\.(\d{4}-\d{2}-\d{2}))?$")
#: what a reference can be, for messages that say what to pass instead
REFERENCE_CHOICES = (
    "--reference dataset:VERSION (see 'console data list'), window:START..END, last:N or a "
    ".csv/.parquet file"
)
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
        if model is None:
            raise BadInput(
                f"{what} production: no model is in production, so there is no training data "
                f"to compare with; pass {REFERENCE_CHOICES}"
            )
        if model.dataset is None:
            raise BadInput(
                f"{what} production: model {model.version} was registered without a training "
                f"dataset; pass {REFERENCE_CHOICES}"
            )
        return _dataset_side(ws, f"dataset:{model.dataset}", model.dataset, what)
    if text.startswith("dataset:"):
        return _dataset_side(ws, text, text.removeprefix("dataset:"), what)
    if match := WINDOW.match(text):
        first, last = match.groups()
        try:
            start, end = dt.date.fromisoformat(first), dt.date.fromisoformat(last or first)
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
            hint = (
                f"; pass {REFERENCE_CHOICES}" if reference else " (console ingest predictions FILE)"
            )
            raise BadInput(f"{what} {text}: the prediction log is empty{hint}")
        start, end = days[max(len(days) - n, 0)], days[-1]
        return _window_side(ws, text, start, end)
    if text.startswith("window:"):
        raise BadInput(
            f"{what} {text}: write a window as window:YYYY-MM-DD..YYYY-MM-DD or window:YYYY-MM-DD"
        )
    path = Path(text).expanduser()
    if path.suffix.lower() not in (".csv", ".parquet", ".pq"):
        raise BadInput(
            f"{what} {text}: not a dataset:VERSION, window:START..END, last:N or a "
            ".csv/.parquet file"
        )
    if not path.is_file():
        raise BadInput(f"{what} {path}: file not found")
    return Side(text, f"file:{sha256_file(path)}", path.name, path=path)


def check_overlap(reference: Side, current: Side) -> None:
    """Refuse a reference that shares days (or content) with the current side: the drift
    of data against itself is diluted towards none. The message says what to pass."""
    if reference.key == current.key:
        raise BadInput(
            f"--reference {reference.spec} and --current {current.spec} are the same data; "
            "compare two different sides (or pass --allow-overlap)"
        )
    r_start, r_end, c_start, c_end = reference.start, reference.end, current.start, current.end
    if r_start is None or r_end is None or c_start is None or c_end is None:
        return
    first, last = max(r_start, c_start), min(r_end, c_end)
    if first > last:
        return
    shared = "day " + str(first) if first == last else f"days {first} to {last}"
    hint = ""
    if r_start < c_start:
        hint = f" e.g. --reference window:{r_start}..{c_start - dt.timedelta(days=1)},"
    raise BadInput(
        f"--reference {reference.spec} ({reference.label}) and --current {current.spec} "
        f"({current.label}) overlap on {shared}: the reference would contain the data it is "
        f"compared with; pass windows that do not overlap,{hint} or --allow-overlap"
    )


def _window_side(ws: Workspace, text: str, start: dt.date, end: dt.date) -> Side:
    """A window's key names the parts in it: a late file for an old day is new content."""
    row = ws.conn.execute(
        "SELECT COUNT(*) AS n, COALESCE(MAX(id), 0) AS last FROM parts"
        " WHERE kind = 'predictions' AND day >= ? AND day <= ?",
        (start.isoformat(), end.isoformat()),
    ).fetchone()
    key = f"window:{start}..{end}:parts={row['n']}:{row['last']}"
    label = f"day {start}" if start == end else f"days {start} to {end}"
    return Side(text, key, label, start=start, end=end)


def _dataset_side(ws: Workspace, spec: str, ref: str, what: str) -> Side:
    versions = datasets.list_versions(ws)
    exact = [v for v in versions if v.sha256 == ref]
    matches = exact or [v for v in versions if v.sha256.startswith(ref) and len(ref) >= 6]
    if not matches:
        matches = [v for v in versions if v.name == ref][:1]  # newest of that name
    if len(matches) != 1:
        problem = "is not a stored dataset version" if not matches else "is ambiguous"
        raise BadInput(f"{what} {spec}: {ref!r} {problem} (see 'console data list')")
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
