"""``console lineage at TIME`` and ``console lineage of MODEL|DATASET|FILE``."""

from __future__ import annotations

import argparse
from typing import Any

from console.commands.output import add_json, emit, short_time
from console.core.base import clock
from console.core.base.errors import EXIT_OK, BadInput
from console.core.base.workspace import Workspace
from console.core.lineage import at, graph


def register(sub: Any) -> None:
    lin = sub.add_parser("lineage")
    actions = lin.add_subparsers(dest="lineage_command", metavar="ACTION", required=True)
    when = actions.add_parser("at", help="production, its deployment, data and config at TIME")
    when.add_argument("time", help="ISO 8601 (2026-11-30T14:00), 'now', or an age like '3d'")
    add_json(when).set_defaults(run=run_at)
    of = actions.add_parser("of", help="a model, dataset or file's lineage both ways")
    of.add_argument("ref", help="model version, dataset hash (prefix) or name, or file path")
    add_json(of).set_defaults(run=run_of)


def parse_time(text: str, what: str = "TIME") -> Any:
    try:
        return clock.parse_moment(text)
    except ValueError as exc:
        raise BadInput(f"{what}: {exc}") from None


def run_at(args: argparse.Namespace, ws: Workspace, user: str) -> int:
    answer = at.lineage_at(ws, parse_time(args.time))

    def text() -> str:
        lines = [f"At {short_time(answer['at'])} UTC:"]
        dep = answer["deployment"]
        if dep is None:
            lines.append("  no model version was in production")
        else:
            lines.append(f"  production: model {dep['version']}")
            lines.append(
                f"  deployed:   {dep['kind']} by {dep['user']} at {short_time(dep['at'])}"
                f" - {dep['reason']}"
            )
        training = answer["training"]
        if training:
            params = ", ".join(f"{k}={v}" for k, v in training["parameters"].items()
                               if k != "features")  # fmt: skip
            lines.append(
                f"  trained:    by {training['user']} ({training['code_version']}) {params}"
            )
        for n, ds in enumerate(answer["dataset_chain"]):
            label = "dataset:   " if n == 0 else "  from:    "
            if ds.get("missing"):
                lines.append(f"  {label} {ds['sha256'][:12]} (not registered)")
                continue
            lines.append(
                f"  {label} {ds['name']} {ds['sha256'][:12]} ({ds['rows']:,} rows)"
                f" - {ds['transform'] or '-'}"
            )
            for f in ds["files"]:
                lines.append(f"               file {f['ref']} sha256 {f['sha256'][:12]}")
        cfg = answer["config"]
        if cfg:
            lines.append(
                f"  config:     version {cfg['version']} by {cfg['user']} at "
                f"{short_time(cfg['created_at'])} - {cfg['reason']}"
            )
        return "\n".join(lines)

    emit(args, answer, text)
    return EXIT_OK


def run_of(args: argparse.Namespace, ws: Workspace, user: str) -> int:
    answer = graph.lineage_of(ws, args.ref)

    def line(node: dict[str, Any]) -> str:
        when = f" ({short_time(node['time'])})" if node["time"] else ""
        return f"  {node['kind']:<10} {node['label']}{when}"

    def text() -> str:
        subject = answer["subject"]
        lines = [f"{subject['kind']} {subject['label']}"]
        lines.append("Came from:" if answer["upstream"] else "Came from: (nothing recorded)")
        lines += [line(n) for n in answer["upstream"]]
        lines.append("Built from it:" if answer["downstream"] else "Built from it: (nothing)")
        lines += [line(n) for n in answer["downstream"]]
        return "\n".join(lines)

    emit(args, answer, text)
    return EXIT_OK
