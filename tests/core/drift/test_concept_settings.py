"""[drift.concept]: detectors, their parameters and the segment windows come from
console.toml, and the JSON and text output state them; DDM warnings are shown."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from console.cli import main
from console.core.base.workspace import Workspace
from console.core.data import ingest
from console.core.drift import concept_run

CONFIG = """
[schema]
id = "case_id"
timestamp = "scored_at"
score = "risk"
decision = "blocked"
label = "was_fraud"
features = { basket = "number", shop = "category" }
segments = ["shop"]

[drift.concept]
detectors = ["ddm"]

[drift.concept.ddm]
min_instances = 200
min_errors = 30
warning_level = 1.5
drift_level = 4.0

[drift.concept.segments]
recent_days = 2
baseline_days = 3
f1_change = 0.2
"""


def _stream(tmp: Path) -> tuple[Path, Path]:
    """10 days x 1500 outcomes; from day 8 on, shop b's decisions are wrong 20 % of the time."""
    rng = np.random.default_rng(3)
    frames = []
    for day in range(10):
        n = 1500
        shop = rng.choice(["a", "b"], n)
        label = (rng.random(n) < 0.08).astype(int)
        wrong = np.where((shop == "b") & (day >= 8), 0.2, 0.01)
        blocked = np.where(rng.random(n) < wrong, 1 - label, label)
        frames.append(
            pd.DataFrame(
                {
                    "case_id": [f"d{day}-{i}" for i in range(n)],
                    "scored_at": pd.Timestamp("2026-10-01", tz="UTC")
                    + pd.Timedelta(days=day)
                    + pd.to_timedelta(np.sort(rng.random(n)) * 86_000, unit="s"),
                    "basket": rng.lognormal(3, 1, n),
                    "shop": shop,
                    "risk": rng.random(n),
                    "blocked": blocked,
                    "was_fraud": label,
                }
            )
        )
    frame = pd.concat(frames, ignore_index=True)
    pred, labels = tmp / "pred.parquet", tmp / "labels.parquet"
    frame.drop(columns=["was_fraud"]).to_parquet(pred, index=False)
    frame[["case_id", "was_fraud"]].to_parquet(labels, index=False)
    return pred, labels


@pytest.fixture
def concept_ws(tmp_path: Path) -> Workspace:
    ws = Workspace.create(tmp_path / "ws", "alice", config_text=CONFIG)
    pred, labels = _stream(tmp_path)
    ingest.ingest_file(ws, "alice", "predictions", pred)
    ingest.ingest_file(ws, "alice", "labels", labels)
    return ws


def test_the_configured_detectors_and_windows_are_used_and_stated(concept_ws: Workspace) -> None:
    result = concept_run.run_concept(concept_ws, "alice", store_result=False)
    assert result.detectors == ["ddm"]
    assert {d.detector for d in result.detections} == {"ddm"}
    settings = result.settings
    assert settings["detectors"]["ddm"] == {
        "min_instances": 200, "min_errors": 30, "warning_level": 1.5, "drift_level": 4.0,
    }  # fmt: skip
    windows = settings["segments"]["windows"]
    assert windows == {
        "baseline": ["2026-10-06", "2026-10-08"],
        "recent": ["2026-10-09", "2026-10-10"],
    }
    assert settings["segments"]["f1_change"] == 0.2
    b = next(s for s in result.segments if s.value == "b")
    assert b.flagged
    assert b.baseline.n < 3 * 1500  # three baseline days, not all seven before
    assert result.warnings  # warning level 1.5: DDM warns before it signals drift
    assert all(w.kind == "warning" for w in result.warnings)


def test_json_and_text_state_the_settings_and_ddm_warnings(
    concept_ws: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    root = str(concept_ws.root)
    code = main(["-w", root, "drift", "concept", "--json"])
    doc = json.loads(capsys.readouterr().out)
    assert code in (0, 1)
    assert doc["settings"]["detectors"]["ddm"]["warning_level"] == 1.5
    assert doc["settings"]["segments"]["recent_days"] == 2
    assert any(d["kind"] == "warning" for d in doc["detections"])
    assert isinstance(doc["n"], int)
    main(["-w", root, "drift", "concept"])
    out = capsys.readouterr().out
    assert "Detector ddm: min_instances 200, min_errors 30, warning_level 1.5, drift_level 4" in out
    assert "Segments: recent = last 2 day(s) (2026-10-09 to 2026-10-10), baseline = 3 day(s)" in out
    assert "warnings:" in out


def test_bad_concept_settings_point_at_their_line(tmp_path: Path) -> None:
    from console.core.base.config import parse_config
    from console.core.base.errors import ConfigError

    text = CONFIG.replace("drift_level = 4.0", "drift_level = 1.0")
    with pytest.raises(ConfigError) as err:
        parse_config(text, "site.toml")
    line = next(i for i, s in enumerate(text.splitlines(), 1) if s.startswith("drift_level"))
    assert str(err.value).startswith(f"site.toml:{line}: drift.concept.ddm.drift_level: ")
    bad = CONFIG.replace('detectors = ["ddm"]', 'detectors = ["adwin"]')
    with pytest.raises(ConfigError, match=r"drift\.concept\.detectors"):
        parse_config(bad)
