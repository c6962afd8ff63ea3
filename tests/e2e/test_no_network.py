"""The console needs no network: its main flows run with every non-loopback connection
refused, in a fresh process (and, where the machine allows, in a network namespace with
nothing but loopback). Nothing may even try: every attempt is logged and fails the test.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent / "offline"


def _isolated_network_available() -> bool:
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        return False
    probe = subprocess.run(
        ["unshare", "-n", "ip", "link", "set", "lo", "up"], capture_output=True, check=False
    )
    return probe.returncode == 0


def _env(log: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(HERE), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env["CONSOLE_NET_LOG"] = str(log)
    env["QT_QPA_PLATFORM"] = "offscreen"
    for proxy in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        env.pop(proxy, None)
    return env


def test_the_guard_is_active_in_child_processes(tmp_path: Path) -> None:
    code = "import socket; print(socket.socket.connect.__module__)"
    done = subprocess.run(
        [sys.executable, "-c", code],
        env=_env(tmp_path / "net.log"),
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip() == "sitecustomize"


@pytest.mark.slow
def test_main_flows_run_without_any_network(tmp_path: Path) -> None:
    log = tmp_path / "net.log"
    command = [sys.executable, str(HERE / "flows.py"), str(tmp_path / "ws")]
    isolated = _isolated_network_available()
    if isolated:  # a namespace of its own: loopback up, no other interface, no route
        script = 'ip link set lo up && exec "$@"'
        command = ["unshare", "-n", "sh", "-c", script, "sh", *command]
    done = subprocess.run(
        command, env=_env(log), capture_output=True, text=True, timeout=540, check=False
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    assert "all flows done" in done.stdout
    for flow in ("ingest", "check", "drift", "promote", "rollback", "service stop", "window"):
        assert f"{flow}:" in done.stdout
    attempts = log.read_text() if log.exists() else ""
    assert attempts == "", f"tried to reach the network (isolated={isolated}):\n{attempts}"
