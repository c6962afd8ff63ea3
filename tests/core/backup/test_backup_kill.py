"""kill -9 during create, prune and in-place restore (a reduced count of the script's
trials, plus every backup crash point once): the invariants hold after each."""

from __future__ import annotations

from pathlib import Path

import pytest

from console.core.base import crash
from tests.core.backup import kill_trials

POINTS = sorted(p for p in crash.POINTS if p.split(".")[0] in ("backup", "prune", "restore"))


def test_every_backup_crash_point_leaves_the_invariants(tmp_path: Path) -> None:
    lab = kill_trials.Lab(tmp_path)
    rl = None
    outcomes = {k: kill_trials.Outcome(k) for k in ("backup", "prune", "restore")}
    for point in POINTS:
        kind = point.split(".")[0]
        if kind == "backup":
            kill_trials.trial_create(lab, outcomes[kind], 0, crash_at=point)
        elif kind == "prune":
            kill_trials.trial_prune(lab, outcomes[kind], 0, crash_at=point)
        else:
            rl = rl or kill_trials.RestoreLab(lab)  # after prune, which keeps only the last 2
            kill_trials.trial_restore(rl, outcomes[kind], 0, crash_at=point)
    assert [o.problems for o in outcomes.values()] == [[], [], []]
    assert sum(o.killed for o in outcomes.values()) == len(POINTS)  # each point was reached


@pytest.mark.slow
def test_random_kills_reduced_count(tmp_path: Path) -> None:
    outcomes = kill_trials.run_all(tmp_path, trials=2, seed=3)
    assert kill_trials.result_summary(outcomes) == {
        o.kind: {"trials": 2, "killed": o.killed, "problems": []} for o in outcomes
    }
