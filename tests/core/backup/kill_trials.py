"""kill -9 during backup create, prune and in-place restore; the invariants after each.

A trial starts the operation in a fresh process, waits until it is under way, and kills
it with SIGKILL after a random delay (up to a little longer than the operation takes),
or at a named crash point (``CONSOLE_CRASH_AT``). Afterwards:

- create, prune: the repository verifies in full (no damaged or missing chunk, index
  file or record), every listed snapshot restores, and the next writer is not blocked
  by the dead process's lock;
- in-place restore: the workspace folder holds entirely the old workspace or entirely
  the restored one (files and database agree), never a mix, and its database passes
  SQLite's integrity check.

    python -m tests.core.backup.kill_trials [--trials 50] [--seed 1]

The test suite runs a reduced count (tests/core/backup/test_backup_kill.py).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PASSPHRASE = "kill trial passphrase 51c"

CHILD = r"""
import sys, keyring, keyring.backend
class Memory(keyring.backend.KeyringBackend):
    priority = 1
    def __init__(self): super().__init__(); self.v = {}
    def get_password(self, s, u): return self.v.get((s, u))
    def set_password(self, s, u, p): self.v[(s, u)] = p
    def delete_password(self, s, u): self.v.pop((s, u), None)
keyring.set_keyring(Memory())
from pathlib import Path
from console.core.backup import create, in_place, prune
from console.core.backup.repository import Repository
from console.core.base.workspace import Workspace
from console.core.security import credentials
op, root, repo_path, passphrase = sys.argv[1:5]
ws = Workspace.open(Path(root))
credentials.keyring_set(ws.conn, "backup-passphrase", passphrase)
repo = Repository.open(Path(repo_path), passphrase)
print("ready", flush=True)
if op == "create":
    create.create_snapshot(ws, "alice", repo)
elif op == "prune":
    prune.prune(ws, "alice", repo, prune.Policy(last=2, daily=0, weekly=0, monthly=0))
elif op == "restore":
    in_place.restore_in_place(ws, "alice", repo, sys.argv[5], reason="kill trial")
