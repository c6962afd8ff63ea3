"""Tamper with a workspace's audit log and security state the way someone with write
access to its files would, and count what ``console audit verify`` detects.

A workspace with ``--entries`` audit entries (role changes, accounts, a switch; a signed
checkpoint every 20) is built once per mode; every case starts from a fresh copy of it
put back in the workspace's own folder (the signed head is kept per folder):

- truncation at every depth from 1 to ``--entries - 1`` entries, once keeping the
  checkpoints and once deleting the checkpoints past the cut;
- each field of an entry edited (no recomputation), the same with the chain recomputed
  from there, and with the chain recomputed and the checkpoints rewritten to match
  (unsigned, since the private key is not in the files);
- out-of-band security changes: a role raised in ``users``, an admin added or removed,
  a password hash replaced, accounts switched off, encryption no longer required, the
  checkpoint interval changed, ``access.default_role = "admin"`` in console.toml, the
  public key removed, the workspace id changed, the whole log deleted.

Modes: *keyring* (the signed head lives in an in-memory keyring made here; the OS
keyring is never touched) and *no keyring* (the workspace was made and used where no
keyring is usable). A case is *detected* when verify fails (what exit 1 means); a
verdict of "intact" on a tampered log is counted separately and must be 0 in both modes
(without a keyring the verdict is "not tamper-evident", never "intact").

    python benchmarks/audit_tamper.py [--entries 102] [--depths all|N] [--json]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import keyring
import keyring.backend
import keyring.backends.fail

from _memory_keyring import MemoryKeyring

Tamper = Callable[[Path, sqlite3.Connection], None]
HASHED = ("seq", "ts", "user", "role", "action", "target", "outcome", "details", "prev_hash")


def build(root: Path, entries: int) -> Path:
    """A workspace with ``entries`` audit entries, accounts and a security switch."""
    from console.core.base.workspace import Workspace
    from console.core.security import accounts

    accounts._PARAMS = {"n": 2**10, "r": 8, "p": 1}  # type: ignore[misc] # fast scrypt here
    ws = Workspace.create(root, "alice")
    ws.set_role("alice", "bob", "viewer")
    accounts.set_password(ws, "alice", "alice", "alice-password-1")
    accounts.set_password(ws, "alice", "bob", "bob-password-12")
    accounts.set_enabled(ws, "alice", True)
    n = 0
    while ws.conn.execute("SELECT MAX(seq) FROM audit").fetchone()[0] < entries:
        ws.set_role("alice", f"user{n}", "viewer")
        n += 1
    ws.close()
    return root


def _rechain(conn: sqlite3.Connection, start: int, changes: dict[str, Any]) -> None:
    """Edit entry ``start`` and recompute every hash from there (chain consistent)."""
    from console.core.base import audit

    rows = conn.execute("SELECT * FROM audit WHERE seq >= ? ORDER BY seq", (start,)).fetchall()
    prev_row = conn.execute("SELECT hash FROM audit WHERE seq = ?", (start - 1,)).fetchone()
    prev = prev_row[0] if prev_row else audit.GENESIS
    for row in rows:
        values = {n: row[n] for n in HASHED} | (changes if row["seq"] == start else {})
        values["prev_hash"] = prev
        prev = audit._digest([values[n] for n in HASHED], row["os_user"])
        sets = ", ".join(f"{n} = ?" for n in HASHED if n != "seq")
        conn.execute(
            f"UPDATE audit SET {sets}, hash = ? WHERE seq = ?",
            [*(values[n] for n in HASHED if n != "seq"), prev, row["seq"]],
        )


def _rewrite_checkpoints(conn: sqlite3.Connection) -> None:
    conn.execute(
        "UPDATE audit_checkpoints SET signature = NULL, "
        "hash = (SELECT hash FROM audit WHERE audit.seq = audit_checkpoints.seq)"
    )
    conn.execute("DELETE FROM security_settings WHERE key IN ('audit_public_key', 'signing_since')")


def cases(entries: int, depths: list[int]) -> dict[str, Tamper]:
    out: dict[str, Tamper] = {}
    for depth in depths:
        cut = entries - depth + 1

        def truncate(_root: Path, conn: sqlite3.Connection, cut: int = cut) -> None:
            conn.execute("DELETE FROM audit WHERE seq >= ?", (cut,))

        def truncate_all(_root: Path, conn: sqlite3.Connection, cut: int = cut) -> None:
            conn.execute("DELETE FROM audit WHERE seq >= ?", (cut,))
            conn.execute("DELETE FROM audit_checkpoints WHERE seq >= ?", (cut,))

        out[f"truncate {depth} keep checkpoints"] = truncate
        out[f"truncate {depth} with checkpoints"] = truncate_all
    target = max(2, entries // 2)
    edits = {
        "user": "mallory",
        "role": "viewer",
        "action": "ingest",
        "target": "nothing",
        "outcome": "denied",
        "details": "{}",
        "ts": "2020-01-01T00:00:00+00:00",
    }
    for field_name, value in edits.items():

        def edit(_r: Path, c: sqlite3.Connection, f: str = field_name, v: str = value) -> None:
            c.execute(f"UPDATE audit SET {f} = ? WHERE seq = ?", (v, target))

        def rechain(_r: Path, c: sqlite3.Connection, f: str = field_name, v: str = value) -> None:
            _rechain(c, target, {f: v})

        def forge(_r: Path, c: sqlite3.Connection, f: str = field_name, v: str = value) -> None:
            _rechain(c, target, {f: v})
            _rewrite_checkpoints(c)

        out[f"edit {field_name}"] = edit
        out[f"edit {field_name}, chain recomputed"] = rechain
        out[f"edit {field_name}, chain and checkpoints rewritten"] = forge

    def sql(*statements: str) -> Tamper:
        def run(_root: Path, conn: sqlite3.Connection) -> None:
            for statement in statements:
                conn.execute(statement)

        return run

    def default_admin(root: Path, _conn: sqlite3.Connection) -> None:
        path = root / "console.toml"
        text = path.read_text().replace('default_role = "viewer"', 'default_role = "admin"')
        path.write_text(text)

    out |= {
        "role raised (UPDATE users SET role='admin')": sql(
            "UPDATE users SET role = 'admin' WHERE name = 'bob'"
        ),
        "admin added": sql(
            "INSERT INTO users VALUES ('mallory', 'admin', '2026-01-01T00:00:00+00:00', 'x')"
        ),
        "user removed": sql("DELETE FROM users WHERE name = 'user0'"),
        "password hash replaced": sql("UPDATE accounts SET hash = '00' WHERE name = 'bob'"),
        "accounts switched off": sql(
            "UPDATE security_settings SET value = '0' WHERE key = 'accounts_enabled'"
        ),
        "encryption no longer required": sql(
            "UPDATE security_settings SET value = '1' WHERE key = 'require_encryption'"
        ),
        "checkpoint interval changed": sql(
            "UPDATE security_settings SET value = '1000' WHERE key = 'checkpoint_every'"
        ),
        "access.default_role = admin in console.toml": default_admin,
        "public key removed": sql(
            "DELETE FROM security_settings WHERE key IN ('audit_public_key', 'signing_since')"
        ),
        "workspace id changed": sql(
            "UPDATE security_settings SET value = 'ffff' WHERE key = 'workspace_id'"
        ),
        "whole log deleted": sql("DELETE FROM audit", "DELETE FROM audit_checkpoints"),
    }
    return out


def run_mode(with_keyring: bool, entries: int, depths: list[int], work: Path) -> dict[str, Any]:
    from console.core.base import audit
    from console.core.base.workspace import Workspace

    memory = MemoryKeyring()
    keyring.set_keyring(memory if with_keyring else keyring.backends.fail.Keyring())
    root = work / f"ws-{with_keyring}"  # every case runs in the workspace's own folder
    pristine = work / f"pristine-{with_keyring}"
    shutil.copytree(build(root, entries), pristine)
    secrets = dict(memory.secrets)
    results: dict[str, dict[str, Any]] = {}
    for name, tamper in cases(entries, depths).items():
        shutil.rmtree(root)
        shutil.copytree(pristine, root)
        memory.secrets = dict(secrets)
        conn = sqlite3.connect(root / "console.db", isolation_level=None)
        conn.row_factory = sqlite3.Row
        tamper(root, conn)
        conn.close()
        try:
            ws = Workspace.open(root)
        except Exception as exc:
            results[name] = {"detected": True, "at_start": True, "status": f"refused: {exc}"}
            continue
        with ws:
            report = audit.verify(ws.conn)
            results[name] = {
                "detected": not report.ok,
                "at_start": not ws.integrity.ok,
                "status": report.status,
                "reason": report.reason,
            }
    detected = sum(r["detected"] for r in results.values())
    intact = sum(r["status"] == "intact" for r in results.values())
    return {
        "keyring": with_keyring,
        "cases": len(results),
        "detected": detected,
        "detected_at_start": sum(r["at_start"] for r in results.values()),
        "verdict_intact_on_tampered": intact,
        "missed": sorted(n for n, r in results.items() if not r["detected"]),
        "results": results,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=102)
    parser.add_argument("--depths", default="all", help="'all' (1..entries-1) or a count")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    top = args.entries - 1 if args.depths == "all" else min(int(args.depths), args.entries - 1)
    depths = list(range(1, top + 1))
    if not args.json:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from _machine import print_machine

        print_machine("every case on a fresh copy in the workspace's own folder")
    with tempfile.TemporaryDirectory(prefix="audit-tamper-") as tmp:
        modes = [run_mode(m, args.entries, depths, Path(tmp)) for m in (True, False)]
    if args.json:
        print(json.dumps({"entries": args.entries, "modes": modes}))
        return 0
    print(f"audit tampering, {args.entries} entries, truncation depths 1..{top}")
    for mode in modes:
        label = "with keyring   " if mode["keyring"] else "without keyring"
        print(
            f"  {label}: detected {mode['detected']}/{mode['cases']} "
            f"(at start {mode['detected_at_start']}/{mode['cases']}); "
            f"'intact' verdicts on a tampered log: {mode['verdict_intact_on_tampered']}"
        )
        if mode["keyring"] and mode["missed"]:
            print("    missed: " + "; ".join(mode["missed"]))
    without = next(m for m in modes if not m["keyring"])
    missed = ", ".join(sorted({n.split(" ")[0] for n in without["missed"]}))
    print(f"  without keyring the misses are reported 'not tamper-evident' (kinds: {missed})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
