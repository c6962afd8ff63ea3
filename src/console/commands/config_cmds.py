"""``console config show|history|diff|set|revert``: console.toml and its versions."""

from __future__ import annotations

import argparse
from typing import Any

from console.commands.output import add_json, emit, short_time
from console.core.base import config_docs, config_versions
from console.core.base.errors import EXIT_OK, BadInput
from console.core.base.workspace import Workspace


def register(sub: Any) -> None:
    cfg = sub.add_parser("config")
    actions = cfg.add_subparsers(dest="config_command", metavar="ACTION", required=True)
    show = actions.add_parser("show", help="the current configuration, each key documented")
    show.add_argument("--version", type=int, dest="config_version", help="an earlier version")
    add_json(show).set_defaults(run=run_show)
    add_json(actions.add_parser("history", help="every version: who, when, why")).set_defaults(
        run=run_history
    )
    dif = actions.add_parser("diff", help="what changed from version A to version B")
    dif.add_argument("a", type=int)
    dif.add_argument("b", type=int)
    add_json(dif).set_defaults(run=run_diff)
    put = actions.add_parser("set", help="change one key (admin; validated, a new version)")
    put.add_argument("key", help="section.key, e.g. thresholds.f1_warning")
    put.add_argument("value")
    put.add_argument("--reason", required=True, help="why (kept with the version)")
    add_json(put).set_defaults(run=run_set)
    rev = actions.add_parser("revert", help="make an earlier version current again (admin)")
    rev.add_argument("version", type=int)
    rev.add_argument("--reason", default="", help="why (kept with the new version)")
    add_json(rev).set_defaults(run=run_revert)


def run_show(args: argparse.Namespace, ws: Workspace, user: str) -> int:
    version = (
        config_versions.require(ws, args.config_version)
        if args.config_version is not None
        else config_versions.current(ws)
    )
    text = version.text if version else ws.config_path.read_text(encoding="utf-8")
    values = config_docs.flat_values(text)
    keys = [{"key": k, "value": v, "meaning": config_docs.meaning(k)} for k, v in values.items()]
    doc = {"version": version.as_dict() if version else None, "keys": keys, "text": text}

    def human() -> str:
        head = (
            f"console.toml version {version.version} ({version.source}, {version.user}, "
            f"{short_time(version.created_at)})"
            if version
            else "console.toml"
        )
        lines = [head]
        for item in keys:
            meaning = f"  # {item['meaning']}" if item["meaning"] else ""
            lines.append(f"  {item['key']} = {item['value']!r}{meaning}")
        return "\n".join(lines)

    emit(args, doc, human)
    return EXIT_OK


def run_history(args: argparse.Namespace, ws: Workspace, user: str) -> int:
    versions = config_versions.history(ws)

    def text() -> str:
        lines = [f"{'ver':>4}  {'when':<19}  {'source':<8} {'who':<22} why"]
        for v in versions:
            lines.append(
                f"{v.version:>4}  {short_time(v.created_at):<19}  {v.source:<8} {v.user:<22} "
                f"{v.reason}"
            )
        return "\n".join(lines)

    emit(args, {"versions": [v.as_dict() for v in versions]}, text)
    return EXIT_OK


def run_diff(args: argparse.Namespace, ws: Workspace, user: str) -> int:
    result = config_versions.diff(ws, args.a, args.b)

    def text() -> str:
        if not result["diff"]:
            return f"Versions {args.a} and {args.b} are identical."
        return "\n".join(result["diff"])

    emit(args, result, text)
    return EXIT_OK


def run_set(args: argparse.Namespace, ws: Workspace, user: str) -> int:
    before = ws.config_path.read_text(encoding="utf-8")
    if args.key not in config_docs.flat_values(before) and args.key not in config_docs.key_docs():
        section = args.key.rsplit(".", 1)[0]
        known = [k for k in config_docs.flat_values(before) if k.startswith(section + ".")]
        if not known and not args.key.startswith(("drift.features.", "alerts.")):
            raise BadInput(f"{args.key}: unknown key (see 'console config show')")
    text = config_docs.with_value(before, args.key, args.value)
    config_versions.save(ws, user, text, reason=args.reason)
    return _saved(args, ws)


def run_revert(args: argparse.Namespace, ws: Workspace, user: str) -> int:
    config_versions.revert(ws, user, args.version, reason=args.reason)
    return _saved(args, ws)


def _saved(args: argparse.Namespace, ws: Workspace) -> int:
    version = config_versions.current(ws)
    assert version is not None
    emit(
        args,
        version.as_dict(),
        lambda: f"console.toml is now version {version.version}: {version.reason}",
    )
    return EXIT_OK
