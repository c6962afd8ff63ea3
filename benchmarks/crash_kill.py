"""kill -9 a console state change at random instants; count broken invariants.

For each operation (ingest of a 3-day predictions file, promote, a role change), the
script times one undisturbed run, then runs ``--trials`` more on fresh workspaces and
sends SIGKILL after a uniformly random delay in [0, that time]. After each kill it
checks what tests/e2e/crash_harness.py checks: ``PRAGMA integrity_check``, the batch
whole or absent, production exactly the old or the new version, the audit chain and
signed head verifying and recording exactly what happened, no orphan after the next
start. It prints, per operation, how many kills landed before and after the change
committed, and how many left something broken (the figure that must be 0).

Then ``--commit-trials`` runs of the ingest are ended from inside SQLite's COMMIT (the
``ingest.inside_commit`` crash point with a random delay of 0–5 ms), which random
kills of the whole process rarely hit.

    python benchmarks/crash_kill.py [--trials 50] [--commit-trials 50]
                                    [--ops ingest,promote,set-role]
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=50, help="random kills per operation")
    parser.add_argument("--commit-trials", type=int, default=50)
    parser.add_argument("--ops", default="ingest,promote,set-role")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    import keyring

    from console.core.base import workspace
    from tests.e2e import crash_harness as harness
    from tests.file_keyring import FileKeyring, subprocess_env

    workspace.ALLOW_CONSOLE_USER = True
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from _machine import print_machine

    print_machine("each trial a fresh workspace and a fresh console subprocess")
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="crash-kill-") as tmp:
        work = Path(tmp)
        keyring.set_keyring(FileKeyring(work / "keyring.json"))
        env = subprocess_env(work / "keyring.json")
        print(f"kill -9 at random instants, {args.trials} trials per operation")
        total_broken = 0
        for op in args.ops.split(","):
            first = work / f"{op}-timing"
            _, extra = harness.build(first, op, work)
            started = time.perf_counter()
            harness.run(op, first, env, extra=extra)
            whole = time.perf_counter() - started
            applied = not_applied = broken = 0
            for trial in range(args.trials):
                root = work / f"{op}-{trial}"
                before, extra = harness.build(root, op, work)
                harness.run(op, root, env, kill_after=rng.uniform(0, whole), extra=extra)
                outcome = harness.check(root, op, before)
                applied += bool(outcome.applied)
                not_applied += not outcome.applied
                if outcome.broken:
                    broken += 1
                    print(f"  {op} trial {trial}: {outcome.broken}")
                shutil.rmtree(root)
            total_broken += broken
            print(
                f"  {op:<9} run {whole:5.2f} s: killed before the commit {not_applied}, "
                f"after {applied}; broken {broken}/{args.trials}"
            )
        if args.commit_trials:
            total_broken += inside_commit(args.commit_trials, work, env, rng)
        print(f"broken invariants in all trials: {total_broken}")
    return 1 if total_broken else 0


def inside_commit(trials: int, work: Path, env: dict[str, str], rng: random.Random) -> int:
    """End ingests inside SQLite's COMMIT; returns how many left something broken."""
    from tests.e2e import crash_harness as harness

    landed = present = broken = 0
    for trial in range(trials):
        root = work / f"commit-{trial}"
        before, extra = harness.build(root, "ingest", work)
        code = harness.run(
            "ingest", root, env, crash_at="ingest.inside_commit",
            delay_us=rng.randint(0, 5_000), extra=extra,
        )  # fmt: skip
        outcome = harness.check(root, "ingest", before)
        landed += code != 0
        present += bool(outcome.applied)
        if outcome.broken:
            broken += 1
            print(f"  commit trial {trial}: {outcome.broken}")
        shutil.rmtree(root)
    print(
        f"  ended inside COMMIT (0-5 ms after it began): {landed}/{trials} killed before "
        f"the process finished, batch present after {present}; broken {broken}/{trials}"
    )
    return broken


if __name__ == "__main__":
    sys.exit(main())
