"""Where the scoring service of a workspace runs, so other processes can find it.

Each run of ``console serve`` is a row in ``service_runs`` (migration 0007): its process
id and start time, host, port, URL, TLS, who started it. The row is written once the
socket is bound and closed (``stopped_at``) when the service stops. A row whose process
is gone (killed, crashed, a reused pid) counts as not running, so a stale record never
misleads the GUI, the promote smoke test or the system checks.
"""

from __future__ import annotations

import json
import ssl
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from console.core.base import clock
from console.core.serving import security

if TYPE_CHECKING:
    from console.core.base.workspace import Workspace

#: How closely a recorded process start time must match the live process (seconds).
_START_TOLERANCE = 2.0


@dataclass(frozen=True)
class ServiceInfo:
    url: str
    host: str
    port: int
    pid: int
    started_at: str
    tls: bool

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def process_start(pid: int) -> float | None:
    """When process ``pid`` started (epoch seconds), or None if it does not exist."""
    import psutil

    try:
        return float(psutil.Process(pid).create_time())
    except (psutil.NoSuchProcess, psutil.AccessDenied, ValueError):
        return None


def _alive(pid: int, recorded_start: float) -> bool:
    import psutil

    try:
        proc = psutil.Process(pid)
        if proc.status() == psutil.STATUS_ZOMBIE:
            return False
        return bool(abs(proc.create_time() - recorded_start) <= _START_TOLERANCE)
    except (psutil.NoSuchProcess, psutil.AccessDenied, ValueError):
        return False


def running_service(ws: Workspace) -> ServiceInfo | None:
    """The service running for ``ws``, or None (a record of a dead process is ignored)."""
    rows = ws.conn.execute(
        "SELECT * FROM service_runs WHERE stopped_at IS NULL ORDER BY id DESC"
    ).fetchall()
    for row in rows:
        if _alive(int(row["pid"]), float(row["proc_start"])):
            return ServiceInfo(
                url=str(row["url"]),
                host=str(row["host"]),
                port=int(row["port"]),
                pid=int(row["pid"]),
                started_at=str(row["started_at"]),
                tls=bool(row["tls"]),
            )
    return None


def record_start(
    ws: Workspace, user: str, info: ServiceInfo, *, token_required: bool = True
) -> int:
    """Record a service that has bound its socket (role: service.control). Returns the run id."""
    start = process_start(info.pid) or time.time()
    with ws.change(user, "service.control", f"service:{info.port}") as ch:
        cur = ch.conn.execute(
            "INSERT INTO service_runs (pid, proc_start, host, port, url, tls, user, started_at)"
            " VALUES (?,?,?,?,?,?,?,?)",
            (info.pid, start, info.host, info.port, info.url, int(info.tls), user, info.started_at),
        )
        ch.details = {"event": "start", "url": info.url, "pid": info.pid, "tls": info.tls,
                      "token_required": token_required}  # fmt: skip
    return int(cur.lastrowid or 0)


def record_stop(ws: Workspace, user: str, run_id: int, totals: dict[str, Any]) -> None:
    """Close a run's record with its totals (role: service.control)."""
    with ws.change(user, "service.control", f"service-run:{run_id}") as ch:
        ch.conn.execute(
            "UPDATE service_runs SET stopped_at = ?, model_version = ?, requests = ?, errors = ?,"
            " logged_rows = ? WHERE id = ? AND stopped_at IS NULL",
            (
                clock.iso(),
                totals.get("model_version"),
                int(totals.get("requests", 0)),
                int(totals.get("errors", 0)),
                int(totals.get("logged_rows", 0)),
                run_id,
            ),
        )
        ch.details = {"event": "stop", **{k: totals[k] for k in sorted(totals)}}


def recent_runs(ws: Workspace, limit: int = 20) -> list[dict[str, Any]]:
    """The last service runs, newest first, each with ``running`` (process alive)."""
    rows = ws.conn.execute("SELECT * FROM service_runs ORDER BY id DESC LIMIT ?", (limit,))
    out = []
    for row in rows:
        item = dict(row)
        item["tls"] = bool(item["tls"])
        item["running"] = item["stopped_at"] is None and _alive(item["pid"], item["proc_start"])
        out.append(item)
    return out


def fetch_health(
    info: ServiceInfo, timeout: float = 1.0, verify: ssl.SSLContext | bool = True
) -> dict[str, Any]:
    """GET /health of a running service as a dict (raises ``OSError`` if unreachable).

    ``verify``: for a TLS service, the context from :func:`security.client_context`.
    The standard library's client: an HTTP client that builds a TLS context per call
    loads the system's certificate bundle each time (~26 ms of CPU), and the window,
    the checks and a switch waiting for its version poll this often.
    """
    import http.client
    from urllib.parse import urlsplit

    url = urlsplit(info.url)
    host, port = url.hostname or "127.0.0.1", url.port
    try:
        conn: http.client.HTTPConnection
        if url.scheme == "https":
            context = verify if isinstance(verify, ssl.SSLContext) else ssl.create_default_context()
            if verify is False:  # asked for: no check of the certificate
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
            conn = http.client.HTTPSConnection(host, port, timeout=timeout, context=context)
        else:
            conn = http.client.HTTPConnection(host, port, timeout=timeout)
        try:
            conn.request("GET", "/health", headers={"Accept": "application/json"})
            response = conn.getresponse()
            body = response.read()
        finally:
            conn.close()
        if response.status != 200:
            raise OSError(f"HTTP {response.status} {response.reason}")
        data = json.loads(body)
        if not isinstance(data, dict):
            raise ValueError("the answer is not a JSON object")
        return data
    except (OSError, http.client.HTTPException, ValueError) as exc:
        raise OSError(f"{info.url}/health: {exc}") from exc


def wait_for_version(ws: Workspace, version: str, timeout: float = 5.0) -> bool:
    """Poll the running service's /health until it reports ``version`` (False on timeout).

    False too when no service runs for ``ws``.
    """
    deadline = time.monotonic() + timeout
    while True:
        info = running_service(ws)
        if info is not None:
            try:
                verify = security.client_context(ws) if info.tls else True
                if fetch_health(info, 1.0, verify).get("model_version") == version:
                    return True
            except OSError:
                pass
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)
