"""``console ingest`` and ``console batches``: the data pipeline."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from console.commands.output import add_json, emit, short_time, terminal_job
from console.core.base.errors import EXIT_OK, ConsoleError
from console.core.base.workspace import Workspace
from console.core.data import ingest


def register(sub: Any) -> None:
    ing = sub.add_parser("ingest")
    ing.add_argument("kind", choices=["predictions", "labels"])
    ing.add_argument("file", type=Path)
    add_json(ing).set_defaults(run=run_ingest)

    bat = sub.add_parser("batches")
    bat.add_argument("--limit", type=int, default=50)
    add_json(bat).set_defaults(run=run_batches)


def run_ingest(args: argparse.Namespace, ws: Workspace, user: str) -> int:
    result = ingest.ingest_file(ws, user, args.kind, args.file, terminal_job(args))
    if result.outcome == "ok":
        _evaluate_alerts(ws, user)

    def text() -> str:
        if result.outcome != "ok":
            return f"{result.source}: {result.message}"
        return (
            f"Ingested {result.rows:,} {result.kind} rows from {result.source} "
            f"(batch {result.batch_id})"
        )

    emit(args, result.as_dict(), text)
    return EXIT_OK


def _evaluate_alerts(ws: Workspace, user: str) -> None:
    """Alerts run after every ingest, headless too; the ingest itself already succeeded."""
    from console.core.alerts import engine

    try:
        engine.evaluate_latest(ws, user)
    except ConsoleError as exc:
        print(f"console: warning: alerts not evaluated: {exc}", file=sys.stderr)


def run_batches(args: argparse.Namespace, ws: Workspace, user: str) -> int:
    rows = ingest.batches(ws, args.limit)

    def text() -> str:
        lines = [f"{'id':>5}  {'finished':<19}  {'kind':<11} {'outcome':<9} {'rows':>9}  source"]
        for b in rows:
            lines.append(
                f"{b.id:>5}  {short_time(b.finished_at):<19}  {b.kind:<11} "
                f"{b.outcome:<9} {b.rows:>9,}  {b.source}"
            )
            if b.outcome != "ok" and b.message:
                lines.append(f"{'':>7}{b.message}")
        return "\n".join(lines)

    emit(args, {"batches": [b.as_dict() for b in rows]}, text)
    return EXIT_OK
