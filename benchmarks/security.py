"""What encryption at rest and signed audit checkpoints cost, against the plain baseline.

Printed side by side in one run (medians of ``--repeat``, ratios):

1. a dataset version (``--rows`` training rows) registered and loaded back: encrypted
   (AES-256-GCM, the default) vs plain Parquet (what the console stores without a
   keyring);
2. a ``--mb`` MB file: ``crypto.encrypt_file`` / ``decrypt_file`` vs a plain copy;
3. one audit entry appended (a role change, one transaction with fsync): with a signed
   Ed25519 checkpoint every 20 entries vs no checkpoints;
4. the alternative to a plain SQLite file: encrypting the whole database at rest (what
   an encrypt-on-close scheme costs per open/close) for a database of the demo's size.

Secrets go to an in-memory keyring made here; the OS keyring is never touched.

    python benchmarks/security.py [--rows 300000] [--mb 256] [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import keyring
import keyring.backend
import keyring.backends.fail


class _MemoryKeyring(keyring.backend.KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.secrets: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.secrets.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.secrets[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.secrets.pop((service, username), None)


MEMORY = _MemoryKeyring()


def median_seconds(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def row(label: str, baseline: float, console: float, unit: str = "s") -> None:
    scale = 1000.0 if unit == "ms" else 1.0
    print(
        f"{label:<44} {baseline * scale:>10.3f} {unit:<2} {console * scale:>10.3f} {unit:<2}"
        f" {console / baseline:>7.2f}x"
    )


def bench_datasets(root: Path, rows: int, repeat: int) -> None:
    import datetime as dt

    from console.core.base.workspace import Workspace
    from console.core.data import datasets
    from console.core.demo.data import generate_transactions

    frame = generate_transactions(dt.date(2026, 1, 5), 14, rows // 14 + 1, seed=5).head(rows)
    results = {}
    for mode, backend in (("plain", keyring.backends.fail.Keyring()), ("encrypted", MEMORY)):
        keyring.set_keyring(backend)
        register, load = [], []
        for i in range(repeat):
            ws = Workspace.create(root / f"ds-{mode}-{i}", "bench")
            start = time.perf_counter()
            version = datasets.register_frame(ws, "bench", "train", frame)
            register.append(time.perf_counter() - start)
            start = time.perf_counter()
            datasets.load(ws, version.sha256)
            load.append(time.perf_counter() - start)
            ws.close()
        results[mode] = (statistics.median(register), statistics.median(load))
    keyring.set_keyring(MEMORY)
    row(f"dataset register ({rows:,} rows)", results["plain"][0], results["encrypted"][0])
    row(f"dataset load ({rows:,} rows)", results["plain"][1], results["encrypted"][1])


def bench_files(root: Path, mb: int, repeat: int) -> None:
    from console.core.base.workspace import Workspace
    from console.core.security import crypto

    ws = Workspace.create(root / "files", "bench")
    src = root / "data.bin"
    with src.open("wb") as fh:
        for _ in range(mb):
            fh.write(os.urandom(1 << 20))
    copy = median_seconds(lambda: shutil.copyfile(src, root / "copy.bin"), repeat)
    enc = median_seconds(lambda: crypto.encrypt_file(ws, src, root / "data.enc"), repeat)
    dec = median_seconds(lambda: crypto.decrypt_file(ws, root / "data.enc", root / "out"), repeat)
    row(f"file of {mb} MB: copy vs encrypt_file", copy, enc)
    row(f"file of {mb} MB: copy vs decrypt_file", copy, dec)
    rates = f"{mb / enc:,.0f} MB/s encrypt, {mb / dec:,.0f} MB/s decrypt"
    print(f"{'':<44} AES-GCM throughput: {rates}")
    ws.close()


def bench_audit(root: Path, repeat: int) -> None:
    from console.core.base.db import write_transaction
    from console.core.base.workspace import Workspace
    from console.core.security import settings

    per_entry = {}
    entries = 200
    for mode, every in (("none", 10**9), ("signed", 20)):
        ws = Workspace.create(root / f"audit-{mode}", "bench")
        with write_transaction(ws.conn) as conn:
            settings.put(conn, "checkpoint_every", str(every))
        counter = iter(range(10**9))

        def change(ws: Workspace = ws, counter=counter) -> None:
            for _ in range(entries):
                ws.set_role("bench", f"user{next(counter)}", "viewer")

        per_entry[mode] = median_seconds(change, repeat) / entries
        ws.close()
    row("audit entry (role change, fsync'd)", per_entry["none"], per_entry["signed"], "ms")


def bench_database(demo_db: Path | None, root: Path, repeat: int) -> None:
    from console.core.base.workspace import Workspace
    from console.core.security import crypto

    if demo_db is None or not demo_db.is_file():
        print("(no demo database given: --demo-db PATH to measure whole-database encryption)")
        return
    ws = Workspace.create(root / "db", "bench")
    size = demo_db.stat().st_size / 1e6
    copy = median_seconds(lambda: shutil.copyfile(demo_db, root / "db.copy"), repeat)
    enc = median_seconds(lambda: crypto.encrypt_file(ws, demo_db, root / "db.enc"), repeat)
    dec = median_seconds(lambda: crypto.decrypt_file(ws, root / "db.enc", root / "db.out"), repeat)
    row(f"whole database ({size:.1f} MB): copy vs encrypt", copy, enc)
    row(f"whole database ({size:.1f} MB): copy vs decrypt", copy, dec)
    ws.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=300_000)
    parser.add_argument("--mb", type=int, default=256)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--demo-db", type=Path, help="console.db of a demo workspace")
    args = parser.parse_args()
    keyring.set_keyring(MEMORY)
    print(f"{'':<44} {'baseline':>13} {'console':>13} {'ratio':>8}")
    with tempfile.TemporaryDirectory(prefix="bench-security-") as tmp:
        root = Path(tmp)
        bench_datasets(root, args.rows, args.repeat)
        bench_files(root, args.mb, args.repeat)
        bench_audit(root, args.repeat)
        bench_database(args.demo_db, root, args.repeat)


if __name__ == "__main__":
    main()
