"""Changed files named by hash, dataset diffs, and the lineage/data commands."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from console import cli
from console.core.base.errors import BadInput
from console.core.base.workspace import Workspace
from console.core.data import dataset_builds, datasets, derivations, ingest
from console.core.lineage import dataset_diff, integrity
from tests.conftest import make_predictions
from tests.core.lineage import lineage_helpers


@pytest.fixture
def built(tmp_path: Path) -> Iterator[tuple[Workspace, dict[str, Any]]]:
    ws, marks = lineage_helpers.copy(tmp_path / "ws")
    yield ws, marks
    ws.close()


def run(capsys, root: Path, *argv: str) -> tuple[int, Any, str]:
    code = cli.main(["-w", str(root), *argv])
    out, err = capsys.readouterr()
    return code, (json.loads(out) if "--json" in argv and out else out), err


def test_a_changed_input_file_is_named_with_what_was_built_from_it(built, capsys) -> None:
    ws, marks = built
    assert integrity.problems(integrity.check(ws)) == []
    day1 = ws.root / "landing" / "day1.csv"
    day1.write_text(day1.read_text().replace("\n", "\n", 1) + "\n")  # one byte more
    bad = integrity.problems(integrity.check(ws))
    assert [(s.path, s.state, s.kind) for s in bad] == [
        ("landing/day1.csv", "changed", "input file")
    ]
    assert bad[0].used_by == [f"dataset:{marks['datasets']['a']}"]
    code, doc, _ = run(capsys, ws.root, "data", "verify", "--json")
    assert code == 1
    assert doc["problems"][0]["path"] == "landing/day1.csv"


def test_a_tampered_model_artifact_and_a_gone_input_file(built) -> None:
    ws, _ = built
    artifact = next((ws.root / "artifacts").glob("*.skops"))
    artifact.write_bytes(artifact.read_bytes() + b"x")
    (ws.root / "landing" / "day2.parquet").unlink()
    states = {(s.kind, s.state) for s in integrity.check(ws)}
    assert ("model artifact", "changed") in states
    assert ("input file", "missing") in states
    assert [s.kind for s in integrity.problems(integrity.check(ws))] == ["model artifact"]


def test_diff_names_schema_and_distribution_changes(built) -> None:
    ws, marks = built
    frame = datasets.load(ws, marks["datasets"]["a"])
    shifted = frame.assign(amount=frame["amount"] * 3 + 50, note="x").drop(columns=["hour"])
    c = datasets.register_frame(ws, "alice", "train-c", shifted, parent=marks["datasets"]["a"])
    result = dataset_diff.diff(ws, "train-a", c.sha256[:10])
    assert result["schema"]["added"] == ["note"]
    assert result["schema"]["removed"] == ["hour"]
    assert "amount" in result["changed_columns"]
    amount = next(col for col in result["columns"] if col["column"] == "amount")
    assert amount["drifted"]
    assert amount["effect"] > 0.1
    assert result["columns"][0]["drifted"]  # changed columns first
    same = dataset_diff.diff(ws, "train-a", "train-a")
    assert same["same_content"]
    assert same["changed_columns"] == []
    with pytest.raises(BadInput, match="not registered"):
        dataset_diff.diff(ws, "train-a", "nope")


def test_register_from_a_log_window_records_the_ingested_files(workspace, tmp_path) -> None:
    frame = make_predictions(days=2, per_day=300, seed=5)
    preds = tmp_path / "preds.parquet"
    frame.drop(columns=["is_fraud"]).to_parquet(preds, index=False)
    labels = tmp_path / "labels.csv"
    frame[["transaction_id"]].assign(label=frame["is_fraud"]).to_csv(labels, index=False)
    ingest.ingest_file(workspace, "alice", "predictions", preds)
    ingest.ingest_file(workspace, "alice", "labels", labels)
    since = frame["ts"].min().to_pydatetime()
    until = since + (frame["ts"].max() - frame["ts"].min()).to_pytimedelta() / 2
    version = dataset_builds.from_log_window(workspace, "alice", "window", since, until)
    assert 0 < version.rows < len(frame)
    (made,) = derivations.of_output(workspace.conn, "dataset", version.sha256)
    assert made.kind == "log_window"
    kinds = [(i.kind, Path(i.ref).name) for i in made.inputs]
    assert kinds[0][0] == "log"
    assert ("file", "preds.parquet") in kinds
    with pytest.raises(BadInput, match="empty window"):
        dataset_builds.from_log_window(workspace, "alice", "w", until, since)


def test_relabel_makes_a_child_version(built, tmp_path) -> None:
    ws, marks = built
    frame = datasets.load(ws, marks["datasets"]["a"])
    fixes = tmp_path / "fixes.csv"
    frame[["transaction_id"]].head(5).assign(label=1).to_csv(fixes, index=False)
    child = dataset_builds.relabel(ws, "alice", marks["datasets"]["a"], fixes)
    assert child.parent == marks["datasets"]["a"]
    assert datasets.load(ws, child.sha256)["is_fraud"].head(5).tolist() == [1] * 5
    (made,) = derivations.of_output(ws.conn, "dataset", child.sha256)
    assert (made.kind, made.parameters["relabelled_rows"]) == ("relabel", 5)


def test_lineage_and_data_commands(built, capsys, tmp_path) -> None:
    ws, marks = built
    root = ws.root
    code, doc, _ = run(capsys, root, "lineage", "at", marks["v11_live"], "--json")
    assert (code, doc["production"]) == (0, "1.1.0")
    code, text, _ = run(capsys, root, "lineage", "at", marks["v11_live"])
    assert "production: model 1.1.0" in text
    assert "better recall" in text
    code, doc, _ = run(capsys, root, "lineage", "of", "1.0.0", "--json")
    assert code == 0
    assert doc["subject"]["id"] == "model:1.0.0"
    code, doc, _ = run(capsys, root, "data", "list", "--json")
    assert {d["name"] for d in doc["datasets"]} == {"train-a", "train-b"}
    code, doc, _ = run(capsys, root, "data", "show", "train-b", "--json")
    assert doc["derivations"][0]["kind"] == "subset"
    assert next(n["id"] for n in doc["downstream"]) == "model:1.1.0"
    extra = tmp_path / "extra.csv"
    rows = make_predictions(days=1, per_day=50, seed=9)
    rows.to_csv(extra, index=False)
    code, doc, _ = run(capsys, root, "data", "register", "extra", str(extra), "--json")
    assert code == 0
    assert doc["rows"] == len(rows)
    code, doc, _ = run(capsys, root, "data", "diff", "train-a", "train-b", "--json")
    assert code == 0
    assert doc["rows_change"] == 300 - doc["a"]["rows"] < 0


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("lineage", "at", "yesterday-ish"), "TIME: 'yesterday-ish' is not a time"),
        (("lineage", "of", "9.9.9"), "is not a registered model version"),
        (("data", "show", "nothing"), "dataset 'nothing' is not registered"),
        (("data", "register", "x", "missing.csv"), "missing.csv: file not found"),
        (("data", "register", "x", "extra.csv", "--since", "3d"), "not both"),
    ],
)
def test_bad_input_exits_2_with_one_line(built, capsys, argv, message) -> None:
    ws, _ = built
    code, _, err = run(capsys, ws.root, *argv)
    assert code == 2
    assert message in err
    assert err.count("\n") == 1
