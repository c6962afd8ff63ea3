"""``console serve``, ``console traffic`` and ``console service``: the scoring service."""

from __future__ import annotations

import argparse
import contextlib
import threading
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from console.commands.output import add_json, emit, short_time, terminal_job
from console.core.base.errors import EXIT_OK, EXIT_PROBLEM, BadInput, JobCancelled
from console.core.base.jobs import JobContext
from console.core.base.workspace import Workspace
from console.core.serving import control, security, state
from console.core.serving.settings import DEFAULT_HOST, DEFAULT_PORT, ServiceSettings

if TYPE_CHECKING:  # numpy and pandas load only for the commands that serve or send
    from console.core.serving.server import ScoringService


def _port(text: str) -> int:
    value = int(text)
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"port {value} is outside 0-65535")
    return value


def _positive(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text} must be greater than 0")
    return value


def register(sub: Any) -> None:
    serve = sub.add_parser("serve")
    serve.add_argument(
        "--host",
        default=None,
        help=f"address to listen on (default {DEFAULT_HOST}; the service-token is required "
        "unless [service] open_on_loopback; anything but loopback serves HTTPS)",
    )
    serve.add_argument(
        "--port", type=_port, default=None, help=f"default {DEFAULT_PORT}; 0 picks a free port"
    )
    serve.add_argument(
        "--demo-traffic",
        type=_positive,
        metavar="RATE",
        help="also send RATE demo requests a second to itself (live traffic for a demo)",
    )
    serve.set_defaults(run=run_serve)

    gen = sub.add_parser("traffic")
    gen.add_argument(
        "--rate", type=_positive, default=20.0, help="requests per second (default 20)"
    )
    gen.add_argument("--duration", type=_positive, default=10.0, help="seconds (default 10)")
    gen.add_argument("--batch", type=int, default=1, help="records per request (default 1)")
    gen.add_argument("--url", help="service URL (default: the workspace's running service)")
    add_json(gen).set_defaults(run=run_traffic)

    svc = sub.add_parser("service")
    actions = svc.add_subparsers(dest="service_action", metavar="ACTION", required=True)
    add_json(
        actions.add_parser("status", help="is it running, where, and its health")
    ).set_defaults(run=run_status)
    start = actions.add_parser("start", help="start the service in the background")
    start.add_argument("--host", default=None)
    start.add_argument("--port", type=_port, default=None)
    start.add_argument("--demo-traffic", type=_positive, metavar="RATE", default=0.0)
    add_json(start).set_defaults(run=run_start)
    add_json(actions.add_parser("stop", help="stop it gracefully")).set_defaults(run=run_stop)
    add_json(actions.add_parser("restart", help="stop and start it again")).set_defaults(
        run=run_restart
    )


def run_serve(args: argparse.Namespace, ws: Workspace, user: str) -> int:
    from console.core.serving.server import ScoringService

    settings = ServiceSettings.of(ws, host=args.host, port=args.port)
    service = ScoringService(ws, user, settings)
    feeder: threading.Thread | None = None
    ctx = JobContext()
    if args.demo_traffic:
        feeder = threading.Thread(
            target=_feed,
            args=(service, float(args.demo_traffic), ctx),
            name="demo-traffic",
            daemon=True,
        )
        feeder.start()
    print(
        f"Serving model {service.holder.current.version} at {service.info.url} "
        f"(POST /v1/predict, GET /health, GET /metrics); Ctrl-C stops",
        flush=True,
    )
    try:
        service.run()
    finally:
        ctx.cancel()
        if feeder is not None:
            feeder.join(timeout=5)
    return EXIT_OK


def _feed(service: ScoringService, rate: float, ctx: JobContext) -> None:
    """Send demo traffic to ``service`` once it answers, until ``ctx`` is cancelled."""
    from console.core.demo import traffic

    while not service.ready.wait(0.2):
        if ctx.cancelled:
            return
    verify = security.client_context(service.ws) if service.tls else True
    token = security.service_token(service.ws) if service.token_required else None
    with contextlib.suppress(JobCancelled):
        traffic.send(
            service.info.url, rate=rate, duration=7 * 86400, token=token, verify=verify, ctx=ctx
        )


