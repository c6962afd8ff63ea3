"""Bring your own model, from an empty folder, the way the README walks through it: a
schema that is not the demo's (made up here: other column names, numbers, integers,
categories, two segments), your own scikit-learn model saved with skops, two months of
predictions and labels from earlier in the year, the first check and the first drift."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from console.cli import main

SCHEMA = """\
[schema]
id = "order_id"
timestamp = "created"
score = "p_fraud"
decision = "blocked"
label = "chargeback"
segments = ["region", "channel_code"]

[schema.features]
basket_eur = "number"
items = "integer"
region = "category"
channel_code = "integer"
"""
FEATURES = ["basket_eur", "items", "region", "channel_code"]
REGIONS = ["north", "south", "east", "west"]


def orders(rng: np.random.Generator, n: int, *, south: float = 0.25) -> pd.DataFrame:
    """Orders; fraud likelier for big baskets, many items and channel 3."""
    others = (1 - south) / 3
    frame = pd.DataFrame(
        {
            "basket_eur": rng.lognormal(3.5, 0.8, n).round(2),
            "items": rng.poisson(3, n) + 1,
            "region": rng.choice(REGIONS, n, p=[others, south, others, others]),
            "channel_code": rng.choice([1, 2, 3], n, p=[0.6, 0.3, 0.1]),
        }
    )
    logit = (
        -5 + 0.02 * frame["basket_eur"] + 0.2 * frame["items"] + 1.5 * (frame["channel_code"] == 3)
    )
    frame["chargeback"] = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return frame


def fit_model(train: pd.DataFrame) -> Any:
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    prep = ColumnTransformer(
        [
            ("num", StandardScaler(), ["basket_eur", "items"]),
            ("cat", OneHotEncoder(handle_unknown="ignore"), ["region", "channel_code"]),
        ]
    )
    model = Pipeline([("prep", prep), ("clf", LogisticRegression(max_iter=500))])
    return model.fit(train[FEATURES], train["chargeback"])


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, Any]:
    code = main(list(argv))
    out = capsys.readouterr().out
    try:
        return code, json.loads(out)
    except json.JSONDecodeError:
        return code, out


def test_from_an_empty_folder_to_the_first_check_and_drift(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import skops.io as sio

    rng = np.random.default_rng(42)
    folder = tmp_path / "shop-model"
    folder.mkdir()
    (folder / "my.toml").write_text(SCHEMA)
    train = orders(rng, 20_000)
    train.to_parquet(folder / "train.parquet", index=False)
    model = fit_model(train)
    sio.dump(model, folder / "model.skops")
    train[FEATURES].head(200).to_csv(folder / "golden.csv", index=False)

    # predictions for January and February; in the last week 'south' grows by 8 points
    days = pd.date_range("2026-01-01", "2026-02-28", freq="D", tz="UTC")
    parts = []
    for i, day in enumerate(days):
        part = orders(rng, 600, south=0.33 if i >= len(days) - 7 else 0.25)
        part["created"] = day + pd.to_timedelta(np.sort(rng.random(len(part))) * 86_000, "s")
        parts.append(part)
    log = pd.concat(parts, ignore_index=True)
    log.insert(0, "order_id", [f"o{i:06d}" for i in range(len(log))])
    log["p_fraud"] = model.predict_proba(log[FEATURES])[:, 1].round(6)
    log["blocked"] = (log["p_fraud"] >= 0.5).astype(int)
    columns = ["order_id", "created", *FEATURES, "p_fraud", "blocked"]
    log[columns].to_csv(folder / "predictions.csv", index=False)
    labels = log[["order_id", "chargeback"]].assign(
        labelled_at=log["created"] + pd.Timedelta(days=2)
    )
    labels.to_csv(folder / "labels.csv", index=False)

    ws = str(folder / "ws")
    code, out = run(capsys, "-w", ws, "init", "--config", str(folder / "my.toml"))
    assert code == 0, out
    code, dataset = run(
        capsys, "-w", ws, "data", "register", "training", str(folder / "train.parquet"), "--json"
    )
    assert code == 0, dataset
    code, out = run(
        capsys, "-w", ws, "models", "register", str(folder / "model.skops"), "--version", "1.0.0",
        "--threshold", "0.5", "--notes", "first model of the shop", "--golden",
        str(folder / "golden.csv"), "--dataset", dataset["sha256"],
    )  # fmt: skip
    assert code == 0, out
    code, out = run(capsys, "-w", ws, "models", "promote", "1.0.0", "--reason", "first model")
    assert code == 0, out
    for kind, name in (("predictions", "predictions.csv"), ("labels", "labels.csv")):
        code, out = run(capsys, "-w", ws, "ingest", kind, str(folder / name))
        assert code == 0, out

    code, report = run(capsys, "-w", ws, "check", "--json")
    assert code in (0, 1)
    checks = {c["name"]: c for c in report["checks"]}
    assert not [c for c in report["checks"] if "no predictions are stored yet" in c["explanation"]]
    assert checks["f1"]["status"] != "no_data", checks["f1"]
    assert checks["f1"]["window"] == "2026-02-28"
    assert isinstance(checks["f1"]["n"], int)
    assert checks["data_recency"]["status"] == "warning"
    assert checks["data_drift"]["status"] in ("ok", "warning")
    assert "2026-02-28" in checks["data_drift"]["window"]

    code, drift = run(capsys, "-w", ws, "drift", "--current", "last:7", "--json")
    columns = {c["name"]: c for c in drift["columns"]}
    assert set(columns) == set(FEATURES)
    assert columns["region"]["drifted"] is True
    assert columns["region"]["moved_category"] == "south"
    assert columns["basket_eur"]["drifted"] is False
    assert isinstance(drift["n_current"], int)
    assert drift["current"] == "days 2026-02-22 to 2026-02-28"
    code, text = run(capsys, "-w", ws, "drift", "--current", "last:7", "--no-store")
    assert "p raw" in text
    assert "region" in text

    code, seg = run(capsys, "-w", ws, "metrics", "--segments", "--json")
    assert code == 0
    assert [r["window"] for r in seg["segments"]["region"]] == sorted(REGIONS)
    assert [r["window"] for r in seg["segments"]["channel_code"]] == ["1", "2", "3"]
    assert all(isinstance(r["n"], int) for r in seg["segments"]["region"])
    code, met = run(capsys, "-w", ws, "metrics", "--json", "--start", "2026-02-01")
    assert met["windows"][0]["label_delay_h"] == pytest.approx(48.0)

    code, concept = run(capsys, "-w", ws, "drift", "concept", "--json")
    assert concept["n"] == len(log)
    assert concept["settings"]["segments"]["windows"]["recent"] == ["2026-02-26", "2026-02-28"]
