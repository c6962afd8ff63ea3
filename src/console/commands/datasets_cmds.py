"""``console data list|show|register|diff|verify``: dataset versions and their lineage."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from console.commands.lineage_cmds import parse_time
from console.commands.output import add_json, emit, short_time, terminal_job
from console.core.base.errors import EXIT_OK, EXIT_PROBLEM, BadInput
from console.core.base.workspace import Workspace
from console.core.data import dataset_builds, datasets, derivations
from console.core.lineage import dataset_diff, graph, integrity


def register(sub: Any) -> None:
    data = sub.add_parser("data")
    actions = data.add_subparsers(dest="data_command", metavar="ACTION", required=True)
    add_json(actions.add_parser("list", help="every dataset version")).set_defaults(run=run_list)
    show = actions.add_parser("show", help="one version: how it was made and what used it")
    show.add_argument("dataset", help="hash, unique hash prefix or name (newest version)")
    add_json(show).set_defaults(run=run_show)
    reg = actions.add_parser("register", help="register files or a log window as a version")
    reg.add_argument("name")
    reg.add_argument("files", nargs="*", type=Path, help="CSV or Parquet files (same columns)")
    reg.add_argument("--since", help="instead of files: labelled predictions from this time")
    reg.add_argument("--until", default="now", help="... up to this time (default now)")
    reg.add_argument("--parent", help="the version this one derives from")
    reg.add_argument("--transform", default="", help="what was done to the rows")
    reg.add_argument("--relabel", metavar="DATASET", help="new labels for DATASET from FILE")
    add_json(reg).set_defaults(run=run_register)
    dif = actions.add_parser("diff", help="schema and distribution changes from A to B")
    dif.add_argument("a")
    dif.add_argument("b")
    add_json(dif).set_defaults(run=run_diff)
    ver = actions.add_parser("verify", help="name recorded files whose bytes changed (exit 1)")
    ver.add_argument("--all", action="store_true", help="list unchanged files too")
    add_json(ver).set_defaults(run=run_verify)


def run_list(args: argparse.Namespace, ws: Workspace, user: str) -> int:
    versions = datasets.list_versions(ws)

    def text() -> str:
        lines = [f"{'sha256':<14}{'name':<24}{'rows':>10}  {'created':<19}  parent"]
        for v in versions:
            lines.append(
                f"{v.sha256[:12]:<14}{v.name:<24}{v.rows:>10,}  {short_time(v.created_at):<19}"
                f"  {(v.parent or '-')[:12]}"
            )
        return "\n".join(lines)

    emit(args, {"datasets": [v.as_dict() for v in versions]}, text)
    return EXIT_OK


def run_show(args: argparse.Namespace, ws: Workspace, user: str) -> int:
    version = dataset_diff.resolve_dataset(ws, args.dataset)
    made = derivations.of_output(ws.conn, "dataset", version.sha256)
    lin = graph.lineage_of(ws, version.sha256)
    doc = {
        **version.as_dict(),
        "derivations": [d.as_dict() for d in made],
        "upstream": lin["upstream"],
        "downstream": lin["downstream"],
    }

    def text() -> str:
        lines = [
            f"{version.name} {version.sha256}",
            f"  rows {version.rows:,}; columns {', '.join(version.columns)}",
            f"  created {short_time(version.created_at)} by {version.created_by}",
            f"  parent {version.parent or '-'}; transform: {version.transform or '-'}",
        ]
        for d in made:
            lines.append(f"  derivation {d.kind} ({d.code_version}) by {d.user}: {d.parameters}")
            lines += [f"    input {i.kind} {i.ref} {i.sha256[:12]}" for i in d.inputs]
        lines += [f"  used by {n['kind']} {n['label']}" for n in lin["downstream"]]
        return "\n".join(lines)

    emit(args, doc, text)
    return EXIT_OK


def run_register(args: argparse.Namespace, ws: Workspace, user: str) -> int:
    if args.relabel:
        if len(args.files) != 1:
            raise BadInput("--relabel needs exactly one labels file")
        source = dataset_diff.resolve_dataset(ws, args.relabel)
        version = dataset_builds.relabel(ws, user, source.sha256, args.files[0], name=args.name)
    elif args.since:
        if args.files:
            raise BadInput("give files or --since, not both")
        since, until = parse_time(args.since, "--since"), parse_time(args.until, "--until")
        version = dataset_builds.from_log_window(ws, user, args.name, since, until)
    else:
        parent = dataset_diff.resolve_dataset(ws, args.parent).sha256 if args.parent else None
        version = dataset_builds.from_files(
            ws, user, args.name, args.files, parent=parent, transform=args.transform
        )
    emit(
        args,
        version.as_dict(),
        lambda: f"Dataset {version.name} {version.sha256[:12]}: {version.rows:,} rows",
    )
    return EXIT_OK


def run_diff(args: argparse.Namespace, ws: Workspace, user: str) -> int:
    result = dataset_diff.diff(ws, args.a, args.b, terminal_job(args))

    def text() -> str:
        a, b = result["a"], result["b"]
        s = result["schema"]
        lines = [
            f"{a['name']} {a['sha256'][:12]} ({a['rows']:,} rows) -> "
            f"{b['name']} {b['sha256'][:12]} ({b['rows']:,} rows)",
            f"  columns added: {', '.join(s['added']) or '-'}; removed: "
            f"{', '.join(s['removed']) or '-'}; retyped: "
            f"{', '.join(r['column'] for r in s['retyped']) or '-'}",
        ]
        for c in result["columns"]:
            mark = "CHANGED" if c["drifted"] else "same   "
            effect = "-" if c["effect"] is None else f"{c['effect']:.3f}"
            lines.append(f"  {mark} {c['column']:<22} {c['method']:<5} effect {effect}")
        return "\n".join(lines)

    emit(args, result, text)
    return EXIT_OK


def run_verify(args: argparse.Namespace, ws: Workspace, user: str) -> int:
    states = integrity.check(ws, terminal_job(args))
    bad = integrity.problems(states)
    shown = states if args.all else [s for s in states if s.state != "unchanged"]

    def text() -> str:
        if not shown:
            return f"All {len(states)} recorded files have the bytes they were recorded with."
        lines = []
        for s in shown:
            used = f" (used by {', '.join(u[:20] for u in s.used_by)})" if s.used_by else ""
            lines.append(f"{s.state.upper():<9} {s.kind:<14} {s.path}{used}")
        return "\n".join(lines)

    emit(args, {"ok": not bad, "problems": [s.as_dict() for s in bad],
                "files": [s.as_dict() for s in shown]}, text)  # fmt: skip
    return EXIT_PROBLEM if bad else EXIT_OK
