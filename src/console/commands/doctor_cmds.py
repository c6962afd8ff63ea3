"""``console doctor``: one report of what the console needs on this machine and has."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from console.commands.output import add_json, emit
from console.core.base.errors import EXIT_OK, EXIT_PROBLEM

MARKS = {"ok": "ok", "warning": "WARN", "problem": "FAIL"}


def register(sub: Any) -> None:
    doc = sub.add_parser(
        "doctor",
    )
    doc.add_argument(
        "--offscreen", action="store_true", help="no display here: skip the X window libraries"
    )
    add_json(doc).set_defaults(run=run_doctor, needs_workspace=False)


def run_doctor(args: argparse.Namespace, root: Path, user: str) -> int:
    from console.core.diagnostics import doctor

    findings = doctor.run(root, window=not args.offscreen)
    status = doctor.worst(findings)

    def text() -> str:
        lines = []
        for f in findings:
            lines.append(f"{MARKS[f.status]:<4}  {f.area:<12} {f.message}")
            if f.fix:
                lines.append(f"{'':<18}fix: {f.fix}")
        lines.append(f"Overall: {status}")
        return "\n".join(lines)

    emit(args, {"status": status, "findings": [f.as_dict() for f in findings]}, text)
    return EXIT_PROBLEM if status == "problem" else EXIT_OK
