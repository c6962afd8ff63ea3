"""Register a model file: skops only, unless an admin explicitly imports a pickle.

A skops file is read without running code: its types are listed first and refused
unless they come from scikit-learn, numpy or scipy. A pickle or joblib file can run any
code when it is loaded, so the console never unpickles one on its own: only
:func:`register_file` with ``trust_pickle=True``, by an admin (``model.import_pickle``,
checked before the file is opened), converts it to skops, and the model card and the
audit entry say so.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from console.core.base.errors import BadInput
from console.core.base.files import sha256_bytes
from console.core.models import registry

if TYPE_CHECKING:
    import pandas as pd

    from console.core.base.workspace import Workspace
    from console.core.models.registry import ModelVersion

ZIP_MAGIC = b"PK\x03\x04"
PICKLE_SUFFIXES = (".pkl", ".pickle", ".joblib", ".jbl", ".sav")
GOLDEN_ROWS = 1_000


def looks_like_pickle(path: Path, head: bytes) -> bool:
    """Pickle protocol 2+ opcode, a compressed joblib stream, or a pickle file name."""
    return head[:1] == b"\x80" or path.suffix.lower() in PICKLE_SUFFIXES or head[:2] == b"\x78\x9c"


def resolve_version(ws: Workspace, version: str | None, bump: str | None) -> str:
    if version and bump:
        raise BadInput("give either --version or --bump, not both")
    if version:
        registry.parse_version(version)
        return version
    if bump:
        return registry.next_version(ws, bump)
    raise BadInput("give --version X.Y.Z or --bump major|minor|patch")


def register_file(
    ws: Workspace,
    user: str,
    path: Path,
    *,
    notes: str,
    threshold: float,
    version: str | None = None,
    bump: str | None = None,
    metrics: dict[str, float] | None = None,
    dataset: str | None = None,
    golden: Path | None = None,
    golden_frame: pd.DataFrame | None = None,
    trust_pickle: bool = False,
) -> ModelVersion:
    """Register the model in ``path`` as a candidate (role: admin).

    The golden set comes from ``golden`` (a CSV/Parquet file), ``golden_frame`` (rows
    already read, e.g. :func:`log_sample`) or the ``dataset``.
    """
    target = resolve_version(ws, version, bump)
    if not notes.strip():
        raise BadInput("--notes is required: say what changed and why")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise BadInput(f"{path}: cannot read: {exc.strerror or exc}") from None
    card: dict[str, Any] = {"source_file": path.name, "source_sha256": sha256_bytes(data)}
    if data[:4] == ZIP_MAGIC:
        pipeline = _load_skops(path, data)
        card["source_format"] = "skops"
        action = "model.register"
    elif looks_like_pickle(path, data[:2]):
        if not trust_pickle:
            raise BadInput(
                f"{path}: is a pickle/joblib file, which can run any code when loaded; the "
                "console does not unpickle it. An admin who trusts its origin can import it "
                "with --i-trust-this-pickle"
            )
        ws.authorize(user, "model.import_pickle", f"model:{target}")
        pipeline = _unpickle(path)
        card["source_format"] = "pickle (unpickled and converted to skops on admin request)"
        card["imported_by"] = user
        action = "model.import_pickle"
    else:
        raise BadInput(f"{path}: not a skops model file (expected a .skops zip archive)")
    features = _features(ws, pipeline, path)
    frame = golden_frame if golden_frame is not None else _golden_frame(ws, golden, dataset)
    return registry.register_pipeline(
        ws,
        user,
        pipeline,
        version=target,
        threshold=threshold,
        features=features,
        metrics=metrics or {},
        notes=notes.strip(),
        dataset=dataset,
        golden=frame,
        card=card,
        action=action,
    )


def _load_skops(path: Path, data: bytes) -> Any:
    import skops.io as sio

    try:
        with registry.SKOPS_LOCK:
            types = sorted(sio.get_untrusted_types(data=data))
    except Exception as exc:  # a damaged archive fails in zipfile/json/skops alike
        raise BadInput(f"{path}: not a readable skops file: {exc}") from None
    registry.refuse_untrusted(types, str(path))
    try:
        with registry.SKOPS_LOCK:
            return sio.loads(data, trusted=types)
    except Exception as exc:
        raise BadInput(f"{path}: skops could not load the model: {exc}") from None


def _unpickle(path: Path) -> Any:
    joblib = importlib.import_module("joblib")  # a scikit-learn dependency without types
    try:
        return joblib.load(path)
    except Exception as exc:
        raise BadInput(f"{path}: could not unpickle: {type(exc).__name__}: {exc}") from None


def _features(ws: Workspace, pipeline: Any, path: Path) -> dict[str, str]:
    """The model's input schema: the workspace features it was fitted on."""
    if not hasattr(pipeline, "predict_proba"):
        raise BadInput(f"{path}: the model has no predict_proba; a probability model is needed")
    schema: dict[str, str] = dict(ws.config.data_schema.features)
    fitted = getattr(pipeline, "feature_names_in_", None)
    if fitted is None:
        return schema
    unknown = [str(n) for n in fitted if str(n) not in schema]
    if unknown:
        raise BadInput(
            f"{path}: the model expects column(s) {', '.join(unknown[:5])} that are not in the "
            "workspace schema ([schema.features] in console.toml)"
        )
    return {str(n): schema[str(n)] for n in fitted}


def log_sample(ws: Workspace, rows: int = GOLDEN_ROWS, *, days: int = 7) -> pd.DataFrame:
    """Up to ``rows`` feature rows drawn (seeded) from the last ``days`` days of the
    prediction log: a golden set when no file is at hand."""
    import datetime as dt

    from console.core.data import store

    found = ws.conn.execute(
        "SELECT MAX(day) AS last FROM parts WHERE kind = 'predictions'"
    ).fetchone()
    if found is None or found["last"] is None:
        raise BadInput("the prediction log is empty: give a golden set file instead")
    last = dt.date.fromisoformat(found["last"])
    columns = list(ws.config.data_schema.features)
    frame = store.read(ws, "predictions", columns, start=last - dt.timedelta(days=days - 1))
    table: pd.DataFrame = frame.to_pandas()
    drawn: pd.DataFrame = table.sample(n=min(rows, len(table)), random_state=0)
    return drawn.reset_index(drop=True)


def _golden_frame(ws: Workspace, golden: Path | None, dataset: str | None) -> pd.DataFrame:
    import pandas as pd

    from console.core.data import datasets

    if golden is not None:
        try:
            if golden.suffix.lower() == ".parquet":
                return pd.read_parquet(golden)
            return pd.read_csv(golden)
        except (OSError, ValueError) as exc:
            raise BadInput(f"{golden}: cannot read the golden set: {exc}") from None
    if dataset is not None:
        frame = datasets.load(ws, dataset) if datasets.get(ws, dataset) else None
        if frame is None:
            raise BadInput(f"dataset {dataset} is not registered")
        return frame.sample(n=min(GOLDEN_ROWS, len(frame)), random_state=0)
    raise BadInput("a golden set is needed: give --golden FILE or --dataset SHA256")
