"""``console backup …``: encrypted, deduplicated snapshots of the workspace; verify,
restore, retention. ``console backup create`` is what a cron entry or timer calls."""

from __future__ import annotations

import argparse
import getpass
from pathlib import Path
from typing import Any

from console.commands.output import add_json, emit, short_time, terminal_job
from console.commands.sign_in import acting_user
from console.core.backup import contents, locations, snapshots, verify
from console.core.backup.repository import Repository
from console.core.base.errors import EXIT_OK, EXIT_PROBLEM, BadInput
from console.core.base.files import byte_size
from console.core.base.workspace import Workspace


def _repo_arg(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument(
        "--repo", metavar="NAME|DIR", help="a repository named in [backup] or a folder "
        "(default: the first in [backup.repositories])"
    )  # fmt: skip
    return add_json(parser)


def register(sub: Any) -> None:
    bk = sub.add_parser("backup")
    actions = bk.add_subparsers(dest="backup_command", metavar="ACTION", required=True)

    init = actions.add_parser("init", help="make a new repository in DIR (admin)")
    init.add_argument("dir", type=Path)
    add_json(init).set_defaults(run=run_init)

    add_json(actions.add_parser("status", help="configured repositories: reachable, free space"))\
        .set_defaults(run=run_status)  # fmt: skip

    create = actions.add_parser("create", help="back up the workspace now (operator)")
    create.add_argument("--note", default="", help="a note stored with the snapshot")
    _repo_arg(create).set_defaults(run=run_create)

    _repo_arg(actions.add_parser("list", help="snapshots, newest first")).set_defaults(run=run_list)

    ver = actions.add_parser("verify", help="re-read every chunk; exit 1 on damage (operator)")
    ver.add_argument("--quick", action="store_true", help="index and a random 5 %% sample")
    ver.add_argument("--snapshot", action="append", help="only this snapshot (repeatable)")
    _repo_arg(ver).set_defaults(run=run_verify)

    res = actions.add_parser("restore", help="restore a snapshot (admin)")
    res.add_argument("snapshot", help="snapshot id (a unique prefix is enough)")
    where = res.add_mutually_exclusive_group(required=True)
    where.add_argument("--to", type=Path, metavar="DIR", help="into a new folder")
    where.add_argument(
        "--in-place", action="store_true", help="replace this workspace (kept aside)"
    )
    res.add_argument(
        "--only", action="append", choices=list(contents.CATEGORIES),
        help="only these parts (repeatable; with --to)",
    )  # fmt: skip
    res.add_argument("--reason", default="", help="why (recorded in the audit log)")
    res.add_argument("--dry-run", action="store_true", help="show what would change")
    res.add_argument(
        "--key", type=Path, metavar="FILE",
        help="open the repository with an exported recovery key (passphrase asked); "
        "works without a workspace, with --to",
    )  # fmt: skip
    _repo_arg(res).set_defaults(run=run_restore, needs_workspace=False)

    prune = actions.add_parser("prune", help="apply the retention policy, free space (admin)")
    for name in ("last", "daily", "weekly", "monthly"):
        prune.add_argument(f"--keep-{name}", type=int, metavar="N", help=f"keep {name} (N)")
    prune.add_argument("--dry-run", action="store_true", help="show what would be removed")
    _repo_arg(prune).set_defaults(run=run_prune)

    forget = actions.add_parser("forget", help="remove one snapshot (admin)")
    forget.add_argument("snapshot")
    forget.add_argument("--prune", action="store_true", help="also free its data now")
    _repo_arg(forget).set_defaults(run=run_forget)

    rec = sub.add_parser("recover")
    rec.add_argument("--from", dest="snapshot", required=True, metavar="SNAPSHOT")
    what = rec.add_mutually_exclusive_group(required=True)
    what.add_argument("--window", type=int, metavar="DAYS", help="the log's last DAYS days")
    what.add_argument("--dataset", metavar="VERSION", help="one dataset version (sha256)")
    what.add_argument("--model", metavar="VERSION", help="one model version's artifact")
    _repo_arg(rec).set_defaults(run=run_recover)

    exp = actions.add_parser("export-key", help="write a recovery key for the safe (admin)")
    exp.add_argument("file", type=Path)
    _repo_arg(exp).set_defaults(run=run_export_key)


def run_init(args: argparse.Namespace, ws: Workspace, user: str) -> int:
    repo = locations.init_repository(ws, user, args.dir)
    data = {"repository": repo.id, "location": str(repo.path)}
    emit(
        args,
        data,
        lambda: (
            f"Repository {repo.id[:12]} created in {repo.path}\n"
            f'Name it in console.toml:  [backup.repositories.NAME]  path = "{repo.path}"'
        ),
    )
    return EXIT_OK


def run_status(args: argparse.Namespace, ws: Workspace, user: str) -> int:
    items = [locations.status(ws, t) for t in locations.configured(ws)]

    def text() -> str:
        if not items:
            return "No repository in console.toml [backup.repositories]"
        return "\n".join(
            f"{i['name']:<12} {i['path']}  "
            + (f"reachable, {byte_size(i['free_bytes'])} free" if i["reachable"] else i["problem"])
            for i in items
        )

    emit(args, {"repositories": items}, text)
    return EXIT_OK if all(i["reachable"] for i in items) else EXIT_PROBLEM


def run_create(args: argparse.Namespace, ws: Workspace, user: str) -> int:
    result = snapshots.run_backup(ws, user, args.repo, note=args.note, ctx=terminal_job(args))

    def text() -> str:
        verified = {True: "verified", False: "VERIFY FAILED", None: "not verified"}
        return (
            f"Snapshot {result['snapshot'][:8]} in {result['location']}: {result['files']} files, "
            f"{byte_size(result['bytes'])}, {byte_size(result['added_bytes'])} new data; "
            f"{verified[result['verified']]}"
        )

    emit(args, result, text)
    return EXIT_PROBLEM if result["verified"] is False else EXIT_OK


def run_list(args: argparse.Namespace, ws: Workspace, user: str) -> int:
    _, repo = locations.open_repository(ws, args.repo)
    data = snapshots.list_snapshots(ws, repo)

    def text() -> str:
        lines = [
            f"{'ID':<9}{'TIME':<21}{'USER':<10}{'FILES':>6} {'SIZE':>9} {'ADDED':>9}  VERIFIED"
        ]
        for s in data["snapshots"]:
            check = (
                f"{s['verify_result']} {short_time(s['verified_at'])}"
                if s["verify_result"]
                else "never"
            )
            lines.append(
                f"{s['short']:<9}{short_time(s['time']):<21}{s['user']:<10}{s['files']:>6} "
                f"{byte_size(s['bytes']):>9} {byte_size(s['added_bytes']):>9}  {check}"
            )
        lines += [f"PROBLEM: {p}" for p in data["problems"]]
        return "\n".join(lines)

    emit(args, data, text)
    return EXIT_PROBLEM if data["problems"] else EXIT_OK


def run_verify(args: argparse.Namespace, ws: Workspace, user: str) -> int:
    _, repo = locations.open_repository(ws, args.repo)
    only = [repo.resolve(s) for s in args.snapshot] if args.snapshot else None
    report = verify.verify_repository(
        ws, user, repo, quick=args.quick, only=only, ctx=terminal_job(args)
    )

    def text() -> str:
        lines = [
            f"{report.mode} verify of {repo.path}: {len(report.snapshots)} snapshot(s), "
            f"{report.chunks_checked} chunks in {report.packs_read} packs read"
        ]
        lines += [f"  {name[:8]}  {state}" for name, state in report.snapshots.items()]
        lines += [f"PROBLEM: {p}" for p in report.problems]
        lines.append("OK" if report.ok else f"{len(report.problems)} problem(s)")
        return "\n".join(lines)

    emit(args, report.as_dict(), text)
    return EXIT_OK if report.ok else EXIT_PROBLEM


def _ask_new_passphrase() -> str:
    first = getpass.getpass("Passphrase for the recovery key: ")
    if getpass.getpass("Repeat it: ") != first:
        raise BadInput("the two passphrases differ; nothing was written")
    return first


def run_export_key(args: argparse.Namespace, ws: Workspace, user: str) -> int:
    _, repo = locations.open_repository(ws, args.repo)
    ws.authorize(user, "backup.export_key", str(args.file))
    locations.export_key(ws, user, repo, args.file, _ask_new_passphrase())
    emit(
        args,
        {"repository": repo.id, "file": str(args.file.resolve())},
        lambda: (
            f"Recovery key for {repo.id[:12]} written to {args.file}: keep it in the safe, "
            "its passphrase apart from it"
        ),
    )
    return EXIT_OK


def run_restore(args: argparse.Namespace, root: Path, user: str) -> int:
    if args.key is not None:
        return _restore_with_key(args, user)
    with Workspace.open(root) as ws:
        user = acting_user(ws, user)
        _, repo = locations.open_repository(ws, args.repo)
        if args.in_place:
            from console.core.backup import in_place

            if args.only:
                raise BadInput("--only: restore parts into a new folder with --to")
            if args.dry_run:
                return _show_preview(args, in_place.preview(ws, repo, args.snapshot))
            result = in_place.restore_in_place(
                ws, user, repo, args.snapshot, reason=args.reason, ctx=terminal_job(args)
            )
            emit(
                args,
                result,
                lambda: (
                    f"Workspace restored from snapshot {result['snapshot'][:8]}; "
                    f"the previous one is kept at {result['kept_at']}"
                ),
            )
            return EXIT_OK
        if args.dry_run:
            from console.core.backup import in_place

            return _show_preview(args, in_place.preview(ws, repo, args.snapshot))
        result = snapshots.restore_into(
            ws, user, repo, args.snapshot, args.to, only=args.only, reason=args.reason,
            ctx=terminal_job(args),
        )  # fmt: skip
    emit(args, result, lambda: _restored_text(result))
    return EXIT_OK


def _restored_text(result: dict[str, Any]) -> str:
    parts = f" ({', '.join(result['only'])})" if result["only"] else ""
    return (
        f"Snapshot {result['snapshot'][:8]}{parts}: {result['files']} files, "
        f"{byte_size(result['bytes'])} restored into {result['target']}"
    )


def _restore_with_key(args: argparse.Namespace, user: str) -> int:
    from console.core.backup import restore

    if args.to is None or args.repo is None:
        raise BadInput("--key: give --repo DIR and --to DIR (no workspace is used)")
    secret = getpass.getpass("Passphrase of the recovery key: ")
    repo = Repository.open(Path(args.repo), secret, key_file=args.key.expanduser().resolve())
    result = restore.restore_to(
        repo, args.snapshot, args.to, only=args.only, ctx=terminal_job(args)
    )
    emit(args, result, lambda: _restored_text(result))
    return EXIT_OK


def _show_preview(args: argparse.Namespace, preview: dict[str, Any]) -> int:
    def text() -> str:
        return "\n".join(preview["lines"])

    emit(args, preview, text)
    return EXIT_OK


def run_prune(args: argparse.Namespace, ws: Workspace, user: str) -> int:
    from console.core.backup import prune

    _, repo = locations.open_repository(ws, args.repo)
    cfg = ws.config.backup
    policy = prune.Policy(
        last=cfg.keep_last if args.keep_last is None else args.keep_last,
        daily=cfg.keep_daily if args.keep_daily is None else args.keep_daily,
        weekly=cfg.keep_weekly if args.keep_weekly is None else args.keep_weekly,
        monthly=cfg.keep_monthly if args.keep_monthly is None else args.keep_monthly,
    )
    result = prune.prune(ws, user, repo, policy, dry_run=args.dry_run, ctx=terminal_job(args))

    def text() -> str:
        verb = "would remove" if args.dry_run else "removed"
        lines = [f"Keeping {len(result['keep'])} snapshot(s), {verb} {len(result['forget'])}"]
        lines += [f"  forget {s[:8]}" for s in result["forget"]]
        if not args.dry_run:
            lines.append(
                f"Freed {byte_size(result['freed_bytes'])}: {result['packs_deleted']} pack(s) "
                f"deleted, {result['packs_rewritten']} rewritten"
            )
        return "\n".join(lines)

    emit(args, result, text)
    return EXIT_OK


def run_recover(args: argparse.Namespace, ws: Workspace, user: str) -> int:
    from console.core.backup import recovery

    _, repo = locations.open_repository(ws, args.repo)
    report = recovery.recover(
        ws, user, repo, args.snapshot, window_days=args.window, dataset=args.dataset,
        model=args.model,
        ctx=terminal_job(args),
    )  # fmt: skip

    def text() -> str:
        lines = [f"Recovery from snapshot {report['snapshot'][:8]}:"]
        for item in report["items"]:
            done = "recovered, " if item.get("recovered") else ""
            verdict = "reproduced" if item["reproduced"] else "NOT reproduced"
            lines.append(f"  {item['what']}: {done}{verdict}")
        lines.append("All reproduced" if report["reproduced"] else "Some data did not reproduce")
        return "\n".join(lines)

    emit(args, report, text)
    return EXIT_OK if report["reproduced"] else EXIT_PROBLEM


def run_forget(args: argparse.Namespace, ws: Workspace, user: str) -> int:
    from console.core.backup import prune

    _, repo = locations.open_repository(ws, args.repo)
    result = prune.forget(ws, user, repo, args.snapshot, prune_now=args.prune)
    emit(args, result, lambda: f"Snapshot {result['snapshot'][:8]} forgotten")
    return EXIT_OK
