"""The scoring option not taken, measured: skl2onnx + onnxruntime beside the service's two
scoring paths (scikit-learn, and the compiled numpy path it uses when the golden set
reproduces), one record at a time.

The demo's production pipeline is converted with skl2onnx (numbers as doubles, else as
floats; text categories as strings). Then, for 5 interleaved rounds of 200 distinct records, each
record is scored by scikit-learn (from a one-row DataFrame), the compiled path and
onnxruntime (both from the numpy columns the service prepares; one thread each, as the
service scores). The script prints the p50 of each, the ratios, and
onnxruntime's largest difference from scikit-learn's scores on the golden set (the
service demands 1e-6 of the compiled path). skl2onnx and onnxruntime are installed for
this script only (``sh benchmarks/onnx_env.sh``); if the pipeline does not convert,
the script says why.

    sh benchmarks/onnx_env.sh && python benchmarks/onnx_option.py [--workspace DIR]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from _machine import Comparison, print_load, print_machine

DEMO = Path("/tmp/console-startup-bench")  # the demo startup.py builds (or built here)
PACKAGES = Path(os.environ.get("ONNX_BENCH_DIR", "/tmp/onnx-bench"))
ROUNDS, PER_ROUND = 5, 200


def _ints_not_bools() -> None:
    """skl2onnx 1.20 passes numpy booleans where onnx wants integers (the trees' missing
    value flags): "Expected an int, got a boolean". Given as integers, it converts."""
    import numpy as np
    import onnx.helper

    make = onnx.helper.make_attribute

    def make_attribute(key: str, value: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(value, list | tuple) and any(isinstance(v, bool | np.bool_) for v in value):
            value = [int(v) for v in value]
        return make(key, value, *args, **kwargs)

    onnx.helper.make_attribute = make_attribute


def onnx_session(pipeline: Any, features: dict[str, str]) -> tuple[Any, str, str]:
    """The pipeline as an onnxruntime session (one thread) and the number type its
    inputs take ("float64", else "float32"), or None and why it does not convert."""
    import onnxruntime as ort
    from skl2onnx import to_onnx
    from skl2onnx.common.data_types import DoubleTensorType, FloatTensorType, StringTensorType

    _ints_not_bools()
    options = ort.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = 1
    reasons = []
    for number, dtype in ((DoubleTensorType, "float64"), (FloatTensorType, "float32")):
        inputs = [
            (name, StringTensorType([None, 1]) if kind == "category" else number([None, 1]))
            for name, kind in features.items()
        ]
        try:
            proto = to_onnx(
                pipeline,
                initial_types=inputs,
                target_opset={"": 17, "ai.onnx.ml": 3},
                options={"zipmap": False},
            )
            session = ort.InferenceSession(proto.SerializeToString(), options)
        except Exception as exc:  # any converter or runtime failure is the finding
            reasons.append(f"{dtype}: {type(exc).__name__}: {str(exc).splitlines()[0][:200]}")
            continue
        return session, dtype, "; ".join(reasons)
    return None, "", "; ".join(reasons)


def onnx_inputs(frame: Any, features: dict[str, str], dtype: str) -> dict[str, Any]:
    out = {}
    for name, kind in features.items():
        column = frame[name]
        if kind == "category":
            text = column.astype(object).where(column.notna(), "").astype(str)
            out[name] = text.to_numpy()[:, None]
        else:
            out[name] = column.astype(dtype).to_numpy()[:, None]
    return out


def feed(columns: dict[str, Any], features: dict[str, str], dtype: str) -> dict[str, Any]:
    """onnxruntime's inputs from the columns the service prepares (as the compiled path
    takes them), without going through pandas."""
    import numpy as np

    out = {}
    for name, kind in features.items():
        values = columns[name]
        if kind == "category":
            text = ["" if v is None else str(v) for v in values]
            out[name] = np.asarray(text, dtype=object).reshape(-1, 1)
        else:
            out[name] = np.asarray(values, dtype=dtype).reshape(-1, 1)
    return out


def load(root: Path) -> tuple[Any, Any, Any, list[dict[str, Any]]]:
    """The production model, its golden set, the schema and records to score."""
    from console.core.base.workspace import Workspace
    from console.core.models import registry
    from console.core.serving.model_holder import load_production
    from serving import distinct_records

    if not (root / "console.toml").exists():
        subprocess.run(
            [sys.executable, "-m", "console", "-w", str(root), "init", "--demo"], check=True
        )
    with Workspace.open(root, check_head=False) as ws:
        model = load_production(ws)
        version = registry.production(ws)
        assert version is not None
        golden = registry.golden_frame(ws.root, version)
        schema = ws.config.data_schema
    return model, golden, schema, distinct_records(ROUNDS * PER_ROUND, seed=11)


def time_paths(
    model: Any, session: Any, dtype: str, schema: Any, records: list[dict[str, Any]]
) -> None:
    import pandas as pd
    import threadpoolctl

    from console.core.serving.cache import PredictionCache
    from console.core.serving.scoring import prepare

    features = dict(model.features)
    calls = {
        "sklearn": lambda one, _columns: model.pipeline.predict_proba(one),
        "onnx": lambda _one, columns: session.run(None, feed(columns, features, dtype)),
    }
    if model.compiled is not None:
        calls["compiled"] = lambda _one, columns: model.compiled.predict_proba1(columns)
    vs_sklearn = Comparison("onnxruntime vs scikit-learn, one record, p50", "ms")
    vs_compiled = Comparison("onnxruntime vs the compiled numpy path, one record, p50", "ms")
    with threadpoolctl.threadpool_limits(limits=1, user_api="openmp"):
        for n in range(ROUNDS):
            times: dict[str, list[float]] = {path: [] for path in calls}
            order = list(calls) if n % 2 == 0 else list(reversed(calls))
            for rec in records[n * PER_ROUND : (n + 1) * PER_ROUND]:
                columns = prepare(model, [rec], schema, PredictionCache(0)).frame_columns()
                one = pd.DataFrame(columns)
                for path in order:
                    start = time.perf_counter()
                    calls[path](one, columns)
                    times[path].append(time.perf_counter() - start)
            p50 = {path: statistics.median(t) * 1e3 for path, t in times.items()}
            vs_sklearn.add(p50["onnx"], p50["sklearn"])
            if "compiled" in p50:
                vs_compiled.add(p50["onnx"], p50["compiled"])
    vs_sklearn.print(baseline_name="scikit-learn predict_proba")
    if vs_compiled.console:
        vs_compiled.print(baseline_name="compiled numpy path")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspace", type=Path, default=DEMO)
    parser.add_argument("--packages", type=Path, default=PACKAGES)
    args = parser.parse_args()
    sys.path.append(str(args.packages))  # after the console's own packages
    try:
        import onnxruntime
        import skl2onnx
    except ImportError as exc:
        raise SystemExit(f"{exc}: run sh benchmarks/onnx_env.sh first") from None
    import numpy as np

    print_machine("one record at a time, one thread each; the paths interleaved")
    model, golden, schema, records = load(args.workspace)
    features = dict(model.features)
    print(
        f"skl2onnx {skl2onnx.__version__}, onnxruntime {onnxruntime.__version__}; model "
        f"{model.version}: {type(model.pipeline[-1]).__name__}, {len(features)} features"
    )
    session, dtype, why = onnx_session(model.pipeline, features)
    if why:
        print(f"did not convert or run: {why}")
    if session is None:
        print_load()
        return
    frame = golden[list(features)]
    reference = model.pipeline.predict_proba(frame)[:, 1]
    scores = session.run(None, onnx_inputs(frame, features, dtype))[1][:, 1]
    worst = float(np.max(np.abs(scores - reference)))
    print(
        f"converted with {dtype} numbers; onnxruntime's largest difference from "
        f"scikit-learn on the golden set ({len(frame)} rows): {worst:.2e} "
        f"({'within' if worst <= 1e-6 else 'NOT within'} the 1e-6 the service demands); "
        f"the compiled path: {model.compiled_note or 'none'}"
    )
    time_paths(model, session, dtype, schema, records)
    print_load()


if __name__ == "__main__":
    main()
