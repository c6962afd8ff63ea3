"""A crash at every named crash point leaves a consistent workspace: the database
intact, the batch whole or absent, production exactly the old or the new version, the
audit chain verifying and saying what happened, no orphan after the next start."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from console.core.base import crash
from tests.e2e import crash_harness as harness

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.mark.parametrize("point", sorted(harness.OPERATION))
def test_crash_at_each_point_keeps_every_invariant(
    point: str, tmp_path: Path, shared_keyring: dict[str, str]
) -> None:
    op = harness.OPERATION[point]
    root = tmp_path / "ws"
    before, extra = harness.build(root, op, tmp_path)
    code = harness.run(op, root, shared_keyring, crash_at=point, extra=extra)
    assert code == crash.CRASH_EXIT, f"{point} was not reached (exit {code})"
    outcome = harness.check(root, op, before)
    assert outcome.broken == [], outcome.broken
    committed = {"ingest.after_commit", "promote.smoke_test", "rollback.smoke_test"}
    if point in committed:
        assert outcome.applied, f"{point} comes after the commit: the change must be there"
    if point.endswith((".parts_written", ".before_commit", ".checked", ".switched")):
        assert not outcome.applied, f"{point} comes before the commit: nothing may be there"


@pytest.mark.parametrize("delay_us", [0, 300, 1_000, 3_000, 10_000])
def test_a_kill_inside_the_ingest_commit(
    delay_us: int, tmp_path: Path, shared_keyring: dict[str, str]
) -> None:
    """The process ends ``delay_us`` after COMMIT began: SQLite keeps the batch whole
    or absent whichever WAL write the crash lands in."""
    root = tmp_path / "ws"
    before, extra = harness.build(root, "ingest", tmp_path)
    code = harness.run(
        "ingest", root, shared_keyring, crash_at="ingest.inside_commit", delay_us=delay_us,
        extra=extra,
    )  # fmt: skip
    assert code in (crash.CRASH_EXIT, 0)
    outcome = harness.check(root, "ingest", before)
    assert outcome.broken == [], outcome.broken


def test_random_kills_during_ingest(tmp_path: Path, shared_keyring: dict[str, str]) -> None:
    """A reduced run of benchmarks/crash_kill.py: kill -9 at random instants."""
    import random

    rng = random.Random(int(os.environ.get("CRASH_SEED", "7")))
    root = tmp_path / "ws"
    before, extra = harness.build(root, "ingest", tmp_path)
    started = time.perf_counter()
    harness.run("ingest", root, shared_keyring, extra=extra)  # how long a whole ingest takes
    whole = time.perf_counter() - started
    for trial in range(4):
        copy = tmp_path / f"trial-{trial}"
        harness.build(copy, "ingest", tmp_path)
        harness.run("ingest", copy, shared_keyring, kill_after=rng.uniform(0.2, whole), extra=extra)
        outcome = harness.check(copy, "ingest", before)
        assert outcome.broken == [], (trial, outcome.broken)
