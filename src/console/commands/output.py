"""How subcommands talk: one JSON document with --json, readable text otherwise, and a
progress bar on a terminal for long jobs."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any

from console.core.base.jobs import JobContext


def add_json(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument("--json", action="store_true", help="print one JSON document on stdout")
    return parser


def emit(args: argparse.Namespace, data: Any, text: Callable[[], str]) -> None:
    """Print ``data`` as JSON with --json, else the human text."""
    if getattr(args, "json", False):
        json.dump(data, sys.stdout, indent=2, default=str)
        sys.stdout.write("\n")
    else:
        print(text())


def short_time(iso: str | None) -> str:
    """``2026-11-30T15:21:29.198+00:00`` -> ``2026-11-30 15:21:29``."""
    return iso[:19].replace("T", " ") if iso else "-"


def terminal_job(args: argparse.Namespace) -> JobContext:
    """A job context that draws a progress bar on stderr when it is a terminal."""
    if getattr(args, "json", False) or not sys.stderr.isatty():
        return JobContext()

    def draw(fraction: float, message: str) -> None:
        width = 30
        filled = int(fraction * width)
        bar = "#" * filled + "." * (width - filled)
        sys.stderr.write(f"\r[{bar}] {fraction:4.0%} {message:<40}")
        if fraction >= 1.0:
            sys.stderr.write("\n")
        sys.stderr.flush()

    return JobContext(draw, min_interval=0.1)
