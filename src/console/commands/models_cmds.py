"""``console models``: the registry, promote, rollback and verify."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from console.commands.output import add_json, emit, short_time, terminal_job
from console.core.base.errors import EXIT_OK, EXIT_PROBLEM, BadInput
from console.core.base.workspace import Workspace
from console.core.models import deploy, model_import, registry
from console.core.models.deploy import CheckResult, Deployment

KEY_METRICS = ("roc_auc", "f1", "precision", "recall", "fpr")


def register(sub: Any) -> None:
    models = sub.add_parser("models")
    actions = models.add_subparsers(dest="models_command", metavar="ACTION", required=True)

    reg = actions.add_parser("register", help="register a skops model file as a candidate (admin)")
    reg.add_argument("path", type=Path, metavar="PATH")
    which = reg.add_mutually_exclusive_group()
    which.add_argument("--version", dest="model_version", metavar="X.Y.Z")
    which.add_argument("--bump", choices=registry.BUMPS)
    reg.add_argument("--notes", required=True, help="what changed and why")
    reg.add_argument("--threshold", type=float, required=True, help="decision threshold")
    reg.add_argument("--golden", type=Path, help="CSV/Parquet rows for the known-answer test")
    reg.add_argument("--dataset", metavar="SHA256", help="training dataset version")
    reg.add_argument("--metrics", type=Path, help="JSON file of holdout metrics")
    reg.add_argument(
        "--i-trust-this-pickle",
        dest="trust_pickle",
        action="store_true",
        help="unpickle a pickle/joblib file (runs code from it!) and convert it to skops",
    )
    add_json(reg).set_defaults(run=run_register)

    add_json(actions.add_parser("list", help="all versions")).set_defaults(run=run_list)
    show = actions.add_parser("show", help="a version's model card")
    show.add_argument("version")
    add_json(show).set_defaults(run=run_show)
    hist = actions.add_parser("history", help="every production change")
    hist.add_argument("--limit", type=int, default=50)
    add_json(hist).set_defaults(run=run_history)

    promote = actions.add_parser("promote", help="verify a version and put it in production")
    promote.add_argument("version")
    promote.add_argument("--reason", required=True)
    add_json(promote).set_defaults(run=run_promote)
    back = actions.add_parser("rollback", help="restore the previous production version")
    back.add_argument("--to", metavar="VERSION", help="default: the previous production version")
    back.add_argument("--reason", required=True)
    add_json(back).set_defaults(run=run_rollback)
    verify = actions.add_parser("verify", help="run the deployment checks without switching")
    verify.add_argument("version")
    add_json(verify).set_defaults(run=run_verify)


def run_register(args: argparse.Namespace, ws: Workspace, user: str) -> int:
    metrics: dict[str, float] | None = None
    if args.metrics is not None:
        try:
            metrics = {str(k): float(v) for k, v in json.loads(args.metrics.read_text()).items()}
        except (OSError, ValueError, AttributeError, TypeError) as exc:
            raise BadInput(f"{args.metrics}: not a JSON object of metric numbers: {exc}") from None
    model = model_import.register_file(
        ws,
        user,
        args.path,
        version=args.model_version,
        bump=args.bump,
        notes=args.notes,
        threshold=args.threshold,
        metrics=metrics,
        dataset=args.dataset,
        golden=args.golden,
        trust_pickle=args.trust_pickle,
    )
    emit(
        args,
        model.as_dict(),
        lambda: (
            f"Registered {model.version} as {model.stage} "
            f"(sha256 {model.sha256[:12]}, {model.golden_rows:,} golden rows)"
        ),
    )
    return EXIT_OK


def run_list(args: argparse.Namespace, ws: Workspace, user: str) -> int:
    versions = registry.list_versions(ws)

    def text() -> str:
        head = f"{'version':<9} {'stage':<10} {'created':<19} {'author':<10}"
        lines = [head + "".join(f" {m:>9}" for m in KEY_METRICS) + "  sha256"]
        for m in versions:
            row = f"{m.version:<9} {m.stage:<10} {short_time(m.created_at):<19} {m.author:<10}"
            row += "".join(f" {_metric(m.metrics.get(k)):>9}" for k in KEY_METRICS)
            lines.append(f"{row}  {m.sha256[:12]}")
        return "\n".join(lines)

    emit(args, {"versions": [m.as_dict() for m in versions]}, text)
    return EXIT_OK


def run_show(args: argparse.Namespace, ws: Workspace, user: str) -> int:
    card = registry.model_card(ws, args.version)

    def text() -> str:
        data = card["training_dataset"]
        lines = [
            f"Model {card['version']} ({card['stage']})",
            f"  changes:   {card['changes']}",
            f"  author:    {card['author']}, {short_time(card['date'])}",
            f"  dataset:   {data['name'] or '-'} {(data['sha256'] or '-')[:12]}",
            f"  threshold: {card['threshold']:.4f}",
            f"  features:  {', '.join(f'{k} ({v})' for k, v in card['features'].items())}",
            f"  golden:    {card['golden_set']['rows']:,} rows",
            f"  artifact:  {card['artifact']['sha256']}",
            "  metrics:   " + ", ".join(f"{k} {_metric(v)}" for k, v in card["metrics"].items()),
        ]
        lines += [f"  {k}: {v}" for k, v in card["provenance"].items()]
        return "\n".join(lines)

    emit(args, card, text)
    return EXIT_OK


def run_history(args: argparse.Namespace, ws: Workspace, user: str) -> int:
    rows = deploy.history(ws, args.limit)

    def text() -> str:
        lines = [f"{'id':>4}  {'finished':<19}  {'kind':<8} {'from':<8} {'to':<8} {'outcome':<9} "]
        lines[0] += "user        reason"
        for d in rows:
            lines.append(
                f"{d.id:>4}  {short_time(d.finished_at):<19}  {d.kind:<8} "
                f"{d.from_version or '-':<8} {d.to_version:<8} {d.outcome:<9} {d.user:<11} "
                f"{d.reason}"
            )
        return "\n".join(lines)

    emit(args, {"deployments": [d.as_dict() for d in rows]}, text)
    return EXIT_OK


def run_promote(args: argparse.Namespace, ws: Workspace, user: str) -> int:
    result = deploy.promote(
        ws,
        user,
        args.version,
        reason=args.reason,
        ctx=terminal_job(args),
        on_step=_step_printer(args),
    )
    return _report(args, result)


def run_rollback(args: argparse.Namespace, ws: Workspace, user: str) -> int:
    result = deploy.rollback(
        ws,
        user,
        reason=args.reason,
        to=args.to,
        ctx=terminal_job(args),
        on_step=_step_printer(args),
    )
    return _report(args, result)


def run_verify(args: argparse.Namespace, ws: Workspace, user: str) -> int:
    results = deploy.verify(ws, user, args.version, on_step=_step_printer(args))
    ok = all(r.ok for r in results)
    emit(
        args,
        {"version": args.version, "ok": ok, "checks": [r.__dict__ for r in results]},
        lambda: f"{args.version}: {'all checks passed' if ok else 'verification FAILED'}",
    )
    return EXIT_OK if ok else EXIT_PROBLEM


def _step_printer(args: argparse.Namespace) -> Any:
    if getattr(args, "json", False):
        return None

    def show(step: CheckResult) -> None:
        mark = "ok  " if step.ok else "FAIL"
        print(f"  [{mark}] {step.name:<13} {step.detail} ({step.seconds * 1000:.0f} ms)")

    return show


def _report(args: argparse.Namespace, result: Deployment) -> int:
    def text() -> str:
        if result.outcome == "switched":
            return (
                f"Production is now {result.to_version} (was {result.from_version or 'none'}); "
                f"deployment {result.id} recorded."
            )
        failed = next((c for c in reversed(result.checks) if not c.ok), None)
        why = f"{failed.name}: {failed.detail}" if failed else "unknown"
        kept = result.from_version or "none"
        return f"{result.kind.capitalize()} {result.outcome}: {why}. Production stays {kept}."

    emit(args, result.as_dict(), text)
    return EXIT_OK if result.outcome == "switched" else EXIT_PROBLEM


def _metric(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"