print("done", flush=True)
"""


@dataclass
class Outcome:
    kind: str
    trials: int = 0
    killed: int = 0
    finished: int = 0
    problems: list[str] = field(default_factory=list)


def tree(root: Path) -> dict[str, bytes]:
    out = {}
    for path in root.rglob("*"):
        rel = path.relative_to(root).as_posix()
        if path.is_file() and not rel.startswith(("console.db", "logs/", "backups/", "tls/")):
            out[rel] = path.read_bytes()
    return out


def audit_count(root: Path) -> int:
    conn = sqlite3.connect(root / "console.db")
    try:
        if conn.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            return -1
        return int(conn.execute("SELECT COUNT(*) FROM audit").fetchone()[0])
    finally:
        conn.close()


class Lab:
    """A workspace, a repository and the parent's view of both."""

    def __init__(self, base: Path) -> None:
        from console.core.backup import keys
        from console.core.backup.repository import Repository
        from console.core.base.workspace import Workspace
        from tests.core.backup.conftest import fill_workspace

        keys.SCRYPT_N = 2**10  # the key file records it: children open it as fast
        self.base = base
        self.root = base / "ws"
        self.repo_path = base / "repo"
        with Workspace.create(self.root, "alice") as ws:
            fill_workspace(ws)
        Repository.init(self.repo_path, PASSPHRASE)
        self.rng = random.Random(1)

    def run(
        self, op: str, *extra: str, kill_after: float | None = None, crash_at: str = ""
    ) -> tuple[bool, float]:
        """Run ``op`` in a child; kill it ``kill_after`` s after it is ready. (killed, s)."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("CONSOLE_CRASH")}
        if crash_at:
            env["CONSOLE_CRASH_AT"] = crash_at
        argv = [sys.executable, "-c", CHILD, op, str(self.root), str(self.repo_path),
                PASSPHRASE, *extra]  # fmt: skip
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if line.strip() != b"ready":
            _, err = proc.communicate()
            raise RuntimeError(f"{op} did not start: {err.decode()[-800:]}")
        start = time.perf_counter()
        if kill_after is not None:
            time.sleep(kill_after)
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
        _, err = proc.communicate()
        elapsed = time.perf_counter() - start
        killed = proc.returncode in (-signal.SIGKILL, 86)
        if proc.returncode not in (0, -signal.SIGKILL, 86):
            raise RuntimeError(f"{op} failed: {err.decode()[-800:]}")
        return killed, elapsed

    def create_here(self) -> None:
        """A snapshot made by this process (setting up a trial, never killed)."""
        import keyring

        from console.core.backup import create
        from console.core.backup.repository import Repository
        from console.core.base.workspace import Workspace
        from console.core.security import credentials
        from tests.conftest import MemoryKeyring

        if not isinstance(keyring.get_keyring(), MemoryKeyring):
            keyring.set_keyring(MemoryKeyring())
        with Workspace.open(self.root) as ws:
            credentials.keyring_set(ws.conn, "backup-passphrase", PASSPHRASE)
            create.create_snapshot(ws, "alice", Repository.open(self.repo_path, PASSPHRASE))

    def touch_files(self) -> None:
        """A little new data for the next snapshot."""
        docs = self.root / "docs"
        name = f"note-{self.rng.randrange(10**9)}.md"
        (docs / name).write_text("new " * self.rng.randrange(100, 60_000), "utf-8")
        model = self.root / "artifacts" / "model.skops"
        data = bytearray(model.read_bytes())
        at = self.rng.randrange(len(data) - 64)
        data[at : at + 64] = self.rng.randbytes(64)
        model.write_bytes(bytes(data))

    def check_repository(self) -> list[str]:
        from console.core.backup import restore, verify
        from console.core.backup.repository import Repository

        repo = Repository.open(self.repo_path, PASSPHRASE)
        report, found = verify.check(repo)
        problems = list(report.problems)
        if found:
            name = self.rng.choice(sorted(found))
            target = Path(tempfile.mkdtemp(dir=self.base)) / "out"
            try:
                restore.restore_to(repo, name, target)
            except Exception as exc:
                problems.append(f"snapshot {name[:8]} listed but does not restore: {exc}")
            finally:
                shutil.rmtree(target.parent, ignore_errors=True)
        return problems


def trial_create(lab: Lab, out: Outcome, budget: float, crash_at: str = "") -> None:
    lab.touch_files()
    delay = None if crash_at else lab.rng.uniform(0, budget)
    killed, _ = lab.run("create", kill_after=delay, crash_at=crash_at)
    out.trials += 1
    out.killed += killed
    out.finished += not killed
    out.problems += [f"create trial {out.trials}: {p}" for p in lab.check_repository()]


def trial_prune(lab: Lab, out: Outcome, budget: float, crash_at: str = "") -> None:
    for _ in range(2):  # something to forget and packs to rewrite
        lab.touch_files()
        lab.create_here()
    delay = None if crash_at else lab.rng.uniform(0, budget)
    killed, _ = lab.run("prune", kill_after=delay, crash_at=crash_at)
    out.trials += 1
    out.killed += killed
    out.finished += not killed
    out.problems += [f"prune trial {out.trials}: {p}" for p in lab.check_repository()]


class RestoreLab:
    """Snapshot A in the repository, the workspace at a later state B (kept pristine)."""

    def __init__(self, lab: Lab) -> None:
        self.lab = lab
        lab.create_here()
        from console.core.backup.repository import Repository

        repo = Repository.open(lab.repo_path, PASSPHRASE)
        found = {n: repo.read_snapshot(n) for n in repo.names("snapshots")}
        self.snapshot = max(found, key=lambda n: found[n]["time"])
        scratch = lab.base / "state-a"
        from console.core.backup import restore

        restore.restore_to(repo, self.snapshot, scratch)
        self.tree_a = tree(scratch)
        self.audit_a = audit_count(scratch)
        shutil.rmtree(scratch)
        lab.touch_files()
        lab.create_here()  # B differs in files and in its database
        self.pristine = lab.base / "state-b"
        shutil.copytree(lab.root, self.pristine)
        self.tree_b = tree(lab.root)
        self.audit_b = audit_count(lab.root)

    def reset(self) -> None:
        root = self.lab.root
        for leftover in root.parent.iterdir():
            if leftover.name.startswith((".ws.restoring-", "ws.before-restore-")):
                shutil.rmtree(leftover)
        shutil.rmtree(root)
        shutil.copytree(self.pristine, root)

    def check(self) -> list[str]:
        root = self.lab.root
        if not (root / "console.toml").exists():
            return ["the workspace folder is missing or incomplete"]
        now, count = tree(root), audit_count(root)
        if count < 0:
            return ["the workspace database fails its integrity check"]
        if now == self.tree_a:
            ok = self.audit_a <= count <= self.audit_a + 1
            return [] if ok else [f"restored files with a database of {count} audit entries"]
        if now == self.tree_b:
            ok = self.audit_b <= count <= self.audit_b + 1
            return [] if ok else [f"old files with a database of {count} audit entries"]
        mixed = sorted(set(now) ^ set(self.tree_a))[:3]
        return [f"a mix of old and restored files (e.g. {mixed})"]


def trial_restore(rl: RestoreLab, out: Outcome, budget: float, crash_at: str = "") -> None:
    rl.reset()
    delay = None if crash_at else rl.lab.rng.uniform(0, budget)
    killed, _ = rl.lab.run("restore", rl.snapshot, kill_after=delay, crash_at=crash_at)
    out.trials += 1
    out.killed += killed
    out.finished += not killed
    out.problems += [f"restore trial {out.trials}: {p}" for p in rl.check()]


def run_all(base: Path, trials: int, seed: int = 1) -> list[Outcome]:
    """``trials`` random kills of each kind; returns what each kind saw."""
    lab = Lab(base)
    lab.rng.seed(seed)
    outcomes = []
    create_out = Outcome("create")
    _, budget = lab.run("create")  # an unkilled run sets the window kills fall in
    for _ in range(trials):
        trial_create(lab, create_out, budget * 1.2)
    outcomes.append(create_out)
    prune_out = Outcome("prune")
    for _ in range(2):
        lab.touch_files()
        lab.create_here()
    _, budget = lab.run("prune")
    for _ in range(trials):
        trial_prune(lab, prune_out, budget * 1.2)
    outcomes.append(prune_out)
    rl = RestoreLab(lab)
    restore_out = Outcome("in-place restore")
    rl.reset()
    _, budget = lab.run("restore", rl.snapshot)
    for _ in range(trials):
        trial_restore(rl, restore_out, budget * 1.2)
    outcomes.append(restore_out)
    return outcomes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--trials", type=int, default=50, help="kills per operation")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    base = Path(tempfile.mkdtemp(prefix="console-kill-trials-"))
    started = time.perf_counter()
    try:
        outcomes = run_all(base, args.trials, args.seed)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    bad = 0
    for o in outcomes:
        print(f"{o.kind:<17} {o.trials} trials: {o.killed} killed mid-way, {o.finished} "
              f"finished first; {len(o.problems)} problem(s)")  # fmt: skip
        for p in o.problems[:10]:
            print(f"  {p}")
        bad += len(o.problems)
    print(f"{time.perf_counter() - started:.0f} s; " + ("ALL INVARIANTS HELD" if not bad else
                                                         f"{bad} VIOLATION(S)"))  # fmt: skip
    return 1 if bad else 0


def result_summary(outcomes: list[Outcome]) -> dict[str, Any]:
    return {o.kind: {"trials": o.trials, "killed": o.killed, "problems": o.problems}
            for o in outcomes}  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
