"""Backups beside restic, in one run, on a generated workspace (~300 MB by default).

Targets (backup issue): first backup <= 1.5x restic's time; a second backup with nothing
changed <= 1 s; after changing 1 % of the files the repository grows by about the
changed bytes; full restore <= 1.5x restic's; peak memory printed.

The workspace holds model blobs (incompressible, like zipped skops files), Parquet and
CSV data, and many small documents. Every measurement runs in a fresh child process
(its own peak RSS, from wait4); the console's times are measured inside the child
around the core call (the interpreter's start-up is printed apart), restic's around its
command. restic comes from Debian's package (``apt-get install -y restic``), for this
benchmark only. Run:

    python benchmarks/backup.py [--mb 300] [--repeat 1] [--keep]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from _machine import print_machine

PASSPHRASE = "benchmark passphrase 7d1c"
WORDS = [
    "model", "drift", "fraud", "score", "label", "feature", "window", "threshold", "alert",
    "backup", "verify", "restore", "card", "merchant", "amount", "night", "weekend",
]  # fmt: skip


# ---------------------------------------------------------------- the workspace
def generate(root: Path, mb: int, seed: int = 7) -> dict[str, int]:
    """A console workspace of about ``mb`` MB: blobs 40 %, Parquet 20 %, CSV 15 %, docs 25 %."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    from console.core.base.workspace import Workspace

    Workspace.create(root, "bench").close()
    rng = np.random.default_rng(seed)
    total = mb * 1_000_000
    counts = {"blobs": 0, "parquet": 0, "csv": 0, "docs": 0}
    for i in range(4):
        (root / "artifacts" / f"model-{i}.skops").write_bytes(rng.bytes(int(total * 0.10)))
        counts["blobs"] += 1
    rows = int(total * 0.20 / 8 / 6)
    for day in range(10):
        table = pa.table({f"f{c}": rng.random(rows // 10) for c in range(6)})
        folder = root / "predictions" / f"day=2026-11-{day + 1:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, folder / "part-0.parquet", compression="none")
        counts["parquet"] += 1
    for i in range(3):
        values = rng.random((int(total * 0.05 / 60), 3))
        text = "\n".join(",".join(f"{v:.15f}" for v in row) for row in values)
        (root / "datasets" / f"extract-{i}.csv").write_text("a,b,c\n" + text, "utf-8")
        counts["csv"] += 1
    docs = root / "docs"
    docs.mkdir()
    words = np.array(WORDS)
    size = 0
    n = 0
    while size < total * 0.25:
        length = int(rng.integers(2_000, 60_000))
        text = " ".join(words[rng.integers(0, len(words), length // 7)])
        sub = docs / f"d{n % 40:02d}"
        sub.mkdir(exist_ok=True)
        (sub / f"note-{n:05d}.md").write_text(text, "utf-8")
        size += len(text)
        n += 1
    counts["docs"] = n
    return counts


def data_files(root: Path) -> list[Path]:
    found = [p for p in root.rglob("*") if p.is_file() and "logs" not in p.parts]
    return sorted(p for p in found if p.name != "console.db")


def change_one_percent(root: Path, seed: int = 11) -> int:
    """Rewrite 1 % of the files (by count) with new content of the same size."""
    files = data_files(root)
    rng = random.Random(seed)
    picked = rng.sample(files, max(1, len(files) // 100))
    changed = 0
    for path in picked:
        n = path.stat().st_size
        if path.suffix == ".md":
            text = " ".join(rng.choice(WORDS) for _ in range(n // 7 + 1))[:n]
            path.write_text(text, "utf-8")
        else:
            path.write_bytes(rng.randbytes(n))
        changed += n
    return changed


def folder_bytes(root: Path) -> int:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file())


# ---------------------------------------------------------------- child processes
def popen_wait4(argv: list[str], env: dict[str, str] | None = None) -> dict[str, Any]:
    start = time.perf_counter()
    proc = subprocess.Popen(
        argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env
    )  # fmt: skip
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    stderr = proc.stderr.read().decode() if proc.stderr else ""
    if status:
        raise SystemExit(f"{argv[:3]} failed: {stderr[-2000:]}")
    result: dict[str, Any] = {"wall": wall, "peak_mb": usage.ru_maxrss / 1024}
    return result


def console_child(op: str, ws: Path, repo: Path, target: Path | None = None) -> dict[str, Any]:
    argv = [sys.executable, __file__, "child", op, str(ws), str(repo), str(target or "")]
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    out = proc.stdout.read().decode() if proc.stdout else ""
    err = proc.stderr.read().decode() if proc.stderr else ""
    if status:
        raise SystemExit(f"console {op} failed: {err[-2000:]}")
    result = json.loads(out.strip().splitlines()[-1])
    result.update(wall=wall, peak_mb=usage.ru_maxrss / 1024)
    return result


def child(op: str, ws_root: str, repo_path: str, target: str) -> None:
    """In a fresh process: the core call alone is timed."""
    import keyring

    from _memory_keyring import MemoryKeyring

    keyring.set_keyring(MemoryKeyring())
    from console.core.backup import create, restore
    from console.core.backup.repository import Repository
    from console.core.base.workspace import Workspace
    from console.core.security import credentials

    ready = time.perf_counter()
    if op == "init":
        Repository.init(Path(repo_path), PASSPHRASE)
        print(json.dumps({"seconds": time.perf_counter() - ready}))
        return
    repo = Repository.open(Path(repo_path), PASSPHRASE)
    if op == "restore":
        start = time.perf_counter()
        names = repo.names("snapshots")
        newest = max(names, key=lambda n: repo.read_snapshot(n)["time"])
        restore.restore_to(repo, newest, Path(target))
        print(json.dumps({"seconds": time.perf_counter() - start}))
        return
    with Workspace.open(Path(ws_root)) as ws:
        credentials.keyring_set(ws.conn, "backup-passphrase", PASSPHRASE)
        start = time.perf_counter()
        summary = create.create_snapshot(ws, "bench", repo)
        seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "added_bytes": summary["added_bytes"]}))


# ---------------------------------------------------------------- restic
def restic(*args: str, repo: Path) -> dict[str, Any]:
    env = {**os.environ, "RESTIC_PASSWORD": PASSPHRASE, "RESTIC_REPOSITORY": str(repo)}
    return popen_wait4(["restic", "--quiet", *args], env=env)


# ---------------------------------------------------------------- the run
def one_round(base: Path, mb: int) -> dict[str, Any]:
    ws = base / "ws"
    t0 = time.perf_counter()
    made = subprocess.run(  # in a child: this process stays small, so wait4's peaks are the tools'
        [sys.executable, __file__, "generate", str(ws), str(mb)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    counts = json.loads(made.stdout.strip().splitlines()[-1])
    size = folder_bytes(ws)
    print(
        f"workspace: {size / 1e6:.0f} MB in {sum(counts.values())} files ({counts}); "
        f"generated in {time.perf_counter() - t0:.0f} s",
        flush=True,
    )
    ours, theirs = base / "console-repo", base / "restic-repo"
    console_child("init", ws, ours)
    restic("init", repo=theirs)
    excludes = ["--exclude", str(ws / "logs")]
    r: dict[str, Any] = {"size": size}
    r["c1"] = console_child("create", ws, ours)
    r["r1"] = restic("backup", str(ws), *excludes, repo=theirs)
    r["c_first_repo"], r["r_first_repo"] = folder_bytes(ours), folder_bytes(theirs)
    r["c2"] = console_child("create", ws, ours)
    r["r2"] = restic("backup", str(ws), *excludes, repo=theirs)
    before_c, before_r = folder_bytes(ours), folder_bytes(theirs)
    changed = change_one_percent(ws)
    r["c3"] = console_child("create", ws, ours)
    r["r3"] = restic("backup", str(ws), *excludes, repo=theirs)
    r["changed"] = changed
    r["c_growth"], r["r_growth"] = folder_bytes(ours) - before_c, folder_bytes(theirs) - before_r
    r["c_restore"] = console_child("restore", ws, ours, base / "console-restored")
    r["r_restore"] = restic("restore", "latest", "--target", str(base / "restic-restored"),
                            repo=theirs)  # fmt: skip
    return r


def report(rounds: list[dict[str, Any]]) -> None:
    def med(key: str, field: str) -> float:
        return statistics.median(r[key][field] for r in rounds)

    def line(what: str, ours: float, theirs: float, target: str = "") -> None:
        ratio = ours / theirs if theirs else float("inf")
        print(f"  {what:<34} console {ours:7.2f} s   restic {theirs:7.2f} s   "
              f"ratio {ratio:5.2f}  {target}")  # fmt: skip

    r = rounds[0]
    print(f"results (median of {len(rounds)} round(s); console times inside its process):")
    line("first backup", med("c1", "seconds"), med("r1", "wall"), "(target <= 1.50)")
    line("second backup, nothing changed", med("c2", "seconds"), med("r2", "wall"),
         "(target console <= 1 s)")  # fmt: skip
    line("backup after changing 1 % of files", med("c3", "seconds"), med("r3", "wall"))
    line("full restore", med("c_restore", "seconds"), med("r_restore", "wall"),
         "(target <= 1.50)")  # fmt: skip
    print(f"  console process wall time, second backup (start-up + imports included): "
          f"{med('c2', 'wall'):.2f} s")  # fmt: skip
    print(
        f"  repository after first backup: console {r['c_first_repo'] / 1e6:.1f} MB, "
        f"restic {r['r_first_repo'] / 1e6:.1f} MB (workspace {r['size'] / 1e6:.1f} MB)"
    )
    print(
        f"  1 % of files changed: {r['changed'] / 1e6:.2f} MB rewritten; repository growth "
        f"console {r['c_growth'] / 1e6:.2f} MB (x{r['c_growth'] / r['changed']:.2f}), "
        f"restic {r['r_growth'] / 1e6:.2f} MB (x{r['r_growth'] / r['changed']:.2f})"
    )
    for what, c, t in (("first backup", "c1", "r1"), ("second backup", "c2", "r2"),
                       ("restore", "c_restore", "r_restore")):  # fmt: skip
        print(
            f"  peak memory, {what:<14} console {med(c, 'peak_mb'):6.0f} MB   "
            f"restic {med(t, 'peak_mb'):6.0f} MB"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mb", type=int, default=300, help="workspace size (MB)")
    parser.add_argument("--repeat", type=int, default=1, help="rounds (medians printed)")
    parser.add_argument("--keep", action="store_true", help="keep the generated folders")
    args = parser.parse_args()
    if shutil.which("restic") is None:
        raise SystemExit("restic not found: apt-get install -y restic (benchmark only)")
    version = subprocess.run(["restic", "version"], capture_output=True, text=True, check=True)
    print_machine(version.stdout.strip())
    rounds = []
    for n in range(args.repeat):
        base = Path(tempfile.mkdtemp(prefix="console-backup-bench-"))
        try:
            rounds.append(one_round(base, args.mb))
        finally:
            if args.keep:
                print(f"kept {base}")
            else:
                shutil.rmtree(base, ignore_errors=True)
        print(f"round {n + 1} done", flush=True)
    report(rounds)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "child":
        child(*sys.argv[2:6])
    elif len(sys.argv) > 1 and sys.argv[1] == "generate":
        print(json.dumps(generate(Path(sys.argv[2]), int(sys.argv[3]))))
    else:
        main()
