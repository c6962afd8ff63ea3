"""``console runbook …``: guided procedures, their runs, versions and the contacts."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from console.commands.output import add_json, emit, short_time, terminal_job
from console.core.base import documents
from console.core.base.errors import EXIT_OK, EXIT_PROBLEM, BadInput
from console.core.base.workspace import Workspace
from console.core.runbooks import library, runs


def register(sub: Any) -> None:
    rb = sub.add_parser("runbook")
    actions = rb.add_subparsers(dest="runbook_command", metavar="ACTION", required=True)
    add_json(actions.add_parser("list", help="the workspace's runbooks")).set_defaults(run=run_list)
    show = actions.add_parser("show", help="a runbook's steps (or its Markdown with --text)")
    show.add_argument("name")
    show.add_argument("--version", type=int, dest="doc_version")
    show.add_argument("--text", action="store_true", help="print the Markdown")
    add_json(show).set_defaults(run=run_show)
    go = actions.add_parser(
        "run", help="start (or resume) a run: runs its checks up to the next manual step"
    )
    go.add_argument("name")
    go.add_argument("--new", action="store_true", help="start a new run even if one is open")
    add_json(go).set_defaults(run=run_run)
    mark = actions.add_parser("mark", help="record a manual step of a run")
    mark.add_argument("run_id", type=int, metavar="RUN")
    mark.add_argument("step", type=int, metavar="STEP", help="step number (from 1)")
    mark.add_argument("status", choices=["done", "skipped", "opened"])
    mark.add_argument("--note", default="", help="what was done or found")
    add_json(mark).set_defaults(run=run_mark)
    hist = actions.add_parser("history", help="runs (of one runbook), or one run's steps")
    hist.add_argument("name", nargs="?")
    hist.add_argument("--run", type=int, dest="run_id", help="one run, step by step")
    add_json(hist).set_defaults(run=run_history)
    vers = actions.add_parser("versions", help="a runbook's versions: who, when, why")
    vers.add_argument("name")
    add_json(vers).set_defaults(run=run_versions)
    dif = actions.add_parser("diff", help="what changed between two versions")
    dif.add_argument("name")
    dif.add_argument("a", type=int)
    dif.add_argument("b", type=int)
    add_json(dif).set_defaults(run=run_diff)
    edit = actions.add_parser("edit", help="a new version from a Markdown file (admin)")
    edit.add_argument("name")
    edit.add_argument("file", type=Path)
    edit.add_argument("--reason", required=True)
    add_json(edit).set_defaults(run=run_edit)
    con = actions.add_parser("contacts", help="recovery contacts and escalation path")
    con.add_argument("--edit", type=Path, metavar="FILE", help="a new version (admin)")
    con.add_argument("--reason", default="")
    add_json(con).set_defaults(run=run_contacts)


def run_list(args: argparse.Namespace, ws: Workspace, user: str) -> int:
    books = library.listing(ws)

    def text() -> str:
        lines = [f"{'name':<26}{'ver':>4}  {'steps':>5}  title"]
        for b in books:
            problem = f"  MALFORMED: {b.error}" if b.error else ""
            lines.append(f"{b.name:<26}{b.version:>4}  {b.steps:>5}  {b.title}{problem}")
        return "\n".join(lines)

    emit(args, {"runbooks": [b.as_dict() for b in books]}, text)
    return EXIT_OK


def run_show(args: argparse.Namespace, ws: Workspace, user: str) -> int:
    doc, book = library.load(ws, args.name, args.doc_version)

    def text() -> str:
        if args.text:
            return doc.text
        lines = [f"{book.title} (version {doc.version}, {doc.user}, {short_time(doc.created_at)})"]
        section = None
        for s in book.steps:
            if s.section != section:
                section = s.section
                lines.append(f"  {section}")
            how = f"  [{s.kind}: {s.target}]" if s.target else ""
            lines.append(f"    {s.index + 1:>2}. {s.text}{how}")
        return "\n".join(lines)

    emit(args, {**book.as_dict(), "version": doc.as_dict(), "text": doc.text}, text)
    return EXIT_OK


def _describe(ws: Workspace, run: runs.Run) -> tuple[dict[str, Any], str]:
    book = runs.book_of(ws, run)
    lines = [f"Run {run.id} of {book.title} (version {run.doc_version}): {run.state}"]
    for s in book.steps:
        rec = run.records.get(s.index)
        mark = f"{rec.status:<8} {rec.result} ({rec.user}, {short_time(rec.ts)})" if rec else "-"
        lines.append(f"  {s.index + 1:>2}. {s.text}\n        {mark}")
    nxt = run.next_step(book)
    if nxt is not None and run.state == "open":
        how = {"open": f"open {nxt.target} in the console, then", "show": "read the contacts, then",
               "manual": "do it, then"}.get(nxt.kind, "")  # fmt: skip
        lines.append(
            f"Next: step {nxt.index + 1} - {nxt.text}. {how.capitalize()} "
            f"'console runbook mark {run.id} {nxt.index + 1} done --note …'"
        )
    doc = {**run.as_dict(), "title": book.title,
           "next_step": nxt.as_dict() if nxt else None}  # fmt: skip
    return doc, "\n".join(lines)


def run_run(args: argparse.Namespace, ws: Workspace, user: str) -> int:
    run = None if args.new else runs.open_run(ws, args.name)
    run = run or runs.start(ws, user, args.name)
    book = runs.book_of(ws, run)
    problems = False
    while (nxt := run.next_step(book)) is not None and nxt.kind == "check":
        run, outcome = runs.run_step(ws, user, run.id, nxt.index, terminal_job(args))
        problems = problems or (outcome is not None and outcome.status != "ok")
    doc, text = _describe(ws, run)
    emit(args, doc, lambda: text)
    return EXIT_PROBLEM if problems else EXIT_OK


def run_mark(args: argparse.Namespace, ws: Workspace, user: str) -> int:
    run = runs.record(ws, user, args.run_id, args.step - 1, status=args.status, result=args.note)
    book = runs.book_of(ws, run)
    while run.state == "open" and (nxt := run.next_step(book)) is not None and nxt.kind == "check":
        run, _ = runs.run_step(ws, user, run.id, nxt.index, terminal_job(args))
    doc, text = _describe(ws, run)
    emit(args, doc, lambda: text)
    return EXIT_OK


def run_history(args: argparse.Namespace, ws: Workspace, user: str) -> int:
    if args.run_id is not None:
        doc, described = _describe(ws, runs.get(ws, args.run_id))
        emit(args, doc, lambda: described)
        return EXIT_OK
    found = runs.history(ws, args.name)

    def text() -> str:
        lines = [f"{'run':>5}  {'runbook':<26}{'state':<10}{'by':<12}{'started':<19}  steps"]
        for r in found:
            lines.append(
                f"{r.id:>5}  {r.runbook:<26}{r.state:<10}{r.user:<12}"
                f"{short_time(r.started_at):<19}  {len(r.records)}"
            )
        return "\n".join(lines)

    emit(args, {"runs": [r.as_dict() for r in found]}, text)
    return EXIT_OK


def run_versions(args: argparse.Namespace, ws: Workspace, user: str) -> int:
    library.ensure_defaults(ws)
    found = documents.versions(ws, args.name)
    if not found:
        raise BadInput(f"{args.name!r} does not exist")

    def text() -> str:
        return "\n".join(
            f"{d.version:>4}  {short_time(d.created_at):<19}  {d.user:<20} {d.reason}"
            for d in found
        )

    emit(args, {"versions": [d.as_dict() for d in found]}, text)
    return EXIT_OK


def run_diff(args: argparse.Namespace, ws: Workspace, user: str) -> int:
    library.ensure_defaults(ws)
    lines = documents.diff(ws, args.name, args.a, args.b)
    emit(args, {"name": args.name, "from": args.a, "to": args.b, "diff": lines},
         lambda: "\n".join(lines) or "identical")  # fmt: skip
    return EXIT_OK


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput(f"{path}: cannot read: {exc}") from None


def run_edit(args: argparse.Namespace, ws: Workspace, user: str) -> int:
    doc = library.save(ws, user, args.name, _read(args.file), reason=args.reason)
    emit(args, doc.as_dict(), lambda: f"Runbook {doc.name} is now version {doc.version}")
    return EXIT_OK


def run_contacts(args: argparse.Namespace, ws: Workspace, user: str) -> int:
    if args.edit is not None:
        library.save_contacts(ws, user, _read(args.edit), reason=args.reason)
    data = library.contacts(ws)

    def text() -> str:
        lines = [f"Contacts (version {data['version']}, {data['updated_by']}):"]
        for c in data["contacts"]:
            reach = ", ".join(x for x in (c.get("phone"), c.get("email")) if x) or "no number"
            lines.append(f"  {c['name']} - {c.get('role', '')}: {reach}")
        lines.append("Escalation:")
        for e in data["escalation"]:
            lines.append(f"  level {e.get('level')} after {e.get('after')}: "
                         f"{', '.join(e.get('contacts', []))}")  # fmt: skip
        return "\n".join(lines)

    emit(args, data, text)
    return EXIT_OK