def _target(args: argparse.Namespace, ws: Workspace) -> tuple[str, str | None, Any]:
    """URL, bearer token and TLS verification for the traffic generator. The token goes
    only to the workspace's own service or to a URL on this machine."""
    if args.url:
        host = urlsplit(args.url).hostname or ""
        return args.url, security.client_token(ws) if security.is_loopback(host) else None, True
    info = state.running_service(ws)
    if info is None:
        raise BadInput(
            "no scoring service is running for this workspace (start one: console serve)"
        )
    if info.tls:
        return info.url, security.service_token(ws), security.client_context(ws)
    return info.url, security.client_token(ws), True


def run_traffic(args: argparse.Namespace, ws: Workspace, user: str) -> int:
    from console.core.demo import traffic

    url, token, verify = _target(args, ws)
    result = traffic.send(
        url,
        rate=args.rate,
        duration=args.duration,
        token=token,
        batch=args.batch,
        verify=verify,
        ctx=terminal_job(args),
        freeze_gc=True,  # this process only sends
    )
    data = {"url": url, **result.as_dict()}
    refused = result.statuses.get("401", 0)

    def text() -> str:
        versions = ", ".join(f"{v}: {n:,}" for v, n in sorted(result.versions.items())) or "-"
        return (
            f"Sent {result.sent:,} requests to {url} in {data['seconds']} s ({data['rate']}/s): "
            f"{result.ok:,} ok, {result.failed:,} failed; p50 {data['p50_ms']} ms, "
            f"p99 {data['p99_ms']} ms; versions {versions}"
        ) + (
            f"\n{refused:,} refused (401): the service wants the service-token credential, "
            "which this OS user's keyring does not hold"
            if refused
            else ""
        )

    emit(args, data, text)
    return EXIT_OK if result.failed == 0 else EXIT_PROBLEM


def run_status(args: argparse.Namespace, ws: Workspace, user: str) -> int:
    info = state.running_service(ws)
    data: dict[str, Any] = {"running": info is not None}
    if info is not None:
        data.update(info.as_dict())
        try:
            verify = security.client_context(ws) if info.tls else True
            data["health"] = state.fetch_health(info, 2.0, verify)
        except OSError as exc:
            data["health"] = None
            data["problem"] = str(exc)
    runs = state.recent_runs(ws, 1)
    data["last_run"] = runs[0] if runs else None

    def text() -> str:
        if info is None:
            last = data["last_run"]
            when = f"; last run stopped {short_time(last['stopped_at'])}" if last else ""
            return f"The scoring service is not running{when}"
        health = data.get("health") or {}
        lines = [f"Serving at {info.url} (pid {info.pid}, since {short_time(info.started_at)})"]
        if health:
            rate = health.get("cache_hit_rate")
            lines.append(
                f"model {health['model_version']} · {health['requests']:,} requests · "
                f"{health['errors']:,} errors · p99 {_ms(health.get('p99_ms'))} · cache hit rate "
                f"{'-' if rate is None else f'{rate:.1%}'} · {health['logged_rows']:,} rows logged"
            )
        else:
            lines.append(f"not answering: {data.get('problem')}")
        return "\n".join(lines)

    emit(args, data, text)
    return EXIT_OK if info is not None and data.get("health") else EXIT_PROBLEM


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} ms"


def run_start(args: argparse.Namespace, ws: Workspace, user: str) -> int:
    info = control.start_service(
        ws,
        user,
        host=args.host,
        port=args.port,
        demo_traffic=args.demo_traffic,
        ctx=terminal_job(args),
    )
    emit(args, info.as_dict(), lambda: f"Serving at {info.url} (pid {info.pid})")
    return EXIT_OK


def run_stop(args: argparse.Namespace, ws: Workspace, user: str) -> int:
    info = control.stop_service(ws, user, ctx=terminal_job(args))
    emit(args, info.as_dict(), lambda: f"Stopped the service at {info.url} (pid {info.pid})")
    return EXIT_OK


def run_restart(args: argparse.Namespace, ws: Workspace, user: str) -> int:
    info = control.restart_service(ws, user, ctx=terminal_job(args))
    emit(args, info.as_dict(), lambda: f"Serving at {info.url} (pid {info.pid})")
    return EXIT_OK
