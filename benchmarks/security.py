"""What encryption at rest and signed audit checkpoints cost, against the plain baseline.

Printed side by side in one run, baseline and console interleaved ``--repeat`` times
(order flipped each round): both medians, the median ratio and the worst round's ratio:

1. a dataset version (``--rows`` training rows) registered and loaded back: encrypted
   (AES-256-GCM, the default) vs plain Parquet (what the console stores without a
   keyring);
2. a ``--mb`` MB file: ``crypto.encrypt_file`` / ``decrypt_file`` vs a plain copy;
3. one audit entry appended (a role change, one transaction with fsync): with a signed
   Ed25519 checkpoint every 20 entries and the signed head written to the keyring after
   the commit vs neither;
4. the alternative to a plain SQLite file: encrypting the whole database at rest (what
   an encrypt-on-close scheme costs per open/close) for a database of the demo's size.

Secrets go to an in-memory keyring made here; the OS keyring is never touched.

    python benchmarks/security.py [--rows 300000] [--mb 256] [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

import keyring
import keyring.backend
import keyring.backends.fail

from _machine import Comparison, interleave, print_load, print_machine, timed
from _memory_keyring import MemoryKeyring

MEMORY = MemoryKeyring()


def bench_datasets(root: Path, rows: int, repeat: int) -> None:
    import datetime as dt

    from console.core.base.workspace import Workspace
    from console.core.data import datasets
    from console.core.demo.data import generate_transactions

    frame = generate_transactions(dt.date(2026, 1, 5), 14, rows // 14 + 1, seed=5).head(rows)
    loads: dict[str, list[float]] = {"plain": [], "encrypted": []}
    backends = {"plain": keyring.backends.fail.Keyring(), "encrypted": MEMORY}
    count = iter(range(10**6))

    def register(mode: str) -> float:
        keyring.set_keyring(backends[mode])
        ws = Workspace.create(root / f"ds-{mode}-{next(count)}", "bench")
        start = time.perf_counter()
        version = datasets.register_frame(ws, "bench", "train", frame)
        seconds = time.perf_counter() - start
        start = time.perf_counter()
        datasets.load(ws, version.sha256)
        loads[mode].append(time.perf_counter() - start)
        ws.close()
        keyring.set_keyring(MEMORY)
        return seconds

    cmp = interleave(
        f"dataset register ({rows:,} rows), encrypted vs plain",
        console=lambda: register("encrypted"),
        baseline=lambda: register("plain"),
        repeat=repeat,
    )
    cmp.print(baseline_name="plain")
    load = Comparison(f"dataset load ({rows:,} rows), encrypted vs plain")
    for enc, plain in zip(loads["encrypted"], loads["plain"], strict=True):
        load.add(enc, plain)
    load.print(baseline_name="plain")


def bench_files(root: Path, mb: int, repeat: int) -> None:
    from console.core.base.workspace import Workspace
    from console.core.security import crypto

    ws = Workspace.create(root / "files", "bench")
    src = root / "data.bin"
    with src.open("wb") as fh:
        for _ in range(mb):
            fh.write(os.urandom(1 << 20))
    copy = timed(lambda: shutil.copyfile(src, root / "copy.bin"))
    enc = interleave(
        f"file of {mb} MB: encrypt_file vs copy",
        console=timed(lambda: crypto.encrypt_file(ws, src, root / "data.enc")),
        baseline=copy,
        repeat=repeat,
    )
    dec = interleave(
        f"file of {mb} MB: decrypt_file vs copy",
        console=timed(lambda: crypto.decrypt_file(ws, root / "data.enc", root / "out")),
        baseline=copy,
        repeat=repeat,
    )
    enc.print(baseline_name="copy")
    dec.print(baseline_name="copy")
    rates = f"{mb / min(enc.console):,.0f} MB/s encrypt, {mb / min(dec.console):,.0f} MB/s decrypt"
    print(f"  AES-GCM throughput (best round): {rates}")
    ws.close()


def bench_audit(root: Path, repeat: int) -> None:
    from console.core.base.db import write_transaction
    from console.core.base.workspace import Workspace
    from console.core.security import anchor, settings

    entries = 200
    spaces = {}
    for mode, every in (("none", 10**9), ("signed", 20)):
        ws = Workspace.create(root / f"audit-{mode}", "bench")
        with write_transaction(ws.conn) as conn:
            settings.put(conn, "checkpoint_every", str(every))
        if mode == "none":
            anchor.detach(ws.conn)  # no signed head in the keyring after each commit
        spaces[mode] = ws
    counter = iter(range(10**9))

    def change(mode: str) -> float:
        start = time.perf_counter()
        for _ in range(entries):
            spaces[mode].set_role("bench", f"user{next(counter)}", "viewer")
        return (time.perf_counter() - start) / entries * 1000

    cmp = interleave(
        "audit entry (role change, fsync'd), signed checkpoints every 20 and the signed "
        "head anchored in the keyring after each commit vs neither",
        console=lambda: change("signed"),
        baseline=lambda: change("none"),
        repeat=repeat,
        unit="ms",
    )
    cmp.print(baseline_name="no checkpoints")
    for ws in spaces.values():
        ws.close()


def bench_database(demo_db: Path | None, root: Path, repeat: int) -> None:
    from console.core.base.workspace import Workspace
    from console.core.security import crypto

    if demo_db is None or not demo_db.is_file():
        print("(no demo database given: --demo-db PATH to measure whole-database encryption)")
        return
    ws = Workspace.create(root / "db", "bench")
    size = demo_db.stat().st_size / 1e6
    copy = timed(lambda: shutil.copyfile(demo_db, root / "db.copy"))
    for label, fn in (
        ("encrypt", timed(lambda: crypto.encrypt_file(ws, demo_db, root / "db.enc"))),
        ("decrypt", timed(lambda: crypto.decrypt_file(ws, root / "db.enc", root / "db.out"))),
    ):
        cmp = interleave(
            f"whole database ({size:.1f} MB): {label} vs copy", console=fn, baseline=copy,
            repeat=repeat,
        )  # fmt: skip
        cmp.print(baseline_name="copy")
    ws.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=300_000)
    parser.add_argument("--mb", type=int, default=256)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--demo-db", type=Path, help="console.db of a demo workspace")
    args = parser.parse_args()
    keyring.set_keyring(MEMORY)
    print_machine("absolute times are this machine's; the ratios are the figures")
    with tempfile.TemporaryDirectory(prefix="bench-security-") as tmp:
        root = Path(tmp)
        bench_datasets(root, args.rows, args.repeat)
        bench_files(root, args.mb, args.repeat)
        bench_audit(root, args.repeat)
        bench_database(args.demo_db, root, args.repeat)
    print_load()


if __name__ == "__main__":
    main()
