"""Lineage queries across several datasets, models and deployments."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from console.core.base import clock
from console.core.base.errors import BadInput
from console.core.base.workspace import Workspace
from console.core.data import derivations
from console.core.lineage import at, graph
from tests.core.lineage import lineage_helpers


@pytest.fixture
def built(tmp_path: Path) -> Iterator[tuple[Workspace, dict[str, Any]]]:
    ws, marks = lineage_helpers.copy(tmp_path / "ws")
    yield ws, marks
    ws.close()


def moment(iso: str) -> dt.datetime:
    return clock.parse_moment(iso)


def test_at_a_time_between_two_deployments(built) -> None:
    ws, marks = built
    answer = at.lineage_at(ws, moment(marks["v1_live"]))
    assert answer["production"] == "1.0.0"
    assert answer["deployment"]["reason"] == "first production version (registered)"
    assert answer["model"]["dataset"] == marks["datasets"]["a"]
    chain = answer["dataset_chain"]
    assert [d["sha256"] for d in chain] == [marks["datasets"]["a"]]
    assert sorted(Path(f["ref"]).name for f in chain[0]["files"]) == ["day1.csv", "day2.parquet"]
    assert all(len(f["sha256"]) == 64 for f in chain[0]["files"])
    assert answer["config"]["version"] == 1
    assert answer["training"]["parameters"]["seed"] == 1

    later = at.lineage_at(ws, moment(marks["v11_live"]))
    assert later["production"] == "1.1.0"
    assert later["deployment"]["user"] == "alice"
    assert later["deployment"]["reason"] == "better recall on new rows"
    assert later["deployment"]["from_version"] == "1.0.0"
    b, a = later["dataset_chain"]
    assert (b["sha256"], a["sha256"]) == (marks["datasets"]["b"], marks["datasets"]["a"])
    assert b["transform"] == "the newest 300 rows"
    assert later["config"]["version"] == 1

    assert at.lineage_at(ws, moment(marks["config_2"]))["config"]["version"] == 2
    back = at.lineage_at(ws, moment(marks["rolled_back"]))
    assert back["production"] == "1.0.0"
    assert back["deployment"]["kind"] == "rollback"
    assert back["deployment"]["reason"] == "too many false positives"


def test_at_a_time_before_any_deployment(built) -> None:
    ws, marks = built
    answer = at.lineage_at(ws, moment(marks["before"]))
    assert answer["production"] is None
    assert answer["note"] == "no model version was in production at that time"
    assert answer["config"] is None


def test_of_a_file_follows_every_derivation_downstream(built) -> None:
    ws, _ = built
    answer = graph.lineage_of(ws, str(ws.root / "landing" / "day1.csv"))
    assert answer["subject"]["kind"] == "file"
    down = {n["id"] for n in answer["downstream"]}
    assert {"model:1.0.0", "model:1.1.0"} <= down
    assert sum(n.startswith("dataset:") for n in down) == 2
    assert sum(n.startswith("deployment:") for n in down) == 3  # first, promote, rollback
    assert answer["upstream"] == []


def test_of_a_model_goes_back_to_the_files(built) -> None:
    ws, marks = built
    answer = graph.lineage_of(ws, "1.1.0")
    up = [n["id"] for n in answer["upstream"]]
    assert up[0] == f"dataset:{marks['datasets']['b']}"
    assert f"dataset:{marks['datasets']['a']}" in up
    assert {"file:landing/day1.csv", "file:landing/day2.parquet"} <= set(up)
    assert [n["kind"] for n in answer["downstream"]] == ["deployment"]
    assert answer["subject"]["derivations"][0]["kind"] == "training"


def test_of_a_dataset_by_prefix_and_by_name(built) -> None:
    ws, marks = built
    by_prefix = graph.lineage_of(ws, marks["datasets"]["a"][:8])
    by_name = graph.lineage_of(ws, "train-a")
    assert by_prefix["subject"]["id"] == by_name["subject"]["id"]
    down = {n["id"] for n in by_name["downstream"]}
    assert f"dataset:{marks['datasets']['b']}" in down
    with pytest.raises(BadInput, match="not a registered model version"):
        graph.lineage_of(ws, "no-such-thing")


def test_each_derivation_records_inputs_code_parameters_who_and_when(built) -> None:
    ws, marks = built
    (made,) = derivations.of_output(ws.conn, "dataset", marks["datasets"]["a"])
    assert made.kind == "files"
    assert made.user == "alice"
    assert made.code_version.startswith("model-ops-console ")
    assert made.parameters == {"files": 2, "transform": "two landing files"}
    assert made.created_at <= marks["v1_live"]
    assert [i.kind for i in made.inputs] == ["file", "file"]
    (child,) = derivations.of_output(ws.conn, "dataset", marks["datasets"]["b"])
    assert child.kind == "subset"
    assert child.inputs[0].as_dict() == {
        "kind": "dataset", "ref": marks["datasets"]["a"], "sha256": marks["datasets"]["a"],
    }  # fmt: skip
    (trained,) = derivations.of_output(ws.conn, "model", "1.1.0")
    assert trained.inputs[0].ref == marks["datasets"]["b"]
    assert trained.parameters["recipe"] == "train_baseline"
    assert "threshold" in trained.parameters


def test_a_threshold_adoption_is_derived_from_its_model(built) -> None:
    from tests.core.registry_helpers import register

    ws, marks = built
    register(ws, "1.1.1", seed=2, dataset=marks["datasets"]["b"], action="model.adopt_threshold",
             card={"derived_from": "1.1.0", "threshold_before": 0.5})  # fmt: skip
    (made,) = derivations.of_output(ws.conn, "model", "1.1.1")
    assert made.kind == "threshold"
    assert [i.as_dict()["ref"] for i in made.inputs] == [marks["datasets"]["b"], "1.1.0"]
    assert made.parameters["threshold_before"] == 0.5
    up = [n["id"] for n in graph.lineage_of(ws, "1.1.1")["upstream"]]
    assert "model:1.1.0" in up
