"""``console drift``: data drift per feature and jointly; ``drift concept``: concept drift
and performance by segment; ``drift history``: stored analyses."""

from __future__ import annotations

import argparse
from typing import Any

from console.commands.output import add_json, emit, short_time, terminal_job
from console.core.base.errors import EXIT_OK, EXIT_PROBLEM, BadInput
from console.core.base.workspace import Workspace
from console.core.drift.settings import CORRECTIONS, DriftSettings, FeatureRule, for_workspace


def register(sub: Any) -> None:
    drift = sub.add_parser(
        "drift",
        description="Compare every feature of CURRENT with REFERENCE (KS / chi-square with "
        "PSI, Wasserstein and Jensen-Shannon), plus a multivariate check. Exit 1 when the "
        "share of drifted features reaches the dataset-drift share.",
        epilog=_gates_help(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    drift.add_argument(
        "--reference",
        default="production",
        metavar="SPEC",
        help="production (the training data, default) | dataset:VERSION | "
        "window:START..END | window:DAY | last:N | FILE (.csv/.parquet)",
    )
    drift.add_argument(
        "--current",
        default="last:1",
        metavar="SPEC",
        help="window:START..END | window:DAY | last:N | FILE (default: last:1, the newest day)",
    )
    drift.add_argument(
        "--allow-overlap",
        action="store_true",
        help="compare even when the reference window contains days of the current one",
    )
    drift.add_argument("--alpha", type=float, help="test level (default 0.05)")
    drift.add_argument("--correction", choices=CORRECTIONS, help="across features (default holm)")
    drift.add_argument("--drift-share", type=float, help="dataset drift from this share (0.3)")
    drift.add_argument(
        "--method",
        action="append",
        default=[],
        metavar="FEATURE=METHOD[:THRESHOLD[:GATE]]",
        help="per-feature method: ks|psi|wasserstein|js (numbers), chi2|psi|js (categories); "
        "THRESHOLD is alpha for ks/chi2, else the distance; GATE (ks/chi2 only) replaces the "
        "main effect gate (KS distance / share change), 0 or 'off' turns the gates off",
    )
    drift.add_argument("--no-store", action="store_true", help="do not store the analysis")
    add_json(drift).set_defaults(run=run_drift)
    more = drift.add_subparsers(dest="drift_command", metavar="")
    concept = more.add_parser(
        "concept",
        help="concept drift detectors (DDM, Page-Hinkley) and segments",
        description="Run the detectors of [drift.concept] (their parameters under "
        "[drift.concept.ddm] and [drift.concept.page_hinkley]) over the labelled outcomes "
        "in time order, and compare each segment's recent days with its baseline "
        "([drift.concept.segments]: recent_days, baseline_days, f1_change, fpr_change). "
        "The report states the parameters and the days compared; DDM warnings are listed "
        "under its drift points. Exit 1 when a detector found a drift point.",
    )
    concept.add_argument("--start", metavar="YYYY-MM-DD")
    concept.add_argument("--end", metavar="YYYY-MM-DD")
    add_json(concept).set_defaults(run=run_concept)
    history = more.add_parser("history", help="stored drift analyses")
    history.add_argument("--limit", type=int, default=20)
    add_json(history).set_defaults(run=run_history)


def _gates_help() -> str:
    lines = ["decision rules (defaults; [drift] in console.toml and the options change them):"]
    lines += ["  " + line for line in DriftSettings().gate_lines()]
    lines += [
        "  --method amount=ks:0.01:0.05  KS at alpha 0.01, drift from a KS distance of 0.05",
        "  --method country=chi2:0.05:off  the chi-square test alone decides",
    ]
    return "\n".join(lines)


def _parse_rule(item: str) -> tuple[str, FeatureRule]:
    name, sep, spec = item.partition("=")
    method, _, rest = spec.partition(":")
    threshold, _, gate = rest.partition(":")
    if not sep or not name or not method:
        raise BadInput(
            f"--method {item}: write FEATURE=METHOD, FEATURE=METHOD:THRESHOLD or "
            "FEATURE=METHOD:THRESHOLD:GATE"
        )
    values: list[float | None] = []
    for what, text in (("threshold", threshold), ("gate", gate)):
        if what == "gate" and text.lower() in ("off", "none"):
            values.append(0.0)
            continue
        try:
            values.append(float(text) if text else None)
        except ValueError:
            raise BadInput(f"--method {item}: {what} {text!r} is not a number") from None
    return name, FeatureRule(method, values[0], values[1])


def settings_from(args: argparse.Namespace, ws: Workspace) -> DriftSettings:
    rules = dict(_parse_rule(item) for item in args.method)
    unknown = [n for n in rules if n not in ws.config.data_schema.features]
    if unknown:
        raise BadInput(f"--method {unknown[0]}=...: {unknown[0]!r} is not a feature of the schema")
    return for_workspace(
        ws, alpha=args.alpha, correction=args.correction, drift_share=args.drift_share,
        rules=rules,
    )  # fmt: skip


def _num(value: float | None, spec: str = ".3g") -> str:
    return "-" if value is None else format(value, spec)


def _p(value: float | None) -> str:
    return "<1e-300" if value == 0 else _num(value, ".2g")


def _gate(value: float | None) -> str:
    return "off" if value == 0 else _num(value, "g")


def _worth_a_note(c: Any) -> bool:
    """Drifted, untested, or a signal over its threshold that did not decide."""
    if c.drifted or c.status not in ("ok", "drifted"):
        return True
    return any(s["passed"] for s in c.signals)


def run_drift(args: argparse.Namespace, ws: Workspace, user: str) -> int:
    from console.core.drift import report  # numpy and pandas: only when drift runs

    settings = settings_from(args, ws)
    result = report.run_drift(
        ws, user, args.reference, args.current, settings=settings,
        ctx=terminal_job(args), store_result=not args.no_store,
        allow_overlap=args.allow_overlap,
    )  # fmt: skip
    data = result.as_dict()
    for col in data["columns"]:
        col.pop("histogram", None)

    def text() -> str:
        corrected = "p " + ("(none)" if settings.correction == "none" else settings.correction)
        lines = [
            f"Reference: {result.reference} ({result.n_reference:,} rows)",
            f"Current:   {result.current} ({result.n_current:,} rows)",
            *(f"Gates: {line}" if i == 0 else f"       {line}"
              for i, line in enumerate(settings.gate_lines())),
            "",
            f"{'feature':<24} {'method':<7} {'statistic':>10} {'p raw':>9} {corrected:>9} "
            f"{'alpha':>6} {'gate':>5} {'PSI':>7}  status",
        ]  # fmt: skip
        order = sorted(result.columns, key=lambda c: (not c.drifted, -(c.score or 0)))
        for c in order:
            lines.append(
                f"{c.name:<24} {c.method:<7} {_num(c.statistic):>10} {_p(c.raw_p_value):>9} "
                f"{_p(c.p_value):>9} {_num(c.threshold, 'g'):>6} {_gate(c.gate):>5} "
                f"{_num(c.score):>7}  {'DRIFT' if c.drifted else c.status}"
            )
            if c.note and _worth_a_note(c):
                lines.append(f"{'':<26}{c.note}")
        share = "-" if result.share_drifted is None else f"{result.share_drifted:.0%}"
        lines += [
            "",
            f"Drifted features: {share} (dataset drift from {result.drift_share:.0%}): "
            + ("DATASET DRIFT" if result.dataset_drift else "no dataset drift"),
        ]
        if result.multivariate is not None:
            lines.append(f"Multivariate (PCA reconstruction): {result.multivariate.note}")
        if result.id is not None:
            lines.append(f"Stored as analysis {result.id}.")
        return "\n".join(lines)

    emit(args, data, text)
    return EXIT_PROBLEM if result.dataset_drift else EXIT_OK


def _date(text: str | None, flag: str) -> Any:
    import datetime as dt

    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise BadInput(f"{flag} {text}: not a date (YYYY-MM-DD)") from None


def run_concept(args: argparse.Namespace, ws: Workspace, user: str) -> int:
    from console.core.drift import concept_run  # numpy and pandas: only when it runs

    result = concept_run.run_concept(
        ws, user, start=_date(args.start, "--start"), end=_date(args.end, "--end"),
        ctx=terminal_job(args),
    )  # fmt: skip
    data = result.as_dict()
    for seg in data["segments"]:
        seg.pop("series", None)

    def text() -> str:
        lines = [
            f"Labelled outcomes: {result.n:,} ({result.unlabelled:,} predictions without a "
            "label left out)",
            *concept_settings_lines(result.settings),
            "",
        ]
        for name in result.detectors:
            points = [d for d in result.drift_points if d.detector == name]
            where = ", ".join(f"{short_time(d.ts)} (#{d.index:,})" for d in points) or "none"
            lines.append(f"{name:<13} drift points: {where}")
            warned = [d for d in result.warnings if d.detector == name]
            if warned:
                shown = ", ".join(f"{short_time(d.ts)} (#{d.index:,})" for d in warned)
                lines.append(f"{'':<13} warnings:     {shown}")
        flagged = [s for s in result.segments if s.flagged]
        lines += ["", f"Segments flagged: {len(flagged)} of {len(result.segments)}"]
        for s in flagged:
            lines.append(f"  {s.column}={s.value}: {s.reason}")
        return "\n".join(lines)

    emit(args, data, text)
    return EXIT_PROBLEM if result.drift_points else EXIT_OK


def concept_settings_lines(settings: dict[str, Any]) -> list[str]:
    """The detectors' parameters and the segment windows, as the report states them."""
    lines = []
    for name, params in (settings.get("detectors") or {}).items():
        shown = ", ".join(f"{k} {v:g}" for k, v in params.items())
        lines.append(f"Detector {name}: {shown}")
    seg = settings.get("segments") or {}
    spans = seg.get("windows") or {}
    if seg:
        recent, base = spans.get("recent"), spans.get("baseline")
        lines.append(
            f"Segments: recent = last {seg['recent_days']} day(s)"
            + (f" ({recent[0]} to {recent[1]})" if recent else "")
            + ", baseline = "
            + (
                f"{seg['baseline_days']} day(s) before"
                if seg["baseline_days"]
                else "all earlier days"
            )
            + (f" ({base[0]} to {base[1]})" if base else " (none)")
            + f"; flagged when F1 fell >= {seg['f1_change']:g} or FPR rose >= "
            f"{seg['fpr_change']:g} (at least {seg['min_positives']} frauds and "
            f"{seg['min_negatives']} genuine rows a side)"
        )
    return lines


def run_history(args: argparse.Namespace, ws: Workspace, user: str) -> int:
    from console.core.drift import report  # numpy and pandas: only when it runs

    runs = report.run_history(ws, args.limit)

    def text() -> str:
        lines = [f"{'id':>4}  {'when':<19}  {'kind':<8} {'drift':<6} {'share':>6}  current"]
        for r in runs:
            share = "-" if r.share_drifted is None else f"{r.share_drifted:.0%}"
            flag = "-" if r.dataset_drift is None else ("yes" if r.dataset_drift else "no")
            lines.append(
                f"{r.id:>4}  {short_time(r.created_at):<19}  {r.kind:<8} {flag:<6} "
                f"{share:>6}  {r.current or '-'}"
            )
        return "\n".join(lines)

    emit(args, {"runs": [r.as_dict() for r in runs]}, text)
    return EXIT_OK
