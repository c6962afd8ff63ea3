"""Start, stop and restart the scoring service as a separate process (GUI, scripts).

``start_service`` launches ``python -m console -w ROOT serve ...`` in its own session
(it outlives a closed window only if the caller leaves it running) with its output in
``logs/service.log``, and returns once the service has recorded itself and answers
/health. ``stop_service`` sends SIGTERM, so the service finishes its requests in
flight and stores its waiting predictions, then waits for the process to end.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from typing import TYPE_CHECKING

from console.core.base import access, audit, db, events
from console.core.base.errors import BadInput, WorkspaceError
from console.core.base.jobs import JobContext
from console.core.serving import security, state
from console.core.serving.settings import ServiceSettings

if TYPE_CHECKING:
    from pathlib import Path

    import psutil

    from console.core.base.workspace import Workspace

START_TIMEOUT = 60.0
STOP_TIMEOUT = 20.0
_CHILDREN: list[subprocess.Popen[bytes]] = []  # reaped so a stopped child is no zombie


def service_log(ws: Workspace) -> Path:
    return ws.root / "logs" / "service.log"


def start_service(
    ws: Workspace,
    user: str,
    *,
    host: str | None = None,
    port: int | None = None,
    demo_traffic: float = 0.0,
    ctx: JobContext | None = None,
) -> state.ServiceInfo:
    """Launch the service for ``ws`` (role: service.control); BadInput if one runs."""
    ctx = ctx or JobContext()
    ws.authorize(user, "service.control", "service")
    settings = ServiceSettings.of(ws, host=host, port=port)
    running = state.running_service(ws)
    if running is not None:
        raise BadInput(f"the scoring service already runs at {running.url} (pid {running.pid})")
    args = [sys.executable, "-m", "console", "--workspace", str(ws.root), "serve"]
    args += ["--host", settings.host, "--port", str(settings.port)]
    if demo_traffic > 0:
        args += ["--demo-traffic", f"{demo_traffic:g}"]
    log_file = service_log(ws)
    log_file.parent.mkdir(parents=True, exist_ok=True)
    env = child_environment(ws, user, "service.control", "the scoring service")
    with log_file.open("ab") as out:
        proc = subprocess.Popen(
            args,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            start_new_session=True,
        )
    _CHILDREN.append(proc)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        ctx.progress(1 - (deadline - time.monotonic()) / START_TIMEOUT, "Starting the service")
        if proc.poll() is not None:
            raise WorkspaceError(f"the scoring service did not start: {_last_line(log_file)}")
        info = state.running_service(ws)
        if info is not None and info.pid == proc.pid and _answers(ws, info):
            ctx.progress(1.0, f"Serving at {info.url}")
            events.publish("service_changed", ws, state="running", url=info.url)
            return info
        time.sleep(0.1)
    _terminate(proc.pid)
    raise WorkspaceError(f"the scoring service did not answer within {START_TIMEOUT:g} s")


def child_environment(ws: Workspace, user: str, action: str, what: str) -> dict[str, str]:
    """The environment of a console process started to act as ``user``.

    Refused before anything starts (IdentityRefused, exit 3; the denial is audited)
    when the workspace would not let that process act as ``user``: not the OS user and
    the ``CONSOLE_USER`` override is off. With console accounts on, a one-time start
    ticket stands in for the password the process has no terminal to ask for.
    """
    from console.core.security import accounts, start_ticket

    try:
        ws.resolve_user(user)
    except access.IdentityRefused:
        os_user = access.os_user()
        with db.write_transaction(ws.conn) as conn:
            audit.append(
                conn, user=user, role=ws.role_of(user), action=action, target="service",
                outcome="denied", details={"reason": f"would run as {user} under {os_user}"},
            )  # fmt: skip
        raise access.IdentityRefused(
            f"{what} would run as {user}, who is not the operating-system user ({os_user}), "
            "and this workspace lets no process act under another name: an admin allows it "
            "('console security console-user on'), or the service is started by the "
            f"operating-system user ({os_user}) itself"
        ) from None
    env = {**os.environ, "CONSOLE_USER": user}
    env.pop(start_ticket.ENV, None)
    if accounts.enabled(ws):
        env[start_ticket.ENV] = start_ticket.issue(ws, user)
    return env


def stop_service(ws: Workspace, user: str, *, ctx: JobContext | None = None) -> state.ServiceInfo:
    """Stop the running service gracefully (role: service.control)."""
    ctx = ctx or JobContext()
    ws.authorize(user, "service.control", "service")
    info = state.running_service(ws)
    if info is None:
        raise BadInput("no scoring service is running for this workspace")
    ctx.progress(0.1, "Stopping the service")
    if not _terminate(info.pid):
        raise WorkspaceError(f"the service (pid {info.pid}) did not stop within {STOP_TIMEOUT:g} s")
    ctx.progress(1.0, "Stopped")
    events.publish("service_changed", ws, state="stopped", url=info.url)
    return info


def restart_service(
    ws: Workspace, user: str, *, demo_traffic: float = 0.0, ctx: JobContext | None = None
) -> state.ServiceInfo:
    """Stop the running service (if any) and start it again where it listened."""
    ctx = ctx or JobContext()
    info = state.running_service(ws)
    if info is not None:
        stop_service(ws, user, ctx=ctx.sub(0.0, 0.3))
    host, port = (info.host, info.port) if info else (None, None)
    return start_service(
        ws, user, host=host, port=port, demo_traffic=demo_traffic, ctx=ctx.sub(0.3, 1.0)
    )


def _answers(ws: Workspace, info: state.ServiceInfo) -> bool:
    try:
        verify = security.client_context(ws) if info.tls else True
        state.fetch_health(info, 1.0, verify)
    except OSError:
        return False
    return True


def _terminate(pid: int) -> bool:
    """SIGTERM, wait, SIGKILL as a last resort; True if it ended within the timeout.

    A service that has exited but that its parent has not reaped yet (a zombie: one the
    window started, stopped from the command line) has ended: waiting for its process
    id to go away reported "did not stop" after the timeout, then killed a dead process.
    """
    import psutil

    try:
        proc = psutil.Process(pid)
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT
        while not _ended(proc):
            if time.monotonic() >= deadline:
                os.kill(pid, signal.SIGKILL)
                return False
            with contextlib.suppress(psutil.TimeoutExpired):
                proc.wait(0.1)  # (reaps it if it is this process's child)
    except (psutil.NoSuchProcess, ProcessLookupError):
        pass
    finally:
        for child in list(_CHILDREN):
            if child.poll() is not None:
                _CHILDREN.remove(child)
    return True


def _ended(proc: psutil.Process) -> bool:
    import psutil

    try:
        return bool(proc.status() == psutil.STATUS_ZOMBIE)
    except psutil.NoSuchProcess:
        return True


def _last_line(path: Path) -> str:
    try:
        lines = [ln for ln in path.read_text(errors="replace").splitlines() if ln.strip()]
    except OSError:
        return "no output"
    return lines[-1] if lines else "no output"


TRAFFIC_MAX_SECONDS = 3600.0  # a forgotten generator stops by itself


def start_traffic(
    ws: Workspace, user: str, *, rate: float = 20.0, duration: float = TRAFFIC_MAX_SECONDS
) -> subprocess.Popen[bytes]:
    """Run ``console traffic`` against the running service in a child process.

    The caller stops it with :func:`stop_traffic` (it also ends by itself after
    ``duration`` seconds). BadInput when no service runs.
    """
    ws.authorize(user, "service.control", "traffic")
    if state.running_service(ws) is None:
        raise BadInput("no scoring service is running: start it before sending traffic")
    args = [sys.executable, "-m", "console", "--workspace", str(ws.root), "traffic"]
    args += ["--rate", f"{rate:g}", "--duration", f"{duration:g}"]
    env = child_environment(ws, user, "service.control", "the traffic generator")
    with service_log(ws).open("ab") as out:
        return subprocess.Popen(
            args, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env
        )


def stop_traffic(proc: subprocess.Popen[bytes], timeout: float = 5.0) -> None:
    """End a traffic generator started by :func:`start_traffic` and reap it."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
